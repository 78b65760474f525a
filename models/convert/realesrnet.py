#!/usr/bin/env python3
"""Convert a RealESRNet / BasicSR RRDBNet checkpoint to TorchScript.

    /usr/bin/python3 models/convert/realesrnet.py SOURCE -o OUT.pt [--no-check] [--layout inference|original]

SOURCE is a checkpoint file ({'params_ema': ...}, {'params': ...}, bare state_dict, with or
without `module.`) or a ModelScope GPEN model folder, whose `super_resolution/realesrnet_x2.pth`
is the background upsampler (docs/gpen.md §1). num_feat, num_block, num_grow_ch and the scale
are inferred from the keys and shapes; every key must be used and every expected key present.

Writes OUT.pt (frozen TorchScript: forward(x [N,3,H,W] RGB in [0,1]) -> [N,3,sH,sW], not
clamped, any N, H, W), OUT.pt.sha256 and OUT.pt.json (the configuration). Exit code 2 on a
refused source.
"""
import re
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from checkpoint_io import (ConversionError, check_against, check_saved_module, converter_main, load_state_dict, save_module, sha256_of,  # noqa: E402
                           write_sidecars)
from nets.rrdbnet import UNSHUFFLE, RRDBNet  # noqa: E402

FOLDER_FILE = 'super_resolution/realesrnet_x2.pth'


def find_checkpoint(source: Path) -> Path:
    if source.is_dir():
        for rel in (FOLDER_FILE, Path(FOLDER_FILE).name):
            if (source / rel).is_file():
                return source / rel
        found = sorted(str(p.relative_to(source)) for p in source.rglob('realesrnet_x*.pth'))
        raise ConversionError(f'{source}: no {FOLDER_FILE} in this folder'
                              + (f' (found: {", ".join(found)}; pass one by path)' if found else ''))
    if not source.exists():
        raise ConversionError(f'{source}: no such file or folder')
    return source


def infer_config(sd: dict, where: str) -> dict:
    need = ['conv_first.weight', 'conv_last.weight', 'body.0.rdb1.conv1.weight']
    missing = [k for k in need if k not in sd]
    if missing:
        raise ConversionError(f'{where}: cannot infer the RRDBNet configuration, missing keys: {", ".join(missing)}')
    num_feat, first_in = sd['conv_first.weight'].shape[:2]
    num_out_ch = sd['conv_last.weight'].shape[0]
    num_in_ch = num_out_ch                       # image to image: BasicSR's RealESRNet uses 3 and 3
    by_factor = {f * f * num_in_ch: s for s, f in UNSHUFFLE.items()}
    if first_in not in by_factor:
        raise ConversionError(f'{where}: conv_first.weight {list(sd["conv_first.weight"].shape)}: input channels '
                              f'{first_in} fit no scale (expected {num_in_ch}x1, x4 or x16 for scale 4, 2, 1)')
    num_block = len({int(m[1]) for k in sd for m in [re.match(r'^body\.(\d+)\.', k)] if m})
    return dict(num_in_ch=num_in_ch, num_out_ch=num_out_ch, scale=by_factor[first_in], num_feat=num_feat,
                num_block=num_block, num_grow_ch=sd['body.0.rdb1.conv1.weight'].shape[0])


def build(path: Path):
    sd = load_state_dict(path)
    cfg = infer_config(sd, str(path))
    model = RRDBNet(**cfg)
    check_against(sd, model, str(path))
    model.load_state_dict(sd, strict=True)
    return model.eval(), cfg


def to_torchscript(model: RRDBNet, layout: str = 'inference') -> torch.jit.ScriptModule:
    if layout == 'original':
        # scripted, not frozen, NCHW: the network as the original runs it (benchmark baseline)
        return torch.jit.script(model.original_layout().eval())
    # Freezing turns the (channels-last) weights into graph constants.
    return torch.jit.freeze(torch.jit.script(model.channels_last_weights().eval()))


def self_check(model: torch.nn.Module, scripted: torch.jit.ScriptModule, out: Path) -> float:
    """Reload the saved file; it must equal the in-memory module and match the eager network
    (on an odd-sized batch of 2)."""
    x = torch.rand(2, model.config['num_in_ch'], 37, 30, generator=torch.Generator().manual_seed(0))
    return check_saved_module(model, scripted, out, x)


def convert(source: Path, out: Path, check: bool = True, layout: str = 'inference') -> dict:
    path = find_checkpoint(source)
    t0 = time.time()
    model, cfg = build(path)
    meta = {
        'model': 'realesrnet',
        'converter': 'models/convert/realesrnet.py',
        'layout': layout,
        'config': cfg,
        'scale': cfg['scale'],
        'pad_multiple': UNSHUFFLE[cfg['scale']],
        'input': f'float32 [N,{cfg["num_in_ch"]},H,W] RGB in [0,1], any N, H, W',
        'output': f'float32 [N,{cfg["num_out_ch"]},{cfg["scale"]}H,{cfg["scale"]}W], not clamped',
        'parameters': sum(p.numel() for p in model.parameters()),
        'source': str(path.resolve()),
        'source_sha256': sha256_of(path),
        'torch': torch.__version__,
    }
    scripted = to_torchscript(model, layout)
    save_module(scripted, out)
    if check:
        meta['self_check_max_abs'] = self_check(model, scripted, out)
    meta['seconds'] = round(time.time() - t0, 1)
    return write_sidecars(out, meta)


def summary(meta: dict) -> str:
    c = meta['config']
    return (f'RRDBNet x{c["scale"]} (num_feat {c["num_feat"]}, num_block {c["num_block"]}, '
            f'num_grow_ch {c["num_grow_ch"]})')


def main(argv=None) -> int:
    return converter_main('realesrnet', 'Convert a RealESRNet (BasicSR RRDBNet) checkpoint to TorchScript.',
                          'checkpoint file, or ModelScope GPEN folder holding ' + FOLDER_FILE,
                          convert, summary, argv,
                          extra_args=[('--layout', dict(
                              choices=('inference', 'original'), default='inference',
                              help='inference: channels-last, frozen (default); original: NCHW, not frozen, as '
                                   'BasicSR runs it (the benchmark baseline)'))])


if __name__ == '__main__':
    sys.exit(main())

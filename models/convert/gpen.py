#!/usr/bin/env python3
"""Convert a GPEN generator checkpoint (ModelScope / official GPEN-BFR) to TorchScript.

    /usr/bin/python3 models/convert/gpen.py SOURCE -o OUT.pt [--no-check] [--layout inference|original]

SOURCE is a checkpoint file (bare state_dict, {'g_ema': ...}, {'params_ema': ...}, keys with or
without `module.`) or a ModelScope model folder, whose `pytorch_model.pt` is the generator
(docs/gpen.md §1; pass `pytorch_model-2048.pt` by path to convert the 2048 one). The
configuration (size, style_dim, n_mlp, channel_multiplier, narrow) is inferred from the keys
and shapes; every key must be used and every expected key present.

Writes OUT.pt (TorchScript: forward(x [N,3,S,S] RGB in [-1,1]) -> [N,3,S,S], raw, no clamp),
OUT.pt.sha256 and OUT.pt.json (the configuration and layout). Exit code 2 on a refused source.

--layout inference (the default) saves nets/gpen.py, rearranged for LibTorch, scripted and
frozen: any batch size, equal to the original within float rounding.
--layout original saves nets/gpen_original.py, the original's own arithmetic (the benchmark's
"as the original runs it" baseline), traced as spec §2.6 does: the trace only runs at batch 1
and size S (grouped convs bake groups = batch in).
"""
import math
import re
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from checkpoint_io import (ConversionError, check_against, check_saved_module, converter_main, load_state_dict, save_module, sha256_of,  # noqa: E402
                           write_sidecars)
from nets.gpen import FullGenerator, channel_table  # noqa: E402
from nets.gpen_original import OriginalFullGenerator  # noqa: E402

MODEL_FILE = 'pytorch_model.pt'
# the base channel table before channel_multiplier and narrow (spec §2.1)
BASE_CHANNELS = {r: c for r, c in channel_table(4096, 1, 1).items()}


def find_checkpoint(source: Path) -> Path:
    if source.is_dir():
        path = source / MODEL_FILE
        if not path.is_file():
            others = sorted(p.name for p in source.glob('*.pt*'))
            raise ConversionError(f'{source}: no {MODEL_FILE} in this folder'
                                  + (f' (found: {", ".join(others)}; pass one by path)' if others else ''))
        return path
    if not source.exists():
        raise ConversionError(f'{source}: no such file or folder')
    return source


def _nice(v: float):
    return int(v) if float(v).is_integer() else float(v)


def infer_config(sd: dict, where: str) -> dict:
    """size, style_dim, n_mlp, channel_multiplier, narrow from keys and shapes (docs/models/gpen.md)."""
    need = ['generator.input.input', 'generator.style.1.weight', 'ecd0.0.0.weight']
    missing = [k for k in need if k not in sd]
    if missing:
        raise ConversionError(f'{where}: cannot infer the GPEN configuration, missing keys: {", ".join(missing)}')
    ecd = {int(m[1]) for k in sd for m in [re.match(r'^ecd(\d+)\.', k)] if m}
    n_mlp = len({int(m[1]) for k in sd for m in [re.match(r'^generator\.style\.(\d+)\.weight$', k)] if m})
    size = 2 ** (max(ecd) + 2)                       # ecd0 .. ecd{L-2}
    if sorted(ecd) != list(range(len(ecd))) or size < 8 or size > 4096:
        raise ConversionError(f'{where}: encoder keys ecd{sorted(ecd)} do not form a GPEN encoder')
    style_dim = sd['generator.style.1.weight'].shape[0]
    narrow = sd['generator.input.input'].shape[1] / 512
    c_top = sd['ecd0.0.0.weight'].shape[0]           # C[size]
    # C[size] = base[size] * channel_multiplier * narrow for size >= 64; below that it does not apply
    cm = c_top / (BASE_CHANNELS[size] * narrow) if size >= 64 and narrow > 0 else 1
    if not (cm > 0 and math.isfinite(cm)):
        raise ConversionError(f'{where}: cannot infer channel_multiplier from ecd0.0.0.weight {list(sd["ecd0.0.0.weight"].shape)}')
    return dict(size=size, style_dim=style_dim, n_mlp=n_mlp, channel_multiplier=_nice(cm), narrow=_nice(narrow),
                isconcat=True)


LAYOUTS = {'inference': FullGenerator, 'original': OriginalFullGenerator}


def build(path: Path, layout: str = 'inference'):
    sd = load_state_dict(path)
    cfg = infer_config(sd, str(path))
    model = LAYOUTS[layout](cfg['size'], cfg['style_dim'], cfg['n_mlp'], cfg['channel_multiplier'], cfg['narrow'])
    check_against(sd, model, str(path))
    model.load_state_dict(sd, strict=True)
    return model.eval(), cfg


def to_torchscript(model: torch.nn.Module, layout: str = 'inference', size: int = 0) -> torch.jit.ScriptModule:
    if layout == 'original':
        # Traced, not frozen: the original as it runs, per-call weight arithmetic included.
        # check_trace would run the network twice more; the self check compares instead.
        example = torch.zeros(1, 3, size, size)
        with torch.no_grad():
            return torch.jit.trace(model.eval(), (example,), check_trace=False)
    # Freezing folds every weight expression that does not depend on the style (scales, gains,
    # channels-last copies, sub-pixel kernels) into constants once.
    return torch.jit.freeze(torch.jit.script(model.eval()))


def self_check(model: torch.nn.Module, scripted: torch.jit.ScriptModule, out: Path, size: int) -> float:
    """Reload the saved file; it must equal the in-memory module and match the eager network."""
    x = torch.rand(1, 3, size, size, generator=torch.Generator().manual_seed(0)) * 2 - 1
    return check_saved_module(model, scripted, out, x)


def convert(source: Path, out: Path, check: bool = True, layout: str = 'inference') -> dict:
    path = find_checkpoint(source)
    t0 = time.time()
    model, cfg = build(path, layout)
    scripted = to_torchscript(model, layout, cfg['size'])
    n = '1' if layout == 'original' else 'N'
    meta = {
        'model': 'gpen',
        'converter': 'models/convert/gpen.py',
        'layout': layout,
        'config': cfg,
        'size': cfg['size'],
        'input': f'float32 [{n},3,{cfg["size"]},{cfg["size"]}] RGB, (x/255-0.5)/0.5',
        'output': f'float32 [{n},3,{cfg["size"]},{cfg["size"]}] raw generator output, not clamped',
        'parameters': sum(p.numel() for p in model.parameters()),
        'source': str(path.resolve()),
        'source_sha256': sha256_of(path),
        'torch': torch.__version__,
    }
    if layout == 'original':
        meta['traced'] = f'torch.jit.trace at batch 1 and size {cfg["size"]}: runs only on [1,3,{cfg["size"]},{cfg["size"]}]'
    save_module(scripted, out)
    if check:
        meta['self_check_max_abs'] = self_check(model, scripted, out, cfg['size'])
    meta['seconds'] = round(time.time() - t0, 1)
    return write_sidecars(out, meta)


def summary(meta: dict) -> str:
    c = meta['config']
    return (f'GPEN-{c["size"]} (style_dim {c["style_dim"]}, n_mlp {c["n_mlp"]}, channel_multiplier '
            f'{c["channel_multiplier"]}, narrow {c["narrow"]}, {meta["layout"]} layout)')


def main(argv=None) -> int:
    return converter_main('gpen', 'Convert a GPEN generator checkpoint to TorchScript.',
                          'checkpoint file, or ModelScope model folder holding pytorch_model.pt',
                          convert, summary, argv,
                          extra_args=[('--layout', dict(
                              choices=tuple(LAYOUTS), default='inference',
                              help='inference: rearranged for LibTorch, scripted and frozen, any batch (default); '
                                   'original: the original\'s own arithmetic, traced at batch 1 and size S'))])


if __name__ == '__main__':
    sys.exit(main())

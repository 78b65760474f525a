#!/usr/bin/env python3
"""Convert ModelScope iic/cv_unet_skin-retouching (ABPN) checkpoints to TorchScript.

    /usr/bin/python3 models/convert/skin_retouching.py SOURCE -o DIR [--layout inference|original]

SOURCE is the model folder: pytorch_model.pt ({'generator': UNet state_dict}),
joint_20210926.pth ({'inpainting_net': ..., 'detection_net': ...}) and optionally tf_graph.pb
(the TF skin segmenter, copied unchanged). Writes to DIR:
  generator.pt        forward(x) -> blend layer in [0,1] (after sigmoid); logits(x) -> before it
  detection_net.pt    forward(x) -> blemish logits [N,1,H,W]
  inpainting_net.pt   forward(masked_image, mask) -> tanh RGB [N,3,H,W]
  tf_graph.pb         if present in SOURCE
plus a `<file>.sha256` sidecar for each and manifest.json. Exit code 2 on a bad source.

--layout inference (the default) saves the detector and inpainter in the rearranged forms of
nets/skin_inference.py (BatchNorm folded, gate convolutions merged, no decoder concatenation):
same inputs and outputs, equal to the original layout within 1e-5, faster in LibTorch.
--layout original saves the modules exactly as the checkpoints' classes define them (the
benchmark's "as the original runs it" baseline).
"""
import argparse
import json
import os
import shutil
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from checkpoint_io import sha256_of, write_sha256_sidecar  # noqa: E402
from nets.skin_detection import DetectionUNet  # noqa: E402
from nets.skin_generator import UNet  # noqa: E402
from nets.skin_inpainting import RetouchingNet  # noqa: E402
from nets.skin_inference import DetectionForInference, InpaintingForInference  # noqa: E402

GENERATOR_FILE = 'pytorch_model.pt'
JOINT_FILE = 'joint_20210926.pth'
TF_GRAPH_FILE = 'tf_graph.pb'
# Third-party hash of the hub's tf_graph.pb (spec §1.1); recorded for information only.
TF_GRAPH_KNOWN_SHA256 = '6fa1931e6f1baef129cbac43865197d501c39cf34b6aac477a381a0596cdda30'

# output file -> (source file, key inside it, constructor)
NETWORKS = {
    'generator.pt': (GENERATOR_FILE, 'generator', lambda: UNet(3, 3)),
    'detection_net.pt': (JOINT_FILE, 'detection_net', lambda: DetectionUNet(3, 1)),
    'inpainting_net.pt': (JOINT_FILE, 'inpainting_net', lambda: RetouchingNet(in_channels=4, out_channels=3)),
}


# Inference layouts (nets/skin_inference.py), built from the loaded original modules.
INFERENCE_LAYOUTS = {
    'detection_net.pt': DetectionForInference,
    'inpainting_net.pt': InpaintingForInference,
}
# How far a rearranged layout may drift from the original on the self-check input
# (float rounding of folded BatchNorm and split sums; measured about 4e-7).
LAYOUT_TOLERANCE = 1e-5


class ConversionError(Exception):
    pass


def load_checkpoint(path: Path) -> dict:
    if not path.is_file():
        raise ConversionError(f'{path}: file not found')
    try:
        obj = torch.load(str(path), map_location='cpu', weights_only=True)
    except Exception as e:  # pickle, zip and weights_only errors all mean "not a checkpoint we accept"
        raise ConversionError(f'{path}: not a readable PyTorch checkpoint '
                              f'(torch.load weights_only failed: {type(e).__name__}: {str(e).strip()[:300]})')
    if not isinstance(obj, dict):
        raise ConversionError(f'{path}: expected a dict of state_dicts, got {type(obj).__name__}')
    return obj


def check_state_dict(sd, model: torch.nn.Module, where: str) -> list:
    """All problems of `sd` against `model`'s keys and shapes, as readable lines."""
    if not isinstance(sd, dict) or not all(isinstance(k, str) and torch.is_tensor(v) for k, v in sd.items()):
        return [f'{where}: not a state_dict (a dict of name -> tensor)']
    want = model.state_dict()
    problems = []
    missing = [k for k in want if k not in sd]
    extra = [k for k in sd if k not in want]
    if missing:
        problems.append(f'{where}: missing keys ({len(missing)}): {", ".join(missing)}')
    if extra:
        problems.append(f'{where}: unexpected keys ({len(extra)}): {", ".join(extra)}')
    for k, v in want.items():
        if k in sd and tuple(sd[k].shape) != tuple(v.shape):
            problems.append(f'{where}: wrong shape for {k}: {list(sd[k].shape)}, expected {list(v.shape)}')
        elif k in sd and v.is_floating_point() != sd[k].is_floating_point():
            problems.append(f'{where}: wrong dtype for {k}: {sd[k].dtype}, expected {v.dtype}')
    return problems


def build_networks(source: Path) -> dict:
    """Load, validate and instantiate all three networks; raise with every problem found."""
    files = {name: load_checkpoint(source / name) for name in (GENERATOR_FILE, JOINT_FILE)}
    problems, nets = [], {}
    for out_name, (src, key, make) in NETWORKS.items():
        model = make()
        ckpt = files[src]
        if key not in ckpt:
            problems.append(f'{source / src}: no {key!r} entry (has: {", ".join(map(str, ckpt)) or "nothing"})')
            continue
        found = check_state_dict(ckpt[key], model, f'{source / src} [{key!r}]')
        if found:
            problems += found
            continue
        model.load_state_dict(ckpt[key], strict=True)  # copies into fp32 parameters
        model.eval()
        nets[out_name] = model
    if problems:
        raise ConversionError('\n'.join(problems))
    # Upstream reads only the named entries; say so if a file carries more (spec §1.1).
    used = {src: {k for s, k, _ in NETWORKS.values() if s == src} for src in files}
    for src, ckpt in files.items():
        ignored = [str(k) for k in ckpt if k not in used[src]]
        if ignored:
            print(f'note: {source / src}: ignoring top-level entries not used by the pipeline: {", ".join(ignored)}',
                  file=sys.stderr)
    return nets


def self_check(model: torch.nn.Module, path: Path, name: str, tolerance: float = 0.0) -> None:
    """Reload the saved file and compare with the eager original on a small random input:
    bit for bit for the original layout, within `tolerance` for a rearranged one."""
    loaded = torch.jit.load(str(path), map_location='cpu')
    g = torch.Generator().manual_seed(0)
    x = torch.rand(1, 3, 64, 64, generator=g) * 2 - 1
    with torch.inference_mode():
        if name == 'inpainting_net.pt':
            m = (torch.rand(1, 1, 64, 64, generator=g) > 0.1).float()
            pairs = [(model(x * m, m), loaded(x * m, m))]
        elif name == 'generator.pt':
            pairs = [(model(x), loaded(x)), (model.logits(x), loaded.logits(x))]
        else:
            pairs = [(model(x), loaded(x))]
    for a, b in pairs:
        same = torch.equal(a, b) if tolerance == 0 else (a.shape == b.shape and
                                                         (a - b).abs().max().item() <= tolerance)
        if a.shape != b.shape or not same:
            raise ConversionError(f'{path}: saved TorchScript does not reproduce the eager model')


def convert(source: Path, out: Path, layout: str = 'inference') -> dict:
    nets = build_networks(source)
    out.mkdir(parents=True, exist_ok=True)
    entries = []
    for name, model in nets.items():
        rearrange = INFERENCE_LAYOUTS.get(name) if layout == 'inference' else None
        saved = rearrange(model).eval() if rearrange else model
        scripted = torch.jit.script(saved)
        tmp = out / (name + '.tmp')
        scripted.save(str(tmp))
        os.replace(tmp, out / name)
        self_check(model, out / name, name, LAYOUT_TOLERANCE if rearrange else 0.0)
        src, key, _ = NETWORKS[name]
        entries.append({'file': name, 'sha256': write_sha256_sidecar(out / name), 'bytes': (out / name).stat().st_size,
                        'from': f'{src}[{key!r}]', 'layout': 'inference' if rearrange else 'original',
                        'parameters': sum(p.numel() for p in model.parameters())})
    tf = source / TF_GRAPH_FILE
    if tf.is_file():
        shutil.copyfile(tf, out / TF_GRAPH_FILE)
        digest = write_sha256_sidecar(out / TF_GRAPH_FILE)
        entries.append({'file': TF_GRAPH_FILE, 'sha256': digest, 'bytes': (out / TF_GRAPH_FILE).stat().st_size,
                        'from': TF_GRAPH_FILE, 'matches_known_hub_sha256': digest == TF_GRAPH_KNOWN_SHA256})
    manifest = {
        'model': 'iic/cv_unet_skin-retouching',
        'converter': 'models/convert/skin_retouching.py',
        'source': str(source.resolve()),
        'source_files': {n: sha256_of(source / n) for n in (GENERATOR_FILE, JOINT_FILE)},
        'files': entries,
        'interfaces': {
            'generator.pt': 'forward(x[N,3,H,W] RGB in [-1,1], H,W % 16 == 0) -> blend layer in [0,1]; '
                            'logits(x) -> the same before the sigmoid',
            'detection_net.pt': 'forward(x[N,3,H,W] RGB in [-1,1], H,W % 64 == 0) -> logits [N,1,H,W]',
            'inpainting_net.pt': 'forward(masked_image[N,3,H,W] = image*keep, keep[N,1,H,W] in [0,1], '
                                 'H,W % 64 == 0) -> tanh RGB [N,3,H,W]',
        },
    }
    (out / 'manifest.json').write_text(json.dumps(manifest, indent=1) + '\n')
    return manifest


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description='Convert iic/cv_unet_skin-retouching checkpoints to TorchScript.')
    ap.add_argument('source', help='model folder holding pytorch_model.pt and joint_20210926.pth')
    ap.add_argument('-o', '--output', required=True, help='output folder')
    ap.add_argument('--layout', choices=('inference', 'original'), default='inference',
                    help='inference: faster rearranged detector and inpainter (default); '
                         'original: the checkpoints\' own module structure')
    args = ap.parse_args(argv)
    source = Path(args.source)
    if not source.is_dir():
        print(f'skin_retouching: error: {source}: not a folder', file=sys.stderr)
        return 2
    try:
        manifest = convert(source, Path(args.output), args.layout)
    except ConversionError as e:
        print(f'skin_retouching: error:\n{e}', file=sys.stderr)
        return 2
    for e in manifest['files']:
        print(f'{Path(args.output) / e["file"]}  sha256 {e["sha256"]}')
    return 0


if __name__ == '__main__':
    sys.exit(main())

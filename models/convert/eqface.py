#!/usr/bin/env python3
"""Convert the GPEN pipeline's EQFace quality/identity models to one TorchScript file.

    /usr/bin/python3 models/convert/eqface.py SOURCE -o OUT.pt [--no-check]

SOURCE is the ModelScope GPEN model folder (its `face_quality/` holds the two files) or that
`face_quality` folder itself: `eqface_backbone.pth` (IR-ResNet-100) and `eqface_quality.pth`
(the quality head), bare state_dicts or wrapped ({'state_dict': ...} etc.), keys with or
without `module.` (shared/docs/gpen.md §1, §3.6).

The original loads both non-strictly and silently keeps only the keys whose shapes match; here
every key of both networks must be found with its shape, or the source is refused (exit code 2)
with the missing and mismatched keys named. Keys the networks do not have are ignored, as the
original ignores them, and listed in a note.

Writes OUT.pt (frozen TorchScript: forward(x [N,3,112,112], (v-127.5)/128) -> (feature [N,512],
quality [N]); features(x) -> [feature, fc [N,25088]]; quality_logits(x) -> [N,2]), OUT.pt.sha256
and OUT.pt.json.
"""
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from checkpoint_io import (ConversionError, converter_main, load_state_dict, mismatches, save_module, sha256_of,  # noqa: E402
                           write_sidecars)
from nets.eqface import EQFace, FaceQuality, IRResNet  # noqa: E402

FOLDER = 'face_quality'
BACKBONE_FILE = 'eqface_backbone.pth'
QUALITY_FILE = 'eqface_quality.pth'
SIZE = 112


def find_files(source: Path):
    """(backbone, quality) paths inside a GPEN folder or its face_quality folder."""
    if not source.exists():
        raise ConversionError(f'{source}: no such file or folder')
    if not source.is_dir():
        raise ConversionError(f'{source}: expected the GPEN model folder or its {FOLDER}/ folder '
                              f'(two files: {BACKBONE_FILE}, {QUALITY_FILE})')
    folder = source / FOLDER if (source / FOLDER).is_dir() else source
    files = (folder / BACKBONE_FILE, folder / QUALITY_FILE)
    missing = [str(p) for p in files if not p.is_file()]
    if missing:
        raise ConversionError(f'{source}: EQFace files not found: {", ".join(missing)}')
    return files


def strip_module(sd: dict) -> dict:
    # The original strips `module.` key by key (fqa.FQA.load_state_dict), not only when all have it.
    return {k[len('module.'):] if k.startswith('module.') else k: v for k, v in sd.items()}


def load_into(model: torch.nn.Module, path: Path) -> list:
    """Copy every key of `model` from the checkpoint at `path`; return the problems found."""
    sd = strip_module(load_state_dict(path))
    problems = [f'{path}: {p}' for p in mismatches(sd, model, allow_extra=True)]
    if problems:
        return problems
    want = model.state_dict()
    extra = [k for k in sd if k not in want]
    if extra:
        print(f'note: {path}: ignoring {len(extra)} keys the network does not have (the original ignores them '
              f'too): {", ".join(extra[:10])}{" ..." if len(extra) > 10 else ""}', file=sys.stderr)
    model.load_state_dict({k: sd[k] for k in want}, strict=True)
    return []


def build(source: Path):
    backbone_file, quality_file = find_files(source)
    backbone, head = IRResNet(100, 512), FaceQuality(512 * 7 * 7)
    problems = load_into(backbone, backbone_file) + load_into(head, quality_file)
    if problems:
        raise ConversionError('does not match EQFace (IR-ResNet-100 + quality head):\n  ' + '\n  '.join(problems))
    return EQFace(backbone, head).eval(), (backbone_file, quality_file)


def to_torchscript(model: EQFace) -> torch.jit.ScriptModule:
    # Frozen (weights become constants), but without folding BatchNorm into the convs: that
    # rounding compounds over 100 layers (6e-4 relative on the fixture) and buys no speed here
    # (measured 0.118 s vs 0.114 s per face). The exported methods stay for the tests.
    return torch.jit.freeze(torch.jit.script(model.eval()), preserved_attrs=['features', 'quality_logits'],
                            optimize_numerics=False)


def self_check(model: EQFace, scripted: torch.jit.ScriptModule, out: Path) -> float:
    """Reload the saved file: it must equal the in-memory module exactly and match the eager
    network, the feature relative to its scale (synthetic weights grow activations to 1e24),
    the quality absolutely. Returns the feature's relative error."""
    x = torch.rand(2, 3, SIZE, SIZE, generator=torch.Generator().manual_seed(0)) * 2 - 1
    loaded = torch.jit.load(str(out), map_location='cpu')
    with torch.inference_mode():
        a, b, c = model(x), loaded(x), scripted(x)
    if not (torch.equal(b[0], c[0]) and torch.equal(b[1], c[1])):
        raise ConversionError(f'{out}: the reloaded TorchScript differs from the module that was saved')
    err = ((a[0] - b[0]).abs().max() / a[0].abs().max().clamp_min(1e-30)).item()
    if not (err <= 1e-4 and (a[1] - b[1]).abs().max().item() <= 1e-4):
        raise ConversionError(f'{out}: the TorchScript differs from the network (feature relative error {err:g})')
    return err


def convert(source: Path, out: Path, check: bool = True) -> dict:
    t0 = time.time()
    model, files = build(source)
    scripted = to_torchscript(model)
    meta = {
        'model': 'eqface',
        'converter': 'models/convert/eqface.py',
        'config': {'backbone': 'IR-ResNet-100', 'feature_dim': 512, 'quality_input': 512 * 7 * 7, 'size': SIZE},
        'size': SIZE,
        'input': f'float32 [N,3,{SIZE},{SIZE}], (v-127.5)/128, channel order chosen by the caller',
        'output': 'forward: (feature [N,512], quality [N] = softmax column 0)',
        'parameters': sum(p.numel() for p in model.parameters()),
        'source': [str(p.resolve()) for p in files],
        'source_sha256': [sha256_of(p) for p in files],
        'torch': torch.__version__,
    }
    save_module(scripted, out)
    if check:
        meta['self_check_relative'] = self_check(model, scripted, out)
    meta['seconds'] = round(time.time() - t0, 1)
    return write_sidecars(out, meta)


def summary(meta: dict) -> str:
    return 'EQFace (IR-ResNet-100 backbone + quality head)'


def main(argv=None) -> int:
    return converter_main('eqface', 'Convert the EQFace face-quality models (GPEN face_quality/) to TorchScript.',
                          f'ModelScope GPEN model folder, or its {FOLDER}/ folder with {BACKBONE_FILE} and '
                          f'{QUALITY_FILE}', convert, summary, argv)


if __name__ == '__main__':
    sys.exit(main())

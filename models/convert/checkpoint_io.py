"""Checkpoint reading and converted-file writing shared by the GPEN and RealESRNet converters.

Reading: torch.load(weights_only=True) on the CPU, unwrap the usual training wrappers, strip
`module.` prefixes, and compare the result key by key with the network we build, so that a
wrong file is refused with every offending key named (exit code 2 in the converters).
Writing: the TorchScript file, its sha256 sidecar (sha256sum format) and a JSON sidecar.
"""
import hashlib
import sys
import json
import os
from pathlib import Path

import torch

# Wrappers seen in the wild: BasicSR/Real-ESRGAN ('params_ema', 'params'), rosinality/GPEN
# training checkpoints ('g_ema'), generic ('state_dict').
WRAPPER_KEYS = ('g_ema', 'params_ema', 'params', 'state_dict')


class ConversionError(Exception):
    """A source we refuse; the message names the file and the offending keys."""


def load_state_dict(path: Path) -> dict:
    """The state_dict inside `path`, unwrapped and without `module.` prefixes."""
    if not path.is_file():
        raise ConversionError(f'{path}: file not found')
    try:
        obj = torch.load(str(path), map_location='cpu', weights_only=True)
    except Exception as e:  # zip, pickle and weights_only errors all mean the same to the user
        raise ConversionError(f'{path}: not a PyTorch checkpoint (torch.load with weights_only=True failed: '
                              f'{type(e).__name__}: {str(e).strip()[:300]})') from None
    if not isinstance(obj, dict):
        raise ConversionError(f'{path}: not a checkpoint dict (got {type(obj).__name__})')
    for key in WRAPPER_KEYS:
        if key in obj and isinstance(obj[key], dict):
            others = [str(k) for k in obj if k != key]
            # A wrapper may carry extras (optimizer state, 'params' beside 'params_ema'); the
            # weights we convert are the wrapped ones, as the original loaders take them.
            obj = obj[key]
            if others:
                print(f'note: {path}: using [{key!r}], ignoring top-level entries: {", ".join(others)}', file=sys.stderr)
            break
    bad = [str(k) for k, v in obj.items() if not (isinstance(k, str) and torch.is_tensor(v))]
    if bad or not obj:
        raise ConversionError(f'{path}: not a state_dict (name -> tensor); offending entries: '
                              f'{", ".join(bad[:20]) or "(empty)"}')
    if all(k.startswith('module.') for k in obj):
        obj = {k[len('module.'):]: v for k, v in obj.items()}
    return obj


def mismatches(sd: dict, model: torch.nn.Module, allow_extra: bool = False) -> list:
    """What keeps `sd` from loading into `model` exactly: missing keys, unexpected ones (unless
    `allow_extra`), wrong shapes, floating point where the model has integers or the reverse."""
    want = model.state_dict()
    missing = [k for k in want if k not in sd]
    extra = [] if allow_extra else [k for k in sd if k not in want]
    shapes = [f'{k} {list(sd[k].shape)} (expected {list(v.shape)})'
              for k, v in want.items() if k in sd and tuple(sd[k].shape) != tuple(v.shape)]
    kinds = [f'{k} {sd[k].dtype}' for k, v in want.items()
             if k in sd and sd[k].is_floating_point() != v.is_floating_point()]
    problems = []
    for what, items in (('missing keys', missing), ('unexpected keys', extra), ('wrong shapes', shapes),
                        ('wrong dtype kind', kinds)):
        if items:
            problems.append(f'{what} ({len(items)}): {", ".join(items)}')
    return problems


def check_against(sd: dict, model: torch.nn.Module, where: str) -> None:
    """Raise unless `sd` has exactly the model's keys, shapes and float-ness."""
    problems = mismatches(sd, model)
    if problems:
        raise ConversionError(f'{where}: does not match the inferred network:\n  ' + '\n  '.join(problems))


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


def save_module(module: torch.jit.ScriptModule, out: Path) -> None:
    """Write the TorchScript file atomically (a failed run leaves no half-written OUT)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + '.tmp')
    torch.jit.save(module, str(tmp))
    os.replace(tmp, out)


def check_saved_module(model: torch.nn.Module, scripted: torch.jit.ScriptModule, out: Path,
                       x: torch.Tensor) -> float:
    """Reload the saved file on input x: it must equal the in-memory module exactly and match
    the eager network within 1e-4 (relative to the output's scale). Returns the max abs error."""
    loaded = torch.jit.load(str(out), map_location='cpu')
    with torch.inference_mode():
        a, b, c = model(x), loaded(x), scripted(x)
    if b.shape != a.shape or not torch.equal(b, c):
        raise ConversionError(f'{out}: the reloaded TorchScript differs from the module that was saved')
    err = (a - b).abs().max().item()
    scale = a.abs().max().item()
    # Synthetic weights can make activations explode (1e30 and more), where float32 rounding
    # differences are no longer meaningful; real checkpoints stay in a sane range.
    if scale <= 1e3 and not err <= 1e-4 * max(1.0, scale):
        raise ConversionError(f'{out}: the TorchScript differs from the network (max abs {err:g})')
    return err


def converter_main(name: str, description: str, source_help: str, convert, summary, argv=None,
                   extra_args=()) -> int:
    """The command line every single-network converter shares: SOURCE -o OUT.pt [--no-check].
    `convert(source, out, check, **extras)` returns the sidecar metadata, `summary(meta)` one line
    about it. `extra_args`: (flag, argparse keywords) pairs of a converter's own options; each
    parsed value reaches `convert` as a keyword named by its dest."""
    import argparse
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument('source', help=source_help)
    ap.add_argument('-o', '--output', required=True, help='output TorchScript file (OUT.pt)')
    ap.add_argument('--no-check', action='store_true', help='skip reloading OUT.pt and comparing with the network')
    dests = [ap.add_argument(flag, **kw).dest for flag, kw in extra_args]
    args = ap.parse_args(argv)
    try:
        meta = convert(Path(args.source), Path(args.output), check=not args.no_check,
                       **{d: getattr(args, d) for d in dests})
    except ConversionError as e:
        print(f'{name}: error: {e}', file=sys.stderr)
        return 2
    print(f'{args.output}: {summary(meta)}, {meta["parameters"]} parameters, sha256 {meta["sha256"]}, '
          f'{meta["seconds"]} s')
    return 0


def write_sha256_sidecar(path: Path) -> str:
    """PATH.sha256 in sha256sum format, which the C++ loader checks; returns the digest."""
    path = Path(path)
    digest = sha256_of(path)
    Path(str(path) + '.sha256').write_text(f'{digest}  {path.name}\n')
    return digest


def write_sidecars(out: Path, meta: dict) -> dict:
    """OUT.sha256 (see write_sha256_sidecar) and OUT.json; returns the JSON."""
    digest = write_sha256_sidecar(out)
    meta = dict(meta, file=out.name, sha256=digest, bytes=out.stat().st_size)
    Path(str(out) + '.json').write_text(json.dumps(meta, indent=1) + '\n')
    return meta

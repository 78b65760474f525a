#!/usr/bin/env python3
"""Time the converted skin-retouching networks at the sizes the pipeline runs them.

    /usr/bin/python3 models/convert/bench_skin_retouching.py DIR [--threads 2] [--repeat 5]
        [--variants script,frozen,ofi,cl,frozen_cl,frozen_exact,cl_frozen_exact]

DIR holds generator.pt, detection_net.pt, inpainting_net.pt from skin_retouching.py. Each variant
loads the files with torch.jit.load and runs under inference_mode:
  script     the saved module as is
  frozen     torch.jit.freeze (inlines weights, folds conv+BN)
  ofi        torch.jit.optimize_for_inference (freeze + oneDNN layouts)
  cl         channels-last weights and input, no freezing
  frozen_cl  channels-last weights and input, then freeze
  frozen_exact / cl_frozen_exact   freeze(optimize_numerics=False): inlines weights but keeps
             conv and BN separate, so the arithmetic is the unfrozen module's
Every variant's output is compared with `script` (max abs difference), so a speed-up that
changes results beyond 1e-4 shows up in the table. For the generator the last column also gives
max|d logits| / max|logits|: with the recipe weights its logits reach 1e5..1e7 and are
ill-conditioned, so any change of fp32 rounding (e.g. conv+BN folding) moves the saturated
sigmoid output by up to 1 (see docs/models/skin-retouching.md).
Variants are timed round-robin; prints the median and the minimum of --repeat runs after warm-up
(the profiling executor specialises during the first runs). On a shared machine the minimum is
the steadier figure.
"""
import argparse
import os
import statistics
import time
from pathlib import Path

import torch

# name, file, input sizes (N,C,H,W) per argument, note
CASES = [
    ('detection', 'detection_net.pt', [(1, 3, 768, 768)], '768x768 (pipeline)'),
    ('inpainting', 'inpainting_net.pt', [(1, 3, 576, 576), (1, 1, 576, 576)], '576x576 tile (pipeline)'),
    ('inpainting', 'inpainting_net.pt', [(1, 3, 512, 512), (1, 1, 512, 512)], '512x512 (as the issue quotes)'),
    ('generator', 'generator.pt', [(1, 3, 512, 512)], '512x512 (pipeline)'),
]


def make_inputs(shapes):
    g = torch.Generator().manual_seed(0)
    xs = [torch.rand(*s, generator=g) * 2 - 1 for s in shapes]
    if len(xs) == 2:  # inpainting: keep-mask with ~10% holes, image pre-multiplied as the pipeline does
        xs[1] = (torch.rand(*shapes[1], generator=g) > 0.1).float()
        xs[0] = xs[0] * xs[1]
    return xs


def prepare(path: Path, variant: str, xs):
    m = torch.jit.load(str(path), map_location='cpu').eval()
    keep = ['logits'] if hasattr(m, 'logits') else []
    if variant.startswith('cl'):
        m = m.to(memory_format=torch.channels_last)
        xs = [x.contiguous(memory_format=torch.channels_last) for x in xs]
    if variant in ('frozen', 'frozen_cl'):
        if variant == 'frozen_cl':
            m = m.to(memory_format=torch.channels_last)
            xs = [x.contiguous(memory_format=torch.channels_last) for x in xs]
        m = torch.jit.freeze(m, preserved_attrs=keep)
    elif variant in ('frozen_exact', 'cl_frozen_exact'):
        m = torch.jit.freeze(m, preserved_attrs=keep, optimize_numerics=False)
    elif variant == 'ofi':
        m = torch.jit.optimize_for_inference(m, other_methods=keep)
    elif variant not in ('script', 'cl'):
        raise ValueError(variant)
    return m, xs


def run_once(m, xs):
    t0 = time.perf_counter()
    out = m(*xs)
    return time.perf_counter() - t0, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('dir', type=Path)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--repeat', type=int, default=5)
    ap.add_argument('--warmup', type=int, default=3)
    ap.add_argument('--variants', default='script,frozen,ofi,cl,frozen_cl,frozen_exact,cl_frozen_exact')
    ap.add_argument('--only', default='', help='comma list of case names (detection,inpainting,generator)')
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    variants = args.variants.split(',')
    only = set(filter(None, args.only.split(',')))
    print(f'torch {torch.__version__}, threads {torch.get_num_threads()}, '
          f'load average at start {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}')
    print(f'{"network":<11} {"size":<30} {"variant":<16} {"median s":>9} {"min s":>7} {"max|d| vs script":>17}'
          f' {"logits rel":>10}')
    for name, fname, shapes, note in CASES:
        if only and name not in only:
            continue
        xs0 = make_inputs(shapes)
        # Round-robin over variants so that load from other users hits them all alike.
        mods = {v: prepare(args.dir / fname, v, xs0) for v in variants}
        times = {v: [] for v in variants}
        outs = {}
        with torch.inference_mode():
            for v, (m, xs) in mods.items():
                for _ in range(args.warmup):
                    run_once(m, xs)
            for _ in range(args.repeat):
                for v, (m, xs) in mods.items():
                    t, outs[v] = run_once(m, xs)
                    times[v].append(t)
            logits = {v: m.logits(*xs) for v, (m, xs) in mods.items() if hasattr(m, 'logits')}
        ref = outs[variants[0]].contiguous()
        for v in variants:
            diff = (outs[v].contiguous() - ref).abs().max().item()
            rel = ''
            if logits:
                r0 = logits[variants[0]].contiguous()
                rel = f'{((logits[v].contiguous() - r0).abs().max() / r0.abs().max()).item():10.2e}'
            print(f'{name:<11} {note:<30} {v:<16} {statistics.median(times[v]):9.3f} {min(times[v]):7.3f} '
                  f'{diff:17.2e} {rel}', flush=True)
        del mods, outs
    print(f'load average at end {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}')


if __name__ == '__main__':
    main()

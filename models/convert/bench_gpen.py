#!/usr/bin/env python3
"""Benchmark the converted GPEN and RealESRNet TorchScript files as the C++ stage runs them.

    /usr/bin/python3 models/convert/bench_gpen.py [--sizes 512 1024] [--no-sr] [--runs 3]
        [--threads 2] [--workdir DIR] [--shared PATH]

Builds synthetic full-size checkpoints from ../shared/fixtures/layouts with the weight recipe,
converts them with models/convert/{gpen,realesrnet}.py, then times each file in a fresh
process (torch.jit.load, set_num_threads, inference mode; one warm-up call, best and median of
--runs) under two allocator settings:
  default  glibc malloc as is: every large tensor is a fresh mmap whose pages fault in;
  tuned    GLIBC_TUNABLES=glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=<16 GiB>, i.e.
           what `mallopt(M_MMAP_MAX, 0); mallopt(M_TRIM_THRESHOLD, ...)` does in a C++ main.
Prints a table with per-face seconds, RealESRNet x2 ms per input megapixel, and peak RSS, plus
the load average (the machine is shared: read the numbers with it).
"""
import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TUNED = 'glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=17179869184'
SR_SIDE = 256   # RealESRNet input side for the timing (0.066 MP in, 0.26 MP out at x2)


def shared_dir(explicit):
    if explicit:
        return Path(explicit)
    if os.environ.get('PORTRAIT_SHARED'):
        return Path(os.environ['PORTRAIT_SHARED'])
    return HERE.parents[1].parent / 'shared'


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def load_avg() -> str:
    return ' '.join(Path('/proc/loadavg').read_text().split()[:3])


def child(model: str, shape, runs: int, threads: int) -> None:
    """Time one TorchScript file; print one JSON line."""
    import torch
    torch.set_num_threads(threads)
    m = torch.jit.load(model, map_location='cpu')
    g = torch.Generator().manual_seed(0)
    x = torch.rand(*shape, generator=g) * 2 - 1
    times, cpu = [], []
    with torch.inference_mode():
        t = time.perf_counter()
        m(x)
        first = time.perf_counter() - t
        for _ in range(runs):
            t, c = time.perf_counter(), time.process_time()
            m(x)
            times.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
    print(json.dumps({'first': first, 'best': min(times), 'median': statistics.median(times),
                      'cpu_best': min(cpu), 'peak_rss_mb': peak_rss_mb()}))


def peak_rss_mb() -> float:
    # VmHWM, not ru_maxrss: the latter survives exec and would report the parent's peak
    for line in Path('/proc/self/status').read_text().splitlines():
        if line.startswith('VmHWM:'):
            return int(line.split()[1]) / 1024
    return float('nan')


def time_file(model: Path, shape, runs: int, threads: int, tuned: bool) -> dict:
    env = dict(os.environ)
    env.pop('GLIBC_TUNABLES', None)
    if tuned:
        env['GLIBC_TUNABLES'] = TUNED
    cmd = [sys.executable, str(Path(__file__).resolve()), '--child', str(model), '--shape', *map(str, shape),
           '--runs', str(runs), '--threads', str(threads)]
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if r.returncode != 0:
        raise RuntimeError(f'benchmark child failed for {model}:\n{r.stderr[-2000:]}')
    out = json.loads(r.stdout.strip().splitlines()[-1])
    out['load'] = load_avg()
    return out


def build(shared: Path, layout: str, work: Path) -> Path:
    """Recipe checkpoint in the released layout, converted; returns the .pt path."""
    import torch
    recipe = _load('portrait_weight_recipe', shared / 'fixtures' / 'weight_recipe.py')
    entry = json.loads((shared / 'fixtures' / 'layouts' / 'full_size_layouts.json').read_text())[layout]
    sd = recipe.recipe_state_dict(entry['state_dict'], 0)
    src = work / f'{layout}.pth'
    torch.save({'params_ema': sd} if layout.startswith('realesrnet') else sd, src)
    out = work / f'{layout}.pt'
    conv = _load(f'portrait_convert_{layout}', HERE / ('realesrnet.py' if layout.startswith('realesrnet') else 'gpen.py'))
    conv.convert(src, out, check=False)
    src.unlink()
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--sizes', type=int, nargs='*', default=[512, 1024], help='GPEN sizes (512 1024 2048)')
    ap.add_argument('--no-sr', action='store_true', help='skip RealESRNet x2')
    ap.add_argument('--runs', type=int, default=3)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--workdir', help='keep the converted files here (default: a temporary folder)')
    ap.add_argument('--shared', help='shared folder (default: $PORTRAIT_SHARED or ../shared)')
    ap.add_argument('--child', help=argparse.SUPPRESS)
    ap.add_argument('--shape', type=int, nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(args.child, args.shape, args.runs, args.threads)
        return 0

    shared = shared_dir(args.shared)
    tmp = None if args.workdir else tempfile.TemporaryDirectory(prefix='bench_gpen_')
    work = Path(args.workdir or tmp.name)
    work.mkdir(parents=True, exist_ok=True)
    jobs = [(f'gpen_{s}', (1, 3, s, s)) for s in args.sizes]
    if not args.no_sr:
        jobs.append(('realesrnet_x2', (1, 3, SR_SIDE, SR_SIDE)))
    print(f'# torch threads {args.threads}, runs {args.runs}; load average at start: {load_avg()}', flush=True)
    rows = []
    for layout, shape in jobs:
        t = time.time()
        model = build(shared, layout, work)
        print(f'# {layout}: converted in {time.time() - t:.1f} s ({model.stat().st_size / 1e6:.0f} MB)', flush=True)
        for tuned in (False, True):
            r = time_file(model, shape, args.runs, args.threads, tuned)
            rows.append((layout, shape, 'tuned' if tuned else 'default', r))
            print(f'# {layout} {"tuned" if tuned else "default"}: {r}', flush=True)
    print()
    print('| model | input | malloc | first call | best | median | per unit | CPU s (2 thr) | peak RSS | load avg |')
    print('|---|---|---|---|---|---|---|---|---|---|')
    for layout, shape, alloc, r in rows:
        if layout.startswith('gpen'):
            unit = f'{r["best"]:.2f} s/face'
        else:
            unit = f'{r["best"] * 1000 / (shape[2] * shape[3] / 1e6):.0f} ms/MP in'
        print(f'| {layout} | {shape[2]}x{shape[3]} | {alloc} | {r["first"]:.2f} s | {r["best"]:.2f} s | '
              f'{r["median"]:.2f} s | {unit} | {r["cpu_best"]:.2f} | {r["peak_rss_mb"]:.0f} MB | {r["load"]} |')
    print(f'\nload average at end: {load_avg()}')
    return 0


if __name__ == '__main__':
    sys.exit(main())

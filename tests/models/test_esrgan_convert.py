"""Proof that models/convert/esrgan.py computes the same function as the original TF.js models.

Reference: the untouched UpscalerJS model.json + shards, loaded by TF.js layers (pure-JS CPU
backend, pinned in tests/models/tfjs/package-lock.json) in Node, with the custom layers
registered by the package's own esrgan.js (tfjs_esrgan_ref.cjs). Candidates: our eager torch
rebuild and the TorchScript file (the cache's, as the stage loads it, else converted here).
Inputs are 64x64 patches of skimage's astronaut. Tolerance: 1e-4 max abs in [0,1] units (fp32).

The thick x3 and x4 references take about 80 s a patch in TF.js; they run with
PORTRAIT_SLOW_TESTS=1 only. Needs node + npm and the fetched packages (`models/fetch.sh
--convert esrgan-slim esrgan-medium esrgan-thick`), else the cases skip.
"""
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from converter_test_util import ASTRONAUT_PATHS, REPO, load_module, run_main, tfjs_dir as _tfjs_dir

HERE = REPO / "tests" / "models"
CACHE = os.environ.get("PORTRAIT_CACHE", os.path.expanduser("~/.cache/portrait"))
TOL = 1e-4
PATCH = 64
# (row, col) of 64x64 patches: face, helmet edge against the background, flag, suit folds.
PATCHES = [(90, 190), (20, 120), (330, 380), (300, 60)]
SLOW = os.environ.get("PORTRAIT_SLOW_TESTS") == "1"
CASES = [(v, s) for v in ("slim", "medium") for s in (2, 3, 4)] + [
    ("thick", 2)] + [pytest.param("thick", s, marks=pytest.mark.skipif(not SLOW, reason="PORTRAIT_SLOW_TESTS=1"))
                     for s in (3, 4)]

esrgan = load_module("esrgan", REPO / "models" / "convert" / "esrgan.py")


def _model_dir(variant):
    return os.path.join(CACHE, "models", f"esrgan-{variant}")


@pytest.fixture(scope="module")
def patches():
    from PIL import Image
    path = next((p for p in ASTRONAUT_PATHS if os.path.exists(p)), None)
    if path is None:
        pytest.skip("astronaut.png not found (apt-get install python3-skimage)")
    img = np.asarray(Image.open(path).convert("RGB"), np.float32) / 255.0
    return np.stack([img[r:r + PATCH, c:c + PATCH] for r, c in PATCHES])  # N,H,W,3 in [0,1]


@pytest.fixture(scope="module")
def tfjs_dir():
    return _tfjs_dir()


def _need_model(variant, scale):
    d = os.path.join(_model_dir(variant), f"x{scale}")
    for f in ("model.json", os.path.join("..", "esrgan.js")):
        if not os.path.exists(os.path.join(d, f)):
            pytest.skip(f"{d}/{f} missing: run models/fetch.sh --convert esrgan-{variant}")
    return d


def _reference(tfjs_dir, variant, scale, x01, work):
    """TF.js output for x01 (N,H,W,3 in [0,1]) in [0,1] units, and the package's declared range."""
    src = _need_model(variant, scale)
    graph = esrgan.load_graph(src)
    rng = graph.value_scale
    inp, out = work / "input.f32", work / "output.f32"
    (x01 * np.float32(rng)).astype(np.float32).tofile(inp)
    n, h, w, _ = x01.shape
    r = subprocess.run(["node", str(HERE / "tfjs_esrgan_ref.cjs"), tfjs_dir,
                        os.path.join(_model_dir(variant), "esrgan.js"), src, graph.architecture, str(scale),
                        str(inp), str(n), str(h), str(w), str(out)], capture_output=True, text=True, check=True)
    declared = next(line for line in r.stdout.splitlines() if line.startswith("range "))
    ref = np.fromfile(out, np.float32).reshape(n, h * scale, w * scale, 3) / np.float32(rng)
    return graph, ref, declared


def _torchscript(variant, scale, work, capsys):
    """The cache's converted file when its sidecar matches (what the stage loads), else a fresh one."""
    import hashlib
    pt = os.path.join(_model_dir(variant), f"x{scale}", "model.pt")
    if os.path.exists(pt) and os.path.exists(pt + ".sha256"):
        want = open(pt + ".sha256").read().split()[0]
        if hashlib.sha256(open(pt, "rb").read()).hexdigest() == want:
            return pt
    out = work / "model.pt"
    rc, _, err = run_main(esrgan, [os.path.join(_model_dir(variant), f"x{scale}"), "-o", out], capsys)
    assert rc == 0, err
    return str(out)


@pytest.mark.parametrize("variant,scale", CASES)
def test_matches_tfjs(variant, scale, patches, tfjs_dir, tmp_path, capsys):
    import torch
    x = patches if variant != "thick" else patches[:1]  # thick: ~80 s a patch in TF.js
    graph, ref, declared = _reference(tfjs_dir, variant, scale, x, tmp_path)
    # Our module's [0,1] contract scales by what the package itself declares for this architecture.
    r = int(graph.value_scale)
    assert declared == f"range [0,{r}] [0,{r}]", declared

    # The reference is an upscaling of the patch, not noise: shrunk back it is close to the input.
    n, sh, sw, _ = ref.shape
    back = ref.reshape(n, sh // scale, scale, sw // scale, scale, 3).mean(axis=(2, 4))
    assert np.abs(back - x).mean() < 0.03, np.abs(back - x).mean()

    t = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
    ts = torch.jit.load(_torchscript(variant, scale, tmp_path, capsys))
    with torch.no_grad():
        got = {"eager": graph(t), "torchscript": ts(t)}
    for name, y in got.items():
        d = float(np.abs(y.numpy().transpose(0, 2, 3, 1) - ref).max())
        print(f"esrgan-{variant} x{scale} {name}: max |d| {d:.2e} over {n} patches")
        assert d <= TOL, f"esrgan-{variant} x{scale} {name}: differs from TF.js by {d}"


def test_unknown_layer_is_refused_naming_file_and_layer(tmp_path, capsys):
    src = _need_model("slim", 2)
    bad = tmp_path / "x2"
    shutil.copytree(src, bad)
    path = bad / "model.json"
    model = json.loads(path.read_text())
    layer = next(ly for ly in model["modelTopology"]["model_config"]["config"]["layers"] if ly["class_name"] == "Add")
    layer["class_name"] = "Subtract"
    path.write_text(json.dumps(model))
    rc, _, err = run_main(esrgan, [bad, "-o", tmp_path / "out.pt"], capsys)
    assert rc == 2
    assert str(path) in err and layer["name"] in err and "Subtract" in err, err
    assert not (tmp_path / "out.pt").exists()


def test_truncated_weights_are_refused(tmp_path, capsys):
    src = _need_model("slim", 2)
    bad = tmp_path / "x2"
    shutil.copytree(src, bad)
    shard = bad / "group1-shard1of1.bin"
    shard.write_bytes(shard.read_bytes()[:-400])
    rc, _, err = run_main(esrgan, [bad, "-o", tmp_path / "out.pt"], capsys)
    assert rc == 2 and "weights" in err and "model.json" in err, err


def test_folder_conversion_writes_every_scale_then_the_index(tmp_path, capsys):
    src = _model_dir("slim")
    _need_model("slim", 2)
    work = tmp_path / "esrgan-slim"
    for d in esrgan.scale_folders(src):
        shutil.copytree(os.path.join(src, d), work / d, ignore=shutil.ignore_patterns("model.pt*"))
    rc, out, err = run_main(esrgan, [work, "-o", work / "esrgan.json"], capsys)
    assert rc == 0, err
    index = json.loads((work / "esrgan.json").read_text())
    assert sorted(index["scales"]) == ["x2", "x3", "x4"]
    for d, meta in index["scales"].items():
        side = json.loads((work / d / "model.pt.json").read_text())
        assert side["scale"] == int(d[1:]) == meta["scale"] and side["sha256"] == meta["sha256"]
        assert (work / d / "model.pt.sha256").read_text().split() == [meta["sha256"], "model.pt"]
    assert (work / "esrgan.json.sha256").exists()


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-s"]))

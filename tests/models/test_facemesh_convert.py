"""Proof that models/convert/facemesh.py computes the same function as the original TF.js graph.

Reference: the untouched facemesh.json + .bin run by TF.js (pure-JS CPU backend, pinned in
tests/models/tfjs/package-lock.json) in Node. Candidates: our torch rebuild, the TorchScript
file and the ONNX file run by OpenCV DNN (through the small C++ runner onnx_run.cpp, since
Debian has no python cv2). Inputs are 192x192 crops of real photos: skimage's astronaut and
human's samples.jpg. Tolerances: landmarks 0.05 px (192-px units), face flag 1e-3.

Needs: node + npm (else skip), the fetched facemesh files in the cache (models/fetch.sh
facemesh, else skip), g++ and OpenCV headers for the OpenCV part (else that part skips).
"""
import hashlib
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from converter_test_util import ASTRONAUT_PATHS, tfjs_dir

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HERE = os.path.join(REPO, "tests", "models")
CACHE = os.environ.get("PORTRAIT_CACHE", os.path.expanduser("~/.cache/portrait"))
MODEL_DIR = os.path.join(CACHE, "models", "facemesh")
SAMPLES = os.path.join(CACHE, "samples", "samples.jpg")

LANDMARK_TOL = 0.05  # px in the 192 crop
FLAG_TOL = 1e-3

# (image, centre x, centre y, side, rotation deg): faces and a few non-faces, in source pixels.
CROPS = [
    ("astronaut", 225, 115, 150, 0),
    ("astronaut", 225, 115, 170, 20),
    ("astronaut", 225, 115, 150, -35),
    ("astronaut", 400, 300, 150, 0),     # suit/flag: a non-face
    ("samples", 440, 530, 120, 0),
    ("samples", 570, 550, 120, 0),
    ("samples", 700, 540, 120, 0),
    ("samples", 935, 530, 120, 0),
    ("samples", 230, 530, 120, 0),
    ("samples", 450, 50, 90, 0),
    ("samples", 640, 1000, 200, 0),      # legs and floor: a non-face
]


def _need_shared():
    if not os.path.isdir(os.path.join(REPO, "..", "shared")):
        pytest.skip("../shared is absent (the team's specs/fixtures checkout)")


def _load_images():
    from PIL import Image
    imgs = {}
    astro = next((p for p in ASTRONAUT_PATHS if os.path.exists(p)), None)
    if astro is None:
        try:
            import skimage.data
            imgs["astronaut"] = skimage.data.astronaut()
        except Exception:
            pytest.skip("astronaut.png not found (apt-get install python3-skimage)")
    else:
        imgs["astronaut"] = np.asarray(Image.open(astro).convert("RGB"))
    if not os.path.exists(SAMPLES):
        pytest.skip(f"{SAMPLES} missing: run models/fetch.sh facemesh")
    imgs["samples"] = np.asarray(Image.open(SAMPLES).convert("RGB"))
    return imgs


def _crop(img, cx, cy, side, deg, size=192):
    """Rotated square crop -> size x size RGB float in [0,1] (bilinear, edge replicate)."""
    from PIL import Image
    a = np.deg2rad(deg)
    c, s = np.cos(a), np.sin(a)
    k = side / size
    # output pixel (u,v) -> source: centre + R * (k*(u - size/2), k*(v - size/2))
    coeffs = (k * c, -k * s, cx - k * size / 2 * (c - s),
              k * s, k * c, cy - k * size / 2 * (s + c))
    h, w = img.shape[:2]
    pad = int(side)  # replicate borders by padding first (PIL fills with black otherwise)
    big = np.pad(img, ((pad, pad), (pad, pad), (0, 0)), mode="edge")
    coeffs = (coeffs[0], coeffs[1], coeffs[2] + pad, coeffs[3], coeffs[4], coeffs[5] + pad)
    out = Image.fromarray(big).transform((size, size), Image.AFFINE, coeffs, resample=Image.BILINEAR)
    return np.asarray(out, np.float32) / 255.0


@pytest.fixture(scope="module")
def inputs():
    _need_shared()
    imgs = _load_images()
    return np.stack([_crop(imgs[n], cx, cy, side, deg) for n, cx, cy, side, deg in CROPS]).astype(np.float32)


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    return tmp_path_factory.mktemp("facemesh")


@pytest.fixture(scope="module")
def reference(inputs, work):
    """Outputs of the original TF.js graph in Node."""
    for f in ("facemesh.json", "facemesh.bin"):
        if not os.path.exists(os.path.join(MODEL_DIR, f)):
            pytest.skip(f"{MODEL_DIR}/{f} missing: run models/fetch.sh facemesh")
    tfjs = tfjs_dir()
    inputs.tofile(work / "input.f32")
    out = work / "tfjs"
    out.mkdir()
    subprocess.run(["node", os.path.join(HERE, "tfjs_facemesh_ref.cjs"), tfjs, MODEL_DIR,
                    str(work / "input.f32"), str(len(inputs)), str(out)], check=True)
    n = len(inputs)
    return {k: np.fromfile(out / f"{k}.f32", np.float32).reshape(n, -1)
            for k in ("output_mesh", "output_faceflag", "output_contours")}


@pytest.fixture(scope="module")
def converted(work, reference):
    """Run the converter as users do, into a scratch folder."""
    onnx_path, pt_path = work / "facemesh.onnx", work / "facemesh.pt"
    subprocess.run([sys.executable, os.path.join(REPO, "models", "convert", "facemesh.py"), MODEL_DIR,
                    "-o", str(onnx_path), "--torchscript", str(pt_path)], check=True)
    return onnx_path, pt_path


def _check(name, got, ref):
    n = len(ref["output_mesh"])
    mesh = got["output_mesh"].reshape(n, 468, 3)
    rmesh = ref["output_mesh"].reshape(n, 468, 3)
    dxy = np.abs(mesh[..., :2] - rmesh[..., :2]).max()
    dz = np.abs(mesh[..., 2] - rmesh[..., 2]).max()
    dflag = np.abs(got["output_faceflag"] - ref["output_faceflag"]).max()
    dcont = np.abs(got["output_contours"] - ref["output_contours"]).max()
    print(f"{name}: max |dxy| {dxy:.2e} px, |dz| {dz:.2e}, |dflag| {dflag:.2e}, |dcontours| {dcont:.2e}")
    assert dxy <= LANDMARK_TOL, f"{name}: landmarks differ by {dxy} px"
    assert dz <= LANDMARK_TOL, f"{name}: depth differs by {dz}"
    assert dflag <= FLAG_TOL, f"{name}: face flag differs by {dflag}"
    assert dcont <= LANDMARK_TOL, f"{name}: contours differ by {dcont} px"


def test_reference_is_meaningful(reference):
    """Guard against comparing garbage: faces score high, non-faces low, mesh inside the crop."""
    flag = reference["output_faceflag"].reshape(-1)
    faces = [i for i, c in enumerate(CROPS) if not (c[1:3] == (400, 300) or c[1:3] == (640, 1000))]
    assert flag[faces[0]] > 0.9, flag
    assert flag[3] < 0.1 and flag[-1] < 0.1, flag
    xy = reference["output_mesh"].reshape(len(flag), 468, 3)[0, :, :2]
    assert xy.min() > 0 and xy.max() < 192


def test_torch_module_matches_tfjs(inputs, reference):
    import torch
    sys.path.insert(0, os.path.join(REPO, "models", "convert"))
    import facemesh
    g = facemesh.load_graph(MODEL_DIR)
    with torch.no_grad():
        outs = g(torch.from_numpy(inputs))
    got = {k: o.numpy().reshape(len(inputs), -1) for (_, k), o in zip(facemesh.OUTPUTS, outs)}
    _check("torch", got, reference)


def test_torchscript_matches_tfjs(inputs, reference, converted):
    import torch
    _, pt_path = converted
    m = torch.jit.load(str(pt_path))
    with torch.no_grad():
        outs = m(torch.from_numpy(inputs))
    got = {k: o.numpy().reshape(len(inputs), -1)
           for k, o in zip(("output_mesh", "output_faceflag", "output_contours"), outs)}
    _check("torchscript", got, reference)


def _onnx_runner():
    """Build tests/models/onnx_run.cpp once per source version into the cache."""
    src = os.path.join(HERE, "onnx_run.cpp")
    if shutil.which("g++") is None or shutil.which("pkg-config") is None:
        pytest.skip("g++/pkg-config missing: cannot build the OpenCV DNN runner")
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "opencv4"], capture_output=True, text=True)
    if flags.returncode != 0:
        pytest.skip("OpenCV development files missing (apt-get install libopencv-dev)")
    tag = hashlib.sha256(open(src, "rb").read()).hexdigest()[:12]
    exe = os.path.join(CACHE, "build", f"onnx_run-{tag}")
    if not os.path.exists(exe):
        os.makedirs(os.path.dirname(exe), exist_ok=True)
        subprocess.run(["g++", "-O2", "-std=c++17", src, "-o", exe + ".part"] + flags.stdout.split(), check=True)
        os.replace(exe + ".part", exe)
    return exe


def test_onnx_in_opencv_matches_tfjs(inputs, reference, converted, work):
    onnx_path, _ = converted
    sidecar = open(str(onnx_path) + ".sha256").read().split()
    assert sidecar[0] == hashlib.sha256(open(onnx_path, "rb").read()).hexdigest()
    assert sidecar[1] == "facemesh.onnx"
    exe = _onnx_runner()
    out = work / "opencv"
    out.mkdir()
    n = len(inputs)
    subprocess.run([exe, str(onnx_path), str(work / "input.f32"), str(n), "192", "192", "3", str(out),
                    "output_mesh", "output_faceflag", "output_contours"], check=True)
    got = {k: np.fromfile(out / f"{k}.f32", np.float32).reshape(n, -1)
           for k in ("output_mesh", "output_faceflag", "output_contours")}
    _check("opencv-onnx", got, reference)

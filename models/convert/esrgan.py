#!/usr/bin/python3
"""Convert the UpscalerJS ESRGAN TF.js layers models (thick, medium, slim) to TorchScript.

    /usr/bin/python3 models/convert/esrgan.py SRC -o OUT

SRC is one scale's folder (model.json + group1-shard*.bin, e.g. the npm package's models/x2),
with OUT a .pt file; or a folder of x2/, x3/, x4/... scale folders (the cache layout
models/esrgan-<variant>/xN/), with OUT that folder or OUT/esrgan.json: every scale found is
written as xN/model.pt beside its source, and esrgan.json, which lists them, is written last
(its presence means the whole conversion finished).

The TF.js file is a Keras functional graph in JSON (idealo ISR's RRDN for `thick`, RDN for
`medium` and `slim`). We rebuild it layer by layer in torch (NCHW) and save it traced and frozen:
    forward(x [N,3,H,W] RGB in [0,1]) -> [N,3,sH,sW] RGB in about [0,1], not clamped, any N, H, W.
The RDN models take and give 0..255 (UpscalerJS's inputRange/outputRange for architecture
`rdn`, in the package's esrgan.js); the rebuilt module scales by 255 itself, so every converted
model has the one contract above. Every written .pt gets `.sha256` and `.json` sidecars.

Only the layer classes these models use are handled (Conv2D with linear activation and odd
kernels, Activation relu/linear, channel Concatenate, Add, MultiplyBeta, PixelShuffle<s>x,
nearest UpSampling2D); anything else is refused naming the file and layer (exit code 2), so a
changed upstream graph fails loudly instead of converting wrongly.
"""
import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checkpoint_io import ConversionError, check_saved_module, save_module, write_sha256_sidecar, write_sidecars  # noqa: E402
from facemesh import read_weights  # noqa: E402  (TF.js weightsManifest decoding)

# UpscalerJS's MultiplyBeta ignores its config and multiplies by this constant (esrgan.js).
BETA = 0.2
PIXEL_SHUFFLE = re.compile(r"PixelShuffle(\d)x")


def _conv_padding(cfg, where):
    kh, kw = cfg["kernel_size"]
    if cfg.get("strides", [1, 1]) != [1, 1] or cfg.get("dilation_rate", [1, 1]) != [1, 1] or cfg.get("groups", 1) != 1:
        raise ConversionError(f"{where}: only stride 1, dilation 1, groups 1 convolutions are handled")
    if cfg["padding"] == "valid" and kh == kw == 1:
        return 0, 0
    if cfg["padding"] != "same" or kh % 2 == 0 or kw % 2 == 0:
        raise ConversionError(f"{where}: padding {cfg['padding']} with kernel {kh}x{kw} is not handled")
    return kh // 2, kw // 2  # stride 1 and an odd kernel: Keras 'same' pads symmetrically


def _inputs(layer):
    nodes = layer["inbound_nodes"]
    if len(nodes) > 1:
        raise ConversionError(f"layer {layer['name']} is called more than once (shared layers are not handled)")
    return [i[0] for i in nodes[0]] if nodes else []


class KerasGraph(torch.nn.Module):
    """Runs a Keras functional layer list in NCHW, one torch op per layer, in the file's order."""

    def __init__(self, model, weights, where):
        super().__init__()
        cfg = model["modelTopology"]["model_config"]["config"]
        self.convs = torch.nn.ModuleDict()
        self.nodes = []
        self.scale = None
        self.architecture = "rdn"
        for layer in cfg["layers"]:
            cls, name, lc = layer["class_name"], layer["name"], layer["config"]
            here = f"{where}: layer {name} ({cls})"
            spec = {"name": name, "op": cls, "in": _inputs(layer)}
            if cls == "InputLayer":
                if lc["batch_input_shape"][-1] != 3:
                    raise ConversionError(f"{here}: expected an RGB (3-channel) NHWC input")
            elif cls == "Conv2D":
                spec["conv"] = self._conv(lc, weights, name, here)
            elif cls == "Activation":
                if lc["activation"] not in ("relu", "linear"):
                    raise ConversionError(f"{here}: activation {lc['activation']} is not handled")
                spec["act"] = lc["activation"]
            elif cls == "Concatenate":
                if lc["axis"] not in (3, -1):
                    raise ConversionError(f"{here}: only channel concatenation is handled")
            elif cls == "Add":
                pass
            elif cls == "MultiplyBeta":
                if abs(float(lc.get("beta", BETA)) - BETA) > 1e-7:
                    raise ConversionError(f"{here}: beta {lc['beta']} differs from UpscalerJS's fixed {BETA}")
                self.architecture = "rrdn"
            elif PIXEL_SHUFFLE.fullmatch(cls):
                s = int(PIXEL_SHUFFLE.fullmatch(cls).group(1))
                if int(lc.get("scale", s)) != s:
                    raise ConversionError(f"{here}: scale {lc['scale']} does not match the class name")
                spec["s"] = self._set_scale(s, here)
            elif cls == "UpSampling2D":
                if lc.get("interpolation", "nearest") != "nearest" or lc["size"][0] != lc["size"][1]:
                    raise ConversionError(f"{here}: only square nearest upsampling is handled")
                spec["s"] = self._set_scale(int(lc["size"][0]), here)
            else:
                raise ConversionError(f"{here}: layer class {cls} is not handled")
            self.nodes.append(spec)
        if self.scale is None:
            raise ConversionError(f"{where}: no upsampling layer (PixelShuffle or UpSampling2D) found")
        if len(cfg["input_layers"]) != 1 or len(cfg["output_layers"]) != 1:
            raise ConversionError(f"{where}: one input and one output expected")
        self.input_name = cfg["input_layers"][0][0]
        self.output_name = cfg["output_layers"][0][0]
        # UpscalerJS: RRDN works on [0,1], RDN on [0,255] (esrgan.js inputRange/outputRange).
        self.value_scale = 1.0 if self.architecture == "rrdn" else 255.0
        used = {n["name"] + "/" + p for n in self.nodes if "conv" in n for p in ("kernel", "bias")}
        extra = sorted(set(weights) - used)
        if extra:
            raise ConversionError(f"{where}: weights no layer uses: {', '.join(extra[:10])}")
        self._torch_pixel_shuffle_order(where)

    def _conv(self, lc, weights, name, where):
        if lc.get("activation", "linear") != "linear" or not lc.get("use_bias", True):
            raise ConversionError(f"{where}: only linear convolutions with bias are handled")
        if lc.get("data_format", "channels_last") != "channels_last":
            raise ConversionError(f"{where}: only channels_last is handled")
        pad = _conv_padding(lc, where)
        k, b = weights.get(name + "/kernel"), weights.get(name + "/bias")
        if k is None or b is None:
            raise ConversionError(f"{where}: weights {name}/kernel or {name}/bias missing")
        kh, kw, cin, cout = k.shape
        if [kh, kw] != list(lc["kernel_size"]) or cout != lc["filters"] or b.size != cout:
            raise ConversionError(f"{where}: kernel {list(k.shape)} / bias {list(b.shape)} do not match the config")
        conv = torch.nn.Conv2d(cin, cout, (kh, kw), padding=pad)
        conv.weight.data = torch.from_numpy(np.ascontiguousarray(k.transpose(3, 2, 0, 1), np.float32))
        conv.bias.data = torch.from_numpy(np.ascontiguousarray(b.reshape(-1), np.float32))
        key = str(len(self.convs))
        self.convs[key] = conv.requires_grad_(False)
        return key

    def _set_scale(self, s, where):
        if self.scale is not None:
            raise ConversionError(f"{where}: a second upsampling layer is not handled")
        self.scale = s
        return s

    def _torch_pixel_shuffle_order(self, where):
        """tf.depthToSpace (NHWC) reads channel (i*s + j)*C + c for output (c, i, j); torch's
        pixel_shuffle reads c*s*s + i*s + j. Permute the producing convolution's outputs once."""
        by_name = {n["name"]: n for n in self.nodes}
        for n in self.nodes:
            if not PIXEL_SHUFFLE.fullmatch(n["op"]):
                continue
            src = by_name[n["in"][0]]
            if "conv" not in src or sum(n["in"][0] in m["in"] for m in self.nodes) != 1:
                raise ConversionError(f"{where}: pixel shuffle {n['name']} must follow a convolution read by it alone")
            conv, s = self.convs[src["conv"]], n["s"]
            c = conv.out_channels // (s * s)
            perm = [(i * s + j) * c + ch for ch in range(c) for i in range(s) for j in range(s)]
            conv.weight.data = conv.weight.data[perm].contiguous()
            conv.bias.data = conv.bias.data[perm].contiguous()

    def forward(self, x):
        env = {}
        for n in self.nodes:
            op, ins = n["op"], n["in"]
            if op == "InputLayer":
                y = x * self.value_scale if self.value_scale != 1.0 else x
            elif op == "Conv2D":
                y = self.convs[n["conv"]](env[ins[0]])
            elif op == "Activation":
                y = F.relu(env[ins[0]]) if n["act"] == "relu" else env[ins[0]]
            elif op == "Concatenate":
                y = torch.cat([env[i] for i in ins], dim=1)
            elif op == "Add":
                y = env[ins[0]]
                for i in ins[1:]:
                    y = y + env[i]
            elif op == "MultiplyBeta":
                y = env[ins[0]] * BETA
            elif op == "UpSampling2D":
                y = F.interpolate(env[ins[0]], scale_factor=float(n["s"]), mode="nearest")
            else:  # PixelShuffle<s>x; the channels are already in torch's order
                y = F.pixel_shuffle(env[ins[0]], n["s"])
            env[n["name"]] = y
        y = env[self.output_name]
        return y / self.value_scale if self.value_scale != 1.0 else y


def load_graph(src_dir):
    """The eager torch rebuild of SRC_DIR/model.json (a TF.js layers model)."""
    path = os.path.join(src_dir, "model.json")
    if not os.path.isfile(path):
        raise ConversionError(f"{src_dir}: no model.json (pass a scale folder such as models/x2)")
    try:
        with open(path) as f:
            model = json.load(f)
    except ValueError as e:
        raise ConversionError(f"{path}: not JSON: {e}") from None
    if model.get("format") != "layers-model":
        raise ConversionError(f"{path}: not a TF.js layers model (format {model.get('format')!r})")
    try:
        weights = read_weights(model, src_dir)
    except (OSError, ValueError, KeyError) as e:
        raise ConversionError(f"{path}: weights: {e}") from None
    try:
        return KerasGraph(model, weights, path).eval()
    except KeyError as e:
        raise ConversionError(f"{path}: layer list lacks key {e} (not a Keras functional model?)") from None


def convert_one(src_dir, out: Path):
    t0 = time.time()
    graph = load_graph(src_dir)
    # Traced on one size, checked on another (odd, non-square): the frozen file must not have
    # baked the traced size in.
    x = torch.rand(1, 3, 24, 20, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        frozen = torch.jit.freeze(torch.jit.trace(graph, (x,), check_trace=False))
    save_module(frozen, out)
    probe = torch.rand(1, 3, 19, 31, generator=torch.Generator().manual_seed(1))
    err = check_saved_module(graph, frozen, out, probe)
    with torch.no_grad():
        shape = tuple(torch.jit.load(str(out))(probe).shape)
    if shape != (1, 3, 19 * graph.scale, 31 * graph.scale):
        raise ConversionError(f"{out}: the traced module returned {list(shape)} for a 31x19 input")
    meta = write_sidecars(out, dict(
        scale=graph.scale, architecture=graph.architecture, source_value_range=[0, graph.value_scale],
        convolutions=len(graph.convs), parameters=int(sum(p.numel() for p in graph.parameters())),
        source=os.path.abspath(os.path.join(src_dir, "model.json")), check_max_abs=err,
        seconds=round(time.time() - t0, 1)))
    print(f"esrgan: wrote {out} ({graph.architecture} x{graph.scale}, {meta['convolutions']} convolutions, "
          f"{meta['parameters']} parameters, check {err:.1e}) sha256 {meta['sha256'][:16]}... {meta['seconds']} s")
    return meta


def scale_folders(src):
    return sorted((d for d in os.listdir(src) if re.fullmatch(r"x\d", d)
                   and os.path.isfile(os.path.join(src, d, "model.json"))), key=lambda d: int(d[1:]))


def convert_folder(src, out):
    """Every xN/ of SRC into OUT/xN/model.pt, then OUT/esrgan.json (with its .sha256)."""
    scales = scale_folders(src) if os.path.isdir(src) else []
    if not scales:
        raise ConversionError(f"{src}: neither model.json nor x2/, x3/... folders holding one")
    if out.suffix == ".pt":
        raise ConversionError(f"{src} holds several scales ({', '.join(scales)}): -o must be a folder or .../esrgan.json")
    index_path = out if out.suffix == ".json" else out / "esrgan.json"
    index = {}
    for d in scales:
        meta = convert_one(os.path.join(src, d), index_path.parent / d / "model.pt")
        index[d] = {k: meta[k] for k in ("file", "sha256", "scale", "architecture")}
    tmp = index_path.with_name(index_path.name + ".part")
    tmp.write_text(json.dumps({"scales": index}, indent=1) + "\n")
    os.replace(tmp, index_path)
    write_sha256_sidecar(index_path)
    print(f"esrgan: wrote {index_path} ({', '.join(scales)})")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("src", help="a scale folder with model.json, or a folder of xN/ scale folders")
    ap.add_argument("-o", "--output", required=True, help="OUT.pt for one scale; a folder or .../esrgan.json for several")
    a = ap.parse_args(argv)
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    try:
        if os.path.isfile(os.path.join(a.src, "model.json")):
            out = Path(a.output)
            convert_one(a.src, out if out.suffix == ".pt" else out / "model.pt")
        else:
            convert_folder(a.src, Path(a.output))
        return 0
    except ConversionError as e:
        print(f"esrgan: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

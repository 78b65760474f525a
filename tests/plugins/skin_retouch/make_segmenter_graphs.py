#!/usr/bin/python3
"""Write tiny stand-ins for the original's skin segmenter, for the SkinSegmenter tests.

Both follow the I/O contract of ModelScope's tf_graph.pb / the _torch sibling's model.onnx
(shared docs/skin-retouching.md section 1.1): input = RGB image as float32 HWC 0..255 with
no batch dimension, normalised inside with x/127.5-1; output = the same HxW, 255 = skin.
The "skin" rule is known, so a test can compute it from the pixels:

    skin = R > G + 10 and R > B        (integer pixels)

built from ops OpenCV 4.6 DNN runs (the TF graph after the stage's in-memory rewrite,
plugins/skin_retouch/src/tf_graph_patch.hpp): two 1x1 convolutions each followed by a steep sigmoid
(the first tests R-G-10.5 > 0 and R-B-0.5 > 0, the half keeps integer pixels off the
threshold; the second ANDs them: s1+s2-1.5 > 0), times 255.

Files written into OUT (each with a sha256sum-format .sha256 sidecar):
  tf_graph.pb              frozen TF GraphDef, input_image [-1,-1,3] -> output_png [H,W] uint8
  tf_graph_half.pb         the same with a 2x2 max-pool first: a wrong-sized answer
  tf_graph_squeeze_all.pb  ends in Squeeze without squeeze_dims, which crashes OpenCV 4.6
  model.onnx               torch.onnx export (opset 11), input [H,W,3] -> output [H,W] uint8
  model_hwc1.onnx          the same with an [H,W,1] output (the "last channel" rule)
  model_half.onnx          output [H/2,W/2], a wrong-sized answer
There is no TensorFlow here, so the GraphDef protobuf is encoded by hand (field numbers
from tensorflow/core/framework/{graph,node_def,attr_value,tensor,tensor_shape}.proto).

usage: /usr/bin/python3 make_segmenter_graphs.py OUT
"""
import hashlib
import sys
from pathlib import Path

import numpy as np

GAIN = 40.0  # sigmoid(40 * 0.5) = 1 - 2e-9: integer pixels give exactly 0 or 255

# First layer, in pixel units on the de-normalised input: rows = output channels.
W1_PIXELS = np.array([[1.0, -1.0, 0.0],    # R - G
                      [1.0, 0.0, -1.0]],   # R - B
                     dtype=np.float64)
B1_PIXELS = np.array([-10.5, -0.5])
W2 = np.array([[1.0, 1.0]])                # s1 + s2 - 1.5
B2 = np.array([-1.5])


def layer1_on_normalised():
    """Weights of the first conv on y = x/127.5 - 1 (x = 127.5 (y + 1))."""
    w = W1_PIXELS * 127.5 * GAIN
    b = (B1_PIXELS + W1_PIXELS.sum(axis=1) * 127.5) * GAIN
    return w.astype(np.float32), b.astype(np.float32)


def layer2():
    return (W2 * GAIN).astype(np.float32), (B2 * GAIN).astype(np.float32)


# ---------------------------------------------------------------- protobuf by hand

def varint(n):
    n &= (1 << 64) - 1  # negative int64 as two's complement
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field_varint(num, value):
    return varint(num << 3) + varint(value)


def field_bytes(num, data):
    if isinstance(data, str):
        data = data.encode()
    return varint((num << 3) | 2) + varint(len(data)) + data


DT_FLOAT, DT_INT32, DT_UINT8 = 1, 3, 4


def shape_proto(dims):
    return b"".join(field_bytes(2, field_varint(1, d)) for d in dims)


def tensor_proto(array):
    array = np.ascontiguousarray(array)
    dtype = {np.dtype(np.float32): DT_FLOAT, np.dtype(np.int32): DT_INT32}[array.dtype]
    return (field_varint(1, dtype) + field_bytes(2, shape_proto(array.shape)) +
            field_bytes(4, array.astype(array.dtype.newbyteorder("<")).tobytes()))


def attr_type(t):
    return field_varint(6, t)


def attr_shape(dims):
    return field_bytes(7, shape_proto(dims))


def attr_tensor(array):
    return field_bytes(8, tensor_proto(array))


def attr_s(s):
    return field_bytes(2, s)


def attr_ints(values):
    return field_bytes(1, b"".join(field_varint(3, v) for v in values))


def node(name, op, inputs=(), **attrs):
    data = field_bytes(1, name) + field_bytes(2, op)
    for i in inputs:
        data += field_bytes(3, i)
    for key in sorted(attrs):
        data += field_bytes(5, field_bytes(1, key) + field_bytes(2, attrs[key]))
    return field_bytes(1, data)


def const(name, array):
    array = np.asarray(array)
    dt = DT_INT32 if array.dtype == np.int32 else DT_FLOAT
    return node(name, "Const", dtype=attr_type(dt), value=attr_tensor(array))


def tf_graph(variant="contract"):
    """The graph as a TF1 export of the contract would look: a 3-D placeholder expanded to a
    batch of one, x/127.5-1, NHWC convolutions, the batch and channel axes squeezed away and
    a cast to uint8. Variants: "half" max-pools 2x2 first (a wrong-sized answer);
    "squeeze_all" ends in a Squeeze without squeeze_dims (tf.squeeze(x))."""
    w1, b1 = layer1_on_normalised()
    w2, b2 = layer2()
    f = attr_type(DT_FLOAT)
    nhwc = attr_s("NHWC")
    conv = dict(T=f, strides=attr_ints([1, 1, 1, 1]), padding=attr_s("VALID"), data_format=nhwc)
    nodes = [
        node("input_image", "Placeholder", dtype=f, shape=attr_shape([-1, -1, 3])),
        const("batch_axis", np.array(0, np.int32)),
        node("batched", "ExpandDims", ["input_image", "batch_axis"], T=f, Tdim=attr_type(DT_INT32)),
        const("half_range", np.array(127.5, np.float32)),
        node("scaled", "RealDiv", ["batched", "half_range"], T=f),
        const("one", np.array(1.0, np.float32)),
        node("normalised", "Sub", ["scaled", "one"], T=f),
    ]
    src = "normalised"
    if variant == "half":
        nodes.append(node("pooled", "MaxPool", [src], T=f, ksize=attr_ints([1, 2, 2, 1]),
                          strides=attr_ints([1, 2, 2, 1]), padding=attr_s("VALID"), data_format=nhwc))
        src = "pooled"
    nodes += [
        const("w1", w1.T.reshape(1, 1, 3, 2)),  # HWIO
        node("conv1", "Conv2D", [src, "w1"], **conv),
        const("b1", b1),
        node("bias1", "BiasAdd", ["conv1", "b1"], T=f, data_format=nhwc),
        node("sig1", "Sigmoid", ["bias1"], T=f),
        const("w2", w2.T.reshape(1, 1, 2, 1)),
        node("conv2", "Conv2D", ["sig1", "w2"], **conv),
        const("b2", b2),
        node("bias2", "BiasAdd", ["conv2", "b2"], T=f, data_format=nhwc),
        node("sig2", "Sigmoid", ["bias2"], T=f),
        const("full", np.array(255.0, np.float32)),
        node("mask", "Mul", ["sig2", "full"], T=f),       # [1,H,W,1]
    ]
    if variant == "squeeze_all":
        nodes.append(node("plane", "Squeeze", ["mask"], T=f, squeeze_dims=attr_ints([])))
    else:
        # Squeeze([0, 3]) in one node is refused by OpenCV 4.6 ("Unsupported squeeze configuration").
        nodes += [node("hw1", "Squeeze", ["mask"], T=f, squeeze_dims=attr_ints([3])),
                  node("plane", "Squeeze", ["hw1"], T=f, squeeze_dims=attr_ints([0]))]
    nodes.append(node("output_png", "Cast", ["plane"], SrcT=f, DstT=attr_type(DT_UINT8)))
    versions = field_bytes(4, field_varint(1, 27))  # VersionDef.producer
    return b"".join(nodes) + versions


# ---------------------------------------------------------------- ONNX through torch

def onnx_models(out):
    import torch

    class Segmenter(torch.nn.Module):
        """Laid out as tf2onnx lays out the TF graph: Unsqueeze first, NCHW only around the
        convolutions. (Transposing the 3-D input before the Unsqueeze exports fine but
        then fails in OpenCV 4.6's Reshape.)"""

        def __init__(self, output):
            super().__init__()
            w1, b1 = layer1_on_normalised()
            w2, b2 = layer2()
            self.c1 = torch.nn.Conv2d(3, 2, 1)
            self.c2 = torch.nn.Conv2d(2, 1, 1)
            with torch.no_grad():
                self.c1.weight.copy_(torch.from_numpy(w1).view(2, 3, 1, 1))
                self.c1.bias.copy_(torch.from_numpy(b1))
                self.c2.weight.copy_(torch.from_numpy(w2).view(1, 2, 1, 1))
                self.c2.bias.copy_(torch.from_numpy(b2))
            self.output = output

        def forward(self, image):                                   # [H,W,3] float 0..255
            x = (image.unsqueeze(0) / 127.5 - 1).permute(0, 3, 1, 2)  # [1,3,H,W]
            if self.output == "half":
                x = torch.nn.functional.max_pool2d(x, 2)
            m = torch.sigmoid(self.c2(torch.sigmoid(self.c1(x)))) * 255
            m = m.permute(0, 2, 3, 1)                                 # [1,H,W,1]
            if self.output == "hwc1":
                return m.squeeze(0).to(torch.uint8)
            return m.squeeze(3).squeeze(0).to(torch.uint8)           # [H,W]

    example = torch.rand(40, 56, 3) * 255
    for name, output in (("model.onnx", "hw"), ("model_hwc1.onnx", "hwc1"), ("model_half.onnx", "half")):
        torch.onnx.export(Segmenter(output).eval(), example, str(out / name), opset_version=11,
                          input_names=["input_image"], output_names=["output_png"],
                          dynamic_axes={"input_image": {0: "h", 1: "w"}, "output_png": {0: "oh", 1: "ow"}})


def write_with_sidecar(path, data=None):
    """sha256sum-format sidecar, which the model locator wants next to every model file."""
    if data is not None:
        path.write_bytes(data)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    Path(str(path) + ".sha256").write_text(f"{digest}  {path.name}\n")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    for name, variant in (("tf_graph.pb", "contract"), ("tf_graph_half.pb", "half"),
                          ("tf_graph_squeeze_all.pb", "squeeze_all")):
        write_with_sidecar(out / name, tf_graph(variant))
    onnx_models(out)
    for name in ("model.onnx", "model_hwc1.onnx", "model_half.onnx"):
        write_with_sidecar(out / name)
    print("wrote", ", ".join(sorted(p.name for p in out.iterdir())))


if __name__ == "__main__":
    main()

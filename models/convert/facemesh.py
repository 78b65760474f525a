#!/usr/bin/python3
"""Convert the TF.js FaceMesh graph model (facemesh.json + facemesh.bin) to ONNX or TorchScript.

    /usr/bin/python3 models/convert/facemesh.py SRC_DIR -o OUT.onnx [--torchscript OUT.pt]

The TF.js file is a TensorFlow GraphDef in JSON with its weights in a separate binary.
We rebuild that graph as a torch module (NCHW inside, NHWC [N,192,192,3] RGB in [0,1] at the
input, exactly like the original) and export it. Outputs, in this order:
    output_mesh     [N,1404]  468 x (x, y, z) in 192-px crop units
    output_faceflag [N,1]     sigmoid face probability
    output_contours [N,266]   133 x (x, y), second head
Every written file gets a `<file>.sha256` sidecar (sha256sum format).

Only the 13 op types of MediaPipe's TF.js graphs are handled; anything else is an error, so
a changed upstream graph fails loudly instead of converting wrongly.
"""
import argparse
import base64
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checkpoint_io import write_sha256_sidecar  # noqa: E402

INPUT_SIZE = 192
TINY_MAP = 4  # 1x1 convolutions on maps up to this side are written as Gemm (see build_onnx)
OUTPUTS = [("Identity_2", "output_mesh"), ("Identity_1", "output_faceflag"), ("Identity", "output_contours")]


# ----------------------------------------------------------------------------- weights

def read_weights(model, src_dir):
    """Decode weightsManifest into {name: np.ndarray}; values are stored back to back."""
    out = {}
    for group in model["weightsManifest"]:
        blob = b"".join(open(os.path.join(src_dir, p), "rb").read() for p in group["paths"])
        pos = 0
        for w in group["weights"]:
            shape = [int(s) for s in w["shape"]]
            count = int(np.prod(shape)) if shape else 1
            q = w.get("quantization")
            if q is None:
                dt = {"float32": np.float32, "int32": np.int32}[w["dtype"]]
                arr = np.frombuffer(blob, dtype=dt, count=count, offset=pos)
                pos += count * arr.itemsize
            elif q["dtype"] == "float16":
                arr = np.frombuffer(blob, dtype="<f2", count=count, offset=pos).astype(np.float32)
                pos += count * 2
            elif q["dtype"] in ("uint8", "uint16"):
                qdt = np.uint8 if q["dtype"] == "uint8" else np.dtype("<u2")
                raw = np.frombuffer(blob, dtype=qdt, count=count, offset=pos)
                pos += count * raw.itemsize
                arr = (raw.astype(np.float32) * np.float32(q["scale"]) + np.float32(q["min"]))
            else:
                raise ValueError(f"unsupported quantization {q} for {w['name']}")
            out[w["name"]] = np.array(arr).reshape(shape)
        if pos != len(blob):
            raise ValueError(f"weights use {pos} bytes but shards hold {len(blob)}")
    return out


def attr_str(node, key):
    return base64.b64decode(node["attr"][key]["s"]).decode()


def attr_ints(node, key):
    return [int(v) for v in node["attr"][key]["list"]["i"]]


def same_pads(size, k, s):
    """TF SAME padding: the odd pixel goes after (asymmetric on even sizes with stride 2)."""
    out = -(-size // s)
    total = max((out - 1) * s + k - size, 0)
    return total // 2, total - total // 2


# ----------------------------------------------------------------------------- graph

class TfjsGraph(torch.nn.Module):
    """Runs a TF.js graph-model node list in NCHW with torch ops."""

    def __init__(self, model, weights):
        super().__init__()
        self.nodes = []
        self.params = torch.nn.ParameterDict()
        self.consts = {}
        consts = {}
        for n in model["modelTopology"]["node"]:
            if n["op"] == "Const":
                consts[n["name"]] = weights[n["name"]]
        self._pnames = {}

        def param(name, value):
            key = "p%d" % len(self._pnames)
            self._pnames[name] = key
            self.params[key] = torch.nn.Parameter(torch.from_numpy(np.ascontiguousarray(value, np.float32)),
                                                  requires_grad=False)
            return key

        for n in model["modelTopology"]["node"]:
            op = n["op"]
            ins = [i.split(":")[0] for i in n.get("input", [])]
            spec = {"name": n["name"], "op": op, "in": ins}
            if op == "Const":
                continue
            if op == "Placeholder":
                pass
            elif op in ("_FusedConv2D", "DepthwiseConv2dNative"):
                if attr_str(n, "data_format") != "NHWC":
                    raise ValueError("only NHWC graphs are handled")
                if any(d != 1 for d in attr_ints(n, "dilations")):
                    raise ValueError("dilated convolutions are not handled")
                spec["stride"] = attr_ints(n, "strides")[1:3]
                spec["padding"] = attr_str(n, "padding")
                w = consts[ins[1]]  # [kh, kw, Cin, Cout] or depthwise [kh, kw, Cin, mult]
                if op == "_FusedConv2D":
                    spec["w"] = param(ins[1], w.transpose(3, 2, 0, 1))
                    spec["groups"] = 1
                    fused = [base64.b64decode(s).decode() for s in n["attr"]["fused_ops"]["list"]["s"]]
                    if fused[0] != "BiasAdd" or len(fused) > 2:
                        raise ValueError(f"unsupported fused ops {fused}")
                    spec["b"] = param(ins[2], consts[ins[2]].reshape(-1))
                    spec["act"] = fused[1] if len(fused) == 2 else None
                    if spec["act"] == "Prelu":
                        # tfjs-converter already negated the folded `Neg` constant: the stored
                        # value is the real alpha of y = x > 0 ? x : alpha * x.
                        spec["alpha"] = param(ins[3], consts[ins[3]].reshape(-1))
                    elif spec["act"] not in (None, "Relu"):
                        raise ValueError(f"unsupported activation {spec['act']}")
                else:
                    kh, kw, cin, mult = w.shape
                    spec["w"] = param(ins[1], w.transpose(2, 3, 0, 1).reshape(cin * mult, 1, kh, kw))
                    spec["groups"] = cin
                    spec["b"] = None
                    spec["act"] = None
            elif op == "Prelu":
                spec["alpha"] = param(ins[1], consts[ins[1]].reshape(-1))
            elif op == "MaxPool":
                spec["k"] = attr_ints(n, "ksize")[1:3]
                spec["stride"] = attr_ints(n, "strides")[1:3]
                spec["padding"] = attr_str(n, "padding")
            elif op == "Pad":
                p = consts[ins[1]].astype(np.int64)  # [[N],[H],[W],[C]] x (before, after)
                if p[0].any() or p[1].any() or p[2].any():
                    raise ValueError("only channel padding is handled")
                spec["cpad"] = (int(p[3][0]), int(p[3][1]))
            elif op == "Reshape":
                spec["shape"] = [int(v) for v in consts[ins[1]].reshape(-1)]
            elif op == "ConcatV2":
                axis = int(consts[ins[-1]].reshape(-1)[0])
                spec["axis"] = {3: 1, -1: 1, 1: 2, 2: 3, 0: 0}[axis]
                spec["in"] = ins[:-1]
            elif op in ("AddV2", "Relu", "Sigmoid", "Identity"):
                pass
            else:
                raise ValueError(f"op {op} ({n['name']}) is not handled")
            self.nodes.append(spec)
        self.input_name = next(s["name"] for s in self.nodes if s["op"] == "Placeholder")

    @staticmethod
    def _static_pads(s, x, kh, kw):
        """SAME pads as plain ints, computed on the first (untraced) run and then reused, so
        traced/exported graphs carry constants instead of shape arithmetic."""
        if "pads" not in s:
            pt, pb = same_pads(int(x.shape[2]), kh, s["stride"][0])
            pl, pr = same_pads(int(x.shape[3]), kw, s["stride"][1])
            s["pads"] = (pl, pr, pt, pb)
        return s["pads"]

    def _conv(self, s, x):
        s.setdefault("in_hw", (int(x.shape[2]), int(x.shape[3])))  # for the ONNX export
        w = self.params[s["w"]]
        if s["padding"] == "SAME":
            pads = self._static_pads(s, x, w.shape[2], w.shape[3])
            if any(pads):
                x = F.pad(x, pads)
        b = self.params[s["b"]] if s["b"] is not None else None
        y = F.conv2d(x, w, b, stride=s["stride"], groups=s["groups"])
        if s["act"] == "Relu":
            y = F.relu(y)
        elif s["act"] == "Prelu":
            y = F.prelu(y, self.params[s["alpha"]])
        return y

    def forward(self, x_nhwc):
        env = {self.input_name: x_nhwc.permute(0, 3, 1, 2)}
        for s in self.nodes:
            op, ins = s["op"], s["in"]
            if op == "Placeholder":
                continue
            if op in ("_FusedConv2D", "DepthwiseConv2dNative"):
                y = self._conv(s, env[ins[0]])
            elif op == "Prelu":
                y = F.prelu(env[ins[0]], self.params[s["alpha"]])
            elif op == "Relu":
                y = F.relu(env[ins[0]])
            elif op == "Sigmoid":
                y = torch.sigmoid(env[ins[0]])
            elif op == "AddV2":
                y = env[ins[0]] + env[ins[1]]
            elif op == "MaxPool":
                x = env[ins[0]]
                if s["padding"] == "SAME":
                    pads = self._static_pads(s, x, s["k"][0], s["k"][1])
                    if any(pads):
                        x = F.pad(x, pads, value=float("-inf"))
                y = F.max_pool2d(x, s["k"], s["stride"])
            elif op == "Pad":
                y = F.pad(env[ins[0]], (0, 0, 0, 0) + s["cpad"])
            elif op == "Reshape":
                # TF reshapes in NHWC order: go back to NHWC first.
                x = env[ins[0]]
                if x.dim() == 4:
                    x = x.permute(0, 2, 3, 1)
                y = x.reshape([-1] + s["shape"][1:])
            elif op == "ConcatV2":
                y = torch.cat([env[i] for i in ins], dim=s["axis"])
            elif op == "Identity":
                y = env[ins[0]]
            env[s["name"]] = y
        return tuple(env[name] for name, _ in OUTPUTS)


def load_graph(src_dir, json_name="facemesh.json"):
    model = json.load(open(os.path.join(src_dir, json_name)))
    if model.get("format") != "graph-model":
        raise ValueError("not a TF.js graph model")
    g = TfjsGraph(model, read_weights(model, src_dir)).eval()
    with torch.no_grad():  # fixes the SAME pads for the model's input size
        g(torch.zeros(1, INPUT_SIZE, INPUT_SIZE, 3))
    return g


# ----------------------------------------------------------------------------- export

def mesh_heads_first(nodes):
    """Order the nodes so everything output_mesh and output_faceflag need comes first and the
    contours head last. OpenCV DNN runs every layer up to the last requested output in file
    order, so with this order a caller that asks only for the mesh and flag skips the contours
    head (23 of 128 nodes, about 0.3 ms a pass on one core). Both parts keep their order, so
    the result is still topologically sorted."""
    producer = {o: n for n in nodes for o in n.output}
    needed, todo = set(), ["output_mesh", "output_faceflag"]
    while todo:
        n = producer.get(todo.pop())
        if n is not None and id(n) not in needed:
            needed.add(id(n))
            todo.extend(n.input)
    return [n for n in nodes if id(n) in needed] + [n for n in nodes if id(n) not in needed]


def build_onnx(graph):
    """Emit the graph directly as ONNX (opset 12): NHWC input + one Transpose, SAME padding
    as explicit asymmetric Conv `pads`, channel padding as a constant Pad. torch.onnx.export
    would turn every F.pad into a Slice/Concat/ConstantOfShape chain that OpenCV runs slowly."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    nodes, inits = [], []
    names = {}

    def init(name, value, dtype=np.float32):
        inits.append(numpy_helper.from_array(np.ascontiguousarray(value, dtype), name))
        return name

    def pval(key):
        return graph.params[key].detach().numpy()

    def prelu(src, dst, alpha_key):
        slope = init(dst + "_alpha", pval(alpha_key).reshape(-1, 1, 1))  # per channel, NCHW
        nodes.append(helper.make_node("PRelu", [src, slope], [dst]))

    def conv_output(s, out):
        """Where a convolution writes: `out` itself, or a linear value its activation reads."""
        return out if s["act"] is None else out + "_lin"

    def activation(s, conv_out, out):
        if s["act"] == "Relu":
            nodes.append(helper.make_node("Relu", [conv_out], [out]))
        elif s["act"] == "Prelu":
            prelu(conv_out, out, s["alpha"])

    nodes.append(helper.make_node("Transpose", ["input_1"], ["input_nchw"], perm=[0, 3, 1, 2]))
    names[graph.input_name] = "input_nchw"
    flat = set()  # values already [N, C]: a 1x1 map, so NCHW and NHWC order agree
    for i, s in enumerate(graph.nodes):
        op, ins = s["op"], s["in"]
        out = "t%d" % i
        if op == "Placeholder":
            continue
        x = [names[n] for n in ins if n in names]
        if op == "_FusedConv2D" and tuple(s.get("in_hw", ())) == tuple(pval(s["w"]).shape[2:]) \
                and not any(s.get("pads", (0, 0, 0, 0))) and s["act"] != "Prelu":
            # A convolution whose kernel covers its whole unpadded input (the heads, 3x3 on the
            # final 3x3 map) is a matrix product over the flattened input. As Gemm OpenCV runs it
            # as one GEMV: 0.02 ms instead of 0.2 ms for the 1404-output mesh head.
            w = pval(s["w"])
            flat_in = x[0] if x[0] in flat else out + "_flat"
            if x[0] not in flat:
                nodes.append(helper.make_node("Flatten", [x[0]], [flat_in], axis=1))
            gemm_out = conv_output(s, out)
            nodes.append(helper.make_node("Gemm", [flat_in, init(out + "_w", w.reshape(w.shape[0], -1)),
                                                   init(out + "_b", pval(s["b"]))], [gemm_out], transB=1))
            activation(s, gemm_out, out)  # Relu or none: PRelu's slope is for NCHW maps
            flat.add(out)
        elif op == "_FusedConv2D" and pval(s["w"]).shape[2:] == (1, 1) and tuple(s["stride"]) == (1, 1) \
                and max(s.get("in_hw", (99, 99))) <= TINY_MAP:
            # A 1x1 convolution on the final 3x3 map as a matrix product per pixel. OpenCV 4.6
            # splits its convolution on so small a map differently for one and for two threads,
            # and the results differ in the last bits (the mesh moves by about 1e-3 px); its
            # Gemm computes every output the same way whatever the thread count.
            w = pval(s["w"])
            h, wd = s["in_hw"]
            cin, cout = w.shape[1], w.shape[0]
            nodes.append(helper.make_node("Transpose", [x[0]], [out + "_nhwc"], perm=[0, 2, 3, 1]))
            nodes.append(helper.make_node("Reshape", [out + "_nhwc", init(out + "_rows", [-1, cin], np.int64)],
                                          [out + "_r"]))
            nodes.append(helper.make_node("Gemm", [out + "_r", init(out + "_w", w.reshape(cout, cin)),
                                                   init(out + "_b", pval(s["b"]))], [out + "_g"], transB=1))
            nodes.append(helper.make_node("Reshape", [out + "_g", init(out + "_hw", [-1, h, wd, cout], np.int64)],
                                          [out + "_gn"]))
            conv_out = conv_output(s, out)
            nodes.append(helper.make_node("Transpose", [out + "_gn"], [conv_out], perm=[0, 3, 1, 2]))
            activation(s, conv_out, out)
        elif op in ("_FusedConv2D", "DepthwiseConv2dNative"):
            w = pval(s["w"])
            pl, pr, pt, pb = s.get("pads", (0, 0, 0, 0))
            args = [x[0], init(out + "_w", w)]
            if s["b"] is not None:
                args.append(init(out + "_b", pval(s["b"])))
            conv_out = conv_output(s, out)
            nodes.append(helper.make_node("Conv", args, [conv_out], kernel_shape=list(w.shape[2:]),
                                          strides=list(s["stride"]), pads=[pt, pl, pb, pr],
                                          group=s["groups"]))
            activation(s, conv_out, out)
        elif op == "Prelu":
            prelu(x[0], out, s["alpha"])
        elif op in ("Relu", "Sigmoid"):
            nodes.append(helper.make_node(op, [x[0]], [out]))
            if x[0] in flat:
                flat.add(out)
        elif op == "AddV2":
            nodes.append(helper.make_node("Add", x, [out]))
        elif op == "MaxPool":
            pl, pr, pt, pb = s.get("pads", (0, 0, 0, 0))
            nodes.append(helper.make_node("MaxPool", [x[0]], [out], kernel_shape=list(s["k"]),
                                          strides=list(s["stride"]), pads=[pt, pl, pb, pr]))
        elif op == "Pad":
            pads = init(out + "_pads", [0, s["cpad"][0], 0, 0, 0, s["cpad"][1], 0, 0], np.int64)
            nodes.append(helper.make_node("Pad", [x[0], pads], [out], mode="constant"))
        elif op == "Reshape":
            shape = init(out + "_shape", [-1] + s["shape"][1:], np.int64)
            if x[0] in flat:
                nodes.append(helper.make_node("Reshape", [x[0], shape], [out]))
            else:
                nhwc = out + "_nhwc"  # TF reshapes in NHWC order
                nodes.append(helper.make_node("Transpose", [x[0]], [nhwc], perm=[0, 2, 3, 1]))
                nodes.append(helper.make_node("Reshape", [nhwc, shape], [out]))
        elif op == "ConcatV2":
            nodes.append(helper.make_node("Concat", x, [out], axis=s["axis"]))
        elif op == "Identity":
            names[s["name"]] = x[0]
            continue
        else:
            raise ValueError(f"op {op} has no ONNX mapping")
        names[s["name"]] = out

    outputs = []
    for tf_name, onnx_name in OUTPUTS:
        nodes.append(helper.make_node("Identity", [names[tf_name]], [onnx_name]))
        width = {"output_mesh": 1404, "output_faceflag": 1, "output_contours": 266}[onnx_name]
        outputs.append(helper.make_tensor_value_info(onnx_name, TensorProto.FLOAT, ["n", width]))
    nodes = mesh_heads_first(nodes)
    inp = helper.make_tensor_value_info("input_1", TensorProto.FLOAT, ["n", INPUT_SIZE, INPUT_SIZE, 3])
    g = helper.make_graph(nodes, "facemesh", [inp], outputs, initializer=inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 12)], producer_name="portrait facemesh.py")
    m.ir_version = 7
    onnx.checker.check_model(m)
    return m


def export_onnx(graph, out):
    try:
        import onnx
    except ImportError:
        sys.exit("facemesh: python3-onnx is needed for ONNX output (apt-get install python3-onnx)")
    m = build_onnx(graph)
    onnx.save(m, out)
    return len(m.graph.node)


def export_torchscript(graph, out):
    x = torch.rand(2, INPUT_SIZE, INPUT_SIZE, 3)
    with torch.no_grad():
        ts = torch.jit.freeze(torch.jit.trace(graph, (x,)))
    ts.save(out)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("src", help="folder with facemesh.json and its .bin shard")
    ap.add_argument("-o", "--output", required=True, help="output .onnx (or .pt for TorchScript)")
    ap.add_argument("--torchscript", metavar="PT", help="also write a TorchScript file")
    ap.add_argument("--json", default="facemesh.json", help="graph file name inside SRC")
    a = ap.parse_args(argv)

    torch.set_num_threads(1)
    graph = load_graph(a.src, a.json)
    with torch.no_grad():
        mesh, flag, cont = graph(torch.zeros(1, INPUT_SIZE, INPUT_SIZE, 3))
    assert mesh.shape == (1, 1404) and flag.shape == (1, 1) and cont.shape == (1, 266)

    targets = [(a.output, "torchscript" if a.output.endswith(".pt") else "onnx")]
    if a.torchscript:
        targets.append((a.torchscript, "torchscript"))
    for path, kind in targets:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        tmp = path + ".part"
        if kind == "onnx":
            count = export_onnx(graph, tmp)
            note = f"{count} nodes"
        else:
            export_torchscript(graph, tmp)
            note = "traced + frozen"
        os.replace(tmp, path)
        h = write_sha256_sidecar(path)
        print(f"facemesh: wrote {path} ({kind}, {note}) sha256 {h[:16]}...")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#include "tf_graph_patch.hpp"

#include <cstdint>
#include <stdexcept>
#include <string_view>

namespace portrait::skin {
namespace {

// Protobuf wire format: each field is a varint tag (number << 3 | wire type), then a
// varint (type 0), 8 bytes (1), a varint length + bytes (2) or 4 bytes (5).
struct Field {
    std::uint64_t number = 0;
    int wire = 0;
    std::string_view whole;  // tag included, to copy the field unchanged
    std::string_view bytes;  // payload of a length-delimited field
};

class Reader {
public:
    explicit Reader(std::string_view s) : p_(s.data()), end_(s.data() + s.size()) {}
    bool done() const { return p_ == end_; }

    Field next() {
        Field f;
        const char* start = p_;
        const std::uint64_t tag = varint();
        f.number = tag >> 3;
        f.wire = int(tag & 7);
        switch (f.wire) {
        case 0: varint(); break;
        case 1: skip(8); break;
        case 2: {
            const std::uint64_t n = varint();
            if (n > std::uint64_t(end_ - p_)) throw std::runtime_error("malformed GraphDef (field runs past the end)");
            f.bytes = std::string_view(p_, std::size_t(n));
            p_ += n;
            break;
        }
        case 5: skip(4); break;
        default: throw std::runtime_error("malformed GraphDef (wire type " + std::to_string(f.wire) + ")");
        }
        if (f.number == 0) throw std::runtime_error("malformed GraphDef (field number 0)");
        f.whole = std::string_view(start, std::size_t(p_ - start));
        return f;
    }

private:
    std::uint64_t varint() {
        std::uint64_t v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (p_ == end_) throw std::runtime_error("malformed GraphDef (truncated varint)");
            const auto b = static_cast<unsigned char>(*p_++);
            v |= std::uint64_t(b & 0x7F) << shift;
            if (!(b & 0x80)) return v;
        }
        throw std::runtime_error("malformed GraphDef (varint too long)");
    }
    void skip(std::size_t n) {
        if (n > std::size_t(end_ - p_)) throw std::runtime_error("malformed GraphDef (truncated field)");
        p_ += n;
    }
    const char* p_;
    const char* end_;
};

void put_varint(std::string& out, std::uint64_t v) {
    while (v >= 0x80) {
        out.push_back(char((v & 0x7F) | 0x80));
        v >>= 7;
    }
    out.push_back(char(v));
}

void put_bytes(std::string& out, std::uint64_t number, std::string_view data) {
    put_varint(out, number << 3 | 2);
    put_varint(out, data.size());
    out.append(data);
}

// NodeDef: name = 1, op = 2, input = 3, attr = 5 (map entries: key = 1, value = 2).
// AttrValue: list = 1; ListValue: i = 3.
struct NodeInfo {
    std::string_view name, op, first_input;
    bool empty_squeeze_dims = false;
};

bool has_ints(std::string_view attr_value) {
    for (Reader r(attr_value); !r.done();) {
        const Field f = r.next();
        if (f.number != 1 || f.wire != 2) continue;
        for (Reader l(f.bytes); !l.done();) {
            const Field i = l.next();
            if (i.number == 3 && (i.wire == 0 || !i.bytes.empty())) return true;
        }
    }
    return false;
}

NodeInfo read_node(std::string_view node) {
    NodeInfo n;
    bool first = true;
    for (Reader r(node); !r.done();) {
        const Field f = r.next();
        if (f.wire != 2) continue;
        if (f.number == 1) n.name = f.bytes;
        if (f.number == 2) n.op = f.bytes;
        if (f.number == 3 && first) n.first_input = f.bytes, first = false;
        if (f.number == 5) {
            std::string_view key, value;
            for (Reader e(f.bytes); !e.done();) {
                const Field kv = e.next();
                if (kv.wire == 2 && kv.number == 1) key = kv.bytes;
                if (kv.wire == 2 && kv.number == 2) value = kv.bytes;
            }
            if (key == "squeeze_dims") n.empty_squeeze_dims = !has_ints(value);
        }
    }
    return n;
}

std::string with_op(std::string_view node, std::string_view op) {
    std::string out;
    out.reserve(node.size() + op.size());
    for (Reader r(node); !r.done();) {
        const Field f = r.next();
        if (f.number == 2 && f.wire == 2)
            put_bytes(out, 2, op);
        else
            out.append(f.whole);
    }
    return out;
}

std::string_view node_of(std::string_view tensor) { return tensor.substr(0, tensor.find(':')); }

}  // namespace

TfGraphPatch patch_tf_graph(const std::string& graphdef, const std::string& input_node,
                            const std::string& output_node) {
    TfGraphPatch res;
    res.graph.reserve(graphdef.size() + 64);
    // GraphDef: node = 1 (the rest, versions and library, is copied as it is).
    for (Reader r(graphdef); !r.done();) {
        const Field f = r.next();
        if (f.number != 1 || f.wire != 2) {
            res.graph.append(f.whole);
            continue;
        }
        const NodeInfo n = read_node(f.bytes);
        if (n.op == "Squeeze" && n.empty_squeeze_dims)
            throw std::runtime_error("node '" + std::string(n.name) +
                                     "' is a Squeeze without squeeze_dims, on which OpenCV 4.6's TensorFlow "
                                     "importer crashes");
        std::string_view op;
        if (n.op == "ExpandDims" && node_of(n.first_input) == input_node) {
            op = "Identity";
            ++res.expand_dims;
        } else if (n.op == "Cast" && n.name == output_node) {
            op = "Identity";
            ++res.casts;
        }
        if (op.empty())
            res.graph.append(f.whole);
        else
            put_bytes(res.graph, 1, with_op(f.bytes, op));
    }
    return res;
}

}  // namespace portrait::skin

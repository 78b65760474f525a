// Where a TorchScript module's tensors live: its parameters and buffers and, once frozen
// (weights folded into the graph), the tensor constants of its forward graph. For tests
// that check a stage loaded its networks onto the device it was given.
#pragma once

#include <set>
#include <string>

#include <torch/csrc/jit/ir/constants.h>
#include <torch/script.h>

namespace portrait_test {

struct ModuleTensors {
    std::set<std::string> devices;  // torch::Device::str() of every tensor found
    int count = 0;                  // how many tensors were looked at
};

inline ModuleTensors module_tensors(const torch::jit::Module& m) {
    ModuleTensors r;
    const auto add = [&](const torch::Tensor& t) {
        r.devices.insert(t.device().str());
        ++r.count;
    };
    for (const auto& p : m.parameters()) add(p);
    for (const auto& b : m.buffers()) add(b);
    if (m.find_method("forward"))
        for (const torch::jit::Node* n : m.get_method("forward").graph()->nodes())
            if (n->kind() == c10::prim::Constant && n->output()->type()->kind() == c10::TypeKind::TensorType)
                if (auto v = torch::jit::toIValue(n->output()); v && v->isTensor()) add(v->toTensor());
    return r;
}

}  // namespace portrait_test

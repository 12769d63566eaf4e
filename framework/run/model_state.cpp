#include "run/model_state.hpp"

#include "core/host_error.hpp"

#include <algorithm>

namespace chimera {

namespace {

const std::string kParam = "param/", kBuffer = "buffer/", kOptimizer = "optimizer/";

bool under(const std::string& name, const std::string& node) { return name.rfind(node + ".", 0) == 0; }

}  // namespace

NamedTensors model_tensors(const ParameterStore& store, const std::vector<std::string>& except) {
    auto kept = [&](const Tensor& t) {
        return std::none_of(except.begin(), except.end(), [&](const std::string& node) { return under(t.name(), node); });
    };
    NamedTensors out;
    for (const Tensor& p : store.all())
        if (kept(p)) out.emplace_back(kParam + p.name(), p);
    for (const Tensor& b : store.buffers())
        if (kept(b)) out.emplace_back(kBuffer + b.name(), b);
    return out;
}

NamedTensors optimizer_tensors(const std::string& optimizer, const NamedTensors& state) {
    NamedTensors out;
    for (const auto& [name, t] : state) out.emplace_back(kOptimizer + optimizer + "/" + name, t);
    return out;
}

NamedTensors optimizer_state(const NamedTensors& tensors, const std::string& optimizer) {
    const std::string prefix = kOptimizer + optimizer + "/";
    NamedTensors out;
    for (const auto& [name, t] : tensors)
        if (name.rfind(prefix, 0) == 0) out.emplace_back(name.substr(prefix.size()), t);
    return out;
}

void load_node(const RunDirectory& from, const std::string& node, const std::string& into, ParameterStore& store,
               const std::shared_ptr<BufferPool>& pool) {
    const Checkpoint c = load_checkpoint(from, pool);
    // The source's tensors, renamed from its node to this one.
    NamedTensors source;
    for (const auto& [name, t] : c.tensors.tensors)
        for (const std::string& kind : {kParam, kBuffer})
            if (name.rfind(kind + node + ".", 0) == 0) source.emplace_back(kind + into + name.substr(kind.size() + node.size()), t);
    if (source.empty()) throw DataError(c.file, "has no parameters of a node '" + node + "'");
    NamedTensors targets;
    for (const auto& [name, t] : model_tensors(store))
        if (under(t.name(), into)) targets.emplace_back(name, t);
    restore_tensors(source, targets, c.file);
}

}  // namespace chimera

#include "run/foreign_weights.hpp"

#include "core/host_error.hpp"
#include "core/suggest.hpp"
#include "io/safetensors.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace chimera {

namespace {

bool finite(const Tensor& t) {
    if (t.dtype() != DType::f32) return true;
    const auto* v = static_cast<const float*>(t.raw());
    return std::all_of(v, v + t.numel(), [](float x) { return std::isfinite(x); });
}

}  // namespace

void load_foreign_weights(const ForeignWeights& weights, const std::string& node, ParameterStore& store,
                          const std::shared_ptr<BufferPool>& pool) {
    const SafetensorsContent content = read_safetensors(weights.file, pool, SafetensorsDTypes::convert);
    std::map<std::string, Tensor> file(content.tensors.begin(), content.tensors.end());
    std::map<std::string, std::string> unreadable(content.unreadable.begin(), content.unreadable.end());
    std::vector<std::string> file_names;
    for (const auto& [name, t] : content.tensors) file_names.push_back(name);

    // The node's tensors by their own names.
    std::vector<std::pair<std::string, Tensor>> targets;
    std::vector<std::string> own_names;
    for (const auto* list : {&store.all(), &store.buffers()})
        for (const Tensor& t : *list)
            if (t.name().rfind(node + ".", 0) == 0) {
                targets.emplace_back(t.name().substr(node.size() + 1), t);
                own_names.push_back(targets.back().first);
            }

    std::vector<std::string> misfits;
    for (const auto& [own, source] : weights.map)
        if (std::find(own_names.begin(), own_names.end(), own) == own_names.end())
            misfits.push_back("map: '" + own + "' is not a tensor of node '" + node + "'." + did_you_mean(own, own_names) +
                              " Its tensors: " + join(own_names));
    std::vector<std::pair<Tensor, Tensor>> copies;  // into, from
    for (const auto& [own, target] : targets) {
        auto mapped = weights.map.find(own);
        const std::string source = mapped != weights.map.end() ? mapped->second : weights.prefix + own;
        const std::string what = own + " (the file's '" + source + "')";
        auto found = file.find(source);
        if (unreadable.count(source)) {
            const std::string& dtype = unreadable.at(source);
            misfits.push_back(what + (dtype == "I64" ? ": holds I64 values beyond the I32 range" : ": its dtype " + dtype + " cannot be held as " +
                                                                                                 (target.dtype() == DType::f32 ? "F32" : "I32")));
        } else if (found == file.end()) {
            const std::string near = nearest_name(source, file_names);
            misfits.push_back(what + ": no such tensor in the file" + (near.empty() ? "" : "; the closest is '" + near + "'") +
                              " (name it in init_from.map)");
        } else if (found->second.shape() != target.shape() || found->second.dtype() != target.dtype()) {
            misfits.push_back(what + ": the file's is " + describe(found->second) + ", the node needs " + describe(target));
        } else if (!finite(found->second)) {
            misfits.push_back(what + ": holds NaN or infinite values (as F32: an F64 beyond its range is infinite)");
        } else {
            copies.emplace_back(target, found->second);
        }
    }
    if (!misfits.empty()) {
        const bool one = misfits.size() == 1;
        std::string text = std::to_string(misfits.size()) + (one ? " tensor" : " tensors") + " of node '" + node +
                           (one ? "' does" : "' do") + " not fit:";
        for (const auto& m : misfits) text += "\n  " + m;
        throw DataError(weights.file, text);
    }
    for (auto& [into, from] : copies) std::memcpy(into.raw(), from.raw(), static_cast<std::size_t>(into.numel()) * 4);
}

}  // namespace chimera

#include "export/onnx_export.hpp"

#include "core/host_error.hpp"
#include "export/onnx_graph.hpp"

#include <fmt/format.h>
#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <unordered_map>
#include <unordered_set>

namespace chimera {

namespace {

using namespace onnx_graph;

// Dropout that changes nothing (evaluation, or p = 0) returns its input itself: an alias.
bool is_alias(const TracedCall& c) { return c.outputs.size() == 1 && !c.inputs.empty() && c.outputs[0].same(c.inputs[0]); }

// A graph input's or output's type: the batch dimension named N; one that differs between the
// traces otherwise (it grows with the data) left without a size.
void value_info(onnx::ValueInfoProto& v, const std::string& name, const Tensor& a, const Tensor& b, const GraphWriter& w) {
    v.set_name(name);
    auto& t = *v.mutable_type()->mutable_tensor_type();
    t.set_elem_type(onnx_type(a.dtype()));
    for (std::size_t i = 0; i < a.shape().size(); ++i) {
        auto& d = *t.mutable_shape()->add_dim();
        const int64_t other = i < b.shape().size() ? b.shape()[i] : a.shape()[i];
        if (a.shape()[i] == other) d.set_dim_value(a.shape()[i]);
        else if (w.is_batch(a.shape()[i], other)) d.set_dim_param("N");
    }
}

// Where each call's inputs come from in a trace: a graph input, a parameter, or an output of an
// earlier call (aliases followed); "?" for a tensor of unknown origin (refused when written).
std::vector<std::vector<std::string>> sources(const ExportTrace& t, const ParameterStore& parameters) {
    std::unordered_map<const TensorImpl*, std::string> where;
    for (const auto& [name, tensor] : t.inputs) where[tensor.impl()] = "input " + name;
    std::vector<std::vector<std::string>> all;
    for (std::size_t k = 0; k < t.nodes.size(); ++k)
        for (std::size_t i = 0; i < t.nodes[k].second.size(); ++i) {
            const TracedCall& c = t.nodes[k].second[i];
            std::vector<std::string> from;
            for (const Tensor& x : c.inputs) {
                auto it = x.defined() ? where.find(x.impl()) : where.end();
                from.push_back(!x.defined() ? "none"
                               : it != where.end() ? it->second
                               : parameters.role_of(x) != ParameterStore::Role::none ? "parameter " + x.name()
                                                                                      : "?");
            }
            for (std::size_t o = 0; o < c.outputs.size(); ++o)
                where[c.outputs[o].impl()] = is_alias(c) ? from[0] : fmt::format("call {}.{} output {}", k, i, o);
            all.push_back(std::move(from));
        }
    return all;
}

// Which calls the outputs depend on: a plugin may compute more than the outputs asked for (a
// decoder's free-running tokens beside its logits), and only what they need is written.
std::vector<std::vector<bool>> needed_calls(const ExportTrace& t) {
    std::unordered_set<const TensorImpl*> needed;
    for (const auto& [name, tensor] : t.outputs) needed.insert(tensor.impl());
    std::vector<std::vector<bool>> keep(t.nodes.size());
    for (std::size_t k = t.nodes.size(); k-- > 0;) {
        const auto& calls = t.nodes[k].second;
        keep[k].assign(calls.size(), false);
        for (std::size_t i = calls.size(); i-- > 0;) {
            const TracedCall& c = calls[i];
            if (std::none_of(c.outputs.begin(), c.outputs.end(), [&](const Tensor& o) { return needed.count(o.impl()) != 0; })) continue;
            keep[k][i] = true;
            for (const Tensor& x : c.inputs)
                if (x.defined()) needed.insert(x.impl());
        }
    }
    return keep;
}

// The two traces ran the same ops, with the same attributes (but a reshape's, whose batch
// differs), on tensors from the same places: else the computation depends on its data.
void check_same_calls(const ExportTrace& a, const ExportTrace& b, const ParameterStore& parameters,
                      const std::vector<std::vector<bool>>& keep) {
    auto differs = [](const std::string& node, const std::string& op, const std::string& what) {
        return UsageError(fmt::format("cannot export node '{}': {} of op '{}' differ between two batches of different sizes (the "
                                      "computation depends on the data)", node, what, op));
    };
    if (a.nodes.size() != b.nodes.size()) throw UsageError("cannot export: the two traces ran different nodes");
    const auto from_a = sources(a, parameters), from_b = sources(b, parameters);
    std::size_t n = 0;
    for (std::size_t k = 0; k < a.nodes.size(); ++k) {
        const auto& ca = a.nodes[k].second;
        const auto& cb = b.nodes[k].second;
        const std::string& node = a.nodes[k].first;
        if (ca.size() != cb.size()) throw UsageError(fmt::format("cannot export node '{}': it called {} ops for one batch and {} for another "
                                                                 "(the computation depends on the data)", node, ca.size(), cb.size()));
        for (std::size_t i = 0; i < ca.size(); ++i, ++n) {
            if (ca[i].op != cb[i].op) throw differs(node, ca[i].op, "the ops called (" + ca[i].op + ", " + cb[i].op + ")");
            if (!keep[k][i]) continue;  // not written: what its attributes and inputs are does not matter
            const bool shaped = ca[i].op == "reshape" || ca[i].op == "flatten";
            if (!shaped && ca[i].attrs != cb[i].attrs) throw differs(node, ca[i].op, "the attributes");
            if (from_a[n] != from_b[n]) throw differs(node, ca[i].op, "the inputs");
        }
    }
}


}  // namespace

std::string onnx_model(const ExportTrace& a, const ExportTrace& b, const ParameterStore& parameters, const OnnxOptions& options) {
    const std::vector<std::vector<bool>> keep = needed_calls(a);
    check_same_calls(a, b, parameters, keep);
    onnx::ModelProto model;
    model.set_ir_version(onnx::IR_VERSION);
    model.set_producer_name("chimera");
    auto& opset = *model.add_opset_import();
    opset.set_domain("");
    opset.set_version(options.opset);
    onnx::GraphProto& graph = *model.mutable_graph();
    graph.set_name(options.graph_name);
    GraphWriter w(graph, parameters, a.batch, b.batch);
    for (std::size_t i = 0; i < a.inputs.size(); ++i) {
        value_info(*graph.add_input(), a.inputs[i].first, a.inputs[i].second, b.inputs[i].second, w);
        w.name_input(a.inputs[i].first, a.inputs[i].second);
    }
    for (std::size_t k = 0; k < a.nodes.size(); ++k) {
        const std::string& node = a.nodes[k].first;
        for (std::size_t i = 0; i < a.nodes[k].second.size(); ++i) {
            const TracedCall& call = a.nodes[k].second[i];
            if (!keep[k][i]) continue;
            if (is_alias(call)) {
                w.set_name(call.outputs[0], w.name_of(call.inputs[0], node, call.op));
                continue;
            }
            auto e = emitters().find(call.op);
            if (e == emitters().end())
                throw UsageError(fmt::format("cannot export node '{}': op '{}' has no ONNX form here (exported ops: {})", node, call.op, exportable_ops()));
            Site s{w, call, b.nodes[k].second[i], node, {}, w.fresh(node + "." + call.op), options.opset};
            for (const Tensor& t : call.inputs) s.in.push_back(t.defined() ? w.name_of(t, node, call.op) : std::string());
            if (call.outputs.size() != 1)
                throw UsageError(fmt::format("cannot export node '{}': op '{}' returns {} outputs", node, call.op, call.outputs.size()));
            e->second(s);
            w.set_name(call.outputs[0], s.out);
        }
    }
    for (std::size_t i = 0; i < a.outputs.size(); ++i) {
        const auto& [name, t] = a.outputs[i];
        const std::string made = w.name_of(t, "(outputs)", "output '" + name + "'");
        auto act = options.activation.find(name);
        const std::string how = act == options.activation.end() ? "none" : act->second;
        if (how == "none") {
            w.node("Identity", {made}, {name}, name);
        } else {
            const int64_t code = how == "sigmoid" ? 4 : how == "tanh" ? 3 : -1;
            if (code < 0) throw std::logic_error("onnx_model: activation '" + how + "' for '" + name + "' is not none, sigmoid or tanh");
            activation(w, code, std::nullopt, made, name, name + "." + how);
        }
        value_info(*graph.add_output(), name, t, b.outputs[i].second, w);
    }
    try {
        onnx::checker::check_model(model);
    } catch (const std::exception& e) {
        throw std::logic_error(std::string("the exported model fails ONNX's checker (a bug in chimera export): ") + e.what());
    }
    std::string bytes;
    if (!model.SerializeToString(&bytes)) throw UsageError("the exported model could not be serialized (larger than 2 GB?)");
    return bytes;
}

std::string exportable_ops() {
    std::string list;
    for (const auto& [name, emit] : emitters()) list += (list.empty() ? "" : ", ") + name;
    return list + ", dropout (in evaluation)";
}

}  // namespace chimera

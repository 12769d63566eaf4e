// The ONNX graph as chimera export writes it, shared by its two files: GraphWriter (names for
// the traced tensors, initializers, nodes), the Site of one traced call, and the table of what
// each host op becomes (onnx_emitters.cpp). Private to the export layer; onnx_export.hpp is its
// interface. Not the checks that two traces agree (onnx_export.cpp).
#pragma once

#include "core/host_error.hpp"
#include "export/onnx_export.hpp"

#include <fmt/format.h>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace chimera::onnx_graph {

// A number of a call's positional attributes, or its default when the call left it out.
inline double attr(const TracedCall& c, std::size_t i, double fallback) { return i < c.attrs.size() ? c.attrs[i] : fallback; }
inline int64_t int_attr(const TracedCall& c, std::size_t i, double fallback) { return static_cast<int64_t>(std::llround(attr(c, i, fallback))); }

inline onnx::TensorProto_DataType onnx_type(DType t) {
    return t == DType::i32 ? onnx::TensorProto_DataType_INT32 : onnx::TensorProto_DataType_FLOAT;
}

// Builds the graph: names for the traced tensors, initializers, nodes.
class GraphWriter {
public:
    GraphWriter(onnx::GraphProto& graph, const ParameterStore& parameters, int64_t batch_a, int64_t batch_b)
        : graph_(graph), parameters_(parameters), batch_a_(batch_a), batch_b_(batch_b) {}

    // Whether a dimension that is `a` in one trace and `b` in the other is the batch.
    bool is_batch(int64_t a, int64_t b) const { return a == batch_a_ && b == batch_b_; }
    int64_t batch_a() const { return batch_a_; }
    int64_t batch_b() const { return batch_b_; }

    void name_input(const std::string& name, const Tensor& t) { names_[t.impl()] = name; }

    // The name of a traced tensor: an earlier op's output, a graph input, or a parameter or
    // buffer (added as an initializer the first time). Anything else the plugin made itself.
    std::string name_of(const Tensor& t, const std::string& node, const std::string& op) {
        if (auto it = names_.find(t.impl()); it != names_.end()) return it->second;
        if (parameters_.role_of(t) != ParameterStore::Role::none) {
            add_initializer(t.name(), t);
            names_[t.impl()] = t.name();
            return t.name();
        }
        throw UsageError(fmt::format("cannot export node '{}': op '{}' reads a tensor {} that the plugin made itself, not "
                                     "through the host's ops (a constant or data it computed), which the export cannot see",
                                     node, op, describe(t)));
    }
    void set_name(const Tensor& t, const std::string& name) { names_[t.impl()] = name; }
    bool named(const Tensor& t) const { return names_.count(t.impl()) != 0; }

    // A name of the writer's own: ':' is in no pipeline tensor's or parameter's name.
    std::string fresh(const std::string& hint) { return fmt::format("{}:{}", hint, ++counter_); }

    onnx::NodeProto& node(const std::string& type, const std::vector<std::string>& inputs, const std::vector<std::string>& outputs,
                          const std::string& name) {
        onnx::NodeProto& n = *graph_.add_node();
        n.set_op_type(type);
        n.set_name(fresh(name));
        for (const auto& i : inputs) n.add_input(i);
        for (const auto& o : outputs) n.add_output(o);
        return n;
    }
    static void set(onnx::NodeProto& n, const std::string& name, int64_t v) {
        auto& a = *n.add_attribute();
        a.set_name(name);
        a.set_type(onnx::AttributeProto_AttributeType_INT);
        a.set_i(v);
    }
    static void set(onnx::NodeProto& n, const std::string& name, double v) {
        auto& a = *n.add_attribute();
        a.set_name(name);
        a.set_type(onnx::AttributeProto_AttributeType_FLOAT);
        a.set_f(static_cast<float>(v));
    }
    static void set(onnx::NodeProto& n, const std::string& name, const std::vector<int64_t>& v) {
        auto& a = *n.add_attribute();
        a.set_name(name);
        a.set_type(onnx::AttributeProto_AttributeType_INTS);
        for (int64_t x : v) a.add_ints(x);
    }
    static void set(onnx::NodeProto& n, const std::string& name, const std::string& v) {
        auto& a = *n.add_attribute();
        a.set_name(name);
        a.set_type(onnx::AttributeProto_AttributeType_STRING);
        a.set_s(v);
    }

    std::string int64_constant(const std::string& hint, const std::vector<int64_t>& values) {
        onnx::TensorProto& t = *graph_.add_initializer();
        t.set_name(fresh(hint));
        t.set_data_type(onnx::TensorProto_DataType_INT64);
        t.add_dims(static_cast<int64_t>(values.size()));
        for (int64_t v : values) t.add_int64_data(v);
        return t.name();
    }
    std::string float_constant(const std::string& hint, const std::vector<float>& values, std::vector<int64_t> dims) {
        onnx::TensorProto& t = *graph_.add_initializer();
        t.set_name(fresh(hint));
        t.set_data_type(onnx::TensorProto_DataType_FLOAT);
        for (int64_t d : dims) t.add_dims(d);
        for (float v : values) t.add_float_data(v);
        return t.name();
    }

private:
    void add_initializer(const std::string& name, const Tensor& t) {
        onnx::TensorProto& p = *graph_.add_initializer();
        p.set_name(name);
        p.set_data_type(onnx_type(t.dtype()));
        for (int64_t d : t.shape()) p.add_dims(d);
        p.set_raw_data(std::string(static_cast<const char*>(t.raw()), static_cast<std::size_t>(t.numel()) * 4));
    }

    onnx::GraphProto& graph_;
    const ParameterStore& parameters_;
    int64_t batch_a_, batch_b_;
    std::unordered_map<const TensorImpl*, std::string> names_;
    int counter_ = 0;
};

// One traced call and where it is written from.
struct Site {
    GraphWriter& w;
    const TracedCall& call;
    const TracedCall& other;  // the same call in the trace at the other batch size
    const std::string& node;
    std::vector<std::string> in;  // names of the inputs ("" for one left out)
    std::string out;              // the name of its (first) output
    int opset = 13;
    std::string label() const { return node + "." + call.op; }
};

using Emit = std::function<void(Site&)>;

// What each host op becomes, by the op's name.
const std::map<std::string, Emit>& emitters();

// An activation of CHM_ACTIVATIONS by its code, as linear fuses it (no alpha: the activation's own).
void activation(GraphWriter& w, int64_t code, std::optional<double> alpha, const std::string& x, const std::string& out,
                const std::string& label);

}  // namespace chimera::onnx_graph

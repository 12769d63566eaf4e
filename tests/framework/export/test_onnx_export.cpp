// The ONNX writer on hand-made traces of real ops: attributes translated as the op reads them
// (pads reordered, negative permute axes, a pair's second half defaulting as the op's does, an
// explicit activation alpha), the batch named N, and refusals: attributes or inputs that differ
// between the two batch sizes, a tensor that came from neither an input, a parameter nor an op.
// Also reshapes of the batch times a size, calls the outputs do not need left out, causal
// attention. The models' numbers are checked by other runtimes in tests/export.
#define BOOST_TEST_MODULE framework_export
#include <boost/test/unit_test.hpp>

#include "autograd/context.hpp"
#include "core/host_error.hpp"
#include "export/onnx_export.hpp"
#include "ops/op_registry.hpp"

#include <onnx/onnx_pb.h>

#include <cmath>

using namespace chimera;

namespace {

struct Fixture {
    Context ctx{1, 0};
    OpRegistry ops;
    Fixture() { register_builtin_ops(ops); }
    TracedCall call(const std::string& op, const std::vector<Tensor>& inputs, const Attrs& attrs) {
        return {op, inputs, attrs, ops.call(ctx, op, inputs, attrs)};
    }
    Tensor input(int64_t n, Shape rest) {
        rest.insert(rest.begin(), n);
        return ctx.zeros(DType::f32, rest);
    }
};

// A trace of one node "net" calling one op on input "x" of shape [n, rest...].
ExportTrace one_op(Fixture& f, int64_t n, const Shape& rest, const std::string& op, const Attrs& attrs, std::vector<Tensor> more = {}) {
    ExportTrace t;
    t.batch = n;
    Tensor x = f.input(n, rest);
    t.inputs = {{"x", x}};
    std::vector<Tensor> in{x};
    in.insert(in.end(), more.begin(), more.end());
    TracedCall c = f.call(op, in, attrs);
    t.outputs = {{"y", c.outputs[0]}};
    t.nodes = {{"net", {c}}};
    return t;
}

onnx::ModelProto model_of(Fixture& f, const ExportTrace& a, const ExportTrace& b) {
    onnx::ModelProto m;
    BOOST_REQUIRE(m.ParseFromString(onnx_model(a, b, f.ctx.parameters(), {})));
    return m;
}

const onnx::NodeProto& node_of(const onnx::ModelProto& m, const std::string& type) {
    for (const auto& n : m.graph().node())
        if (n.op_type() == type) return n;
    BOOST_FAIL("no " << type << " node");
    throw 0;
}

std::vector<int64_t> ints(const onnx::NodeProto& n, const std::string& name) {
    for (const auto& a : n.attribute())
        if (a.name() == name) return {a.ints().begin(), a.ints().end()};
    BOOST_FAIL("no attribute " << name);
    throw 0;
}

std::vector<int64_t> int64_initializer(const onnx::ModelProto& m, const std::string& name) {
    for (const auto& t : m.graph().initializer())
        if (t.name() == name) return {t.int64_data().begin(), t.int64_data().end()};
    BOOST_FAIL("no initializer " << name);
    throw 0;
}

}  // namespace

BOOST_AUTO_TEST_CASE(pads_from_the_last_dimension_backwards_become_begins_then_ends) {
    Fixture f;
    // value 0.5; last dim: 1 before, 2 after; the one before it: 3 before, 4 after.
    const Attrs attrs{0.5, 1, 2, 3, 4};
    const onnx::ModelProto m = model_of(f, one_op(f, 3, {2, 4, 4}, "pad", attrs), one_op(f, 5, {2, 4, 4}, "pad", attrs));
    const onnx::NodeProto& pad = node_of(m, "Pad");
    BOOST_TEST(int64_initializer(m, pad.input(1)) == (std::vector<int64_t>{0, 0, 3, 1, 0, 0, 4, 2}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(negative_permute_axes_count_from_the_end) {
    Fixture f;
    const Attrs attrs{0, -1, 1, 2};
    const onnx::ModelProto m = model_of(f, one_op(f, 3, {2, 4, 6}, "permute", attrs), one_op(f, 5, {2, 4, 6}, "permute", attrs));
    BOOST_TEST(ints(node_of(m, "Transpose"), "perm") == (std::vector<int64_t>{0, 3, 1, 2}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_pair_left_half_given_takes_the_ops_default_for_the_rest) {
    Fixture f;
    Tensor w = f.ctx.parameters().create("net.conv.weight", {4, 2, 3, 3}, CHM_INIT_CONSTANT, 0.1, 0.0);
    const Attrs attrs{2};  // stride_h 2 alone: conv2d reads stride_w 1
    const onnx::ModelProto m = model_of(f, one_op(f, 3, {2, 8, 8}, "conv2d", attrs, {w}), one_op(f, 5, {2, 8, 8}, "conv2d", attrs, {w}));
    const onnx::NodeProto& conv = node_of(m, "Conv");
    BOOST_TEST(ints(conv, "strides") == (std::vector<int64_t>{2, 1}), boost::test_tools::per_element());
    BOOST_TEST(ints(conv, "pads") == (std::vector<int64_t>{0, 0, 0, 0}), boost::test_tools::per_element());
    BOOST_TEST(ints(conv, "kernel_shape") == (std::vector<int64_t>{3, 3}), boost::test_tools::per_element());
    BOOST_TEST(conv.input(1) == "net.conv.weight");  // the parameter, under its own name
}

BOOST_AUTO_TEST_CASE(linears_explicit_alpha_is_kept_and_the_batch_is_named_n) {
    Fixture f;
    Tensor w = f.ctx.parameters().create("net.fc.weight", {3, 4}, CHM_INIT_CONSTANT, 0.1, 0.0);
    const Attrs attrs{1, 0.2};  // relu with alpha 0.2: a leaky relu
    const onnx::ModelProto m = model_of(f, one_op(f, 3, {4}, "linear", attrs, {w}), one_op(f, 5, {4}, "linear", attrs, {w}));
    const onnx::NodeProto& leaky = node_of(m, "LeakyRelu");
    BOOST_TEST(leaky.attribute(0).f() == 0.2f);
    const auto& dims = m.graph().input(0).type().tensor_type().shape().dim();
    BOOST_TEST(dims[0].dim_param() == "N");
    BOOST_TEST(dims[1].dim_value() == 4);
}

BOOST_AUTO_TEST_CASE(attributes_that_change_with_the_data_are_refused) {
    Fixture f;
    // A mean computed as a sum times 1/N: a model would freeze one batch's N.
    const ExportTrace a = one_op(f, 3, {4}, "mul_scalar", {1.0 / 3}), b = one_op(f, 5, {4}, "mul_scalar", {1.0 / 5});
    BOOST_CHECK_EXCEPTION(onnx_model(a, b, f.ctx.parameters(), {}), UsageError, [](const UsageError& e) {
        return std::string(e.what()).find("cannot export node 'net': the attributes of op 'mul_scalar' differ") != std::string::npos;
    });
}

BOOST_AUTO_TEST_CASE(a_tensor_the_plugin_made_itself_is_refused) {
    Fixture f;
    auto made = [&](int64_t n) {
        Tensor own = f.input(n, {4});  // neither a graph input, a parameter nor an op's output
        return one_op(f, n, {4}, "add", {}, {own});
    };
    BOOST_CHECK_EXCEPTION(onnx_model(made(3), made(5), f.ctx.parameters(), {}), UsageError, [](const UsageError& e) {
        return std::string(e.what()).find("that the plugin made itself") != std::string::npos;
    });
}

// Rows of every position ([N * T, D], as a Transformer feeds its dense layers) reshape as -1;
// calls the outputs do not need (on a tensor the plugin made itself, with attributes that change
// with the batch) are left out, and not held against the export.
BOOST_AUTO_TEST_CASE(the_batch_times_a_size_reshapes_as_minus_one_and_unneeded_calls_are_left_out) {
    Fixture f;
    auto trace = [&](int64_t n) {
        ExportTrace t;
        t.batch = n;
        Tensor x = f.input(n, {6, 4});
        t.inputs = {{"x", x}};
        TracedCall rows = f.call("reshape", {x}, {static_cast<double>(n * 6), 4});
        TracedCall back = f.call("reshape", {rows.outputs[0]}, {static_cast<double>(n), 6, 4});
        TracedCall unused = f.call("add", {x, f.input(n, {6, 4})}, {});
        TracedCall per_batch = f.call("mul_scalar", {x}, {1.0 / static_cast<double>(n)});  // would be refused if written
        t.outputs = {{"y", back.outputs[0]}};
        t.nodes = {{"net", {rows, unused, per_batch, back}}};
        return t;
    };
    const onnx::ModelProto m = model_of(f, trace(3), trace(5));
    std::vector<std::string> types;
    for (const auto& n : m.graph().node()) types.push_back(n.op_type());
    BOOST_TEST(types == (std::vector<std::string>{"Reshape", "Reshape", "Identity"}), boost::test_tools::per_element());
    BOOST_TEST(int64_initializer(m, m.graph().node(0).input(1)) == (std::vector<int64_t>{-1, 4}), boost::test_tools::per_element());
    BOOST_TEST(int64_initializer(m, m.graph().node(1).input(1)) == (std::vector<int64_t>{-1, 6, 4}), boost::test_tools::per_element());
}

// Causal attention becomes MatMul, Softmax and a constant of -inf above the diagonal.
BOOST_AUTO_TEST_CASE(causal_attention_adds_minus_infinity_above_the_diagonal) {
    Fixture f;
    auto trace = [&](int64_t n) {
        ExportTrace t;
        t.batch = n;
        Tensor q = f.input(n, {2, 3, 4});
        t.inputs = {{"q", q}};
        TracedCall c = f.call("attention", {q, q, q}, {0, 1});
        t.outputs = {{"y", c.outputs[0]}};
        t.nodes = {{"net", {c}}};
        return t;
    };
    const onnx::ModelProto m = model_of(f, trace(3), trace(5));
    BOOST_TEST(node_of(m, "Softmax").attribute(0).i() == -1);
    int causal = 0;
    for (const auto& t : m.graph().initializer())
        if (t.dims_size() == 2 && t.dims(0) == 3 && t.dims(1) == 3) {
            ++causal;
            for (int i = 0; i < 3; ++i)
                for (int j = 0; j < 3; ++j) BOOST_TEST((j > i ? std::isinf(t.float_data(i * 3 + j)) && t.float_data(i * 3 + j) < 0
                                                              : t.float_data(i * 3 + j) == 0.0f));
        }
    BOOST_TEST(causal == 1);
}

// sum reads its axes as an input (opset 13), mean as an attribute; clamp's bounds are inputs.
BOOST_AUTO_TEST_CASE(reductions_keep_their_axes_and_clamp_its_bounds) {
    Fixture f;
    const onnx::ModelProto sum = model_of(f, one_op(f, 3, {4, 2}, "sum", {1, 2}), one_op(f, 5, {4, 2}, "sum", {1, 2}));
    const onnx::NodeProto& rs = node_of(sum, "ReduceSum");
    BOOST_TEST(int64_initializer(sum, rs.input(1)) == (std::vector<int64_t>{2}), boost::test_tools::per_element());
    BOOST_TEST(rs.attribute(0).name() == "keepdims");
    BOOST_TEST(rs.attribute(0).i() == 1);
    const onnx::ModelProto mean = model_of(f, one_op(f, 3, {4, 2}, "mean", {0, 1}), one_op(f, 5, {4, 2}, "mean", {0, 1}));
    BOOST_TEST(ints(node_of(mean, "ReduceMean"), "axes") == (std::vector<int64_t>{1}), boost::test_tools::per_element());
    const onnx::ModelProto clip = model_of(f, one_op(f, 3, {4}, "clamp", {-0.5, 2}), one_op(f, 5, {4}, "clamp", {-0.5, 2}));
    const onnx::NodeProto& c = node_of(clip, "Clip");
    BOOST_TEST(c.input_size() == 3);
    for (const auto& t : clip.graph().initializer())
        if (t.name() == c.input(1)) BOOST_TEST(t.float_data(0) == -0.5f);
}

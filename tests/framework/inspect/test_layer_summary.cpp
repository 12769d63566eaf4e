// Layer summaries: a traced forward of the test plugin's tiny_mlp gives its ops, output shapes
// and parameter counts (each parameter once, buffers as non-trainable), the observer is put back
// afterwards, and the table prints Keras-style with N for the batch and thousands separators.
#define BOOST_TEST_MODULE framework_inspect
#include <boost/test/unit_test.hpp>

#include "autograd/parameter_store.hpp"
#include "support/plugin_session.hpp"
#include "inspect/layer_summary.hpp"

#include <algorithm>
#include <cstdint>

using namespace chimera;

namespace {

// tiny_mlp as an MNIST-sized encoder: fc1 784 -> 512, tanh, fc2 512 -> 10.
const int64_t inputs = 784, hidden = 512, outputs = 10, batch = 4;
const int64_t fc1_params = hidden * inputs + hidden;   // 401,920
const int64_t fc2_params = outputs * hidden + outputs; // 5,130

struct Session : chimera::test::PluginSession {
    std::unique_ptr<ComponentInstance> encoder;

    Session() : PluginSession({MLP_PLUGIN_FILE}) {
        encoder = make(CHM_KIND_ENCODER, "tiny_mlp", "{inputs: 784, hidden: 512, outputs: 10}", "encoder");
    }
    ~Session() { encoder.reset(); }  // before the session detaches the context

    void forward() { encoder->forward({{"x", ctx.zeros(DType::f32, {batch, inputs})}}); }
};

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    for (std::size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1)
        lines.push_back(text.substr(start, end - start));
    return lines;
}

bool has_line(const std::string& text, const std::string& line) {
    auto lines = lines_of(text);
    return std::find(lines.begin(), lines.end(), line) != lines.end();
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_traced_forward_gives_each_op_its_shape_layer_and_parameters) {
    Session s;
    std::vector<LayerRow> rows;
    {
        OpTrace trace(s.services);
        s.forward();
        BOOST_TEST_REQUIRE(trace.ops().size() == 3u);
        BOOST_TEST(trace.ops()[0].parameters == (std::vector<std::string>{"encoder.fc1.weight", "encoder.fc1.bias"}),
                   boost::test_tools::per_element());
        BOOST_TEST(trace.ops()[1].parameters.empty());
        rows = layer_rows(trace, "encoder");
    }
    BOOST_TEST(!s.services.op_observer);  // the trace removed itself

    BOOST_TEST_REQUIRE(rows.size() == 3u);
    const std::vector<std::string> layers{"fc1", "", "fc2"}, ops{"linear", "tanh", "linear"};
    const std::vector<Shape> shapes{{batch, hidden}, {batch, hidden}, {batch, outputs}};
    const std::vector<int64_t> params{fc1_params, 0, fc2_params};
    int64_t total = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        BOOST_TEST_CONTEXT("row " << i) {
            BOOST_TEST(rows[i].layer == layers[i]);
            BOOST_TEST(rows[i].op == ops[i]);
            BOOST_TEST(rows[i].output == shapes[i], boost::test_tools::per_element());
            BOOST_TEST(rows[i].params == params[i]);
            BOOST_TEST(rows[i].non_trainable == 0);
            total += rows[i].params;
        }
    }
    BOOST_TEST(total == s.ctx.parameters().count_elements());

    std::string table = format_layer_table("encoder", "tiny_mlp", rows, batch);
    BOOST_TEST_MESSAGE("\n" << table);
    BOOST_TEST(lines_of(table).front() == "Node \"encoder\" (tiny_mlp)");
    BOOST_TEST(has_line(table, "Layer (op)    Output shape  Param #"), table);
    BOOST_TEST(has_line(table, "fc1 (linear)  [N, 512]      401,920"), table);
    BOOST_TEST(has_line(table, "(tanh)        [N, 512]            0"), table);
    BOOST_TEST(has_line(table, "fc2 (linear)  [N, 10]         5,130"), table);
    BOOST_TEST(has_line(table, "Total params: 407,050"), table);
    BOOST_TEST(has_line(table, "Trainable params: 407,050"), table);
    BOOST_TEST(has_line(table, "Non-trainable params: 0"), table);
}

BOOST_AUTO_TEST_CASE(a_parameter_counts_once_per_trace_and_traces_nest) {
    Session s;
    int outer_calls = 0;
    s.services.op_observer = [&](const OpCall&) { ++outer_calls; };
    {
        OpTrace trace(s.services);
        s.forward();
        s.forward();  // the same parameters again: their layers show, their elements do not
        auto rows = layer_rows(trace, "encoder");
        BOOST_TEST_REQUIRE(rows.size() == 6u);
        BOOST_TEST(rows[3].layer == "fc1");
        BOOST_TEST(rows[3].params == 0);
        BOOST_TEST(rows[5].params == 0);
        int64_t total = 0;
        for (const auto& r : rows) total += r.params;
        BOOST_TEST(total == fc1_params + fc2_params);
    }
    BOOST_TEST(outer_calls == 6);  // the observer already installed still saw every op
    BOOST_TEST(static_cast<bool>(s.services.op_observer));
    s.forward();
    BOOST_TEST(outer_calls == 9);  // and is in place again
    s.services.op_observer = nullptr;
}

BOOST_AUTO_TEST_CASE(buffers_count_as_non_trainable_and_copies_of_data_are_not_parameters) {
    Context ctx(1);
    OpRegistry ops;
    HostServices services{ctx, ops, ""};
    Tensor weight = ctx.parameters().create("net.bn.weight", {8}, CHM_INIT_CONSTANT, 1.0, 0.0);
    Tensor mean = ctx.parameters().create_buffer("net.bn.running_mean", {8}, CHM_INIT_ZEROS, 0.0, 0.0);
    Tensor x = ctx.zeros(DType::f32, {2, 8});
    OpTrace trace(services);
    // What host_compute's op_call does after running an op for a plugin.
    services.op_observer(OpCall{"batch_norm", {x, weight, Tensor(), mean}, {}, {x}});
    services.op_observer(OpCall{"add", {x, weight.reshaped({1, 8})}, {}, {x}});  // a view is not the parameter
    auto rows = layer_rows(trace, "net");
    BOOST_TEST_REQUIRE(rows.size() == 2u);
    BOOST_TEST(rows[0].layer == "bn");
    BOOST_TEST(rows[0].params == 16);
    BOOST_TEST(rows[0].non_trainable == 8);
    BOOST_TEST(rows[1].layer == "");
    std::string table = format_layer_table("net", "norm", rows, 2);
    BOOST_TEST(has_line(table, "bn (batch_norm)  [N, 8]             16"), table);
    BOOST_TEST(has_line(table, "Total params: 16"), table);
    BOOST_TEST(has_line(table, "Trainable params: 8"), table);
    BOOST_TEST(has_line(table, "Non-trainable params: 8"), table);
}

BOOST_AUTO_TEST_CASE(the_table_reads_like_keras) {
    std::vector<LayerRow> rows{{"fc1", "linear", {64, 512}, 401920, 0},
                               {"", "relu", {64, 512}, 0, 0},
                               {"block.fc2", "linear", {64, 256}, 131328, 0},
                               {"head", "linear", {64, 1}, 257, 0},
                               {"", "sum", {}, 0, 0}};
    BOOST_TEST(format_layer_table("discriminator", "mlp", rows, 64) ==
               "Node \"discriminator\" (mlp)\n"
               "=========================================\n"
               "Layer (op)          Output shape  Param #\n"
               "-----------------------------------------\n"
               "fc1 (linear)        [N, 512]      401,920\n"
               "(relu)              [N, 512]            0\n"
               "block.fc2 (linear)  [N, 256]      131,328\n"
               "head (linear)       [N, 1]            257\n"
               "(sum)               []                  0\n"
               "=========================================\n"
               "Total params: 533,505\n"
               "Trainable params: 533,505\n"
               "Non-trainable params: 0\n");
}

BOOST_AUTO_TEST_CASE(layer_names_drop_the_instance_and_the_last_component) {
    Context ctx(1);
    OpRegistry ops;
    HostServices services{ctx, ops, ""};
    Tensor w = ctx.parameters().create("generator.block1.conv.weight", {2, 2}, CHM_INIT_ZEROS, 0, 0);
    Tensor s = ctx.parameters().create("generator.scale", {1}, CHM_INIT_ZEROS, 0, 0);
    OpTrace trace(services);
    services.op_observer(OpCall{"conv2d", {w, s}, {}, {w}});
    BOOST_TEST(layer_rows(trace, "generator")[0].layer == "block1.conv, scale");
}

BOOST_AUTO_TEST_CASE(counts_have_thousands_separators) {
    BOOST_TEST(with_thousands(0) == "0");
    BOOST_TEST(with_thousands(999) == "999");
    BOOST_TEST(with_thousands(1000) == "1,000");
    BOOST_TEST(with_thousands(579728) == "579,728");
    BOOST_TEST(with_thousands(1234567890) == "1,234,567,890");
    BOOST_TEST(with_thousands(-1234) == "-1,234");
    BOOST_TEST(with_thousands(INT64_MIN) == "-9,223,372,036,854,775,808");
}

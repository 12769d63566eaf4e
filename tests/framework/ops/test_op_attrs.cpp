// Named attributes (ABI 1.4): how <chimera/opset.h>'s declarations turn a named call into the
// positional numbers an op reads, the errors a wrong call gets, and that the op set the host
// registers is exactly the one the SDK header lists.
#include <boost/test/unit_test.hpp>

#include "support/op_fixture.hpp"

#include <chimera/opset.h>

using namespace chimera;
using namespace chimera::test;
namespace tt = boost::test_tools;

namespace {

NamedAttr num(const std::string& name, std::vector<double> values) { return {name, std::move(values), "", false}; }
NamedAttr choice(const std::string& name, const std::string& text) { return {name, {}, text, true}; }

// The positional numbers of a named call of `op`, or the error's message.
std::string positional_of(const OpRegistry& ops, const std::string& op, const std::vector<NamedAttr>& given) {
    try {
        std::string out;
        for (double v : ops.require(op).attrs.positional(op, given)) out += (out.empty() ? "" : " ") + std::to_string(int(v));
        return out;
    } catch (const HostError& e) {
        return e.what();
    }
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(op_attrs, OpFixture)

BOOST_AUTO_TEST_CASE(the_declaration_gives_the_positional_counts_of_abi_1_1) {
    const OpAttrs pool("avg_pool2d", "kernel[2], stride[2]=kernel, padding[2]=0, count_include_pad=1");
    BOOST_TEST(pool.min_positional() == 2);
    BOOST_TEST(pool.max_positional() == 7);
    const OpAttrs slice("slice", "axis, start, stop, step=1");
    BOOST_TEST(slice.min_positional() == 3);
    BOOST_TEST(slice.max_positional() == 4);
    const OpAttrs sum("sum", "keepdim=0, axes[*]");
    BOOST_TEST(sum.min_positional() == 0);
    BOOST_TEST(sum.max_positional() == 1 + CHM_MAX_RANK);
    BOOST_CHECK_THROW(OpAttrs("bad", "axes[*], keepdim=0"), std::logic_error);
    BOOST_CHECK_THROW(OpAttrs("bad", "mode:a|b=c"), std::logic_error);
}

BOOST_AUTO_TEST_CASE(left_out_attributes_take_their_defaults_or_are_left_to_the_op) {
    // Trailing attributes left out are not sent: the op applies its own defaults.
    BOOST_TEST(positional_of(ops, "avg_pool2d", {num("kernel", {3})}) == "3 3");
    // One number for a pair is used for both; a default naming another attribute copies it.
    BOOST_TEST(positional_of(ops, "avg_pool2d", {num("padding", {1}), num("kernel", {3})}) == "3 3 3 3 1 1");
    BOOST_TEST(positional_of(ops, "avg_pool2d", {num("kernel", {2, 3}), num("count_include_pad", {0})}) ==
               "2 3 2 3 0 0 0");
    BOOST_TEST(positional_of(ops, "conv2d", {num("groups", {2})}) == "1 1 0 0 1 1 2");
    BOOST_TEST(positional_of(ops, "sum", {num("axes", {1, 2})}) == "0 1 2");
    BOOST_TEST(positional_of(ops, "linear", {choice("activation", "gelu")}) == "6");
    BOOST_TEST(positional_of(ops, "linear", {choice("activation", "leaky_relu"), num("alpha", {0})}) == "2 0");
    BOOST_TEST(positional_of(ops, "linear", {num("alpha", {0.1})}) == "0 0");  // activation's default, none
}

BOOST_AUTO_TEST_CASE(a_wrong_call_names_the_op_and_its_attributes) {
    BOOST_TEST(positional_of(ops, "avg_pool2d", {num("kernel", {2}), num("strides", {1})}) ==
               "avg_pool2d: has no attribute 'strides'. Did you mean 'stride'?; its attributes: kernel[2], "
               "stride[2]=kernel, padding[2]=0, count_include_pad=1");
    BOOST_TEST(positional_of(ops, "slice", {num("start", {0})}).rfind("slice: attribute 'axis' is required", 0) == 0);
    BOOST_TEST(positional_of(ops, "conv2d", {num("stride", {1, 2, 3})}).rfind(
                   "conv2d: attribute 'stride' takes 2 numbers, got [1.000000, 2.000000, 3.000000]", 0) == 0);
    BOOST_TEST(positional_of(ops, "linear", {choice("activation", "swish")}).rfind(
                   "linear: attribute 'activation' is 'swish', not one of none|relu|leaky_relu|tanh|sigmoid|elu|gelu|silu",
                   0) == 0);
    BOOST_TEST(positional_of(ops, "linear", {num("activation", {1})}).rfind("linear: attribute 'activation' is", 0) == 0);
    BOOST_TEST(positional_of(ops, "clamp", {choice("min", "low"), num("max", {1})}).rfind(
                   "clamp: attribute 'min' takes numbers, not the choice 'low'", 0) == 0);
    // An attribute the op chooses itself cannot be skipped when a later one is given.
    BOOST_TEST(positional_of(ops, "avg_pool2d", {num("stride", {1})}).rfind("avg_pool2d: attribute 'kernel' is required", 0) == 0);
    BOOST_TEST(positional_of(ops, "dropout", {num("p", {0.5}), num("p", {0.2})}).rfind(
                   "dropout: attribute 'p' is given twice", 0) == 0);
}

BOOST_AUTO_TEST_CASE(a_named_call_computes_what_the_positional_call_does) {
    Tensor x = random_tensor(ctx, {2, 3, 7, 6}, 1), w = random_tensor(ctx, {4, 3, 3, 3}, 2), b = random_tensor(ctx, {4}, 3);
    const OpDef& conv = ops.require("conv2d");
    Tensor named = ops.call(ctx, conv, {x, w, b}, std::vector<NamedAttr>{num("stride", {2, 1}), num("padding", {1})}).at(0);
    Tensor positional = call("conv2d", {x, w, b}, {2, 1, 1, 1});
    BOOST_TEST(named.shape() == positional.shape(), tt::per_element());
    BOOST_TEST(values_of(named) == values_of(positional), tt::per_element());
}

// The host registers its ops from the SDK's list: every entry is an op the host computes, at the
// version the SDK will ask for, and every op the host has is listed.
BOOST_AUTO_TEST_CASE(the_host_registers_exactly_the_op_set_of_the_sdk_header) {
    std::vector<std::pair<std::string, uint32_t>> listed;
#define CHIMERA_LISTED(op, version, attrs) listed.emplace_back(#op, version);
    CHM_OPSET(CHIMERA_LISTED)
#undef CHIMERA_LISTED
    BOOST_TEST(ops.all().size() == listed.size());
    for (const auto& [name, version] : listed) {
        BOOST_TEST_CONTEXT(name) {
            const OpDef* op = ops.find(name);
            BOOST_TEST_REQUIRE(op != nullptr);
            BOOST_TEST(op->version == version);
        }
    }
    OpRegistry other;
    BOOST_CHECK_THROW(other.add({"not_in_the_op_set", "x -> y", 1, 1, 1, nullptr}), std::logic_error);
}

BOOST_AUTO_TEST_SUITE_END()

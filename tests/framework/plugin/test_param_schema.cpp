// Checking YAML values against declared parameters: the rules every pipeline option goes through.
#define BOOST_TEST_MODULE framework_plugin
#include <boost/test/unit_test.hpp>

#include "plugin/param_schema.hpp"

using namespace chimera;

namespace {

ParamInfo param(chm_param_type type) {
    ParamInfo p;
    p.name = "p";
    p.type = type;
    return p;
}

std::string why(const ParamInfo& p, const std::string& yaml) {
    return check_param_value(p, YAML::Load(yaml)).value_or("fits");
}

}  // namespace

BOOST_AUTO_TEST_CASE(scalars_are_checked_by_type) {
    BOOST_TEST(why(param(CHM_PARAM_BOOL), "true") == "fits");
    BOOST_TEST(why(param(CHM_PARAM_BOOL), "yes please") == "expected true or false, got 'yes please'");
    BOOST_TEST(why(param(CHM_PARAM_INT), "-12") == "fits");
    BOOST_TEST(why(param(CHM_PARAM_INT), "1.5") == "expected an integer, got '1.5'");
    BOOST_TEST(why(param(CHM_PARAM_INT), "[1, 2]") == "expected int, got a list");
    BOOST_TEST(why(param(CHM_PARAM_FLOAT), "3") == "fits");
    BOOST_TEST(why(param(CHM_PARAM_FLOAT), "1e-3") == "fits");
    BOOST_TEST(why(param(CHM_PARAM_FLOAT), "fast") == "expected a number, got 'fast'");
    BOOST_TEST(why(param(CHM_PARAM_FLOAT), "nan") == "expected a number, got 'nan'");
    BOOST_TEST(why(param(CHM_PARAM_STRING), "{a: 1}") == "expected string, got a map");
}

BOOST_AUTO_TEST_CASE(ranges_are_inclusive) {
    ParamInfo p = param(CHM_PARAM_INT);
    p.min = 1;
    p.max = 10;
    BOOST_TEST(why(p, "1") == "fits");
    BOOST_TEST(why(p, "10") == "fits");
    BOOST_TEST(why(p, "0") == "0 is below the minimum 1");
    BOOST_TEST(why(p, "11") == "11 is above the maximum 10");
    BOOST_TEST(describe_allowed(p) == "1 .. 10");
}

BOOST_AUTO_TEST_CASE(choices_restrict_strings_and_each_list_element) {
    ParamInfo p = param(CHM_PARAM_STRING);
    p.choices = {"relu", "tanh"};
    BOOST_TEST(why(p, "tanh") == "fits");
    BOOST_TEST(why(p, "swish") == "'swish' is not one of relu, tanh");
    BOOST_TEST(describe_allowed(p) == "relu|tanh");
    p.type = CHM_PARAM_STRING_LIST;
    BOOST_TEST(why(p, "[relu, tanh]") == "fits");
    BOOST_TEST(why(p, "[relu, gelu]") == "element 1: 'gelu' is not one of relu, tanh");
}

BOOST_AUTO_TEST_CASE(lists_check_every_element) {
    ParamInfo p = param(CHM_PARAM_INT_LIST);
    p.min = 1;
    BOOST_TEST(why(p, "[512, 256]") == "fits");
    BOOST_TEST(why(p, "[]") == "fits");
    BOOST_TEST(why(p, "512") == "expected an int list, got '512'");
    BOOST_TEST(why(p, "[512, 0]") == "element 1: 0 is below the minimum 1");
    BOOST_TEST(why(param(CHM_PARAM_FLOAT_LIST), "[0.5, x]") == "element 1: expected a number, got 'x'");
}

BOOST_AUTO_TEST_CASE(node_parameters_accept_any_subtree) {
    BOOST_TEST(why(param(CHM_PARAM_NODE), "[{channels: 32}, {channels: 64}]") == "fits");
    BOOST_TEST(why(param(CHM_PARAM_NODE), "7") == "fits");
}

// Building a component's configuration: user options checked against the schema, defaults
// filled in, and every value traceable to file:line:column through the host table.
#include <boost/test/unit_test.hpp>

#include "core/host_error.hpp"
#include "plugin/component_config.hpp"
#include "plugin/host_table.hpp"

using namespace chimera;

namespace {

ComponentInfo encoder() {
    ComponentInfo c;
    c.kind = CHM_KIND_ENCODER;
    c.name = "mlp";
    ParamInfo hidden;
    hidden.name = "hidden";
    hidden.type = CHM_PARAM_INT_LIST;
    hidden.default_text = "[512, 256]";
    hidden.min = 1;
    ParamInfo latent;
    latent.name = "latent";
    latent.type = CHM_PARAM_INT;
    latent.doc = "width of the code";  // required: no default
    ParamInfo activation;
    activation.name = "activation";
    activation.type = CHM_PARAM_STRING;
    activation.default_text = "relu";
    c.params = {hidden, latent, activation};
    return c;
}

std::string config_error(const std::string& yaml) {
    try {
        make_component_config(encoder(), YAML::Load(yaml), "pipe.yaml", "nodes.enc");
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "no error";
}

}  // namespace

BOOST_AUTO_TEST_CASE(fills_defaults_and_keeps_user_values) {
    auto config = make_component_config(encoder(), YAML::Load("latent: 32\nactivation: tanh"),
                                        "pipe.yaml", "nodes.enc");
    HostTable host("test", Logger());
    const chm_host* h = host.get();
    int64_t latent = 0;
    BOOST_TEST(h->config_get_int(h, config.get(), "latent", &latent) == CHM_OK);
    BOOST_TEST(latent == 32);
    const char* activation = nullptr;
    BOOST_TEST(h->config_get_string(h, config.get(), "activation", &activation) == CHM_OK);
    BOOST_TEST(std::string(activation) == "tanh");
    const chm_config* hidden = nullptr;
    BOOST_TEST(h->config_child(h, config.get(), "hidden", &hidden) == CHM_OK);
    int64_t n = 0, second = 0;
    const chm_config* element = nullptr;
    BOOST_TEST(h->config_size(h, hidden, &n) == CHM_OK);
    BOOST_TEST(n == 2);
    BOOST_TEST(h->config_element(h, hidden, 1, &element) == CHM_OK);
    BOOST_TEST(h->config_get_int(h, element, nullptr, &second) == CHM_OK);
    BOOST_TEST(second == 256);
}

BOOST_AUTO_TEST_CASE(where_points_at_the_users_file_or_says_default) {
    auto config = make_component_config(encoder(), YAML::Load("latent: 32\nactivation: tanh"),
                                        "pipe.yaml", "nodes.enc");
    HostTable host("test", Logger());
    const chm_host* h = host.get();
    const char* where = nullptr;
    BOOST_TEST(h->config_where(h, config.get(), "activation", &where) == CHM_OK);
    BOOST_TEST(std::string(where) == "pipe.yaml:2:13 (nodes.enc.activation)");
    BOOST_TEST(h->config_where(h, config.get(), "hidden", &where) == CHM_OK);
    BOOST_TEST(std::string(where) == "(default) nodes.enc.hidden");
}

BOOST_AUTO_TEST_CASE(failed_lookups_leave_outputs_untouched_and_say_why) {
    auto config = make_component_config(encoder(), YAML::Load("latent: 32"), "pipe.yaml", "nodes.enc");
    HostTable host("test", Logger());
    const chm_host* h = host.get();
    int64_t out = 99;
    BOOST_TEST(h->config_get_int(h, config.get(), "missing", &out) == CHM_ERR_NOT_FOUND);
    BOOST_TEST(out == 99);
    BOOST_TEST(std::string(h->last_error(h)) == "pipe.yaml:1:1 (nodes.enc) has no key 'missing'");
    BOOST_TEST(h->config_get_int(h, config.get(), "activation", &out) == CHM_ERR_TYPE);
    BOOST_TEST(out == 99);
    BOOST_TEST(std::string(h->last_error(h)) == "(default) nodes.enc.activation is not an integer");
    const chm_config* none = nullptr;
    BOOST_TEST(h->config_element(h, config.get(), 0, &none) == CHM_ERR_TYPE);
    BOOST_TEST(none == nullptr);
    BOOST_TEST(h->config_get_int(h, nullptr, "latent", &out) == CHM_ERR_INVALID_ARGUMENT);
}

BOOST_AUTO_TEST_CASE(unknown_keys_are_errors_that_suggest_and_list) {
    BOOST_TEST(config_error("latent: 8\nhiden: [3]") ==
               "pipe.yaml:2:1 (nodes.enc.hiden): unknown key 'hiden' for encoder 'mlp'. "
               "Did you mean 'hidden'? Accepted keys: hidden, latent, activation");
}

BOOST_AUTO_TEST_CASE(type_and_range_errors_point_at_the_value) {
    BOOST_TEST(config_error("latent: many") ==
               "pipe.yaml:1:9 (nodes.enc.latent): expected an integer, got 'many'");
    BOOST_TEST(config_error("latent: 8\nhidden: [64, 0]") ==
               "pipe.yaml:2:9 (nodes.enc.hidden): element 1: 0 is below the minimum 1");
}

BOOST_AUTO_TEST_CASE(missing_required_keys_and_non_maps_are_errors) {
    BOOST_TEST(config_error("activation: relu") ==
               "pipe.yaml:1:1 (nodes.enc): encoder 'mlp' needs 'latent' (int: width of the code)");
    BOOST_TEST(config_error("[1, 2]") ==
               "pipe.yaml:1:1 (nodes.enc): the options of encoder 'mlp' must be a map of key: value");
}

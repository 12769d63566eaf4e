// Tests of the host's small text utilities: name suggestions and tables.
#define BOOST_TEST_MODULE framework_core
#include <boost/test/unit_test.hpp>

#include "core/suggest.hpp"
#include "core/text_table.hpp"

using namespace chimera;

BOOST_AUTO_TEST_CASE(suggests_the_closest_name_for_a_typo) {
    std::vector<std::string> commands{"train", "generate", "evaluate", "plugins"};
    BOOST_TEST(nearest_name("trian", commands) == "train");
    BOOST_TEST(nearest_name("plugin", commands) == "plugins");
    BOOST_TEST(nearest_name("evalute", commands) == "evaluate");
    BOOST_TEST(did_you_mean("generat", commands) == " Did you mean 'generate'?");
}

BOOST_AUTO_TEST_CASE(suggests_nothing_for_unrelated_names) {
    std::vector<std::string> commands{"train", "generate"};
    BOOST_TEST(nearest_name("xyz", commands) == "");
    BOOST_TEST(nearest_name("summary", commands) == "");
    BOOST_TEST(did_you_mean("x", {}) == "");
}

BOOST_AUTO_TEST_CASE(joins_items) {
    BOOST_TEST(join({"a", "b", "c"}) == "a, b, c");
    BOOST_TEST(join({}) == "");
    BOOST_TEST(join({"x", "y"}, "|") == "x|y");
}

BOOST_AUTO_TEST_CASE(table_columns_are_as_wide_as_their_widest_cell) {
    TextTable t({"KIND", "NAME"});
    t.add_row({"encoder", "mlp"});
    t.add_row({"loss", "kl_normal"});
    BOOST_TEST(t.render() == "KIND     NAME\nencoder  mlp\nloss     kl_normal\n");
    BOOST_TEST(t.render("  ").rfind("  KIND", 0) == 0u);
}

BOOST_AUTO_TEST_CASE(table_rejects_rows_of_the_wrong_width) {
    TextTable t({"A", "B"});
    BOOST_CHECK_THROW(t.add_row({"only one"}), std::logic_error);
}

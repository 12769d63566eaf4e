// Tests of the host's small text utilities: name suggestions, tables and metric tables.
#define BOOST_TEST_MODULE framework_core
#include <boost/test/unit_test.hpp>

#include "core/metrics.hpp"
#include "core/suggest.hpp"
#include "core/text_table.hpp"

#include <cmath>

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

BOOST_AUTO_TEST_CASE(metric_tables_pad_names_to_sixteen_or_the_longest_and_mark_the_total) {
    using chimera::Metrics;
    const Metrics short_names{{"kl", 11.223}, {"total", 243.9702}};
    BOOST_TEST(chimera::metrics_table(short_names) ==
               "  kl                    11.2230\n"
               "  total                243.9702  (weighted sum of the losses)\n");
    const Metrics long_name{{"a_rather_long_metric_name", 1.5}};
    BOOST_TEST(chimera::metrics_table(long_name) == "  a_rather_long_metric_name       1.5000\n");
    BOOST_TEST(chimera::metrics_line(short_names) == "kl 11.22  total 244");
    BOOST_TEST(std::isnan(chimera::metric(short_names, "missing")));
    BOOST_TEST(chimera::metric(short_names, "kl") == 11.223);
}

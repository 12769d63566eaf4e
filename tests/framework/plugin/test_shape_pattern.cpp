// Port shape patterns (plugin/shape_pattern.hpp): what parses, what each element matches, and
// how symbols bind across the tensors of one call and say who bound them when they disagree.
#include <boost/test/unit_test.hpp>

#include "plugin/shape_pattern.hpp"

using namespace chimera;

namespace {

// Why `shape` does not fit `pattern` (fresh bindings), or "fits".
std::string why(const std::string& pattern, const Shape& shape) {
    SymbolTable symbols;
    ShapePattern p = ShapePattern::parse(pattern, symbols);
    SymbolBindings b;
    b.reset(symbols.size());
    auto m = p.match(shape, b, 0);
    return m ? m->why : "fits";
}

std::string parse_error(const std::string& pattern) {
    SymbolTable symbols;
    try {
        ShapePattern::parse(pattern, symbols);
    } catch (const PatternError& e) {
        return e.what();
    }
    return "parsed";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(shape_pattern)

BOOST_AUTO_TEST_CASE(integers_symbols_stars_and_one_ellipsis_parse) {
    SymbolTable symbols;
    ShapePattern p = ShapePattern::parse(" [N, 1, 28,28] ", symbols);
    BOOST_TEST(p.text() == "[N, 1, 28,28]");
    BOOST_TEST(p.constrains());
    BOOST_TEST(symbols.size() == 1u);
    ShapePattern q = ShapePattern::parse("[N, ..., d_model, *]", symbols);
    BOOST_TEST(symbols.size() == 2u);  // N is the same symbol in both
    BOOST_TEST(symbols.name(1) == "d_model");
    BOOST_TEST(!ShapePattern().constrains());
    BOOST_TEST(parse_error("[]") == "parsed");
}

BOOST_AUTO_TEST_CASE(malformed_patterns_say_what_is_wrong) {
    BOOST_TEST(parse_error("N, D").find("shape pattern 'N, D' is not enclosed in [ ]") == 0u);
    BOOST_TEST(parse_error("[N, ..., ...]").find("has '...' more than once") != std::string::npos);
    BOOST_TEST(parse_error("[N, -1]").find("has '-1', which is no integer, symbol, * or ...") != std::string::npos);
    BOOST_TEST(parse_error("[N,, D]").find("has an empty element") != std::string::npos);
    BOOST_TEST(parse_error("[2x]").find("has '2x'") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(each_element_matches_its_sizes) {
    BOOST_TEST(why("[N, 1, 28, 28]", {64, 1, 28, 28}) == "fits");
    BOOST_TEST(why("[N, 1, 28, 28]", {64, 3, 28, 28}) == "dimension 1 is 3, not 1");
    BOOST_TEST(why("[N, D]", {64, 20, 1}) == "has rank 3, the pattern 2");
    BOOST_TEST(why("[]", {}) == "fits");
    BOOST_TEST(why("[]", {1}) == "has rank 1, the pattern 0");
    BOOST_TEST(why("[*, 4]", {7, 4}) == "fits");
    BOOST_TEST(why("[N, N]", {3, 4}) == "dimension 1 is 4");  // one symbol, twice in one pattern
}

BOOST_AUTO_TEST_CASE(the_ellipsis_takes_any_number_of_middle_sizes) {
    BOOST_TEST(why("[N, ...]", {64}) == "fits");
    BOOST_TEST(why("[N, ...]", {64, 1, 28, 28}) == "fits");
    BOOST_TEST(why("[N, ...]", {}) == "has rank 0, the pattern at least 1");
    BOOST_TEST(why("[N, ..., 10]", {64, 7, 10}) == "fits");
    BOOST_TEST(why("[N, ..., 10]", {64, 10}) == "fits");
    BOOST_TEST(why("[N, ..., 10]", {64, 7, 9}) == "dimension 2 is 9, not 10");  // matched from the back
    BOOST_TEST(why("[..., C]", {5}) == "fits");
}

BOOST_AUTO_TEST_CASE(symbols_bind_across_tensors_and_name_who_bound_them) {
    SymbolTable symbols;
    ShapePattern mu = ShapePattern::parse("[N, D]", symbols), logvar = ShapePattern::parse("[N, D]", symbols),
                 mask = ShapePattern::parse("[N]", symbols);
    SymbolBindings b;
    b.reset(symbols.size());
    BOOST_TEST(!mu.match({64, 20}, b, 0));
    BOOST_TEST(b.size[0] == 64);
    BOOST_TEST(b.size[1] == 20);
    BOOST_TEST(b.by[1] == 0);
    BOOST_TEST(!mask.match({64}, b, 1));
    auto m = logvar.match({64, 16}, b, 2);
    BOOST_TEST_REQUIRE(m.has_value());
    BOOST_TEST(m->why == "dimension 1 is 16");
    BOOST_TEST(symbols.name(m->symbol) == "D");
    BOOST_TEST(m->bound == 20);
    BOOST_TEST(m->bound_by == 0);
    auto batch = mask.match({32}, b, 3);
    BOOST_TEST_REQUIRE(batch.has_value());
    BOOST_TEST(symbols.name(batch->symbol) == "N");
    BOOST_TEST(batch->bound == 64);
    b.reset(symbols.size());  // the next call starts unbound
    BOOST_TEST(!logvar.match({32, 16}, b, 0));
}

BOOST_AUTO_TEST_SUITE_END()

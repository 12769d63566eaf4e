#include "plugin/shape_pattern.hpp"

#include <cctype>

namespace chimera {

int SymbolTable::intern(const std::string& name) {
    for (std::size_t i = 0; i < names_.size(); ++i)
        if (names_[i] == name) return static_cast<int>(i);
    names_.push_back(name);
    return static_cast<int>(names_.size() - 1);
}

namespace {

std::string trim(const std::string& s) {
    std::size_t a = s.find_first_not_of(" \t"), b = s.find_last_not_of(" \t");
    return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

bool is_symbol(const std::string& s) {
    if (s.empty() || !std::isalpha(static_cast<unsigned char>(s[0]))) return false;
    for (char c : s)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
    return true;
}

bool is_integer(const std::string& s) {
    if (s.empty() || s.size() > 18) return false;
    for (char c : s)
        if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    return true;
}

}  // namespace

ShapePattern ShapePattern::parse(const std::string& text, SymbolTable& symbols) {
    auto fail = [&](const std::string& why) -> PatternError {
        return PatternError("shape pattern '" + text + "' " + why +
                            " (write e.g. \"[N, D]\": integers, symbols, * for any size, ... once for any number)");
    };
    const std::string body = trim(text);
    if (body.size() < 2 || body.front() != '[' || body.back() != ']') throw fail("is not enclosed in [ ]");
    ShapePattern p;
    p.text_ = body;
    p.constrained_ = true;
    const std::string inner = trim(body.substr(1, body.size() - 2));
    if (inner.empty()) return p;  // a scalar
    std::size_t start = 0;
    while (start <= inner.size()) {
        std::size_t comma = inner.find(',', start);
        const std::string item = trim(inner.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
        Element e;
        if (item == "*") {
            e.kind = Element::any;
        } else if (item == "...") {
            if (p.has_rest_) throw fail("has '...' more than once");
            e.kind = Element::rest;
            p.has_rest_ = true;
        } else if (is_integer(item)) {
            e.kind = Element::size;
            e.value = std::stoll(item);
        } else if (is_symbol(item)) {
            e.kind = Element::symbol;
            e.value = symbols.intern(item);
        } else {
            throw fail(item.empty() ? "has an empty element" : "has '" + item + "', which is no integer, symbol, * or ...");
        }
        p.elements_.push_back(e);
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return p;
}

std::optional<ShapeMismatch> ShapePattern::match_element(const Element& e, std::size_t dim, int64_t actual,
                                                         SymbolBindings& bindings, int who) const {
    if (e.kind == Element::size && actual != e.value)
        return ShapeMismatch{"dimension " + std::to_string(dim) + " is " + std::to_string(actual) + ", not " +
                             std::to_string(e.value)};
    if (e.kind != Element::symbol) return std::nullopt;
    const auto s = static_cast<std::size_t>(e.value);
    if (bindings.size[s] < 0) {
        bindings.size[s] = actual;
        bindings.by[s] = who;
        return std::nullopt;
    }
    if (bindings.size[s] == actual) return std::nullopt;
    return ShapeMismatch{"dimension " + std::to_string(dim) + " is " + std::to_string(actual), static_cast<int>(e.value),
                         bindings.size[s], bindings.by[s]};
}

std::optional<ShapeMismatch> ShapePattern::match(const Shape& shape, SymbolBindings& bindings, int who) const {
    if (!constrained_) return std::nullopt;
    const std::size_t fixed = elements_.size() - (has_rest_ ? 1 : 0);
    if (has_rest_ ? shape.size() < fixed : shape.size() != fixed)
        return ShapeMismatch{"has rank " + std::to_string(shape.size()) + ", the pattern " +
                             (has_rest_ ? "at least " : "") + std::to_string(fixed)};
    // Elements before `...` match from the front, those after it from the back.
    std::size_t dim = 0;
    std::size_t k = 0;
    for (; k < elements_.size() && elements_[k].kind != Element::rest; ++k, ++dim)
        if (auto m = match_element(elements_[k], dim, shape[dim], bindings, who)) return m;
    if (k == elements_.size()) return std::nullopt;
    dim = shape.size() - (elements_.size() - k - 1);
    for (++k; k < elements_.size(); ++k, ++dim)
        if (auto m = match_element(elements_[k], dim, shape[dim], bindings, who)) return m;
    return std::nullopt;
}

}  // namespace chimera

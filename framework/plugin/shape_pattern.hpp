// A port's shape pattern (ABI 1.4, see chm_port_desc): parsed once from text such as
// "[N, D]", "[N, 1, 28, 28]" or "[N, ...]", then matched against tensor shapes with symbols
// bound across one component's ports. Knows nothing of ports, tensors' names or pipelines: it
// says which element failed and, for a symbol, what it was bound to and by whom (an index the
// caller gave). Not the port checks themselves (port_check.hpp).
#pragma once

#include "tensor/shape.hpp"

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace chimera {

// A pattern that does not parse; the message names the text and what is wrong in it.
class PatternError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The symbols of one component's ports, numbered in order of first appearance, so a call's
// bindings are a small array indexed by number rather than a map of strings.
class SymbolTable {
public:
    int intern(const std::string& name);
    const std::string& name(int symbol) const { return names_[static_cast<std::size_t>(symbol)]; }
    std::size_t size() const { return names_.size(); }

private:
    std::vector<std::string> names_;
};

// What symbols are bound to during one call: size[s] (-1: unbound) and by[s], the caller's index
// of the tensor that bound it.
struct SymbolBindings {
    std::vector<int64_t> size;
    std::vector<int> by;
    void reset(std::size_t symbols) {
        size.assign(symbols, -1);
        by.assign(symbols, -1);
    }
};

// Why a shape does not fit. `symbol` >= 0 when an earlier binding disagrees: then `bound` and
// `bound_by` say to what and by whom.
struct ShapeMismatch {
    std::string why;  // "has rank 3, the pattern has 2 dimensions", "dimension 1 is 16, not 20"
    int symbol = -1;
    int64_t bound = -1;
    int bound_by = -1;
};

class ShapePattern {
public:
    // Any shape (a port declared without a pattern).
    ShapePattern() = default;
    // Throws PatternError for text that is not "[elem, ...]" with elements integer >= 0,
    // symbol ([A-Za-z][A-Za-z0-9_]*), `*` or `...` (at most once). "[]" is a scalar.
    static ShapePattern parse(const std::string& text, SymbolTable& symbols);

    bool constrains() const { return constrained_; }
    const std::string& text() const { return text_; }

    // Matches `shape`, binding the symbols it leaves unbound to its sizes (tagged `who`); on a
    // mismatch, returns why and leaves the bindings made before it in place.
    std::optional<ShapeMismatch> match(const Shape& shape, SymbolBindings& bindings, int who) const;

private:
    struct Element {
        enum Kind { size, symbol, any, rest } kind = any;
        int64_t value = 0;  // size: the size; symbol: its number
    };
    std::optional<ShapeMismatch> match_element(const Element& e, std::size_t dim, int64_t actual,
                                               SymbolBindings& bindings, int who) const;

    std::vector<Element> elements_;
    std::string text_;
    bool constrained_ = false;
    bool has_rest_ = false;
};

}  // namespace chimera

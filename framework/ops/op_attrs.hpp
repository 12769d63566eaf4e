// An op's attributes as <chimera/opset.h> declares them ("kernel[2], stride[2]=kernel, ..."),
// and the one translation from named attributes (ABI 1.4) to the positional numbers every op
// function reads. Not the ops themselves: each op still reads its numbers by position.
#pragma once

#include <string>
#include <vector>

namespace chimera {

struct AttrSpec {
    enum class Missing { required, value, other, op_decides };
    std::string name;
    int count = 1;                     // numbers it takes; 0: any number (the last attribute)
    Missing missing = Missing::required;
    std::vector<double> value;         // Missing::value: `count` numbers
    std::string other;                 // Missing::other: the attribute whose value it copies
    std::vector<std::string> choices;  // a named choice: positionally its index
};

// One named attribute of a call.
struct NamedAttr {
    std::string name;
    std::vector<double> values;
    std::string text;  // the choice's name, or "" for numbers
    bool is_choice = false;
};

class OpAttrs {
public:
    OpAttrs() = default;
    // Parses an opset.h attribute text; throws std::logic_error naming `op` when malformed.
    OpAttrs(const std::string& op, const std::string& text);

    const std::string& text() const { return text_; }
    const std::vector<AttrSpec>& specs() const { return specs_; }
    // Positional counts the ABI 1.1 op_call accepts: up to the last required attribute, and all.
    int min_positional() const { return min_; }
    int max_positional() const { return max_; }
    // The positional numbers for a named call. Attributes after the last one given are left out,
    // so the op applies its own defaults as for a short positional call; those before it take
    // their declared defaults. Throws ShapeError naming the op and its attributes.
    std::vector<double> positional(const std::string& op, const std::vector<NamedAttr>& given) const;
    // The code of choice `name` of attribute `attr` (its index), or -1.
    int choice_code(const std::string& attr, const std::string& name) const;

private:
    const AttrSpec* find(const std::string& name) const;
    std::string text_;
    std::vector<AttrSpec> specs_;
    int min_ = 0, max_ = 0;
};

}  // namespace chimera

#include "ops/op_attrs.hpp"

#include "core/suggest.hpp"
#include "tensor/shape_error.hpp"

#include <chimera/abi.h>

#include <algorithm>
#include <sstream>
#include <stdexcept>

namespace chimera {

namespace {

std::vector<std::string> split(const std::string& text, char sep) {
    std::vector<std::string> parts;
    std::string part;
    std::istringstream in(text);
    while (std::getline(in, part, sep)) {
        part.erase(0, part.find_first_not_of(' '));
        part.erase(part.find_last_not_of(' ') + 1);
        parts.push_back(part);
    }
    return parts;
}

bool is_number(const std::string& s, double& out) {
    char* end = nullptr;
    out = std::strtod(s.c_str(), &end);
    return !s.empty() && end == s.c_str() + s.size();
}

AttrSpec parse_one(const std::string& op, std::string item, const std::vector<AttrSpec>& earlier) {
    auto bad = [&](const std::string& why) {
        return std::logic_error("opset.h: op '" + op + "': attribute '" + item + "': " + why);
    };
    AttrSpec a;
    std::string rest;
    if (std::size_t eq = item.find('='); eq != std::string::npos) {
        rest = item.substr(eq + 1);
        item.resize(eq);
        a.missing = AttrSpec::Missing::value;
    }
    if (std::size_t colon = item.find(':'); colon != std::string::npos) {
        a.choices = split(item.substr(colon + 1), '|');
        item.resize(colon);
    }
    if (!item.empty() && item.back() == '?') {
        a.missing = AttrSpec::Missing::op_decides;
        item.pop_back();
    }
    if (std::size_t br = item.find('['); br != std::string::npos) {
        std::string n = item.substr(br + 1, item.size() - br - 2);
        a.count = n == "*" ? 0 : std::atoi(n.c_str());
        item.resize(br);
    }
    a.name = item;
    if (a.name.empty()) throw bad("no name");
    if (a.missing != AttrSpec::Missing::value) return a;
    if (!a.choices.empty()) {
        auto it = std::find(a.choices.begin(), a.choices.end(), rest);
        if (it == a.choices.end()) throw bad("default '" + rest + "' is not one of its choices");
        a.value = {double(it - a.choices.begin())};
        return a;
    }
    double v = 0;
    if (is_number(rest, v)) {
        a.value.assign(std::max(a.count, 1), v);
        return a;
    }
    auto other = std::find_if(earlier.begin(), earlier.end(), [&](const AttrSpec& e) { return e.name == rest; });
    if (other == earlier.end() || other->count != a.count) throw bad("default '" + rest + "' is neither a number nor an earlier attribute of the same count");
    a.missing = AttrSpec::Missing::other;
    a.other = rest;
    return a;
}

std::string describe(const std::vector<double>& v) {
    std::string s;
    for (double x : v) s += (s.empty() ? "" : ", ") + std::to_string(x);
    return "[" + s + "]";
}

}  // namespace

OpAttrs::OpAttrs(const std::string& op, const std::string& text) : text_(text) {
    if (text.empty()) return;
    for (const std::string& item : split(text, ',')) specs_.push_back(parse_one(op, item, specs_));
    for (std::size_t i = 0; i < specs_.size(); ++i) {
        const AttrSpec& a = specs_[i];
        if (a.count == 0 && i + 1 != specs_.size())
            throw std::logic_error("opset.h: op '" + op + "': '" + a.name + "[*]' must be the last attribute");
        max_ += a.count ? a.count : CHM_MAX_RANK;
        if (a.missing == AttrSpec::Missing::required && a.count) min_ = max_;
    }
}

const AttrSpec* OpAttrs::find(const std::string& name) const {
    auto it = std::find_if(specs_.begin(), specs_.end(), [&](const AttrSpec& a) { return a.name == name; });
    return it == specs_.end() ? nullptr : &*it;
}

int OpAttrs::choice_code(const std::string& attr, const std::string& name) const {
    const AttrSpec* a = find(attr);
    if (!a) return -1;
    auto it = std::find(a->choices.begin(), a->choices.end(), name);
    return it == a->choices.end() ? -1 : static_cast<int>(it - a->choices.begin());
}

// Called for every named op call in the training loop: it allocates little (the result and a
// small index) and builds strings only to fail.
std::vector<double> OpAttrs::positional(const std::string& op, const std::vector<NamedAttr>& given) const {
    auto fail = [&](const std::string& why) {
        throw ShapeError(op + ": " + why + "; its attributes: " + (text_.empty() ? "none" : text_));
    };
    std::vector<const NamedAttr*> by_spec(specs_.size(), nullptr);
    for (const NamedAttr& g : given) {
        const AttrSpec* a = find(g.name);
        if (!a) {
            std::vector<std::string> names;
            for (const AttrSpec& s : specs_) names.push_back(s.name);
            fail("has no attribute '" + g.name + "'." + did_you_mean(g.name, names));
        }
        const std::size_t k = static_cast<std::size_t>(a - specs_.data());
        if (by_spec[k]) fail("attribute '" + g.name + "' is given twice");
        by_spec[k] = &g;
    }
    std::size_t last = 0;
    for (std::size_t k = 0; k < specs_.size(); ++k)
        if (by_spec[k]) last = k + 1;
    std::vector<double> out;
    std::vector<std::size_t> start(specs_.size(), 0);  // where each attribute's numbers begin in out
    for (std::size_t k = 0; k < specs_.size(); ++k) {
        const AttrSpec& a = specs_[k];
        const NamedAttr* g = by_spec[k];
        start[k] = out.size();
        if (g && !a.choices.empty()) {
            int code = g->is_choice ? choice_code(a.name, g->text) : -1;
            if (code < 0)
                fail("attribute '" + a.name + "' is " + (g->is_choice ? "'" + g->text + "'" : describe(g->values)) +
                     ", not one of " + join(a.choices, "|"));
            out.push_back(double(code));
        } else if (g) {
            if (g->is_choice) fail("attribute '" + a.name + "' takes numbers, not the choice '" + g->text + "'");
            const bool pair_from_one = a.count == 2 && g->values.size() == 1;
            if (a.count && !pair_from_one && static_cast<int>(g->values.size()) != a.count)
                fail("attribute '" + a.name + "' takes " + std::to_string(a.count) + " numbers, got " + describe(g->values));
            out.insert(out.end(), g->values.begin(), g->values.end());
            if (pair_from_one) out.push_back(g->values[0]);
        } else if (k >= last) {
            if (a.missing == AttrSpec::Missing::required && a.count) fail("attribute '" + a.name + "' is required");
            break;
        } else if (a.missing == AttrSpec::Missing::value) {
            out.insert(out.end(), a.value.begin(), a.value.end());
        } else if (a.missing == AttrSpec::Missing::other) {
            const std::size_t o = static_cast<std::size_t>(find(a.other) - specs_.data());
            const std::size_t from = start[o], n = static_cast<std::size_t>(a.count ? a.count : 1);
            for (std::size_t i = 0; i < n; ++i) out.push_back(out[from + i]);
        } else {
            fail("attribute '" + a.name + "' " +
                 (a.missing == AttrSpec::Missing::required ? "is required" : "must be given when a later one is"));
        }
    }
    return out;
}

}  // namespace chimera

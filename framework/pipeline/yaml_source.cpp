#include "pipeline/yaml_source.hpp"

#include "core/host_error.hpp"
#include "core/suggest.hpp"


namespace chimera {

void check_keys(const YAML::Node& map, const std::vector<std::string>& allowed, const std::string& file,
                const std::string& path) {
    if (!map.IsDefined() || map.IsNull()) return;
    if (!map.IsMap()) yaml_fail(map, {file, path}, "expected a map of key: value");
    for (const auto& entry : map) {
        const std::string key = entry.first.Scalar();
        bool known = false;
        for (const auto& a : allowed) known = known || a == key;
        if (!known)
            yaml_fail(entry.first, YamlPlace{file, path}.child(key),
                      "unknown key '" + key + "'." + did_you_mean(key, allowed) + " Accepted keys: " + join(allowed));
    }
}

namespace {

// A copy of `node` made in code, so that errors about it do not point into the override's text
// as if it were the file (line 1, column 1).
YAML::Node without_marks(const YAML::Node& node) {
    if (node.IsScalar()) return YAML::Node(node.Scalar());
    if (node.IsSequence()) {
        YAML::Node out(YAML::NodeType::Sequence);
        for (const auto& item : node) out.push_back(without_marks(item));
        return out;
    }
    if (node.IsMap()) {
        YAML::Node out(YAML::NodeType::Map);
        for (const auto& entry : node) out[entry.first.Scalar()] = without_marks(entry.second);
        return out;
    }
    return YAML::Node();
}

// How many times a walk of `tree` reaches `target`: more than once when an alias shares it.
// The tree is bounded (load_yaml counts aliases expanded), so the walk is too.
std::size_t times_reached(const YAML::Node& tree, const YAML::Node& target) {
    std::size_t n = tree.is(target) ? 1 : 0;
    if (tree.IsSequence())
        for (const auto& item : tree) n += times_reached(item, target);
    else if (tree.IsMap())
        for (const auto& entry : tree) n += times_reached(entry.second, target);
    return n;
}

// Makes `map[key]` this map's own: a node an alias shares with other places is replaced here by
// a copy, so that writing into it changes this place alone (--set data.test.options.images=...
// must not change data.validation, which names the same options by an alias). Assigning to a
// shared node would rebind it everywhere, so the key is removed and added again.
void unshare(const YAML::Node& root, YAML::Node map, const std::string& key) {
    YAML::Node child = map[key];
    if (!child.IsDefined() || times_reached(root, child) < 2) return;
    YAML::Node copy = without_marks(child);
    map.remove(key);
    map[key] = copy;
}

}  // namespace

void apply_override(YAML::Node& root, const std::string& assignment) {
    std::size_t eq = assignment.find('=');
    if (eq == std::string::npos || eq == 0)
        throw OverrideError(assignment, "expected KEY.PATH=VALUE", "train.epochs=3");
    std::string path = assignment.substr(0, eq);
    YAML::Node value;
    try {
        value = without_marks(load_yaml(assignment.substr(eq + 1)));
    } catch (const YAML::Exception& e) {
        throw OverrideError(assignment, "the value is not YAML (" + e.msg + ")");
    }
    std::vector<std::string> keys;
    for (std::size_t start = 0;;) {
        std::size_t dot = path.find('.', start);
        std::string key = path.substr(start, dot == std::string::npos ? dot : dot - start);
        if (key.empty()) throw OverrideError(assignment, "empty key in '" + path + "'");
        keys.push_back(key);
        if (dot == std::string::npos) break;
        start = dot + 1;
    }
    if (!root.IsDefined() || root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
    // yaml-cpp nodes are handles: walking with copies reaches the same tree.
    YAML::Node node = root;
    for (std::size_t i = 0; i + 1 < keys.size(); ++i) {
        if (!node.IsMap())
            throw OverrideError(assignment, "'" + (i == 0 ? std::string("the top level") : keys[i - 1]) + "' is not a map");
        unshare(root, node, keys[i]);
        YAML::Node child = node[keys[i]];
        if (!child.IsDefined() || child.IsNull()) node[keys[i]] = YAML::Node(YAML::NodeType::Map);
        node.reset(node[keys[i]]);
    }
    if (!node.IsMap())
        throw OverrideError(assignment, "'" + (keys.size() > 1 ? keys[keys.size() - 2] : path) + "' is not a map");
    unshare(root, node, keys.back());
    node[keys.back()] = value;
}

std::string expand_variables(const std::string& text, const EnvLookup& lookup, const SourcePlace& where) {
    std::string out;
    std::size_t i = 0;
    while (i < text.size()) {
        std::size_t open = text.find("${", i);
        if (open == std::string::npos) {
            out += text.substr(i);
            break;
        }
        out += text.substr(i, open - i);
        std::size_t close = text.find('}', open);
        if (close == std::string::npos) throw ConfigError(where, "unterminated ${ in '" + text + "'");
        std::string inner = text.substr(open + 2, close - open - 2);
        std::size_t dash = inner.find(":-");
        std::string name = inner.substr(0, dash);
        const char* value = lookup(name);
        if (value && *value) out += value;
        else if (dash != std::string::npos) out += inner.substr(dash + 2);
        else
            throw ConfigError(where, "environment variable " + name + " is not set (write ${" + name +
                              ":-default} to give a default)");
        i = close + 1;
    }
    return out;
}

void expand_variables_in(YAML::Node root, const EnvLookup& lookup, const std::string& file, const std::string& path) {
    if (root.IsScalar()) {
        if (root.Scalar().find("${") != std::string::npos)
            root = expand_variables(root.Scalar(), lookup, yaml_place(root, {file, path}));
    } else if (root.IsMap()) {
        for (auto entry : root)
            expand_variables_in(entry.second, lookup, file,
                                path.empty() ? entry.first.Scalar() : path + "." + entry.first.Scalar());
    } else if (root.IsSequence()) {
        for (std::size_t k = 0; k < root.size(); ++k)
            expand_variables_in(root[k], lookup, file, path + "[" + std::to_string(k) + "]");
    }
}

}  // namespace chimera

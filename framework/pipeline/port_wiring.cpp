#include "pipeline/port_wiring.hpp"

#include "core/suggest.hpp"

namespace chimera {

namespace {

// The key node of `key` in map `map` (its own line and column), or the map itself.
YAML::Node key_node(const YAML::Node& map, const std::string& key) {
    if (map.IsMap())
        for (const auto& item : map)
            if (item.first.Scalar() == key) return item.first;
    return map;
}

// "x, label ({condition}), mask (optional), mu_<m> (optional)" and the names a did-you-mean
// may offer.
std::string listing(const std::vector<PortCheck::Port>& ports, std::vector<std::string>& names) {
    std::vector<std::string> items;
    for (const auto& p : ports) {
        names.push_back(p.name);
        const bool optional = p.info->optional && p.info->form != PortInfo::Form::family;
        items.push_back(p.label() + (optional ? " (optional)" : ""));
    }
    return items.empty() ? "none" : join(items);
}

void check_keys(const WiredEntry& e, const PortMap& keys, const std::vector<PortCheck::Port>& ports, bool outputs,
                const PortCheck& check, const std::string& file) {
    const char* section = outputs ? "out" : "in";
    for (const auto& [key, tensor] : keys) {
        if (outputs ? check.output(key) : check.input(key)) continue;
        std::vector<std::string> names;
        const std::string list = listing(ports, names);
        yaml_fail(key_node(e.node[section], key), {file, e.path + "." + section + "." + key},
                  e.who + " has no " + (outputs ? "output '" : "input '") + key + "'." + did_you_mean(key, names) + " Its " +
                      (outputs ? "outputs: " : "inputs: ") + list + " (chimera plugins --describe shows them)");
    }
}

// "'h' is written by node 'encoder' (file:line:col)", or what else the tensor is.
std::string origin(const std::string& tensor, const PipelineSpec& spec, const Dataflow& flow) {
    if (flow.is_data_field(tensor)) return "'" + tensor + "' is a field of the data";
    const std::optional<std::size_t> w = flow.writer(tensor);
    if (!w) return "'" + tensor + "' is a noise tensor";
    const NodeSpec& n = spec.nodes[*w];
    SourcePlace at = yaml_place(n.node, {spec.file, ""});
    at.path.clear();  // "file:line:col" alone
    return "'" + tensor + "' is written by node '" + n.name + "' (" + at.text() + ")";
}

std::string tensor_of(const PortMap& map, const std::string& key) {
    for (const auto& [k, t] : map)
        if (k == key) return t;
    return "";
}

}  // namespace

void check_wiring(const WiredEntry& entry, const PortCheck* ports, const std::string& file) {
    if (!ports) return;
    check_keys(entry, entry.in, ports->inputs(), false, *ports, file);
    if (entry.out) check_keys(entry, *entry.out, ports->outputs(), true, *ports, file);
    for (const auto& p : ports->inputs()) {
        if (p.info->optional) continue;
        if (!tensor_of(entry.in, p.name).empty()) continue;
        const YAML::Node in = entry.node["in"];
        yaml_fail(in ? key_node(entry.node, "in") : entry.node, {file, entry.path + ".in"},
                  entry.who + " does not wire its required input '" + p.name + "' (" + p.info->doc + "); add '" + p.name +
                      ": TENSOR' under in:");
    }
}

void fail_port(const PortError& error, const WiredEntry& entry, const PipelineSpec& spec, const Dataflow& flow) {
    std::vector<std::string> blamed;
    for (const auto& [key, output] : {std::pair{error.key(), error.output()}, std::pair{error.bound_key(), error.bound_output()}}) {
        if (key.empty() || output) continue;
        const std::string tensor = tensor_of(entry.in, key);
        if (tensor.empty()) continue;
        const std::string text = origin(tensor, spec, flow);
        if (blamed.empty() || blamed.front() != text) blamed.push_back(text);
    }
    std::string what = entry.who + ": " + error.what();
    for (const auto& b : blamed) what += "; " + b;
    yaml_fail(entry.node, {spec.file, entry.path}, what);
}

}  // namespace chimera

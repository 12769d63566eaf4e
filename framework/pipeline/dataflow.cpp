#include "pipeline/dataflow.hpp"

#include "core/suggest.hpp"
#include "pipeline/yaml_values.hpp"

#include <algorithm>

namespace chimera {

namespace {

std::vector<std::string> names_of(const std::set<std::string>& s) { return {s.begin(), s.end()}; }

template <class Items>
std::vector<std::string> item_names(const Items& items) {
    std::vector<std::string> names;
    for (const auto& i : items) names.push_back(i.name);
    return names;
}

// Fails at `node` unless `name` is one of `known`.
void require_known(const std::string& name, const std::vector<std::string>& known, const YAML::Node& node,
                   const YamlPlace& place, const std::string& what) {
    if (std::find(known.begin(), known.end(), name) != known.end()) return;
    yaml_fail(node, place,
              "unknown " + what + " '" + name + "'." + did_you_mean(name, known) + " Defined: " +
                  (known.empty() ? std::string("none") : join(known)));
}

// The YAML node of a list entry (or of the key holding a single name).
YAML::Node entry_node(const YAML::Node& map, const std::string& key, std::size_t k) {
    YAML::Node v = map[key];
    return v.IsSequence() ? v[k] : v;
}

}  // namespace

Dataflow::Dataflow(const PipelineSpec& spec, const std::vector<std::string>& data_fields)
    : spec_(spec), data_fields_(data_fields.begin(), data_fields.end()) {
    sources_ = data_fields_;
    for (const auto& n : spec.noise) {
        if (data_fields_.count(n.name))
            yaml_fail(n.node, {spec.file, "noise." + n.name}, "'" + n.name + "' is already a field of the data");
        sources_.insert(n.name);
    }
    check_references();
    index_writers();
    sort_nodes();
    check_every_node_used();
}

void Dataflow::check_references() const {
    const std::string& file = spec_.file;
    std::vector<std::string> nodes = item_names(spec_.nodes), losses = item_names(spec_.losses),
                             optimizers = item_names(spec_.optimizers);
    for (const auto& n : spec_.nodes) {
        if (n.share.empty()) continue;
        require_known(n.share, nodes, n.node["share"], {file, "nodes." + n.name + ".share"}, "node");
        if (!spec_.find_node(n.share)->share.empty())
            yaml_fail(n.node["share"], {file, "nodes." + n.name + ".share"},
                      "'" + n.share + "' itself shares another node; share the original instead");
    }
    for (const auto& l : spec_.losses)
        for (std::size_t k = 0; k < l.params.size(); ++k)
            require_known(l.params[k], nodes, entry_node(l.node, "params", k), {file, "losses." + l.name + ".params"}, "node");
    std::map<std::string, std::string> optimizer_of;  // owning node -> optimizer
    for (const auto& o : spec_.optimizers)
        for (std::size_t k = 0; k < o.nodes.size(); ++k) {
            YamlPlace at{file, "optimizers." + o.name + ".nodes"};
            require_known(o.nodes[k], nodes, entry_node(o.node, "nodes", k), at, "node");
            const NodeSpec* n = spec_.find_node(o.nodes[k]);
            std::string owner = n->share.empty() ? n->name : n->share;
            auto [it, fresh] = optimizer_of.emplace(owner, o.name);
            if (!fresh)
                yaml_fail(entry_node(o.node, "nodes", k), at,
                          "the parameters of '" + owner + "' are already updated by optimizer '" + it->second +
                              "'; a parameter group belongs to one optimizer");
        }
    std::set<std::string> used_losses, used_optimizers;
    for (std::size_t p = 0; p < spec_.phases.size(); ++p) {
        const PhaseSpec& ph = spec_.phases[p];
        YamlPlace at{file, "phases[" + std::to_string(p) + "]"};
        for (std::size_t k = 0; k < ph.losses.size(); ++k) {
            require_known(ph.losses[k], losses, ph.node.IsMap() ? entry_node(ph.node, "losses", k) : spec_.root, at.child("losses"), "loss");
            used_losses.insert(ph.losses[k]);
            if (spec_.find_loss(ph.losses[k])->evaluate_only)
                yaml_fail(ph.node.IsMap() ? entry_node(ph.node, "losses", k) : spec_.root, at.child("losses"),
                          "loss '" + ph.losses[k] + "' is evaluate_only: it is a metric, not something to train on");
        }
        for (std::size_t k = 0; k < ph.optimizers.size(); ++k) {
            require_known(ph.optimizers[k], optimizers, ph.node.IsMap() ? entry_node(ph.node, "optimizers", k) : spec_.root,
                          at.child("optimizers"), "optimizer");
            used_optimizers.insert(ph.optimizers[k]);
        }
    }
    for (const auto& l : spec_.losses)
        if (!used_losses.count(l.name) && !l.evaluate_only)
            yaml_fail(l.node, {file, "losses." + l.name}, "loss '" + l.name + "' is in no phase; add it to one or remove it");
    for (const auto& o : spec_.optimizers)
        if (!used_optimizers.count(o.name))
            yaml_fail(o.node, {file, "optimizers." + o.name},
                      "optimizer '" + o.name + "' is in no phase; add it to one or remove it");
}

void Dataflow::index_writers() {
    for (std::size_t i = 0; i < spec_.nodes.size(); ++i) {
        const NodeSpec& n = spec_.nodes[i];
        owner_.push_back(n.share.empty() ? i : spec_.node_index(n.share));
        for (const auto& [port, tensor] : n.out) {
            YamlPlace at{spec_.file, "nodes." + n.name + ".out." + port};
            if (sources_.count(tensor))
                yaml_fail(n.node["out"][port], at,
                          "'" + tensor + "' is already " + (data_fields_.count(tensor) ? "a field of the data" : "a noise tensor") +
                              "; give the output another name");
            auto [it, fresh] = writer_.emplace(tensor, i);
            if (!fresh)
                yaml_fail(n.node["out"][port], at,
                          "'" + tensor + "' is already written by node '" + spec_.nodes[it->second].name + "'");
        }
    }
}

void Dataflow::sort_nodes() {
    std::vector<std::string> known = names_of(sources_);
    for (const auto& [t, i] : writer_) known.push_back(t);
    auto check_read = [&](const std::string& tensor, const YAML::Node& node, const YamlPlace& at) {
        if (sources_.count(tensor) || writer_.count(tensor)) return;
        yaml_fail(node, at,
                  "'" + tensor + "' is read but never written: it is not a data field, a noise tensor or a node's output." +
                      did_you_mean(tensor, known) + " Tensors: " + join(known));
    };
    for (const auto& n : spec_.nodes)
        for (const auto& [port, tensor] : n.in) check_read(tensor, n.node["in"][port], {spec_.file, "nodes." + n.name + ".in." + port});
    for (const auto& l : spec_.losses)
        for (const auto& [port, tensor] : l.in) check_read(tensor, l.node["in"][port], {spec_.file, "losses." + l.name + ".in." + port});
    if (spec_.generate.present) {
        const GenerateSpec& g = spec_.generate;
        check_read(g.image, g.node["image"], {spec_.file, "generate.image"});
        if (g.reconstruction != g.image && !g.reconstruction.empty())
            check_read(g.reconstruction, g.node["reconstruction"], {spec_.file, "generate.reconstruction"});
        bool is_noise = false;
        for (const auto& n : spec_.noise) is_noise = is_noise || n.name == g.from;
        if (!g.from.empty() && !is_noise) yaml_fail(g.node["from"], {spec_.file, "generate.from"}, "'" + g.from + "' is not a tensor of the noise section");
        if (!g.condition.empty() && !data_fields_.count(g.condition))
            yaml_fail(g.node["condition"], {spec_.file, "generate.condition"},
                      "'" + g.condition + "' is not a field of the data (fields: " + join(names_of(data_fields_)) + ")");
        if (!g.reconstruct.empty() && !data_fields_.count(g.reconstruct))
            yaml_fail(g.node["reconstruct"], {spec_.file, "generate.reconstruct"},
                      "'" + g.reconstruct + "' is not a field of the data (fields: " + join(names_of(data_fields_)) + ")");
        if (!g.latent.empty()) check_read(g.latent, g.node["latent"], {spec_.file, "generate.latent"});
        if (!g.sample.empty()) check_read(g.sample, g.node["sample"], {spec_.file, "generate.sample"});
        if (!g.latent_logvar.empty()) check_read(g.latent_logvar, g.node["latent_logvar"], {spec_.file, "generate.latent_logvar"});
        for (const ModalitySpec& m : g.modalities) {
            const std::string at = "generate.modalities." + m.name;
            for (const auto& [key, field] : {std::pair<const char*, std::string>{"field", m.field}, {"mask", m.mask}})
                if (!field.empty() && !data_fields_.count(field))
                    yaml_fail(m.node[key] ? m.node[key] : m.node, {spec_.file, at + "." + key},
                              "'" + field + "' is not a field of the data (fields: " + join(names_of(data_fields_)) + ")");
            check_read(m.posterior, m.node["posterior"], {spec_.file, at + ".posterior"});
            if (!m.prior.empty()) {
                if (g.from.empty())
                    yaml_fail(m.node["prior"], {spec_.file, at + ".prior"}, "a prior tensor needs generate.from, the noise it is decoded from");
                check_read(m.prior, m.node["prior"], {spec_.file, at + ".prior"});
            }
        }
    }
    // Kahn's algorithm, taking the earliest-written ready node first so the order follows the file.
    std::vector<bool> done(spec_.nodes.size(), false);
    std::set<std::string> ready = sources_;
    while (order_.size() < spec_.nodes.size()) {
        bool progressed = false;
        for (std::size_t i = 0; i < spec_.nodes.size() && !progressed; ++i) {
            if (done[i]) continue;
            bool inputs_ready = true;
            for (const auto& [port, tensor] : spec_.nodes[i].in) inputs_ready = inputs_ready && ready.count(tensor);
            if (!inputs_ready) continue;
            done[i] = progressed = true;
            order_.push_back(i);
            for (const auto& [port, tensor] : spec_.nodes[i].out) ready.insert(tensor);
        }
        if (!progressed) {
            std::vector<std::string> stuck;
            for (std::size_t i = 0; i < spec_.nodes.size(); ++i)
                if (!done[i]) stuck.push_back(spec_.nodes[i].name);
            yaml_fail(spec_.find_node(stuck.front())->node, {spec_.file, "nodes." + stuck.front()},
                      "these nodes read each other's outputs in a cycle: " + join(stuck));
        }
    }
}

std::vector<std::string> Dataflow::loss_inputs(const LossSpec& loss) const {
    std::vector<std::string> tensors;
    for (const auto& [port, tensor] : loss.in) tensors.push_back(tensor);
    return tensors;
}

std::vector<std::size_t> Dataflow::nodes_for(const std::vector<std::string>& targets,
                                             const std::set<std::string>& available) const {
    std::set<std::size_t> needed;
    std::vector<std::string> pending(targets.begin(), targets.end());
    std::set<std::string> seen;
    while (!pending.empty()) {
        std::string t = pending.back();
        pending.pop_back();
        if (available.count(t) || !seen.insert(t).second) continue;
        auto it = writer_.find(t);
        if (it == writer_.end()) continue;  // a source the caller did not provide: the run finds out
        if (!needed.insert(it->second).second) continue;
        for (const auto& [port, tensor] : spec_.nodes[it->second].in) pending.push_back(tensor);
    }
    std::vector<std::size_t> ordered;
    for (std::size_t i : order_)
        if (needed.count(i)) ordered.push_back(i);
    return ordered;
}

void Dataflow::check_every_node_used() const {
    std::vector<std::string> targets;
    for (const auto& l : spec_.losses)
        for (const auto& t : loss_inputs(l)) targets.push_back(t);
    std::vector<std::size_t> used = nodes_for(targets, {});
    std::set<std::size_t> used_set(used.begin(), used.end());
    for (const auto& l : spec_.losses)  // a weight penalty's nodes count as used
        for (const auto& name : l.params) used_set.insert(spec_.node_index(name));
    if (spec_.generate.present) {
        // What generation draws counts as used: the prior's decoders have no loss of their own.
        const GenerateSpec& g = spec_.generate;
        std::vector<std::string> drawn{g.image};
        if (!g.reconstruction.empty()) drawn.push_back(g.reconstruction);
        for (const auto& m : g.modalities)
            for (const std::string& t : {m.posterior, m.prior})
                if (!t.empty()) drawn.push_back(t);
        if (!g.latent.empty()) drawn.push_back(g.latent);
        if (!g.latent_logvar.empty()) drawn.push_back(g.latent_logvar);
        for (std::size_t i : nodes_for(drawn, {})) used_set.insert(i);
    }
    for (std::size_t i : std::set<std::size_t>(used_set)) used_set.insert(owner_[i]);  // shared instances
    for (std::size_t i = 0; i < spec_.nodes.size(); ++i)
        if (!used_set.count(i))
            yaml_fail(spec_.nodes[i].node, {spec_.file, "nodes." + spec_.nodes[i].name},
                      "no loss depends on node '" + spec_.nodes[i].name +
                          "' (no loss reads what it writes, directly or through other nodes); connect it or remove it");
}

}  // namespace chimera

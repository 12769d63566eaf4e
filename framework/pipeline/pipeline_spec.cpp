#include "pipeline/pipeline_spec.hpp"

#include "core/host_error.hpp"
#include "core/suggest.hpp"
#include "pipeline/yaml_source.hpp"
#include "pipeline/yaml_values.hpp"

#include <cstdlib>
#include <set>
#include <stdexcept>

namespace chimera {

namespace {

constexpr int kPipelineVersion = 1;

// A map-valued key (options: ...), or a null node when absent.
YAML::Node map_at(const YAML::Node& map, const std::string& key, const YamlPlace& place) {
    if (!has_key(map, key)) return YAML::Node();
    YAML::Node v = map[key];
    if (!v.IsMap()) yaml_fail(v, place.child(key), "expected a map of key: value");
    return v;
}

PortMap read_ports(const YAML::Node& map, const std::string& key, const YamlPlace& place) {
    PortMap ports;
    YAML::Node v = map_at(map, key, place);
    if (!v.IsMap()) return ports;
    for (const auto& entry : v) {
        std::string port = entry.first.Scalar();
        YamlPlace at = place.child(key).child(port);
        if (!entry.second.IsScalar()) yaml_fail(entry.second, at, "expected the name of a tensor");
        check_identifier(entry.second.Scalar(), entry.second, at, "tensor name");
        ports.emplace_back(port, entry.second.Scalar());
    }
    return ports;
}

// Items of a named section (nodes:, losses:, optimizers:) in file order.
template <class Read>
void read_named_section(const YAML::Node& root, const std::string& section, const std::string& file, Read read) {
    YamlPlace place{file, section};
    YAML::Node map = map_at(root, section, {file, ""});
    if (!map.IsMap()) return;
    for (const auto& entry : map) {
        std::string name = entry.first.Scalar();
        check_identifier(name, entry.first, place.child(name), "name");
        if (!entry.second.IsMap()) yaml_fail(entry.second, place.child(name), "expected a map of key: value");
        read(name, entry.second, place.child(name));
    }
}

SplitSpec read_split(const YAML::Node& data, const std::string& key, const YamlPlace& place, bool holdout_allowed) {
    SplitSpec split;
    if (!has_key(data, key)) return split;
    split.node = data[key];
    YamlPlace at = place.child(key);
    check_keys(split.node, holdout_allowed ? std::vector<std::string>{"options", "holdout"} : std::vector<std::string>{"options"},
               at.file, at.path);
    split.present = true;
    split.options = map_at(split.node, "options", at);
    if (holdout_allowed) {
        split.holdout = read_real(split.node, "holdout", at, 0.0, 0.0);
        if (split.holdout > 0 && split.options.IsMap())
            yaml_fail(split.node, at, "give either holdout (examples taken from the training data) or options, not both");
        if (split.holdout >= 1 && split.holdout != static_cast<double>(static_cast<int64_t>(split.holdout)))
            yaml_fail(split.node["holdout"], at.child("holdout"), "a holdout of 1 or more is a count of examples: give an integer");
    }
    return split;
}

DataSpec read_data(const YAML::Node& root, const std::string& file) {
    YamlPlace place{file, "data"};
    if (!has_key(root, "data")) yaml_fail(root, {file, ""}, "missing required section 'data'");
    DataSpec data;
    data.node = root["data"];
    check_keys(data.node, {"loader", "options", "train", "validation", "test", "batch_size", "shuffle"}, file, "data");
    data.loader = read_string(data.node, "loader", place);
    data.options = map_at(data.node, "options", place);
    data.train = read_split(data.node, "train", place, false);
    data.validation = read_split(data.node, "validation", place, true);
    data.test = read_split(data.node, "test", place, false);
    data.batch_size = read_int(data.node, "batch_size", place, 64, 1);
    data.shuffle = read_bool(data.node, "shuffle", place, true);
    return data;
}

std::vector<NoiseSpec> read_noise(const YAML::Node& root, const std::string& file) {
    std::vector<NoiseSpec> noise;
    read_named_section(root, "noise", file, [&](const std::string& name, const YAML::Node& n, const YamlPlace& at) {
        check_keys(n, {"shape", "distribution"}, file, at.path);
        NoiseSpec s;
        s.name = name;
        s.node = n;
        s.distribution = read_string(n, "distribution", at, std::string("normal"));
        if (s.distribution != "normal" && s.distribution != "uniform")
            yaml_fail(n["distribution"], at.child("distribution"),
                      "unknown distribution '" + s.distribution + "'." + did_you_mean(s.distribution, {"normal", "uniform"}) +
                          " Accepted: normal, uniform");
        if (!has_key(n, "shape")) yaml_fail(n, at, "missing required key 'shape' (of one example, e.g. [100])");
        s.shape = read_int_list(n, "shape", at, 1);
        if (s.shape.empty()) yaml_fail(n["shape"], at.child("shape"), "the shape needs at least one dimension");
        noise.push_back(std::move(s));
    });
    return noise;
}

// init_from: {run: DIR, node: NAME} or {safetensors: FILE, map: {own: theirs}, prefix: P}.
InitFrom read_init_from(const YAML::Node& i, const YamlPlace& at, const std::string& node, const std::string& file) {
    if (!i.IsMap()) yaml_fail(i, at, "expected {run: RUN_DIR} or {safetensors: FILE, map: {...}}");
    check_keys(i, {"run", "node", "safetensors", "map", "prefix"}, file, at.path);
    InitFrom init;
    if (has_key(i, "run") == has_key(i, "safetensors"))
        yaml_fail(i, at, "name one source: run (a Chimera run directory) or safetensors (a file from elsewhere)");
    if (has_key(i, "run")) {
        if (has_key(i, "map") || has_key(i, "prefix")) yaml_fail(i, at, "map and prefix go with safetensors, not run");
        init.run = read_string(i, "run", at);
        init.node = read_string(i, "node", at, node);
        if (init.run.empty()) yaml_fail(i["run"], at.child("run"), "expected a run directory, not an empty name");
        return init;
    }
    if (has_key(i, "node")) yaml_fail(i, at, "node goes with run; for a file, name its tensors with map or prefix");
    init.safetensors.file = read_string(i, "safetensors", at);
    if (init.safetensors.file.empty()) yaml_fail(i["safetensors"], at.child("safetensors"), "expected a safetensors file, not an empty name");
    init.safetensors.prefix = read_string(i, "prefix", at, std::string());
    if (has_key(i, "map")) {
        const YAML::Node m = i["map"];
        const YamlPlace mp = at.child("map");
        if (!m.IsMap()) yaml_fail(m, mp, "expected a map from the node's tensor names to the file's, e.g. {fc0.weight: features.1.weight}");
        for (const auto& entry : m) {
            const std::string own = entry.first.Scalar();
            if (entry.second.IsMap())  // --set nodes.e.init_from.map.fc0.weight=x splits the name at its dot
                yaml_fail(entry.second, mp.child(own), "expected the name of a tensor in the file; a name with dots goes in a "
                                                       "flow map, e.g. --set 'nodes.NODE.init_from.map={fc0.weight: features.0.weight}'");
            if (!entry.second.IsScalar() || entry.second.Scalar().empty())
                yaml_fail(entry.second, mp.child(own), "expected the name of a tensor in the file");
            if (!init.safetensors.map.emplace(own, entry.second.Scalar()).second)
                yaml_fail(entry.first, mp.child(own), "'" + own + "' is mapped twice");
        }
    }
    return init;
}

std::vector<NodeSpec> read_nodes(const YAML::Node& root, const std::string& file) {
    std::vector<NodeSpec> nodes;
    read_named_section(root, "nodes", file, [&](const std::string& name, const YAML::Node& n, const YamlPlace& at) {
        check_keys(n, {"component", "share", "in", "out", "options", "init_from"}, file, at.path);
        NodeSpec s;
        s.name = name;
        s.node = n;
        s.share = read_string(n, "share", at, std::string());
        s.component = read_string(n, "component", at, s.share.empty() ? std::nullopt : std::optional<std::string>(""));
        if (!s.share.empty() && (!s.component.empty() || has_key(n, "options")))
            yaml_fail(n, at, "a node that shares '" + s.share + "' takes its component and options from it: remove component and options");
        s.in = read_ports(n, "in", at);
        s.out = read_ports(n, "out", at);
        if (s.out.empty()) yaml_fail(n, at, "missing 'out': name the tensors this node writes (out: {port: tensor})");
        s.options = map_at(n, "options", at);
        if (has_key(n, "init_from")) {
            s.init_from = read_init_from(n["init_from"], at.child("init_from"), name, file);
            if (!s.share.empty()) yaml_fail(n["init_from"], at.child("init_from"), "a node that shares '" + s.share + "' takes its parameters from it");
        }
        nodes.push_back(std::move(s));
    });
    if (nodes.empty()) yaml_fail(root, {file, ""}, "the pipeline has no nodes (section 'nodes')");
    return nodes;
}

std::vector<LossSpec> read_losses(const YAML::Node& root, const std::string& file) {
    std::vector<LossSpec> losses;
    read_named_section(root, "losses", file, [&](const std::string& name, const YAML::Node& n, const YamlPlace& at) {
        check_keys(n, {"component", "in", "params", "weight", "warmup", "evaluate_only", "options"}, file, at.path);
        LossSpec s;
        s.name = name;
        s.node = n;
        s.component = read_string(n, "component", at);
        s.in = read_ports(n, "in", at);
        s.params = read_names(n, "params", at);
        s.weight = read_real(n, "weight", at, 1.0, 0.0);
        s.warmup = parse_loss_warmup(n, at);
        s.evaluate_only = read_bool(n, "evaluate_only", at, false);
        s.options = map_at(n, "options", at);
        if (s.in.empty() && s.params.empty())
            yaml_fail(n, at, "a loss needs inputs: 'in: {port: tensor}' or 'params: [node, ...]'");
        losses.push_back(std::move(s));
    });
    if (losses.empty()) yaml_fail(root, {file, ""}, "the pipeline has no losses (section 'losses')");
    return losses;
}

std::vector<OptimizerSpec> read_optimizers(const YAML::Node& root, const std::string& file) {
    std::vector<OptimizerSpec> optimizers;
    read_named_section(root, "optimizers", file, [&](const std::string& name, const YAML::Node& n, const YamlPlace& at) {
        check_keys(n, {"component", "nodes", "options", "clip_norm", "schedule"}, file, at.path);
        OptimizerSpec s;
        s.name = name;
        s.node = n;
        s.component = read_string(n, "component", at);
        s.nodes = read_names(n, "nodes", at);
        if (s.nodes.empty()) yaml_fail(n, at, "missing 'nodes': the nodes whose parameters this optimizer updates");
        s.options = map_at(n, "options", at);
        s.clip_norm = read_real(n, "clip_norm", at, 0.0, 0.0);
        if (has_key(n, "schedule")) s.schedule = parse_lr_schedule(n["schedule"], file, at.child("schedule").path);
        optimizers.push_back(std::move(s));
    });
    if (optimizers.empty()) yaml_fail(root, {file, ""}, "the pipeline has no optimizers (section 'optimizers')");
    return optimizers;
}

std::vector<PhaseSpec> read_phases(const YAML::Node& root, const std::string& file, const PipelineSpec& spec) {
    std::vector<PhaseSpec> phases;
    if (!has_key(root, "phases")) {  // one phase: every loss, every optimizer
        PhaseSpec p;
        p.name = "train";
        for (const auto& l : spec.losses)
            if (!l.evaluate_only) p.losses.push_back(l.name);
        if (p.losses.empty()) yaml_fail(root["losses"], {file, "losses"}, "every loss is evaluate_only: nothing to train on");
        for (const auto& o : spec.optimizers) p.optimizers.push_back(o.name);
        phases.push_back(p);
        return phases;
    }
    YAML::Node list = root["phases"];
    YamlPlace place{file, "phases"};
    if (!list.IsSequence()) yaml_fail(list, place, "expected a list of phases ({name, losses, optimizers, updates})");
    for (std::size_t k = 0; k < list.size(); ++k) {
        YamlPlace at = place.item(k);
        check_keys(list[k], {"name", "losses", "optimizers", "updates"}, file, at.path);
        PhaseSpec p;
        p.node = list[k];
        p.name = read_string(p.node, "name", at);
        check_identifier(p.name, p.node["name"], at.child("name"), "phase name");
        p.losses = read_names(p.node, "losses", at);
        p.optimizers = read_names(p.node, "optimizers", at);
        p.updates = read_int(p.node, "updates", at, 1, 1);
        if (p.losses.empty()) yaml_fail(p.node, at, "a phase needs 'losses'");
        if (p.optimizers.empty()) yaml_fail(p.node, at, "a phase needs 'optimizers'");
        phases.push_back(std::move(p));
    }
    return phases;
}

EarlyStoppingSpec read_early_stopping(const YAML::Node& train, const YamlPlace& place) {
    EarlyStoppingSpec e;
    if (!has_key(train, "early_stopping")) return e;
    YamlPlace at = place.child("early_stopping");
    e.node = train["early_stopping"];
    check_keys(e.node, {"monitor", "mode", "patience", "min_delta", "restore_best"}, at.file, at.path);
    e.enabled = true;
    e.monitor = read_string(e.node, "monitor", at, e.monitor);
    if (e.monitor.find('/') == std::string::npos)
        yaml_fail(e.node["monitor"], at.child("monitor"), "expected split/metric, e.g. validation/total");
    e.mode = read_string(e.node, "mode", at, e.mode);
    if (e.mode != "min" && e.mode != "max") yaml_fail(e.node["mode"], at.child("mode"), "expected min or max");
    e.patience = read_int(e.node, "patience", at, e.patience, 1);
    e.min_delta = read_real(e.node, "min_delta", at, 0.0, 0.0);
    e.restore_best = read_bool(e.node, "restore_best", at, true);
    return e;
}

TrainSpec read_train(const YAML::Node& root, const std::string& file) {
    TrainSpec t;
    YamlPlace place{file, "train"};
    t.node = has_key(root, "train") ? root["train"] : YAML::Node(YAML::NodeType::Map);
    check_keys(t.node, {"epochs", "steps", "seed", "log_every", "checkpoint_every", "samples", "early_stopping"}, file, "train");
    t.epochs = read_int(t.node, "epochs", place, 1, 1);
    t.steps = read_int(t.node, "steps", place, 0, 0);
    t.seed = read_int(t.node, "seed", place, 0, 0);
    t.log_every = read_int(t.node, "log_every", place, 50, 1);
    t.checkpoint_every = read_int(t.node, "checkpoint_every", place, 0, 0);
    t.samples = read_int(t.node, "samples", place, 64, 0);
    t.early_stopping = read_early_stopping(t.node, place);
    return t;
}

std::string read_activation(const YAML::Node& map, const YamlPlace& place) {
    std::string a = read_string(map, "activation", place, std::string("none"));
    if (a != "none" && a != "sigmoid" && a != "tanh") yaml_fail(map["activation"], place.child("activation"), "expected none, sigmoid or tanh");
    return a;
}

std::vector<ModalitySpec> read_modalities(const YAML::Node& g, const std::string& file) {
    std::vector<ModalitySpec> out;
    if (!has_key(g, "modalities")) return out;
    YAML::Node list = g["modalities"];
    YamlPlace place{file, "generate.modalities"};
    if (!list.IsMap() || list.size() == 0)
        yaml_fail(list, place, "expected a map from modality names to {field, mask, posterior, prior, activation}");
    for (const auto& entry : list) {
        ModalitySpec m;
        m.name = entry.first.Scalar();
        m.node = entry.second;
        const YamlPlace at = place.child(m.name);
        // Commands name modalities in lists (a,b) and pairs (a=...); "all" is every one.
        if (m.name.empty() || m.name == "all" || m.name.find_first_of(",= ") != std::string::npos)
            yaml_fail(entry.first, at, "'" + m.name + "' cannot name a modality (not 'all', and no ',', '=' or spaces)");
        if (!m.node.IsMap()) yaml_fail(m.node, at, "expected {field, mask, posterior, prior, activation}");
        check_keys(m.node, {"field", "mask", "posterior", "prior", "activation"}, file, at.path);
        m.field = read_string(m.node, "field", at, m.name);
        m.mask = read_string(m.node, "mask", at, std::string());
        m.posterior = read_string(m.node, "posterior", at);
        m.prior = read_string(m.node, "prior", at, std::string());
        m.activation = read_activation(m.node, at);
        out.push_back(m);
    }
    return out;
}

GenerateSpec read_generate(const YAML::Node& root, const std::string& file) {
    GenerateSpec g;
    if (!has_key(root, "generate")) return g;
    YamlPlace place{file, "generate"};
    g.node = root["generate"];
    check_keys(g.node,
               {"from", "image", "reconstruct", "reconstruction", "condition", "classes", "activation", "range", "modalities", "latent",
                "sample", "latent_logvar"},
               file, "generate");
    g.present = true;
    g.from = read_string(g.node, "from", place, std::string());
    g.image = read_string(g.node, "image", place);
    g.reconstruct = read_string(g.node, "reconstruct", place, std::string());
    g.reconstruction = read_string(g.node, "reconstruction", place, std::string());
    // With a prior, `image` decodes prior samples: a reconstruction must be a tensor of its own.
    if (!g.reconstruct.empty() && g.reconstruction.empty()) {
        if (!g.from.empty())
            throw ConfigError(yaml_place(g.node, place),
                              "'reconstruct' needs 'reconstruction': the tensor decoded from '" + g.reconstruct + "' ('" + g.image +
                                  "' is decoded from the prior '" + g.from + "'); name it in generate.reconstruction",
                              "generate.reconstruction=TENSOR");
        g.reconstruction = g.image;
    }
    if (g.reconstruct.empty() && !g.reconstruction.empty())
        yaml_fail(g.node["reconstruction"], place.child("reconstruction"), "'reconstruction' needs 'reconstruct', the data field it is decoded from");
    g.condition = read_string(g.node, "condition", place, std::string());
    g.classes = read_int(g.node, "classes", place, 10, 1);
    if (g.from.empty() && g.reconstruct.empty())
        yaml_fail(g.node, place, "say what to draw: 'from' (a noise tensor: samples from the prior), 'reconstruct' (a data field), or both");
    g.activation = read_activation(g.node, place);
    g.modalities = read_modalities(g.node, file);
    g.latent = read_string(g.node, "latent", place, std::string());
    g.sample = read_string(g.node, "sample", place, std::string());
    if (!g.sample.empty() && g.latent.empty())
        yaml_fail(g.node["sample"], place.child("sample"), "'sample' needs 'latent', the posterior mean decoded in its place");
    g.latent_logvar = read_string(g.node, "latent_logvar", place, std::string());
    if (!g.latent_logvar.empty() && g.latent.empty())
        yaml_fail(g.node["latent_logvar"], place.child("latent_logvar"), "'latent_logvar' needs 'latent', the posterior mean it goes with");
    if (has_key(g.node, "range")) {
        YAML::Node r = g.node["range"];
        double lo = 0, hi = 0;
        if (!r.IsSequence() || r.size() != 2 || !YAML::convert<double>::decode(r[0], lo) ||
            !YAML::convert<double>::decode(r[1], hi) || !(lo < hi))
            yaml_fail(r, place.child("range"), "expected [lo, hi] with lo < hi, e.g. [-1, 1]");
        g.lo = lo;
        g.hi = hi;
    }
    return g;
}

EvaluateSpec read_evaluate(const YAML::Node& root, const std::string& file, const GenerateSpec& g) {
    EvaluateSpec e;
    if (!has_key(root, "evaluate")) return e;
    e.node = root["evaluate"];
    check_keys(e.node, {"judges"}, file, "evaluate");
    if (!has_key(e.node, "judges")) return e;
    YAML::Node judges = e.node["judges"];
    const YamlPlace place{file, "evaluate.judges"};
    if (!judges.IsMap()) yaml_fail(judges, place, "expected a map from modality names to run directories (RUN_DIR or RUN_DIR:NODE)");
    for (const auto& entry : judges) {
        const std::string name = entry.first.Scalar();
        if (!g.find_modality(name)) {
            std::vector<std::string> names;
            for (const auto& m : g.modalities) names.push_back(m.name);
            yaml_fail(entry.first, place.child(name), "'" + name + "' is not a modality of generate.modalities (" +
                                                          (names.empty() ? std::string("there are none") : join(names)) + ")");
        }
        e.judges.emplace_back(name, read_string(judges, name, place));
    }
    return e;
}

void check_unique_names(const PipelineSpec& spec) {
    std::set<std::string> seen;
    auto claim = [&](const std::string& name, const YAML::Node& node, const std::string& section) {
        if (!seen.insert(name).second)
            yaml_fail(node, {spec.file, section + "." + name},
                      "the name '" + name + "' is used twice; nodes, losses and optimizers need distinct names");
    };
    for (const auto& n : spec.nodes) claim(n.name, n.node, "nodes");
    for (const auto& l : spec.losses) claim(l.name, l.node, "losses");
    for (const auto& o : spec.optimizers) claim(o.name, o.node, "optimizers");
    if (seen.count("total")) yaml_fail(spec.root, {spec.file, ""}, "'total' is reserved for the weighted sum of the losses");
}

}  // namespace

const ModalitySpec* GenerateSpec::find_modality(const std::string& name) const {
    for (const auto& m : modalities)
        if (m.name == name) return &m;
    return nullptr;
}

const NodeSpec* PipelineSpec::find_node(const std::string& name) const {
    for (const auto& n : nodes)
        if (n.name == name) return &n;
    return nullptr;
}
const LossSpec* PipelineSpec::find_loss(const std::string& name) const {
    for (const auto& l : losses)
        if (l.name == name) return &l;
    return nullptr;
}
const OptimizerSpec* PipelineSpec::find_optimizer(const std::string& name) const {
    for (const auto& o : optimizers)
        if (o.name == name) return &o;
    return nullptr;
}

namespace {

template <class Item>
std::size_t index_of(const std::vector<Item>& items, const std::string& name, const char* section) {
    for (std::size_t i = 0; i < items.size(); ++i)
        if (items[i].name == name) return i;
    throw std::out_of_range(std::string(section) + ": no '" + name + "' (names are checked when the file is read)");
}

}  // namespace

std::size_t PipelineSpec::node_index(const std::string& name) const { return index_of(nodes, name, "nodes"); }
std::size_t PipelineSpec::loss_index(const std::string& name) const { return index_of(losses, name, "losses"); }
std::size_t PipelineSpec::optimizer_index(const std::string& name) const { return index_of(optimizers, name, "optimizers"); }

YAML::Node read_pipeline_yaml(const std::string& file, const std::vector<std::string>& overrides) {
    YAML::Node root = load_yaml_file(file);
    for (const auto& o : overrides) apply_override(root, o);
    expand_variables_in(root, [](const std::string& name) { return std::getenv(name.c_str()); }, file);
    return root;
}

PipelineSpec parse_pipeline(const YAML::Node& root, const std::string& file) {
    PipelineSpec spec;
    spec.file = file;
    spec.root = root;
    if (!root.IsMap()) yaml_fail(root, {file, ""}, "a pipeline file is a map with version, data, nodes, losses, optimizers");
    check_keys(root,
               {"version", "description", "data", "noise", "nodes", "losses", "optimizers", "phases", "train", "generate", "evaluate"},
               file, "");
    int64_t version = read_int(root, "version", {file, ""});
    if (version != kPipelineVersion)
        yaml_fail(root["version"], {file, "version"},
                  "this Chimera reads pipeline version " + std::to_string(kPipelineVersion) + ", not " + std::to_string(version));
    spec.data = read_data(root, file);
    spec.noise = read_noise(root, file);
    spec.nodes = read_nodes(root, file);
    spec.losses = read_losses(root, file);
    spec.optimizers = read_optimizers(root, file);
    check_unique_names(spec);
    spec.phases = read_phases(root, file, spec);
    spec.train = read_train(root, file);
    spec.generate = read_generate(root, file);
    spec.evaluate = read_evaluate(root, file, spec.generate);
    return spec;
}

}  // namespace chimera

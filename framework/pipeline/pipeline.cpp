#include "pipeline/pipeline.hpp"

#include "autograd/parameter_store.hpp"
#include "core/host_error.hpp"
#include "core/suggest.hpp"
#include "ops/op_registry.hpp"
#include "pipeline/port_wiring.hpp"
#include "pipeline/yaml_source.hpp"
#include "plugin/component_config.hpp"
#include "tensor/shape_error.hpp"
#include "run/model_state.hpp"
#include "run/foreign_weights.hpp"

#include <algorithm>
#include <cstring>
#include <functional>
#include <map>

namespace chimera {

namespace {

constexpr int64_t kDryBatch = 2;  // the shape pass: small, but more than one (batch norm)

// Where a component's options are written, or its entry when it has none: what an error in
// making it points at.
YAML::Node options_or_entry(const YAML::Node& entry) {
    const YAML::Node options = entry["options"];
    return options.IsDefined() && !options.IsNull() ? options : entry;
}

// A component that refused what the pipeline gave it (its options, its inputs' shapes) rather
// than failing to run: a problem of the pipeline file.
bool refused(const PluginError& e) {
    const std::optional<chm_status> s = e.status();
    return s == CHM_ERR_INVALID_ARGUMENT || s == CHM_ERR_NOT_FOUND || s == CHM_ERR_TYPE;
}

// data.options with a split's options laid over them.
YAML::Node merge_options(const YAML::Node& shared, const YAML::Node& own) {
    YAML::Node merged(YAML::NodeType::Map);
    for (const YAML::Node& source : {shared, own})
        if (source && source.IsMap())
            for (const auto& entry : source) merged[entry.first.Scalar()] = entry.second;
    return merged;
}

}  // namespace

Pipeline::Pipeline(PipelineSpec spec, const PluginRegistry& registry, Context& ctx, const OpRegistry& ops,
                   const std::filesystem::path& data_dir)
    : spec_(std::move(spec)), registry_(registry), ctx_(ctx), ops_(ops) {
    make_data();
    if (!data_dir.empty()) restore_data(data_dir);  // before the dry pass reads examples
    std::vector<std::string> field_names;
    for (const auto& f : fields_) field_names.push_back(f.name);
    dataflow_ = std::make_unique<Dataflow>(spec_, field_names);
    check_modality_masks();
    make_components();
    check_ports();
    dry_run(kDryBatch);
    // A run reopened (data_dir) has its nodes' parameters in its checkpoint: a file they started
    // from is not read again (it may have moved; the reopener reads it for a node the checkpoint
    // lacks). A run's node is read: a judge added for this command is not in the checkpoint.
    for (std::size_t i = 0; i < spec_.nodes.size(); ++i)
        if (!spec_.nodes[i].init_from.run.empty() || (spec_.nodes[i].init_from.any() && data_dir.empty()))
            load_initial_parameters(i);
    for (std::size_t k = 0; k < spec_.optimizers.size(); ++k) {
        const OptimizerSpec& o = spec_.optimizers[k];
        NamedTensors group;
        for (const auto& name : o.nodes) {
            std::size_t owner = dataflow_->owner(spec_.node_index(name));
            for (const Tensor& p : ctx_.parameters().under(spec_.nodes[owner].name)) group.emplace_back(p.name(), p);
        }
        if (group.empty())
            yaml_fail(o.node["nodes"], {spec_.file, "optimizers." + o.name + ".nodes"}, "these nodes have no parameters to optimise");
        optimizers_[k]->attach(group);
    }
}

Pipeline::~Pipeline() = default;

const ComponentInfo& Pipeline::resolve(const std::string& component, const std::vector<chm_kind>& kinds,
                                       const YAML::Node& node, const std::string& path) const {
    std::string name = component;
    std::vector<chm_kind> wanted = kinds;
    std::size_t slash = component.find('/');
    if (slash != std::string::npos) {
        std::optional<chm_kind> kind = kind_from_name(component.substr(0, slash));
        if (!kind || std::find(kinds.begin(), kinds.end(), *kind) == kinds.end()) {
            std::vector<std::string> allowed;
            for (chm_kind k : kinds) allowed.push_back(kind_name(k));
            yaml_fail(node, {spec_.file, path}, "'" + component.substr(0, slash) + "' is not a kind that can be used here (use " + join(allowed, " or ") + ")");
        }
        wanted = {*kind};
        name = component.substr(slash + 1);
    }
    std::vector<const ComponentInfo*> found;
    for (chm_kind k : wanted)
        if (const ComponentInfo* c = registry_.find(k, name)) found.push_back(c);
    if (found.size() == 1) return *found.front();
    if (found.size() > 1)
        yaml_fail(node, {spec_.file, path}, "'" + name + "' is both " + kind_name(found[0]->kind) + "/" + name + " and " +
                                kind_name(found[1]->kind) + "/" + name + "; write which one, e.g. " + kind_name(found[0]->kind) + "/" + name);
    std::vector<std::string> candidates;
    for (const ComponentInfo* c : registry_.components())
        if (std::find(wanted.begin(), wanted.end(), c->kind) != wanted.end()) candidates.push_back(c->name);
    yaml_fail(node, {spec_.file, path}, "no plugin provides " + (slash == std::string::npos ? std::string("'") : kind_name(wanted[0]) + " '") + name +
                            "'." + did_you_mean(name, candidates) + " Available: " + (candidates.empty() ? "none" : join(candidates)) +
                            " (chimera plugins lists them, and where they were searched for)");
}

std::unique_ptr<ComponentInstance> Pipeline::instantiate(const ComponentInfo& info, const YAML::Node& options,
                                                         const std::string& path, const std::string& name,
                                                         const YAML::Node& written) {
    configs_.push_back(make_component_config(info, options, spec_.file, path));
    try {
        return std::make_unique<ComponentInstance>(info, *configs_.back(), name);
    } catch (const PluginError& e) {
        // A plugin refusing its options is a problem of the pipeline file, one failing to read
        // a file a problem of the data: both belong where the component is configured.
        const YAML::Node& at = written.IsDefined() && !written.IsNull() ? written : options;
        const std::optional<chm_status> status = e.method() == "create" ? e.status() : std::nullopt;
        if (status == CHM_ERR_IO) throw DataError(yaml_where(at, {spec_.file, path}) + ": " + e.what());
        if (status && refused(e)) yaml_fail(at, {spec_.file, path}, e.what());
        throw PluginError(yaml_where(at, {spec_.file, path}), e);
    }
}

void Pipeline::make_data() {
    const DataSpec& d = spec_.data;
    const ComponentInfo& info = resolve(d.loader, {CHM_KIND_LOADER}, d.node["loader"], "data.loader");
    auto make_split = [&](const SplitSpec& s, const std::string& split) {
        const YAML::Node& written = s.options.IsMap() ? s.options : d.options.IsMap() ? d.options : d.node;
        loaders_.push_back(
            instantiate(info, merge_options(d.options, s.options), "data." + split + ".options", "data_" + split, written));
        DataSplit out{loaders_.back().get(), {}};
        int64_t n = out.loader->size();
        for (int64_t i = 0; i < n; ++i) out.indices.push_back(i);
        return out;
    };
    train_ = make_split(d.train, "train");
    fields_ = train_.loader->fields();
    if (d.validation.present && d.validation.holdout > 0) {
        auto n = static_cast<int64_t>(train_.indices.size());
        auto held = d.validation.holdout >= 1 ? static_cast<int64_t>(d.validation.holdout)
                                              : static_cast<int64_t>(d.validation.holdout * static_cast<double>(n));
        if (held < 1 || held >= n)
            yaml_fail(d.validation.node["holdout"], {spec_.file, "data.validation.holdout"},
                    "holds out " + std::to_string(held) + " of the " + std::to_string(n) + " training examples; leave at least one on each side");
        validation_ = DataSplit{train_.loader, std::vector<int64_t>(train_.indices.end() - held, train_.indices.end())};
        train_.indices.resize(static_cast<std::size_t>(n - held));
    } else if (d.validation.present) {
        validation_ = make_split(d.validation, "validation");
    }
    if (d.test.present) test_ = make_split(d.test, "test");
    for (const DataSplit* s : {&validation_, &test_}) {
        if (!s->present() || s->loader == train_.loader) continue;
        std::vector<FieldInfo> f = s->loader->fields();
        bool same = f.size() == fields_.size();
        for (std::size_t k = 0; same && k < f.size(); ++k)
            same = f[k].name == fields_[k].name && f[k].dtype == fields_[k].dtype && f[k].shape == fields_[k].shape;
        if (!same)
            yaml_fail(d.node, {spec_.file, "data"}, std::string("the ") + (s == &test_ ? "test" : "validation") +
                                        " split's fields differ from the training split's (names, types or shapes)");
    }
    if (train_.indices.size() < static_cast<std::size_t>(d.batch_size))
        yaml_fail(d.node, {spec_.file, "data"}, "the training split has " + std::to_string(train_.indices.size()) +
                                    " examples, fewer than one batch of " + std::to_string(d.batch_size));
}

void Pipeline::check_modality_masks() const {
    for (const ModalitySpec& m : spec_.generate.modalities) {
        if (m.mask.empty()) continue;
        for (const FieldInfo& f : fields_)
            if (f.name == m.mask && (f.dtype != DType::f32 || !(f.shape.empty() || f.shape == Shape{1})))
                yaml_fail(m.node["mask"], {spec_.file, "generate.modalities." + m.name + ".mask"},
                        "'" + m.mask + "' is " + dtype_name(f.dtype) + " " + shape_text(f.shape) +
                            " per example; a presence mask is one float32 per example (1 present, 0 absent)");
    }
}

void Pipeline::make_components() {
    nodes_.resize(spec_.nodes.size());
    for (std::size_t i = 0; i < spec_.nodes.size(); ++i) {
        const NodeSpec& n = spec_.nodes[i];
        if (!n.share.empty()) continue;
        const ComponentInfo& info =
            resolve(n.component, {CHM_KIND_ENCODER, CHM_KIND_GENERATOR}, n.node["component"], "nodes." + n.name + ".component");
        nodes_[i] = instantiate(info, n.options, "nodes." + n.name + ".options", n.name, options_or_entry(n.node));
    }
    for (const auto& l : spec_.losses) {
        const ComponentInfo& info = resolve(l.component, {CHM_KIND_LOSS}, l.node["component"], "losses." + l.name + ".component");
        losses_.push_back(instantiate(info, l.options, "losses." + l.name + ".options", l.name, options_or_entry(l.node)));
    }
    for (const auto& o : spec_.optimizers) {
        const ComponentInfo& info =
            resolve(o.component, {CHM_KIND_OPTIMIZER}, o.node["component"], "optimizers." + o.name + ".component");
        optimizers_.push_back(instantiate(info, o.options, "optimizers." + o.name + ".options", o.name, options_or_entry(o.node)));
    }
}

void Pipeline::check_ports() const {
    for (std::size_t i = 0; i < spec_.nodes.size(); ++i) {
        const NodeSpec& n = spec_.nodes[i];  // a sharing node is checked against its owner's component
        check_wiring({n.node, "nodes." + n.name, "node '" + n.name + "'", n.in, &n.out}, node_instance(i).ports(), spec_.file);
    }
    for (std::size_t k = 0; k < spec_.losses.size(); ++k) {
        const LossSpec& l = spec_.losses[k];
        check_wiring({l.node, "losses." + l.name, "loss '" + l.name + "'", l.in, nullptr}, losses_[k]->ports(), spec_.file);
    }
}

void Pipeline::read_examples(const DataSplit& split, const std::vector<int64_t>& indices, TensorMap& values) const {
    std::vector<Tensor> batch;
    for (const auto& f : fields_) {
        Shape shape{static_cast<int64_t>(indices.size())};
        shape.insert(shape.end(), f.shape.begin(), f.shape.end());
        batch.push_back(ctx_.empty(f.dtype, shape));
    }
    split.loader->read(indices, batch);
    for (std::size_t k = 0; k < fields_.size(); ++k) values[fields_[k].name] = batch[k];
}

void Pipeline::save_data(const std::filesystem::path& directory) const {
    std::error_code ec;
    std::filesystem::create_directories(directory, ec);
    if (ec) throw DataError(directory.string() + ": cannot create the run's data directory: " + ec.message());
    try {
        train_.loader->save(directory.string());
    } catch (const PluginError& e) {
        throw DataError(directory.string() + ": " + e.what());
    }
}

void Pipeline::restore_data(const std::filesystem::path& directory) const {
    if (!std::filesystem::is_directory(directory)) return;
    for (const auto& loader : loaders_) {
        try {
            loader->restore(directory.string());
        } catch (const PluginError& e) {
            throw DataError(directory.string() + ": " + e.what());
        }
    }
}

std::optional<TensorMap> Pipeline::encode_example(const std::string& field, const std::string& value) const {
    std::vector<Tensor> example;
    for (const auto& f : fields_) {
        Shape shape{1};
        shape.insert(shape.end(), f.shape.begin(), f.shape.end());
        example.push_back(ctx_.zeros(f.dtype, shape));
    }
    try {
        if (!train_.loader->encode(field, value, example)) return std::nullopt;
    } catch (const PluginError& e) {
        throw DataError(e.what());  // the value, or the file it names, is what is wrong
    }
    TensorMap values;
    for (std::size_t k = 0; k < fields_.size(); ++k) values[fields_[k].name] = example[k];
    return values;
}

bool Pipeline::decode_value(const std::string& field, const Tensor& value, ComponentInstance::Decoded& out) const {
    return train_.loader->decode(field, value, out);
}

void Pipeline::dry_run(int64_t batch) {
    // make_data leaves at least one batch of training examples, but a batch may be one example.
    batch = std::min<int64_t>(batch, static_cast<int64_t>(train_.indices.size()));
    if (batch < 1) yaml_fail(spec_.data.node, {spec_.file, "data"}, "the training split holds no examples");
    EvalScope quiet(ctx_);
    TensorMap values;
    std::vector<int64_t> indices(train_.indices.begin(), train_.indices.begin() + batch);
    read_examples(train_, indices, values);
    sample_noise(values, batch);
    run_nodes(values, dataflow_->order());
    for (std::size_t k = 0; k < spec_.losses.size(); ++k) run_loss(values, k);
}

void Pipeline::restore_optimizer(std::size_t index, const NamedTensors& state, const std::filesystem::path& file) const {
    try {
        optimizers_[index]->load_state(state);
    } catch (const PluginError& e) {
        if (!refused(e)) throw;
        throw DataError(file, "the state saved for optimizer '" + spec_.optimizers[index].name + "' does not fit it: " + e.what());
    }
}

void Pipeline::load_initial_parameters(std::size_t node) {
    const NodeSpec& n = spec_.nodes[node];
    const std::string where = yaml_where(n.node["init_from"], {spec_.file, "nodes." + n.name + ".init_from"});
    if (n.init_from.run.empty()) {
        try {
            load_foreign_weights(n.init_from.safetensors, n.name, ctx_.parameters(), ctx_.device().pool());
        } catch (const DataError& e) {
            throw DataError(where + ": " + e.what());
        }
        return;
    }
    const RunDirectory from(n.init_from.run);
    if (!from.has_checkpoint()) throw DataError(where + ": " + from.path().string() + " holds no checkpoint (train that pipeline first)");
    try {
        load_node(from, n.init_from.node, n.name, ctx_.parameters(), ctx_.device().pool());
    } catch (const DataError& e) {
        throw DataError(where + ": " + e.what());
    }
}

void Pipeline::sample_noise(TensorMap& values, int64_t n) const {
    for (const auto& noise : spec_.noise) {
        Attrs attrs = noise.distribution == "normal" ? Attrs{0.0, 1.0} : Attrs{-1.0, 1.0};
        attrs.push_back(static_cast<double>(n));
        for (int64_t d : noise.shape) attrs.push_back(static_cast<double>(d));
        values[noise.name] =
            ops_.call(ctx_, noise.distribution == "normal" ? "random_normal" : "random_uniform", {}, attrs).front();
    }
}

const ComponentInstance& Pipeline::node_instance(std::size_t node) const { return *nodes_[dataflow_->owner(node)]; }

void Pipeline::run_nodes(TensorMap& values, const std::vector<std::size_t>& nodes,
                         const std::set<std::size_t>* recorded) const {
    for (std::size_t i : nodes) {
        const NodeSpec& n = spec_.nodes[i];
        NamedTensors inputs;
        for (const auto& [port, tensor] : n.in) inputs.emplace_back(port, value_of(values, tensor, n.node, "nodes." + n.name));
        NamedTensors outputs;
        try {
            std::unique_ptr<NoGradGuard> frozen;
            if (recorded && !recorded->count(i)) frozen = std::make_unique<NoGradGuard>(ctx_);
            outputs = node_instance(i).forward(inputs);
        } catch (const PortError& e) {
            fail_port(e, {n.node, "nodes." + n.name, "node '" + n.name + "'", n.in, &n.out}, spec_, *dataflow_);
        } catch (const PluginError& e) {
            if (refused(e)) yaml_fail(n.node, {spec_.file, "nodes." + n.name}, "node '" + n.name + "' failed: " + e.what());
            throw PluginError(yaml_where(n.node, {spec_.file, "nodes." + n.name}) + ": node '" + n.name + "'", e);  // failed to run
        } catch (const ShapeError& e) {
            yaml_fail(n.node, {spec_.file, "nodes." + n.name}, "node '" + n.name + "' failed: " + e.what());
        }
        for (const auto& [port, tensor] : n.out) {
            const std::string& wanted = port;  // a structured binding cannot be captured before C++20
            auto it = std::find_if(outputs.begin(), outputs.end(), [&](const auto& o) { return o.first == wanted; });
            if (it == outputs.end()) {
                std::vector<std::string> given;
                for (const auto& o : outputs) given.push_back(o.first);
                yaml_fail(n.node["out"][port], {spec_.file, "nodes." + n.name + ".out." + port},
                        "node '" + n.name + "' has no output '" + port + "'." + did_you_mean(port, given) +
                            " Its outputs: " + (given.empty() ? "none" : join(given)));
            }
            values[tensor] = it->second;
        }
    }
}

Pipeline::LossResult Pipeline::run_loss(const TensorMap& values, std::size_t index) const {
    const LossSpec& l = spec_.losses[index];
    NamedTensors inputs;
    for (const auto& [port, tensor] : l.in) inputs.emplace_back(port, value_of(values, tensor, l.node, "losses." + l.name));
    for (const auto& node : l.params) {
        NamedTensors params = node_parameters(spec_.node_index(node));
        for (auto& p : params)
            if (p.second.requires_grad()) inputs.push_back(p);
    }
    NamedTensors outputs;
    try {
        outputs = losses_[index]->forward(inputs);
    } catch (const PortError& e) {
        fail_port(e, {l.node, "losses." + l.name, "loss '" + l.name + "'", l.in, nullptr}, spec_, *dataflow_);
    } catch (const PluginError& e) {
        if (refused(e)) yaml_fail(l.node, {spec_.file, "losses." + l.name}, "loss '" + l.name + "' failed: " + e.what());
        throw PluginError(yaml_where(l.node, {spec_.file, "losses." + l.name}) + ": loss '" + l.name + "'", e);
    }
    LossResult result;
    for (const auto& [name, t] : outputs) {
        if (name == "loss") result.loss = t;
        else if (t.numel() == 1 && t.dtype() == DType::f32) result.extras.emplace_back(l.name + "/" + name, t.data<float>()[0]);
    }
    if (!result.loss.defined() || result.loss.numel() != 1) {
        std::vector<std::string> produced;
        for (const auto& [name, t] : outputs) produced.push_back(name + " " + describe(t));
        throw PluginError(yaml_where(l.node, {spec_.file, "losses." + l.name}) + ": loss '" + l.name +
                          "' must produce a one-element output named 'loss'; it produced " + (produced.empty() ? "nothing" : join(produced)));
    }
    return result;
}

Tensor Pipeline::value_of(const TensorMap& values, const std::string& tensor, const YAML::Node& node,
                          const std::string& path) const {
    auto it = values.find(tensor);
    if (it == values.end())
        yaml_fail(node, {spec_.file, path}, "needs '" + tensor + "', which is not available here" +
                                (dataflow_->is_data_field(tensor) ? " (it is a data field: generation provides only noise and conditions)" : ""));
    return it->second;
}

std::vector<std::size_t> Pipeline::nodes_for_losses(const std::vector<std::size_t>& indices) const {
    std::vector<std::string> targets;
    for (std::size_t k : indices)
        for (const auto& t : dataflow_->loss_inputs(spec_.losses[k])) targets.push_back(t);
    return dataflow_->nodes_for(targets, {});
}

NamedTensors Pipeline::node_parameters(std::size_t node) const {
    NamedTensors out;
    const std::string& owner = spec_.nodes[dataflow_->owner(node)].name;
    for (const Tensor& p : ctx_.parameters().under(owner)) out.emplace_back(p.name(), p);
    for (const Tensor& b : ctx_.parameters().buffers())
        if (b.name().rfind(owner + ".", 0) == 0) out.emplace_back(b.name(), b);
    return out;
}

std::vector<std::size_t> Pipeline::loss_indices(const std::vector<std::string>& names) const {
    std::vector<std::size_t> out;
    for (const auto& n : names) out.push_back(spec_.loss_index(n));
    return out;
}

std::vector<std::size_t> Pipeline::optimizer_indices(const std::vector<std::string>& names) const {
    std::vector<std::size_t> out;
    for (const auto& n : names) out.push_back(spec_.optimizer_index(n));
    return out;
}

void Pipeline::for_each_component(const std::function<void(const ComponentInfo&)>& visit) const {
    for (const auto* list : {&loaders_, &nodes_, &losses_, &optimizers_})
        for (const auto& c : *list)
            if (c) visit(c->component());
}

std::vector<std::string> Pipeline::components_used() const {
    std::set<std::string> used;
    for_each_component([&](const ComponentInfo& i) {
        used.insert(kind_name(i.kind) + "/" + i.name + " " + i.version + " (" + i.library->name + " " + i.library->version + ")");
    });
    return {used.begin(), used.end()};
}

std::vector<UsedLibrary> Pipeline::libraries_used() const {
    std::map<std::filesystem::path, std::set<std::string>> used;  // file -> components
    std::map<std::filesystem::path, const LibraryInfo*> info;
    for_each_component([&](const ComponentInfo& i) {
        used[i.library->file].insert(kind_name(i.kind) + "/" + i.name);
        info[i.library->file] = i.library;
    });
    std::vector<UsedLibrary> out;
    for (const auto& [file, components] : used) {
        const std::filesystem::path absolute = std::filesystem::absolute(file);
        out.push_back({info[file]->name, info[file]->version, absolute, library_hash(absolute), {components.begin(), components.end()}});
    }
    return out;
}

}  // namespace chimera

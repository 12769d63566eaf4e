#include "evaluate/judge.hpp"

#include "core/host_error.hpp"
#include "plugin/component_config.hpp"
#include "run/model_state.hpp"
#include "tensor/shape_error.hpp"

#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>

namespace chimera {

namespace fs = std::filesystem;

namespace {

std::string file_text(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// What the loaders of both runs kept of their data must be the same: a judge of captions
// numbered by another vocabulary would read other words.
void check_same_data(const RunDirectory& judge_run, const fs::path& this_run, const std::string& modality) {
    std::error_code ec;
    const fs::path mine_dir = RunDirectory(this_run).data();
    if (this_run.empty() || !fs::is_directory(mine_dir) || fs::is_empty(mine_dir, ec)) return;
    if (!fs::is_directory(judge_run.data())) {
        std::cerr << "warning: judge of " << modality << ": " << judge_run.path().string()
                  << " keeps nothing of how it read its data (trained before runs kept it), so it cannot be checked against "
                  << mine_dir.string() << "\n";
        return;
    }
    for (const auto& entry : fs::directory_iterator(judge_run.data(), ec)) {
        const fs::path mine = mine_dir / entry.path().filename();
        if (fs::exists(mine) && file_text(mine) != file_text(entry.path()))
            throw DataError("judge of " + modality + ": " + entry.path().string() + " differs from " + mine.string() +
                            ": the judge read its data otherwise than this run (train both on the same data)");
    }
}

const NodeSpec& judge_node(const PipelineSpec& spec, const std::string& name, const std::string& where) {
    if (!name.empty()) {
        if (const NodeSpec* n = spec.find_node(name)) return *n;
        throw DataError(where + ": its pipeline has no node '" + name + "'");
    }
    if (const NodeSpec* n = spec.find_node("classifier")) return *n;
    if (spec.nodes.size() == 1) return spec.nodes.front();
    throw DataError(where + ": its pipeline has several nodes and none named 'classifier'; name one as RUN_DIR:NODE");
}

}  // namespace

Judge::Judge(const PluginRegistry& registry, Context& ctx, const std::string& modality, const std::string& where,
             const Tensor& sample, const fs::path& this_run)
    : registry_(registry), ctx_(ctx), modality_(modality), where_(where) {
    const std::size_t colon = where.rfind(':');
    const RunDirectory run(colon == std::string::npos ? where : where.substr(0, colon));
    const std::string node_name = colon == std::string::npos ? "" : where.substr(colon + 1);
    const std::string who = "judge of " + modality + " (" + where + ")";
    if (!run.has_config() || !run.has_checkpoint())
        throw DataError(who + ": " + run.path().string() + " is not a trained run (no " +
                        run.config().filename().string() + " or checkpoint); train its pipeline first");
    check_same_data(run, this_run, modality);
    const std::string config = run.config().string();
    const PipelineSpec spec = parse_pipeline(read_pipeline_yaml(config, {}), config);
    const NodeSpec& n = judge_node(spec, node_name, who);
    if (!n.share.empty()) throw DataError(who + ": node '" + n.name + "' shares '" + n.share + "'; name that node instead");
    if (n.in.size() != 1 || n.out.size() != 1)
        throw DataError(who + ": node '" + n.name + "' must read one tensor and write one (its logits); it reads " +
                        std::to_string(n.in.size()) + " and writes " + std::to_string(n.out.size()));
    port_in_ = n.in.front().first;
    port_out_ = n.out.front().first;
    run_config_ = config;
    field_ = n.in.front().second;
    std::string component = n.component, kind;
    if (const std::size_t slash = component.find('/'); slash != std::string::npos) {
        kind = component.substr(0, slash);
        component = component.substr(slash + 1);
    }
    const ComponentInfo* info = nullptr;
    for (chm_kind k : {CHM_KIND_ENCODER, CHM_KIND_GENERATOR})
        if ((kind.empty() || kind == kind_name(k)) && !info) info = registry.find(k, component);
    if (!info) throw DataError(who + ": no plugin provides '" + n.component + "' (chimera plugins lists them)");
    config_.push_back(make_component_config(*info, n.options, config, "nodes." + n.name + ".options"));
    const std::string name = "judge:" + modality;
    instance_ = std::make_unique<ComponentInstance>(*info, *config_.back(), name);
    classify(sample);  // builds what the component sizes from its first input
    try {
        load_node(run, n.name, name, ctx.parameters(), ctx.device().pool());
    } catch (const DataError& e) {
        throw DataError(who + ": " + e.what());
    }
}

Judge::~Judge() = default;

NamedTensors Judge::run(const Tensor& values) const {
    EvalMode eval(ctx_);
    try {
        return instance_->forward({{port_in_, values}});
    } catch (const PluginError& e) {
        throw DataError("judge of " + modality_ + " (" + where_ + "): " + e.what());
    } catch (const ShapeError& e) {  // what the judge's declared ports refuse
        throw DataError("judge of " + modality_ + " (" + where_ + "): " + e.what());
    }
}

std::vector<int32_t> Judge::classify(const Tensor& values) const {
    const NamedTensors out = run(values);
    auto it = std::find_if(out.begin(), out.end(), [&](const auto& o) { return o.first == port_out_; });
    if (it == out.end() || it->second.rank() != 2 || it->second.dtype() != DType::f32)
        throw DataError("judge of " + modality_ + " (" + where_ + "): output '" + port_out_ + "' is not logits [N, classes]");
    const Tensor& logits = it->second;
    const int64_t n = logits.dim(0), c = logits.dim(1);
    std::vector<int32_t> verdict(static_cast<std::size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
        const float* row = logits.data<float>() + i * c;
        verdict[static_cast<std::size_t>(i)] = static_cast<int32_t>(std::max_element(row, row + c) - row);
    }
    return verdict;
}

Tensor Judge::output(const Tensor& values, const std::string& port) const {
    const NamedTensors out = run(values);
    auto it = std::find_if(out.begin(), out.end(), [&](const auto& o) { return o.first == port; });
    const std::string who = "judge of " + modality_ + " (" + where_ + ")";
    if (it == out.end()) {
        std::string written;
        for (const auto& o : out) written += (written.empty() ? "" : ", ") + o.first;
        throw DataError(who + ": its component writes no output '" + port + "' (it writes: " + written +
                        "); a conv encoder writes 'features' from conv 1.1.0 on");
    }
    if (it->second.rank() != 2 || it->second.dtype() != DType::f32 || it->second.dim(0) != values.dim(0))
        throw DataError(who + ": output '" + port + "' is " + describe(it->second) + ", not f32 [N, F]");
    return it->second;
}

std::optional<std::pair<double, double>> Judge::training_range(int64_t n) const {
    const std::string config = run_config_.string();
    const PipelineSpec spec = parse_pipeline(read_pipeline_yaml(config, {}), config);
    const DataSpec& d = spec.data;
    const ComponentInfo* info = registry_.find(CHM_KIND_LOADER, d.loader);
    if (!info) throw DataError("judge of " + modality_ + " (" + where_ + "): no plugin provides its loader '" + d.loader + "'");
    YAML::Node options(YAML::NodeType::Map);  // data.options with the training split's laid over them
    for (const YAML::Node& source : {d.options, d.train.options})
        if (source && source.IsMap())
            for (const auto& entry : source) options[entry.first.Scalar()] = entry.second;
    const auto loader_config = make_component_config(*info, options, config, "data.options");
    std::unique_ptr<ComponentInstance> made;
    try {
        made = std::make_unique<ComponentInstance>(*info, *loader_config, "judge_data:" + modality_);
    } catch (const PluginError& e) {
        throw DataError("judge of " + modality_ + " (" + where_ + "): its training data cannot be read: " + e.what());
    }
    const ComponentInstance& loader = *made;
    const std::vector<FieldInfo> fields = loader.fields();
    auto field = std::find_if(fields.begin(), fields.end(), [&](const FieldInfo& f) { return f.name == field_; });
    if (field == fields.end() || field->dtype != DType::f32) return std::nullopt;
    std::vector<int64_t> indices;
    for (int64_t i = 0; i < std::min(n, loader.size()); ++i) indices.push_back(i);
    std::vector<Tensor> batch;
    for (const FieldInfo& f : fields) {
        Shape shape{static_cast<int64_t>(indices.size())};
        shape.insert(shape.end(), f.shape.begin(), f.shape.end());
        batch.push_back(ctx_.empty(f.dtype, shape));
    }
    loader.read(indices, batch);
    const Tensor& x = batch[static_cast<std::size_t>(field - fields.begin())];
    if (x.numel() == 0) return std::nullopt;
    const auto [lo, hi] = std::minmax_element(x.data<float>(), x.data<float>() + x.numel());
    return std::make_pair(double(*lo), double(*hi));
}

}  // namespace chimera

#include "cli/pipeline_session.hpp"

#include "autograd/parameter_store.hpp"
#include "core/host_error.hpp"
#include "train/checkpoint.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace chimera {

po::options_description override_options() {
    po::options_description desc("Pipeline");
    desc.add_options()("set", po::value<std::vector<std::string>>()->value_name("KEY=VALUE")->composing(),
                       "override a value of the pipeline file, e.g. --set train.epochs=3 (repeatable)");
    return desc;
}

PipelineSession::PipelineSession(const po::variables_map& vm, const std::string& file, std::vector<std::string> extra) {
    logger_ = make_logger(vm);
    registry_ = load_plugins(vm, *logger_);
    report_plugin_problems(*registry_);
    std::vector<std::string> overrides;
    if (vm.count("set")) overrides = vm["set"].as<std::vector<std::string>>();
    overrides.insert(overrides.end(), extra.begin(), extra.end());
    root_ = read_pipeline_yaml(file, overrides);
    PipelineSpec spec = parse_pipeline(root_, file);
    session_ = std::make_unique<ComputeSession>(vm, *registry_);
    // Initialisers and every random number follow the pipeline's seed.
    session_->context().set_random_state(static_cast<uint64_t>(spec.train.seed), 0);
    pipeline_ = std::make_unique<Pipeline>(std::move(spec), *registry_, session_->context(), session_->ops());
}

PipelineSession::~PipelineSession() {
    pipeline_.reset();  // instances go before the session that lends them the host
}

fs::path run_config(const fs::path& dir) {
    if (!fs::is_directory(dir)) throw DataError(dir.string() + ": no such run directory");
    fs::path config = dir / "config.yaml";
    if (!fs::exists(config))
        throw DataError(dir.string() + ": not a run directory (no config.yaml); give the --out directory of chimera train");
    return config;
}

void load_run_parameters(const fs::path& dir, Context& ctx) {
    Checkpoint c = load_checkpoint(dir, ctx.pool());
    NamedTensorList targets;
    for (const Tensor& p : ctx.parameters().all()) targets.emplace_back("param/" + p.name(), p);
    for (const Tensor& b : ctx.parameters().buffers()) targets.emplace_back("buffer/" + b.name(), b);
    restore_tensors(c.tensors.tensors, targets, c.file.string());
}

}  // namespace chimera

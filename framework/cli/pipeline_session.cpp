#include "cli/pipeline_session.hpp"

#include "core/host_error.hpp"
#include "io/atomic_file.hpp"
#include "pipeline/yaml_source.hpp"
#include "run/model_state.hpp"

#include <algorithm>

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace chimera {

po::options_description pipeline_file_options(po::options_description own) {
    own.add_options()("file", po::value<std::string>()->required()->value_name("FILE"), "the pipeline (YAML)")(
        "set", po::value<std::vector<std::string>>()->value_name("KEY=VALUE")->composing(),
        "override a value of the pipeline file, e.g. --set train.epochs=3 (repeatable)");
    own.add(plugin_options());
    own.add(compute_options());
    return own;
}

po::options_description grid_options(po::options_description own, int64_t default_n, RunOutput output) {
    own.add_options()("run", po::value<std::string>()->required()->value_name("RUN_DIR"), "the run directory of chimera train")(
        "n", po::value<int64_t>()->default_value(default_n), "how many images (rows with --interpolate)")(
        "columns", po::value<int>()->default_value(8), "images per grid row")(
        "out,o", po::value<std::string>()->value_name("FILE.png"), ("the PNG grid (default: RUN_DIR/" + RunDirectory::output_name(output) + ")").c_str())(
        "set", po::value<std::vector<std::string>>()->value_name("KEY=VALUE")->composing(),
        "change the run's pipeline for this command, e.g. --set nodes.text_decoder.options.sampling=sample (repeatable)");
    own.add(plugin_options());
    own.add(compute_options());
    return own;
}

GridRequest grid_request(const po::variables_map& vm, const std::string& command, RunOutput output, int64_t max_n,
                         const std::string& beyond) {
    GridRequest r;
    r.run = vm["run"].as<std::string>();
    r.n = vm["n"].as<int64_t>();
    r.columns = vm["columns"].as<int>();
    if (r.n < 1 || r.n > max_n)
        throw UsageError("chimera " + command + ": --n must be between 1 and " + std::to_string(max_n) + ", got " + std::to_string(r.n) +
                         (r.n > max_n ? beyond : ""));
    if (r.columns < 1 || r.columns > 256)
        throw UsageError("chimera " + command + ": --columns must be between 1 and 256, got " + std::to_string(r.columns));
    // A path the user names is written through its links and checked now; the run's own is replaced.
    r.out = vm.count("out") ? output_file(vm["out"].as<std::string>()) : RunDirectory(r.run).output(output);
    return r;
}

PipelineSession::PipelineSession(const po::variables_map& vm, const std::string& file, std::vector<std::string> extra,
                                 const RunDirectory* run) {
    logger_ = make_logger(vm);
    registry_ = load_plugins(vm, *logger_);
    report_plugin_problems(*registry_);
    if (run) load_recorded_libraries(*registry_, load_plugin_record(*run), run->plugins(), *logger_);
    std::vector<std::string> overrides;
    if (vm.count("set")) overrides = vm["set"].as<std::vector<std::string>>();
    overrides.insert(overrides.end(), extra.begin(), extra.end());
    try {
        root_ = read_pipeline_yaml(file, overrides);
    } catch (const OverrideError& e) {
        throw UsageError("--set '" + e.assignment() + "': " + e.reason() + (e.example().empty() ? "" : ", e.g. --set " + e.example()));
    }
    PipelineSpec spec = parse_pipeline(root_, file);
    session_ = std::make_unique<ComputeSession>(vm, *registry_);
    // Initialisers and every random number follow the pipeline's seed.
    session_->context().device().set_random_state(static_cast<uint64_t>(spec.train.seed), 0);
    pipeline_ = std::make_unique<Pipeline>(std::move(spec), *registry_, session_->context(), session_->ops(),
                                           run ? run->data() : fs::path());
}

PipelineSession::~PipelineSession() {
    pipeline_.reset();  // instances go before the session that lends them the host
}

std::unique_ptr<PipelineSession> PipelineSession::open_run(const po::variables_map& vm, const fs::path& dir) {
    const RunDirectory run(dir);
    if (!run.exists()) throw DataError(dir, "no such run directory");
    if (!run.has_config())
        throw DataError(dir, "not a run directory (no " + run.config().filename().string() +
                                 "); give the --out directory of chimera train");
    auto session = std::make_unique<PipelineSession>(vm, run.config().string(), std::vector<std::string>{}, &run);
    Checkpoint c = load_checkpoint(run, session->context().device().pool());
    // A node that starts from elsewhere (init_from) is in the checkpoint when the run trained it;
    // one added with --set (a judge) is not, and starts from its source instead.
    auto in_checkpoint = [&](const std::string& node) {
        return std::any_of(c.tensors.tensors.begin(), c.tensors.tensors.end(), [&](const auto& entry) {
            return entry.first.rfind("param/" + node + ".", 0) == 0 || entry.first.rfind("buffer/" + node + ".", 0) == 0;
        });
    };
    std::vector<std::string> own_start;
    const auto& nodes = session->pipeline().spec().nodes;
    for (std::size_t i = 0; i < nodes.size(); ++i)
        if (nodes[i].init_from.any() && !in_checkpoint(nodes[i].name)) {
            own_start.push_back(nodes[i].name);
            // A run's node was read when the pipeline was built; a file's is read now.
            if (nodes[i].init_from.run.empty()) session->pipeline().load_initial_parameters(i);
        }
    restore_tensors(c.tensors.tensors, model_tensors(session->context().parameters(), own_start), c.file);
    return session;
}

}  // namespace chimera

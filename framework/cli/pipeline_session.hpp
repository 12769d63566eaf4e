// What every pipeline command shares: the plugins loaded, a pipeline file (or a run
// directory's resolved copy) read with its --set overrides, and the pipeline built on a compute
// session seeded from train.seed. Also the --set option and reading a run directory.
// Not what the commands then do with it.
#pragma once

#include "cli/compute_options.hpp"
#include "cli/plugin_options.hpp"
#include "pipeline/pipeline.hpp"
#include "run/run_directory.hpp"

#include <boost/program_options.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace chimera {

// The options of a command reading a pipeline FILE (positional): `own`, then the file, --set,
// plugin search and compute options.
boost::program_options::options_description pipeline_file_options(boost::program_options::options_description own);
// The options of a command drawing a grid from a RUN_DIR (positional): `own`, --n, --columns,
// --out (default: the run directory's `output`), then plugin search and compute.
boost::program_options::options_description grid_options(boost::program_options::options_description own,
                                                         int64_t default_n, RunOutput output);

// Those options, checked: --n from 1 to `max_n` (`beyond` is said when it is more). Throws
// UsageError naming `command`.
struct GridRequest {
    std::filesystem::path run, out;
    int64_t n = 0;
    int columns = 8;
};
constexpr int64_t max_grid_images = 4096;  // a PNG grid of more is too large to look at
GridRequest grid_request(const boost::program_options::variables_map& vm, const std::string& command, RunOutput output,
                         int64_t max_n = max_grid_images, const std::string& beyond = "");

class PipelineSession {
public:
    // Reads `file` with the command line's --set overrides (plus `extra` ones) and builds it.
    // For a run reopened (`run`), its loaders restore what the run kept of its data, and the
    // libraries it recorded supply components the search path does not. A --set that cannot be
    // applied is a UsageError naming it.
    PipelineSession(const boost::program_options::variables_map& vm, const std::string& file,
                    std::vector<std::string> extra = {}, const RunDirectory* run = nullptr);
    // The pipeline of a run directory, with its last checkpoint's parameters. Throws DataError.
    static std::unique_ptr<PipelineSession> open_run(const boost::program_options::variables_map& vm,
                                                     const std::filesystem::path& dir);
    ~PipelineSession();

    const YAML::Node& root() const { return root_; }
    Pipeline& pipeline() { return *pipeline_; }
    Context& context() { return session_->context(); }
    HostServices& services() { return session_->services(); }
    // See ComputeSession::attach: before computing, when the process holds several sessions.
    void attach() { session_->attach(); }
    const OpRegistry& ops() const { return session_->ops(); }
    const PluginRegistry& registry() const { return *registry_; }

private:
    std::unique_ptr<Logger> logger_;
    std::unique_ptr<PluginRegistry> registry_;
    std::unique_ptr<ComputeSession> session_;
    YAML::Node root_;
    std::unique_ptr<Pipeline> pipeline_;
};

}  // namespace chimera

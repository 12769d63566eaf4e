// What every pipeline command shares: the plugins loaded, a pipeline file (or a run
// directory's resolved copy) read with its --set overrides, and the pipeline built on a compute
// session seeded from train.seed. Also the --set option and reading a run directory.
// Not what the commands then do with it.
#pragma once

#include "cli/compute_options.hpp"
#include "cli/plugin_options.hpp"
#include "pipeline/pipeline.hpp"

#include <boost/program_options.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace chimera {

// --set KEY.PATH=VALUE (repeatable).
boost::program_options::options_description override_options();

class PipelineSession {
public:
    // Reads `file` with the command line's --set overrides (plus `extra` ones) and builds it.
    PipelineSession(const boost::program_options::variables_map& vm, const std::string& file,
                    std::vector<std::string> extra = {});
    ~PipelineSession();

    const YAML::Node& root() const { return root_; }
    Pipeline& pipeline() { return *pipeline_; }
    Context& context() { return session_->context(); }
    const OpRegistry& ops() const { return session_->ops(); }

private:
    std::unique_ptr<Logger> logger_;
    std::unique_ptr<PluginRegistry> registry_;
    std::unique_ptr<ComputeSession> session_;
    YAML::Node root_;
    std::unique_ptr<Pipeline> pipeline_;
};

// The resolved pipeline a run directory keeps (`config.yaml`). Throws DataError when `dir` is
// not a run directory.
std::filesystem::path run_config(const std::filesystem::path& dir);

// Loads the run's last checkpoint parameters and buffers into the pipeline. Throws DataError.
void load_run_parameters(const std::filesystem::path& dir, Context& ctx);

}  // namespace chimera

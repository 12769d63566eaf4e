// `chimera reconstruct RUN_DIR`: test examples and an autoencoder's reconstructions of them as a
// PNG grid, each row of originals followed by the row of their reconstructions.
#include "cli/command.hpp"
#include "cli/pipeline_session.hpp"
#include "core/host_error.hpp"
#include "train/image_sampler.hpp"

#include <iostream>

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace chimera {

namespace {

int run(const po::variables_map& vm) {
    const fs::path dir = vm["run"].as<std::string>();
    const int64_t n = vm["n"].as<int64_t>();
    const int columns = vm["columns"].as<int>();
    if (n < 1 || n > 4096) throw UsageError("chimera reconstruct: --n must be between 1 and 4096, got " + std::to_string(n));
    if (columns < 1) throw UsageError("chimera reconstruct: --columns must be at least 1");
    const fs::path out = vm.count("out") ? fs::path(vm["out"].as<std::string>()) : dir / "reconstructions.png";
    PipelineSession session(vm, run_config(dir).string());
    load_run_parameters(dir, session.context());
    ImageSampler sampler(session.pipeline(), session.context(), session.ops());
    sampler.write(out, sampler.reconstruct(n, columns), columns);
    std::cout << "Wrote " << n << " examples and their reconstructions to " << out.string() << "\n";
    return 0;
}

}  // namespace

Command reconstruct_command() {
    Command c;
    c.name = "reconstruct";
    c.summary = "Show test examples above an autoencoder's reconstructions";
    c.usage = "chimera reconstruct RUN_DIR [--n 32] [--out FILE.png]";
    c.options = [] {
        po::options_description desc("Options");
        desc.add_options()("run", po::value<std::string>()->required()->value_name("RUN_DIR"), "the run directory of chimera train")(
            "n", po::value<int64_t>()->default_value(32), "how many examples")(
            "out,o", po::value<std::string>()->value_name("FILE.png"), "the PNG grid (default: RUN_DIR/reconstructions.png)")(
            "columns", po::value<int>()->default_value(8), "images per grid row");
        desc.add(plugin_options());
        desc.add(compute_options());
        return desc;
    };
    c.positional.add("run", 1);
    c.run = run;
    return c;
}

}  // namespace chimera

// `chimera generate RUN_DIR`: images from a trained run's prior as a PNG grid, or with
// --interpolate straight walks in latent space between pairs of prior samples, one per row.
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
    if (n < 1 || n > 4096) throw UsageError("chimera generate: --n must be between 1 and 4096, got " + std::to_string(n));
    const fs::path out = vm.count("out") ? fs::path(vm["out"].as<std::string>())
                                         : dir / (vm.count("interpolate") ? "interpolation.png" : "generated.png");
    PipelineSession session(vm, run_config(dir).string());
    load_run_parameters(dir, session.context());
    ImageSampler sampler(session.pipeline(), session.context(), session.ops());
    const uint64_t seed = vm["seed"].as<uint64_t>();
    if (vm.count("interpolate")) {
        const int64_t steps = vm["steps"].as<int64_t>();
        sampler.write(out, sampler.interpolate(n, steps, seed), static_cast<int>(steps));
        std::cout << "Wrote " << n << " walks of " << steps << " steps to " << out.string() << "\n";
    } else {
        sampler.write(out, sampler.generate(n, seed), vm["columns"].as<int>());
        std::cout << "Wrote " << n << " samples to " << out.string() << "\n";
    }
    return 0;
}

}  // namespace

Command generate_command() {
    Command c;
    c.name = "generate";
    c.summary = "Sample images from a trained run's prior";
    c.usage = "chimera generate RUN_DIR [--n 64] [--seed S] [--out FILE.png] [--interpolate [--steps 10]]";
    c.options = [] {
        po::options_description desc("Options");
        desc.add_options()("run", po::value<std::string>()->required()->value_name("RUN_DIR"), "the run directory of chimera train")(
            "n", po::value<int64_t>()->default_value(64), "how many samples (with --interpolate: how many walks)")(
            "out,o", po::value<std::string>()->value_name("FILE.png"), "the PNG grid (default: RUN_DIR/generated.png)")(
            "columns", po::value<int>()->default_value(8), "images per grid row")(
            "interpolate", "walk between pairs of samples instead, one walk per row")(
            "steps", po::value<int64_t>()->default_value(10), "images per walk, ends included");
        desc.add(plugin_options());
        desc.add(compute_options());
        return desc;
    };
    c.positional.add("run", 1);
    c.run = run;
    return c;
}

}  // namespace chimera

// `chimera generate RUN_DIR`: images from a trained run's prior as a PNG grid, or with
// --interpolate straight walks in latent space between pairs of prior samples, one per row.
#include "cli/command.hpp"
#include "cli/pipeline_session.hpp"
#include "train/image_sampler.hpp"

#include <iostream>

namespace po = boost::program_options;

namespace chimera {

namespace {

int run(const po::variables_map& vm) {
    const bool walk = vm.count("interpolate") != 0;
    const GridRequest r = grid_request(vm, "generate", walk ? "interpolation.png" : "generated.png");
    auto session = PipelineSession::open_run(vm, r.run);
    ImageSampler sampler(session->pipeline(), session->context(), session->ops());
    const uint64_t seed = vm["seed"].as<uint64_t>();
    if (walk) {
        const int64_t steps = vm["steps"].as<int64_t>();
        sampler.write(r.out, sampler.interpolate(r.n, steps, seed), static_cast<int>(steps));
        std::cout << "Wrote " << r.n << " walks of " << steps << " steps to " << r.out.string() << "\n";
    } else {
        sampler.write(r.out, sampler.generate(r.n, seed), r.columns);
        std::cout << "Wrote " << r.n << " samples to " << r.out.string() << "\n";
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
        desc.add_options()("interpolate", "walk between pairs of samples instead, one walk per row")(
            "steps", po::value<int64_t>()->default_value(10), "images per walk, ends included (2 to 64)");
        return grid_options(desc, 64, "generated.png");
    };
    c.positional.add("run", 1);
    c.run = run;
    return c;
}

}  // namespace chimera

// `chimera generate RUN_DIR`: images from a trained run's prior as a PNG grid, or with
// --interpolate straight walks in latent space between pairs of prior samples, one per row.
#include "cli/command.hpp"
#include "cli/pipeline_session.hpp"
#include "core/host_error.hpp"
#include "train/image_sampler.hpp"

#include <iostream>

namespace po = boost::program_options;

namespace chimera {

namespace {

// "--condition label=7": the generate section's condition field, and the class.
int64_t parse_condition(const std::string& text, const GenerateSpec& g) {
    const std::size_t eq = text.find('=');
    const std::string name = text.substr(0, eq), value = eq == std::string::npos ? "" : text.substr(eq + 1);
    if (g.condition.empty()) throw UsageError("--condition: this pipeline is not conditional (its generate section names no condition)");
    if (eq == std::string::npos || name != g.condition)
        throw UsageError("--condition '" + text + "': expected " + g.condition + "=CLASS, e.g. --condition " + g.condition + "=7");
    try {
        std::size_t used = 0;
        const long long v = std::stoll(value, &used);
        if (used == value.size()) return v;
    } catch (const std::exception&) {
    }
    throw UsageError("--condition '" + text + "': the class must be an integer");
}

int run(const po::variables_map& vm) {
    const bool walk = vm.count("interpolate") != 0;
    const GridRequest r = grid_request(vm, "generate", walk ? "interpolation.png" : "generated.png");
    auto session = PipelineSession::open_run(vm, r.run);
    ImageSampler sampler(session->pipeline(), session->context(), session->ops());
    const uint64_t seed = vm["seed"].as<uint64_t>();
    std::optional<int64_t> label;
    if (vm.count("condition")) label = parse_condition(vm["condition"].as<std::string>(), session->pipeline().spec().generate);
    if (walk) {
        const int64_t steps = vm["steps"].as<int64_t>();
        sampler.write(r.out, sampler.interpolate(r.n, steps, seed), static_cast<int>(steps));
        std::cout << "Wrote " << r.n << " walks of " << steps << " steps to " << r.out.string() << "\n";
    } else {
        Tensor images = sampler.generate(r.n, seed, label, r.columns);
        sampler.write(r.out, images, r.columns);
        std::cout << "Wrote " << images.dim(0) << " samples"
                  << (sampler.is_conditional() ? label ? " of " + std::to_string(*label) : std::string(", a row per class") : "")
                  << " to " << r.out.string() << "\n";
    }
    return 0;
}

}  // namespace

Command generate_command() {
    Command c;
    c.name = "generate";
    c.summary = "Sample images from a trained run's prior";
    c.usage = "chimera generate RUN_DIR [--n 64] [--seed S] [--condition FIELD=CLASS] [--out FILE.png] [--interpolate [--steps 10]]";
    c.options = [] {
        po::options_description desc("Options");
        desc.add_options()("condition", po::value<std::string>()->value_name("FIELD=CLASS"),
                           "conditional models: draw only this class (default: a row per class)")(
            "interpolate", "walk between pairs of samples instead, one walk per row")(
            "steps", po::value<int64_t>()->default_value(10), "images per walk, ends included (2 to 64)");
        return grid_options(desc, 64, "generated.png");
    };
    c.positional.add("run", 1);
    c.run = run;
    return c;
}

}  // namespace chimera

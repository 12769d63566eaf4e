// `chimera generate RUN_DIR`: images from a trained run's prior as a PNG grid, or with
// --interpolate straight walks in latent space between pairs of prior samples, one per row; with
// --format npy as a NumPy array instead, made in blocks so a million images fit in memory. For
// multimodal models, --from and --to: any modality from any other (or from the prior) as PNG
// grids, text lines and WAV files.
#include "cli/command.hpp"
#include "cli/pipeline_session.hpp"
#include "cli/terminal.hpp"
#include "core/host_error.hpp"
#include "core/progress.hpp"
#include "generate/image_sampler.hpp"
#include "generate/modal_sampler.hpp"
#include "io/atomic_file.hpp"
#include "io/npy.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <iostream>
#include <unistd.h>

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace chimera {

namespace {

// "--condition label=7": the generate section's condition field, and the class.
int64_t parse_condition(const std::string& text, const GenerateSpec& g) {
    const std::size_t eq = text.find('=');
    const std::string name = text.substr(0, eq), value = eq == std::string::npos ? "" : text.substr(eq + 1);
    if (g.condition.empty()) throw UsageError("--condition: this pipeline is not conditional (its generate section names no condition)");
    if (eq == std::string::npos || name != g.condition)
        throw UsageError("--condition '" + text + "': expected " + g.condition + "=CLASS, e.g. --condition " + g.condition + "=7");
    long long v = 0;
    try {
        std::size_t used = 0;
        v = std::stoll(value, &used);
        if (used != value.size()) throw std::invalid_argument(value);
    } catch (const std::exception&) {
        throw UsageError("--condition '" + text + "': the class must be an integer");
    }
    if (v < 0 || v >= g.classes)
        throw UsageError("--condition: " + g.condition + " must be between 0 and " + std::to_string(g.classes - 1) + ", got " + std::to_string(v));
    return v;
}

// "--from text=ankle boot": the modality and the value (a caption, or a file for images and sound).
std::pair<std::string, std::string> parse_source(const std::string& text) {
    const std::size_t eq = text.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == text.size())
        throw UsageError("--from '" + text + "': expected MODALITY=VALUE, e.g. --from text=\"ankle boot\" or --from image=boot.png");
    return {text.substr(0, eq), text.substr(eq + 1)};
}


// --from / --to: modalities decoded from the posterior of what is given, or from the prior.
int run_modalities(const po::variables_map& vm, const GridRequest& r) {
    auto session = PipelineSession::open_run(vm, r.run);
    ModalSampler sampler(session->pipeline(), session->context(), session->ops());
    std::vector<std::pair<std::string, std::string>> given;
    if (vm.count("from"))
        for (const auto& f : vm["from"].as<std::vector<std::string>>()) given.push_back(parse_source(f));
    std::vector<std::string> targets;
    if (vm.count("to")) targets = split_list(vm["to"].as<std::string>());
    else
        for (const auto& m : sampler.names())
            if (std::none_of(given.begin(), given.end(), [&](const auto& g) { return g.first == m; })) targets.push_back(m);
    if (targets.empty()) throw UsageError("chimera generate: name what to make with --to (modalities: " + fmt::format("{}", fmt::join(sampler.names(), ", ")) + ")");
    for (const auto& g : given) sampler.modality(g.first);
    for (const auto& t : targets) sampler.modality(t);
    std::string label;
    for (const auto& g : given) label += (label.empty() ? "" : "+") + g.first;
    label = given.empty() ? "prior" : label + "-to";
    fs::path base = vm.count("out") ? fs::path(vm["out"].as<std::string>())
                                          : RunDirectory(r.run).generated(label + "-" + fmt::format("{}", fmt::join(targets, "+")));
    if (targets.size() > 1 && base.has_extension())
        throw UsageError("--out " + base.string() + ": with several modalities --out names a directory (they go in as image.png, text.txt...)");
    if (vm.count("out") && targets.size() == 1 && base.has_extension()) base = output_file(base);  // one file the user named
    const int64_t n = vm["n"].defaulted() ? 16 : r.n;  // sound and text are looked at one by one: fewer
    EvalScope numbers(session->context(), seed_option(vm));
    TensorMap made;
    if (given.empty()) made = sampler.sample_prior(n, targets);
    else {
        TensorMap examples;
        try {
            examples = sampler.examples_from(given, n);
        } catch (const UsageError& e) {
            throw UsageError(std::string("--from: ") + e.what());
        }
        made = sampler.decode(std::move(examples), targets);
    }
    for (const auto& t : targets) {
        const ModalitySpec& m = sampler.modality(t);
        const fs::path out = targets.size() == 1 ? base : base / t;
        if (targets.size() > 1 || made.at(t).dtype() == DType::i32) std::cout << t << ":\n";
        std::vector<fs::path> files;
        try {
            files = sampler.write(m, made.at(t), out, r.columns, &std::cout);
        } catch (const UsageError& e) {
            throw UsageError(std::string("--out: ") + e.what());
        }
        std::cout << "Wrote " << n << " " << t << " samples"
                  << (files.size() == 1 ? " to " + files.front().string()
                                        : " as " + files.front().string() + " to " + files.back().string())
                  << "\n";
    }
    return 0;
}

// An array is not looked at image by image as a grid is: it may be as large as the disk allows.
constexpr int64_t max_array_images = 1000000;

// --format npy without --interpolate: `n` samples streamed to an array, and for a conditional
// model their classes beside it (all `label`, else sample i of class i % classes: balanced).
void write_array(const ImageSampler& sampler, Context& ctx, const GridRequest& r, uint64_t seed, std::optional<int64_t> label) {
    std::vector<int32_t> labels;
    if (sampler.is_conditional())
        for (int64_t i = 0; i < r.n; ++i) labels.push_back(static_cast<int32_t>(label ? *label : i % sampler.classes()));
    std::unique_ptr<NpyWriter> out;
    const int64_t blocks = (r.n + ImageSampler::stream_batch - 1) / ImageSampler::stream_batch;
    // Only long work shows progress: a grid's worth or less is done in seconds.
    std::optional<ProgressBar> bar;
    if (r.n > max_grid_images) bar.emplace(std::cerr, "generate", blocks, ImageSampler::stream_batch, is_interactive(STDERR_FILENO));
    sampler.generate_stream(r.n, seed, labels, [&](const Tensor& images, int64_t first) {
        if (!out) {
            Shape shape = images.shape();
            shape[0] = r.n;
            out = std::make_unique<NpyWriter>(r.out, DType::f32, shape);
        }
        out->append(images);
        if (bar) bar->update(first / ImageSampler::stream_batch + 1, {});
    });
    if (bar) bar->finish({});
    out->commit();
    if (!labels.empty()) {
        Tensor classes = ctx.empty(DType::i32, {r.n});
        std::copy(labels.begin(), labels.end(), classes.data<int32_t>());
        write_npy(labels_beside(r.out), classes);
    }
}

int run(const po::variables_map& vm) {
    const std::string format = vm["format"].as<std::string>();
    if (format != "png" && format != "npy") throw UsageError("--format: expected png or npy, not '" + format + "'");
    const bool array = format == "npy";
    if (vm.count("from") || vm.count("to")) {
        if (array) throw UsageError("chimera generate: --format npy is for images from the prior (without --from and --to)");
        if (vm.count("interpolate") || vm.count("condition"))
            throw UsageError("chimera generate: --from and --to do not combine with --interpolate or --condition");
        return run_modalities(vm, grid_request(vm, "generate", RunOutput::generated));
    }
    const bool walk = vm.count("interpolate") != 0;
    if (walk && array) throw UsageError("chimera generate: --format npy is for samples; --interpolate draws walks as a PNG grid");
    const GridRequest r = array  ? grid_request(vm, "generate", RunOutput::generated_array, max_array_images)
                          : walk ? grid_request(vm, "generate", RunOutput::interpolation)
                                 : grid_request(vm, "generate", RunOutput::generated, max_grid_images,
                                                "; a grid of more is too large to look at: write them as an array with --format npy");
    auto session = PipelineSession::open_run(vm, r.run);
    ImageSampler sampler(session->pipeline(), session->context(), session->ops());
    const uint64_t seed = seed_option(vm);
    std::optional<int64_t> label;
    if (vm.count("condition")) label = parse_condition(vm["condition"].as<std::string>(), session->pipeline().spec().generate);
    if (walk) {
        const int64_t steps = vm["steps"].as<int64_t>();
        if (steps < 2 || steps > ImageSampler::max_walk_steps)
            throw UsageError("--steps: an interpolation takes 2 to " + std::to_string(ImageSampler::max_walk_steps) + " steps, not " +
                             std::to_string(steps));
        sampler.write(r.out, sampler.interpolate(r.n, steps, seed), static_cast<int>(steps));
        std::cout << "Wrote " << r.n << " walks of " << steps << " steps to " << r.out.string() << "\n";
    } else if (array) {
        write_array(sampler, session->context(), r, seed, label);
        std::cout << "Wrote " << r.n << " samples" << (label ? " of " + std::to_string(*label) : std::string()) << " to " << r.out.string()
                  << (sampler.is_conditional() ? " and their classes to " + labels_beside(r.out).string() : std::string()) << "\n";
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
    c.summary = "Sample from a trained run: images from its prior, or one modality from another";
    c.usage = "chimera generate RUN_DIR [--n 64] [--seed S] [--condition FIELD=CLASS] [--out FILE.png] [--interpolate [--steps 10]]\n"
              "       chimera generate RUN_DIR --format npy [--n N] [--seed S] [--condition FIELD=CLASS] [--out FILE.npy]\n"
              "       chimera generate RUN_DIR [--from MODALITY=VALUE ...] [--to MODALITY,...] [--n 16] [--out PATH]\n"
              "       (with --from or --to, --n defaults to 16)";
    c.options = [] {
        po::options_description desc("Options");
        desc.add_options()("from", po::value<std::vector<std::string>>()->value_name("MODALITY=VALUE")->composing(),
                           "multimodal models: generate from this (a caption: text=\"ankle boot\"; a file: image=x.png, "
                           "audio=x.wav); repeatable")(
            "to", po::value<std::string>()->value_name("MODALITY,..."),
            "multimodal models: what to generate (default: every modality not given; without --from: from the prior)")(
            "condition", po::value<std::string>()->value_name("FIELD=CLASS"),
                           "conditional models: draw only this class (default: a row per class)")(
            "interpolate", "walk between pairs of samples instead, one walk per row")(
            "steps", po::value<int64_t>()->default_value(10), "images per walk, ends included (2 to 64)")(
            "format", po::value<std::string>()->default_value("png")->value_name("png|npy"),
            "png: one PNG grid (at most 4096 images). npy: a NumPy float32 array [N, C, H, W] in the drawing range (at "
            "most 1,000,000 images, made 256 at a time; default RUN_DIR/generated.npy); for a conditional model the classes "
            "as int32 [N] beside it in FILE.labels.npy, sample i of class i mod classes unless --condition. The same seed "
            "gives the same first images whatever --n");
        return grid_options(desc, 64, RunOutput::generated);
    };
    c.positional.add("run", 1);
    c.run = run;
    return c;
}

}  // namespace chimera

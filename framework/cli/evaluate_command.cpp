// `chimera evaluate RUN_DIR`: a trained run's losses and metrics on a split (test by default),
// as the end of training prints them. --set may add nodes and evaluate_only losses to the run's
// pipeline, e.g. a classifier from another run (init_from) judging the images it generates.
#include "cli/command.hpp"
#include "cli/pipeline_session.hpp"
#include "core/host_error.hpp"
#include "train/evaluator.hpp"

#include <fmt/format.h>

#include <iostream>

namespace po = boost::program_options;

namespace chimera {

namespace {

int run(const po::variables_map& vm) {
    const std::string split_name = vm["split"].as<std::string>();
    auto session = PipelineSession::open_run(vm, vm["run"].as<std::string>());
    const Pipeline& p = session->pipeline();
    const DataSplit& split = split_name == "test"         ? p.test_split()
                             : split_name == "validation" ? p.validation_split()
                             : split_name == "train"      ? p.train_split()
                                                          : throw UsageError("--split: expected test, validation or train, not '" + split_name + "'");
    if (!split.present()) throw UsageError("--split " + split_name + ": this pipeline has no " + split_name + " split");
    // The same random numbers as the end of training draws for its test metrics.
    EvalScope numbers(session->context(), session->context().seed() + 2);
    Metrics metrics = evaluate_split(p, session->context(), split, p.spec().data.batch_size);
    std::size_t width = 0;
    for (const auto& [k, v] : metrics) width = std::max(width, k.size());
    std::cout << fmt::format("{} ({} examples, mean per example):\n", split_name, split.indices.size());
    for (const auto& [k, v] : metrics)
        std::cout << fmt::format("  {:<{}}  {:>12.4f}{}\n", k, width, v, k == "total" ? "  (weighted sum of the losses)" : "");
    return 0;
}

}  // namespace

Command evaluate_command() {
    Command c;
    c.name = "evaluate";
    c.summary = "Compute a trained run's losses and metrics on a split";
    c.usage = "chimera evaluate RUN_DIR [--split test|validation|train] [--set KEY=VALUE ...]";
    c.options = [] {
        po::options_description desc("Options");
        desc.add_options()("run", po::value<std::string>()->required()->value_name("RUN_DIR"), "the run directory of chimera train")(
            "split", po::value<std::string>()->default_value("test"), "test, validation or train")(
            "set", po::value<std::vector<std::string>>()->value_name("KEY=VALUE")->composing(),
            "change or add to the run's pipeline, e.g. a judging node and an evaluate_only loss (repeatable)");
        desc.add(plugin_options());
        desc.add(compute_options());
        return desc;
    };
    c.positional.add("run", 1);
    c.run = run;
    return c;
}

}  // namespace chimera

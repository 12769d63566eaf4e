// `chimera train FILE`: checks the pipeline, trains it into a run directory (resolved config,
// metrics.jsonl, checkpoints, sample grids) and prints the test split's metrics. --resume
// continues a run bit for bit; --overwrite starts one over.
#include "cli/command.hpp"
#include "cli/pipeline_session.hpp"
#include "core/host_error.hpp"
#include "io/atomic_file.hpp"
#include "train/checkpoint.hpp"
#include "train/trainer.hpp"

#include <iostream>
#include <unistd.h>

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace chimera {

namespace {

// Removes what a previous run left in `dir` (only Chimera's own files).
void clear_run(const fs::path& dir) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        std::string f = entry.path().filename().string();
        bool ours = f == "checkpoint.json" || f == "metrics.jsonl" || f == "config.yaml" || f == "best.safetensors" ||
                    (f.rfind("checkpoint-", 0) == 0 && entry.path().extension() == ".safetensors") || f == "samples";
        if (ours) fs::remove_all(entry.path(), ec);
    }
}

int run(const po::variables_map& vm) {
    const std::string file = vm["file"].as<std::string>();
    if (vm.count("resume") && vm.count("overwrite")) throw UsageError("chimera train: --resume and --overwrite exclude each other");
    std::vector<std::string> extra;
    if (!vm["seed"].defaulted()) extra.push_back("train.seed=" + std::to_string(vm["seed"].as<uint64_t>()));
    fs::path out = vm.count("out") ? fs::path(vm["out"].as<std::string>()) : fs::path("runs") / fs::path(file).stem();
    if (vm.count("overwrite") && fs::is_directory(out)) clear_run(out);
    if (vm.count("resume") && !has_checkpoint(out))
        throw UsageError("--resume: " + out.string() + " holds no checkpoint to continue (train without --resume first)");
    PipelineSession session(vm, file, extra);
    TrainOptions options;
    options.run_dir = out;
    options.resume = vm.count("resume") != 0;
    options.config_hash = pipeline_hash(session.root());
    options.out = &std::cout;
    options.terminal = is_interactive(STDOUT_FILENO);
    Trainer trainer(session.pipeline(), session.context(), session.ops(), options);
    YAML::Emitter resolved;
    resolved << session.root();
    write_file_atomically(out / "config.yaml", std::string(resolved.c_str()) + "\n");
    trainer.run();
    return 0;
}

}  // namespace

Command train_command() {
    Command c;
    c.name = "train";
    c.summary = "Train a pipeline into a run directory";
    c.usage = "chimera train FILE [--out DIR] [--resume | --overwrite] [--set KEY=VALUE ...] [options]";
    c.options = [] {
        po::options_description desc("Options");
        desc.add_options()(
            "out,o", po::value<std::string>()->value_name("DIR"), "the run directory (default: runs/<FILE's name>)")(
            "resume", "continue the run in --out from its last checkpoint")(
            "overwrite", "start over in --out, removing the run that is there");
        return pipeline_file_options(desc);
    };
    c.positional.add("file", 1);
    c.run = run;
    return c;
}

}  // namespace chimera

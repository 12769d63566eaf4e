// `chimera train FILE`: checks the pipeline, trains it into a run directory (resolved config,
// metrics, checkpoints, sample grids) and prints the test split's metrics. --resume continues a
// run bit for bit (one stopped before its first checkpoint starts over); --overwrite starts one over.
#include "cli/command.hpp"
#include "cli/pipeline_session.hpp"
#include "cli/terminal.hpp"
#include "cli/exit_code.hpp"
#include "comm/communicator.hpp"
#include "core/host_error.hpp"
#include "core/suggest.hpp"
#include "io/atomic_file.hpp"
#include "run/run_directory.hpp"
#include "train/trainer.hpp"

#include <nlohmann/json.hpp>

#include <fstream>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <sstream>
#include <unistd.h>

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace chimera {

namespace {

// Seconds since this process started (Linux /proc, 10 ms resolution), or -1 if unknown.
double process_age_seconds() {
    std::ifstream stat("/proc/self/stat"), uptime("/proc/uptime");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    const auto paren = text.rfind(')');  // the command name may hold spaces
    double up = 0;
    if (paren == std::string::npos || !(uptime >> up)) return -1;
    std::istringstream fields(text.substr(paren + 2));
    std::string field;
    for (int k = 3; k <= 22 && fields >> field; ++k)
        if (k == 22) return up - std::stod(field) / static_cast<double>(::sysconf(_SC_CLK_TCK));
    return -1;
}

// The step timing as JSON, for benchmarks; see StepTiming.
void write_timing(const fs::path& file, const StepTiming& t, int64_t batch_size, int threads, int ranks) {
    using clock = std::chrono::system_clock;
    nlohmann::json j;
    j["batch_size"] = batch_size;
    j["threads"] = threads;
    j["ranks"] = ranks;
    j["steps"] = t.steps;
    j["warmup_steps"] = StepTiming::warmup_steps;
    if (t.steps > 0) {
        const double first = std::chrono::duration<double>(t.first_step_done.time_since_epoch()).count();
        const double since_first = std::chrono::duration<double>(clock::now() - t.first_step_done).count();
        const double age = process_age_seconds();
        j["first_step_unix_seconds"] = first;
        j["seconds_to_first_step"] = age < 0 ? nlohmann::json() : nlohmann::json(age - since_first);
    }
    j["steady_steps"] = t.steady_steps;
    j["steady_seconds"] = t.steady_seconds;
    j["steady_cpu_seconds"] = t.steady_cpu_seconds;
    j["samples_per_second"] = t.samples_per_second(batch_size);
    j["steady_state"] = {{"buffers_allocated", t.steady_buffers_allocated}, {"primitives_created", t.steady_primitives_created}};
    if (ranks > 1) {  // summing gradients across ranks, over the steady state
        const ReduceTiming& r = t.steady_reduce;
        j["communication"] = {{"gradient_bytes_per_step", t.steady_steps > 0 ? r.bytes / t.steady_steps : 0},
                              {"exposed_seconds", r.exposed_seconds},
                              {"seconds_in_calls_during_backward", r.call_seconds},
                              {"fraction_started_during_backward", r.bytes > 0 ? static_cast<double>(r.bytes_started_in_backward) / static_cast<double>(r.bytes) : 0.0}};
    }
    write_file_atomically(file, j.dump(2) + "\n");
}

int decide(const po::variables_map& vm, const RunDirectory& run);

// Runs `setup` on every rank: a failure on any stops all of them alike, rank 0 alone saying
// which failed (settle). Alone, errors pass as they are.
template <class Setup>
void together(Communicator& comm, Setup setup) {
    std::exception_ptr failure;
    int code = 0;
    std::string message;
    try {
        setup();
    } catch (const std::exception& e) {
        if (comm.size() == 1) throw;
        failure = std::current_exception();
        code = static_cast<int>(exit_code(e));
        message = e.what();
    }
    if (comm.size() > 1) settle(comm, failure, code, message);
}

int run(const po::variables_map& vm) {
    const std::string file = vm["file"].as<std::string>();
    if (vm.count("resume") && vm.count("overwrite")) throw UsageError("chimera train: --resume and --overwrite exclude each other");
    std::vector<std::string> extra;
    if (!vm["seed"].defaulted()) extra.push_back("train.seed=" + std::to_string(seed_option(vm)));
    // Checked before any work: a run must not end days later unable to write its timings.
    const fs::path timing = vm.count("timing") ? output_file(vm["timing"].as<std::string>()) : fs::path();
    const RunDirectory run(vm.count("out") ? fs::path(vm["out"].as<std::string>()) : fs::path("runs") / fs::path(file).stem());
    const fs::path& out = run.path();
    // Under mpirun every rank trains; rank 0 alone looks after the run directory and the console.
    Communicator& comm = world();
    const bool leader = comm.rank() == 0;
    int mode = 0;  // 0 a new run, 1 resume, 2 restart: rank 0 decides
    together(comm, [&] {
        if (leader) mode = decide(vm, run);
    });
    if (comm.size() > 1) comm.broadcast(&mode, sizeof mode);
    const bool resume = mode == 1, restart = mode == 2;
    std::unique_ptr<PipelineSession> session;
    TrainOptions options;
    std::ostream nowhere(nullptr);
    std::unique_ptr<Trainer> trainer;
    together(comm, [&] {
        // What the loaders derived (a vocabulary) is the run's from its start: a resumed run reads its data as before.
        session = std::make_unique<PipelineSession>(vm, file, extra, resume ? &run : nullptr);
        if (restart && leader) {  // once the pipeline is known to be sound; saying what goes
            const std::vector<std::string> removed = run.clear();
            std::cout << out.string() << " holds a run stopped before its first checkpoint: starting it over from step 0 (removed "
                      << join(removed) << ")\n";
        }
        if (!resume && leader) session->pipeline().save_data(run.data());
        options.run_dir = out;
        options.resume = resume;
        options.config_hash = pipeline_hash(session->root());
        options.out = leader ? &std::cout : &nowhere;
        options.terminal = leader && is_interactive(STDOUT_FILENO);
        options.comm = &comm;
        options.exit_code_of = [](const std::exception& e) { return static_cast<int>(exit_code(e)); };
        options.fail_now = [](const std::exception& e) { std::_Exit(report_error(e)); };
        options.record.command = command_line();
        options.record.pipeline = file;
        options.record.version = version_text();
        options.record.threads = session->context().device().threads();
        trainer = std::make_unique<Trainer>(session->pipeline(), session->context(), session->ops(), options);
        if (leader) {
            YAML::Emitter resolved;
            resolved << session->root();
            write_file_atomically(run.config(), std::string(resolved.c_str()) + "\n");
            save_plugin_record(run, session->pipeline().libraries_used());
        }
    });
    TrainResult result = trainer->run();
    if (vm.count("timing") && leader)
        write_timing(timing, result.timing, session->pipeline().spec().data.batch_size, session->context().device().threads(), comm.size());
    return 0;
}

// Whether `run` starts new (0), resumes (1) or starts over (2), after --overwrite cleared it.
int decide(const po::variables_map& vm, const RunDirectory& run) {
    const fs::path& out = run.path();
    if (vm.count("overwrite") && run.exists()) run.clear();
    // A run directory holds a run once training has begun (its config is written then). Without
    // a checkpoint that run was stopped before its first: a plain train refuses it as it refuses
    // any run, and --resume, having nothing to continue, starts over from step 0 after clearing
    // what was written (so no line of the stopped run stays in the log).
    const bool half_run = run.has_config() && !run.has_checkpoint();
    const bool restart = vm.count("resume") && !run.has_checkpoint() && run.has_run_files();
    const bool resume = vm.count("resume") && !restart;
    if (resume && !run.has_checkpoint())
        throw UsageError("--resume: " + out.string() + " holds no checkpoint to continue (train without --resume first)");
    if (!vm.count("resume") && half_run)
        throw UsageError(out.string() + " holds a run stopped before its first checkpoint; start it over with --resume or --overwrite, "
                         "or choose another --out");
    if (!vm.count("resume") && run.has_checkpoint())
        throw UsageError(out.string() + " already holds a run; continue it with --resume, start over with --overwrite, or choose another --out");
    return resume ? 1 : restart ? 2 : 0;
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
            "overwrite", "start over in --out, removing the run that is there")(
            "timing", po::value<std::string>()->value_name("FILE"),
            "write how fast the steps ran (JSON: samples/s after two warm-up steps, time to the first step, buffers "
            "and primitives created after the warm-up) to FILE");
        return pipeline_file_options(desc);
    };
    c.positional.add("file", 1);
    c.run = run;
    return c;
}

}  // namespace chimera

// Crash consistency, as SQLite tests it: a small run is killed (SIGKILL, no chance to clean up) at
// every point where it writes a file, inside checkpoint writes included, through the test hook
// CHIMERA_TEST_KILL_AT_WRITE (io/atomic_file.hpp), and from outside at moments between writes;
// each time `--resume` finishes it, and its metrics log and last checkpoint equal those of a run
// never killed, byte for byte, with no temporary file left. A full disk while a checkpoint is
// written keeps the previous one and says so.
#define BOOST_TEST_MODULE framework_crash
#include <boost/test/unit_test.hpp>

#include "framework/run/tiny_vae.hpp"
#include "support/run_process.hpp"
#include "support/temp_dir.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <iostream>
#include <random>
#include <spawn.h>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;
using chimera::test::read_file;
using chimera::test::run_process;
using chimera::test::ProcessResult;

namespace {

struct TempDir : chimera::test::TempDir {
    TempDir() : chimera::test::TempDir("chimera-crash") {}
};

const std::string& vae = chimera::test::tiny_vae_config;
const std::vector<std::string>& tiny = chimera::test::tiny_vae_settings;

std::vector<std::string> train_argv(const fs::path& out, const std::vector<std::string>& extra) {
    std::vector<std::string> argv = {CHIMERA_BIN, "train", vae, "--out", out.string()};
    argv.insert(argv.end(), tiny.begin(), tiny.end());
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
}

ProcessResult train(const fs::path& out, const std::vector<std::string>& extra = {}, const std::vector<std::string>& env = {}) {
    return run_process(train_argv(out, extra), env);
}

// What a finished run leaves that must not depend on how often it was killed.
struct Outcome {
    std::string metrics, tensors_name, tensors;
};

Outcome outcome(const fs::path& run) {
    Outcome o;
    o.metrics = read_file(run / "metrics.jsonl");
    const auto state = nlohmann::json::parse(read_file(run / "checkpoint.json"), nullptr, false);
    if (state.is_object() && state.contains("tensors")) o.tensors_name = state["tensors"].get<std::string>();
    o.tensors = read_file(run / o.tensors_name);
    return o;
}

// Temporary files of atomic writes anywhere in the run directory.
std::vector<std::string> temporaries(const fs::path& run) {
    std::vector<std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(run))
        if (e.path().filename().string().find(".tmp-") != std::string::npos) out.push_back(e.path().string());
    return out;
}

// A finished run against the one never killed: the same log and last checkpoint, no temporary file.
void compare(const fs::path& run, const Outcome& whole, const std::string& what) {
    const Outcome o = outcome(run);
    BOOST_TEST(o.metrics == whole.metrics, what << ": metrics.jsonl differs from the uninterrupted run's");
    BOOST_TEST(o.tensors_name == whole.tensors_name, what);
    BOOST_TEST((o.tensors == whole.tensors), what << ": the last checkpoint's tensors differ");
    BOOST_TEST(temporaries(run).empty(), what << ": temporary files left: " << temporaries(run).size());
}

// Lines in a file (0 when it is not there).
std::size_t lines_in(const fs::path& file) {
    const std::string text = read_file(file);
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

// Starts `argv` with `env` ("NAME=value") added to this process's environment and its output in
// `log`; several run at once, so the many kills take less time. Returns the child's id.
pid_t spawn(const std::vector<std::string>& argv, const std::vector<std::string>& env, const fs::path& log) {
    std::vector<std::string> environment(env);
    for (char** e = environ; *e; ++e) environment.emplace_back(*e);  // after: getenv finds `env` first
    std::vector<char*> args, envp;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    for (const auto& e : environment) envp.push_back(const_cast<char*>(e.c_str()));
    args.push_back(nullptr);
    envp.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    pid_t pid = -1;
    const int failed = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (failed) throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(failed));
    return pid;
}

// A child's exit code, or 128 + the signal that killed it.
int exit_code(pid_t pid) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// The command that finishes a killed run: --resume (which also starts over a run stopped before
// its first checkpoint), or a plain train when it was killed before writing anything.
std::vector<std::string> finishing(const fs::path& run) {
    const bool started = fs::exists(run) && !fs::is_empty(run);
    return train_argv(run, started ? std::vector<std::string>{"--resume"} : std::vector<std::string>{});
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_run_killed_at_any_write_and_resumed_equals_the_run_never_killed) {
    const auto start = std::chrono::steady_clock::now();
    TempDir t;
    const ProcessResult w = train(t.path / "whole");
    BOOST_REQUIRE_MESSAGE(w.exit_code == 0, w.out << w.err);
    const Outcome expected = outcome(t.path / "whole");
    BOOST_REQUIRE(lines_in(t.path / "whole" / "metrics.jsonl") == 8 + 2 * 2 + 1);  // steps, epoch ends, test
    // Every write point up to the end of the first checkpoint (its state is written at about the
    // 50th), each one; after that every seventh, so that each later checkpoint write is still cut
    // at several of its pieces. Four runs at a time.
    constexpr int kAllUpTo = 56, kStride = 7, kParallel = 4;
    int kills = 0, points = 0, n = 1, cut_writes = 0;
    for (bool finished = false; !finished && n < 5000;) {
        std::vector<int> batch;
        for (; static_cast<int>(batch.size()) < kParallel; n += n < kAllUpTo ? 1 : kStride) batch.push_back(n);
        std::vector<pid_t> pids;
        for (int k : batch) {
            fs::create_directories(t.path / std::to_string(k));
            pids.push_back(spawn(train_argv(t.path / std::to_string(k) / "run", {}), {"CHIMERA_TEST_KILL_AT_WRITE=" + std::to_string(k)},
                                 t.path / std::to_string(k) / "killed.log"));
        }
        std::vector<int> killed;
        for (std::size_t i = 0; i < batch.size(); ++i) {
            const int code = exit_code(pids[i]);
            const fs::path dir = t.path / std::to_string(batch[i]);
            if (code == 0) {  // past the last write point: never killed
                finished = true;
                BOOST_TEST((outcome(dir / "run").metrics == expected.metrics));
                fs::remove_all(dir);
                continue;
            }
            BOOST_REQUIRE_MESSAGE(code == 128 + SIGKILL, "write " << batch[i] << ": exit " << code << "\n" << read_file(dir / "killed.log"));
            killed.push_back(batch[i]);
            cut_writes += !temporaries(dir / "run").empty();  // killed inside a write: what the resumed run must clear
        }
        pids.clear();
        for (int k : killed) pids.push_back(spawn(finishing(t.path / std::to_string(k) / "run"), {}, t.path / std::to_string(k) / "resumed.log"));
        for (std::size_t i = 0; i < killed.size(); ++i) {
            const fs::path dir = t.path / std::to_string(killed[i]);
            const std::string what = "killed at write " + std::to_string(killed[i]);
            const int code = exit_code(pids[i]);
            BOOST_REQUIRE_MESSAGE(code == 0, what << ": the resumed run failed, exit " << code << "\n" << read_file(dir / "resumed.log"));
            compare(dir / "run", expected, what);
            fs::remove_all(dir);
            ++kills;
        }
        points = batch.back();
    }
    BOOST_TEST(kills > 60);       // the points really were many,
    BOOST_TEST(cut_writes > 40);  // most of them inside a write, checkpoint writes among them
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::cout << "crash consistency: survived " << kills << " kills at write points (1 to " << points << "; " << cut_writes
              << " inside a write, leaving a temporary file) in " << seconds << " s\n";
}

// Kills from outside, at moments the hook does not choose: while a step computes, between writes.
BOOST_AUTO_TEST_CASE(a_run_killed_from_outside_at_random_moments_and_resumed_equals_the_run_never_killed) {
    TempDir t;
    BOOST_REQUIRE(train(t.path / "whole").exit_code == 0);
    const Outcome expected = outcome(t.path / "whole");
    std::mt19937 random(17);  // fixed: the same moments every time
    int kills = 0;
    for (std::size_t after_lines : {0u, 1u, 2u, 4u, 6u, 8u}) {
        const fs::path dir = t.path / std::to_string(after_lines), run = dir / "run";
        fs::create_directories(dir);
        const pid_t child = spawn(train_argv(run, {}), {}, dir / "killed.log");
        // Wait for that many metric lines, then a random moment more.
        int status = 0;
        bool exited = false;
        while (!(exited = ::waitpid(child, &status, WNOHANG) == child) && lines_in(run / "metrics.jsonl") < after_lines) ::usleep(1000);
        if (!exited) {
            ::usleep(std::uniform_int_distribution<unsigned>(0, 5000)(random));
            ::kill(child, SIGKILL);
            ::waitpid(child, &status, 0);
        }
        kills += WIFSIGNALED(status);
        BOOST_TEST_MESSAGE("after " << after_lines << " lines: " << (WIFSIGNALED(status) ? "killed" : "finished first"));
        const std::string what = "killed from outside after " + std::to_string(after_lines) + " metric lines";
        const int code = exit_code(spawn(finishing(run), {}, dir / "resumed.log"));
        BOOST_REQUIRE_MESSAGE(code == 0, what << ": the resumed run failed, exit " << code << "\n" << read_file(dir / "resumed.log"));
        compare(run, expected, what);
    }
    BOOST_TEST(kills >= 1);  // the first moment, before any metric line, always comes before the run's end
    std::cout << "crash consistency: survived " << kills << " kills from outside\n";
}

// A full disk (ENOSPC from write(), by a preloaded shim) while a checkpoint is written: the run
// stops with the file and the reason, and the previous checkpoint is there as it was.
BOOST_AUTO_TEST_CASE(a_full_disk_while_writing_a_checkpoint_keeps_the_previous_one) {
    TempDir t;
    const fs::path run = t.path / "run";
    BOOST_REQUIRE(train(run, {"--set", "train.steps=3"}).exit_code == 0);
    const std::string state = read_file(run / "checkpoint.json"), tensors = read_file(run / "checkpoint-000000003.safetensors");
    std::string preload = ENOSPC_SHIM;
#ifdef SANITIZER_RUNTIME
    preload = std::string(SANITIZER_RUNTIME) + ":" + preload;
#endif
    const ProcessResult full = train(run, {"--set", "train.steps=6", "--resume"},
                                     {"LD_PRELOAD=" + preload, "CHIMERA_ENOSPC_MATCH=.safetensors.tmp-", "CHIMERA_ENOSPC_AFTER=5000"});
    BOOST_TEST(full.exit_code == 5, full.out << full.err);
    BOOST_TEST(full.err.find((run / "checkpoint-000000004.safetensors").string() + ": cannot write: No space left on device") !=
                   std::string::npos, full.err);
    BOOST_TEST(full.out.find("Done") == std::string::npos);
    BOOST_TEST(read_file(run / "checkpoint.json") == state);
    BOOST_TEST((read_file(run / "checkpoint-000000003.safetensors") == tensors));
    BOOST_TEST(!fs::exists(run / "checkpoint-000000004.safetensors"));
    BOOST_TEST(temporaries(run).empty());
    // The disk full when the state naming the new tensors is written: the new tensor file,
    // which nothing names, goes too (it holds the space that was missing).
    const ProcessResult full_state = train(run, {"--set", "train.steps=6", "--resume"},
                                           {"LD_PRELOAD=" + preload, "CHIMERA_ENOSPC_MATCH=checkpoint.json.tmp-", "CHIMERA_ENOSPC_AFTER=10"});
    BOOST_TEST(full_state.exit_code == 5, full_state.out << full_state.err);
    BOOST_TEST(full_state.err.find((run / "checkpoint.json").string() + ": cannot write: No space left on device") != std::string::npos,
               full_state.err);
    BOOST_TEST(read_file(run / "checkpoint.json") == state);
    BOOST_TEST((read_file(run / "checkpoint-000000003.safetensors") == tensors));
    BOOST_TEST(!fs::exists(run / "checkpoint-000000004.safetensors"));
    BOOST_TEST(temporaries(run).empty());
    // With room again, the run goes on from the checkpoint kept.
    const ProcessResult resumed = train(run, {"--set", "train.steps=6", "--resume"});
    BOOST_TEST(resumed.exit_code == 0, resumed.err);
    BOOST_TEST(resumed.out.find("Resuming at epoch 1, step 3") != std::string::npos, resumed.out);
}

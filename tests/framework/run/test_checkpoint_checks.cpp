// What a checkpoint must pass before it is trusted: each tensor against the checksum the state
// records (and best.safetensors against its own), finite values, counts that are integers in
// range; a checkpoint from before checksums still reads. And the temporary files a killed writer
// left in a run directory, removed when they are its own and their writer is gone.
#include <boost/test/unit_test.hpp>

#include "autograd/context.hpp"
#include "core/host_error.hpp"
#include "run/model_state.hpp"
#include "run/run_directory.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <sys/wait.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace chimera;

namespace {

struct CheckedRun {
    RunDirectory run{fs::temp_directory_path() / ("chimera-checked-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++))};
    Context ctx{1, 5};
    Tensor w = ctx.parameters().create("net.w", {4}, CHM_INIT_NORMAL, 0, 1);
    CheckedRun() {
        fs::remove_all(run.path());
        run.create();
    }
    ~CheckedRun() { fs::remove_all(run.path()); }
    static int& counter() {
        static int n = 0;
        return n;
    }
    void save() {
        RunState state;
        state.step = 3;
        state.batch = 3;
        state.epoch_steps = 3;
        state.optimizer_steps = {3};
        state.config_hash = "abc";
        save_checkpoint(run, state, model_tensors(ctx.parameters()));
    }
    // The message of loading the checkpoint, or "no error".
    std::string load_error() {
        try {
            load_checkpoint(run, ctx.device().pool());
        } catch (const DataError& e) {
            return e.what();
        }
        return "no error";
    }
    nlohmann::json state() { return nlohmann::json::parse(std::ifstream(run.state())); }
    void set_state(const nlohmann::json& j) { std::ofstream(run.state()) << j.dump(2); }
};

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// A process id no process has: a child's, once it has exited and been reaped.
long dead_pid() {
    const pid_t child = ::fork();
    if (child == 0) ::_exit(0);
    ::waitpid(child, nullptr, 0);
    return child;
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_state_records_each_tensors_checksum_and_a_flipped_byte_is_named) {
    CheckedRun c;
    c.save();
    BOOST_TEST(c.state()["checksums"]["param/net.w"].get<std::string>().rfind("crc32:", 0) == 0u);
    BOOST_TEST(c.load_error() == "no error");
    const fs::path tensors = c.run.tensors(3);
    std::fstream f(tensors, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-3, std::ios::end);  // inside the last float of net.w: a value still finite
    f.put('\x01');
    f.close();
    const std::string e = c.load_error();
    BOOST_TEST(e.rfind(tensors.string() + ": tensor 'param/net.w' does not match its checksum in checkpoint.json", 0) == 0u, e);
    // A checkpoint from before checksums were kept reads as it did (nothing to check against).
    nlohmann::json old = c.state();
    old.erase("checksums");
    c.set_state(old);
    BOOST_TEST(c.load_error() == "no error");
}

BOOST_AUTO_TEST_CASE(a_non_finite_parameter_is_refused_naming_the_tensor) {
    CheckedRun c;
    c.w.data<float>()[2] = std::nanf("");
    c.save();
    BOOST_TEST(c.load_error() == c.run.tensors(3).string() +
                                     ": tensor 'param/net.w' holds NaN at element 2; a model with non-finite parameters or state cannot be used");
    c.w.data<float>()[2] = -INFINITY;
    c.save();
    BOOST_TEST(has(c.load_error(), "tensor 'param/net.w' holds -Inf at element 2"));
}

BOOST_AUTO_TEST_CASE(counts_must_be_integers_in_range_each_named) {
    CheckedRun c;
    c.save();
    const nlohmann::json good = c.state();
    auto error_with = [&](const std::string& pointer, const nlohmann::json& value) {
        nlohmann::json j = good;
        j[nlohmann::json::json_pointer(pointer)] = value;
        c.set_state(j);
        return c.load_error();
    };
    const std::string range = " must be an integer from 0 to 9007199254740992, got ";
    BOOST_TEST(has(error_with("/step", 1e300), "checkpoint.json: not a readable checkpoint state: 'step'" + range + "1e+300"));
    BOOST_TEST(has(error_with("/step", INT64_MAX), "'step'" + range + "9223372036854775807"));
    BOOST_TEST(has(error_with("/step", -1), "'step'" + range + "-1"));
    BOOST_TEST(has(error_with("/epoch", 2.5), "'epoch'" + range + "2.5"));
    BOOST_TEST(has(error_with("/batch", "3"), "'batch'" + range + "\"3\""));
    BOOST_TEST(has(error_with("/optimizer_steps/0", 1e19), "'optimizer_steps[0]'" + range + "1e+19"));
    BOOST_TEST(has(error_with("/random/streams_used", 9007199254740993ull), "'random.streams_used'" + range + "9007199254740993"));
    BOOST_TEST(has(error_with("/early_stopping/best_epoch", -2), "'early_stopping.best_epoch' must be an integer from -1 to"));
    BOOST_TEST(error_with("/step", 9007199254740992ll) == "no error");  // the bound itself is a count
}

BOOST_AUTO_TEST_CASE(the_best_epochs_parameters_carry_their_checksums) {
    CheckedRun c;
    save_best(c.run, model_tensors(c.ctx.parameters()));
    restore_best(c.run, model_tensors(c.ctx.parameters()), c.ctx.device().pool());
    std::fstream f(c.run.best(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-1, std::ios::end);
    f.put('\x7f');
    f.close();
    try {
        restore_best(c.run, model_tensors(c.ctx.parameters()), c.ctx.device().pool());
        BOOST_FAIL("a damaged best.safetensors was restored");
    } catch (const DataError& e) {
        BOOST_TEST(has(e.what(), "best.safetensors: tensor 'param/net.w' does not match its checksum in its header"), e.what());
    }
}

BOOST_AUTO_TEST_CASE(a_killed_writers_temporary_files_go_and_no_one_elses) {
    CheckedRun c;
    const long dead = dead_pid(), live = ::getppid();
    auto touch = [](const fs::path& p) {
        fs::create_directories(p.parent_path());
        std::ofstream(p) << "x";
    };
    const std::vector<fs::path> stale = {c.run.path() / ("checkpoint-000000004.safetensors.tmp-" + std::to_string(dead)),
                                         c.run.path() / ("checkpoint.json.tmp-" + std::to_string(dead)),
                                         c.run.path() / ("metrics.jsonl.tmp-" + std::to_string(dead)),
                                         c.run.path() / ("generated.png.tmp-" + std::to_string(dead)),
                                         c.run.path() / "samples" / ("epoch-002.png.tmp-" + std::to_string(dead))};
    const std::vector<fs::path> kept = {c.run.path() / ("checkpoint.json.tmp-" + std::to_string(live)),  // being written
                                        c.run.path() / ("notes.txt.tmp-" + std::to_string(dead)),  // the user's
                                        c.run.path() / "checkpoint.json.tmp-old"};
    for (const auto& p : stale) touch(p);
    for (const auto& p : kept) touch(p);
    // The writer of the first kept file holds its lock, as write_file_atomically does while
    // writing; which process it is does not matter (it may be on another machine).
    const int writer = ::open(kept[0].c_str(), O_RDONLY);
    BOOST_TEST_REQUIRE(::flock(writer, LOCK_EX) == 0);
    BOOST_TEST(c.run.remove_stale_temporaries() == 5);
    for (const auto& p : stale) BOOST_TEST(!fs::exists(p), p);
    for (const auto& p : kept) BOOST_TEST(fs::exists(p), p);
    ::close(writer);  // its writer gone, the file is stale
    BOOST_TEST(c.run.remove_stale_temporaries() == 1);
    BOOST_TEST(!fs::exists(kept[0]));
}

// Data-parallel training through mpirun, as users launch it: N ranks against one process at the
// same global batch and seed (the MLP VAE and the GAN; a batch of 64 does not divide by 3), the
// same N twice bit for bit, a rank killed mid-epoch (every rank stops, the checkpoint is intact,
// --resume gives the uninterrupted run bit for bit, and with another N within the tolerance), a
// rank whose loss is NaN or whose plugin fails (one message naming it, the code of its error),
// evaluation batches with no rows for some ranks, and batch norm's buffers across a mid-epoch
// resume. Needs OpenMPI's mpirun.
#define BOOST_TEST_MODULE framework_data_parallel
#include <boost/test/unit_test.hpp>

#include "support/run_process.hpp"
#include "support/temp_dir.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <sstream>
#include <thread>

namespace fs = std::filesystem;
using chimera::test::ProcessResult;
using chimera::test::read_file;
using chimera::test::run_process;

namespace {

struct TempDir : chimera::test::TempDir {
    TempDir() : chimera::test::TempDir("chimera-mpi") {}
};

const std::string vae = std::string(CHIMERA_CONFIGS) + "/vae_mlp_fashion.yaml";
const std::string gan = std::string(CHIMERA_CONFIGS) + "/gan_mlp_fashion.yaml";

// 200 steps of the real models at a batch of 64; 257 examples to evaluate, so the last batch of
// each evaluation holds one example and every rank but rank 0 has none of it.
std::vector<std::string> full(const std::string& config, int64_t steps = 200) {
    std::vector<std::string> a = {"train", config, "--threads", "1", "--set", "data.batch_size=64", "--set",
                                  "train.steps=" + std::to_string(steps), "--set", "train.log_every=1", "--set", "train.samples=0"};
    if (config == vae) a.insert(a.end(), {"--set", "data.validation.options.limit=257", "--set", "data.test.options.limit=257"});
    else a.insert(a.end(), {"--set", "data.validation.holdout=257"});
    return a;
}

// The tiny VAE of the crash test: 4 steps an epoch, 3 epochs, a checkpoint every 3 steps.
std::vector<std::string> tiny() {
    return {"train", vae, "--threads", "1", "--set", "data.options.limit=257", "--set", "data.batch_size=64", "--set", "train.epochs=3",
            "--set", "train.checkpoint_every=3", "--set", "train.log_every=1", "--set", "train.samples=4",
            "--set", "nodes.encoder.options.hidden=[32]", "--set", "nodes.decoder.options.hidden=[32]"};
}

ProcessResult alone(std::vector<std::string> args, const fs::path& out, const std::vector<std::string>& more = {}) {
    args.insert(args.begin(), CHIMERA_BIN);
    args.insert(args.end(), {"--out", out.string()});
    args.insert(args.end(), more.begin(), more.end());
    return run_process(args);
}

// `chimera ARGS --out OUT MORE` on `ranks` ranks, as CI can run it (root, more ranks than cores,
// shared memory without kernel-assisted copies inside containers).
ProcessResult mpirun(int ranks, std::vector<std::string> args, const fs::path& out, const std::vector<std::string>& more = {},
                     const std::string& fail = "") {
    std::vector<std::string> argv = {MPIEXEC, "--allow-run-as-root", "--oversubscribe", "--bind-to", "none", "--mca", "btl", "self,vader,tcp",
                                     "--mca", "btl_vader_single_copy_mechanism", "none", "--mca", "mpi_yield_when_idle", "1",
                                     "-np", std::to_string(ranks)};
    std::vector<std::string> env;
    if (!fail.empty()) {
        env.push_back("CHIMERA_TEST_FAIL=" + fail);
        argv.insert(argv.end(), {"-x", "CHIMERA_TEST_FAIL"});
    }
    argv.push_back(CHIMERA_BIN);
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--out", out.string()});
    argv.insert(argv.end(), more.begin(), more.end());
    return run_process(argv, env);
}

std::string describe(const ProcessResult& r) { return "exit " + std::to_string(r.exit_code) + "\n" + r.out + "\n" + r.err; }

std::vector<nlohmann::json> lines(const fs::path& run) {
    std::vector<nlohmann::json> out;
    std::istringstream in(read_file((run / "metrics.jsonl").string()));
    for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
    return out;
}

// The largest relative difference of any figure of any line, and the first line past `limit`.
struct Difference {
    double worst = 0;
    std::string where;
};

// Every line, or the first `first` lines.
Difference compare(const fs::path& a, const fs::path& b, std::size_t first = 0) {
    const auto x = lines(a), y = lines(b);
    Difference d;
    if (first == 0) BOOST_TEST_REQUIRE(x.size() == y.size(), a << " has " << x.size() << " lines, " << b << " " << y.size());
    const std::size_t n = first == 0 ? x.size() : std::min({first, x.size(), y.size()});
    for (std::size_t i = 0; i < n; ++i)
        for (const auto& [key, value] : x[i].items()) {
            if (!value.is_number_float()) {
                BOOST_TEST(value == y[i][key], "line " << i << " " << key);
                continue;
            }
            const double u = value.get<double>(), v = y[i].at(key).get<double>();
            const double rel = std::abs(u - v) / std::max(std::abs(u), 1e-3);
            if (rel > d.worst) {
                d.worst = rel;
                d.where = "line " + std::to_string(i + 1) + " (" + x[i]["split"].get<std::string>() + ", step " +
                          std::to_string(x[i]["step"].get<int64_t>()) + ") " + key + ": " + std::to_string(u) + " against " + std::to_string(v);
            }
        }
    return d;
}

std::string checkpoint_tensors(const fs::path& run) {
    const auto state = nlohmann::json::parse(read_file((run / "checkpoint.json").string()));
    return read_file((run / state["tensors"].get<std::string>()).string());
}

int count(const std::string& text, const std::string& what) {
    int n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

}  // namespace

// The same optimisation whatever N. Ten steps of N ranks and of one process agree to 1e-5, the
// validation and test figures after them too (summed over ranks that had no row of the last
// batch); after that, Adam amplifies the rounding of the different summation order as it
// amplifies any: one process on 1 and on 2 threads drifts apart as far by step 200, so the 200
// steps of 2 ranks are held to `tolerance` (README, "Data-parallel training").
void agrees(const std::string& config, double tolerance) {
    TempDir dir;
    for (int64_t steps : {10, 200}) {
        const ProcessResult one = alone(full(config, steps), dir.path / ("one" + std::to_string(steps)));
        BOOST_TEST_REQUIRE(one.exit_code == 0, describe(one));
    }
    const ProcessResult three = mpirun(3, full(config, 10), dir.path / "three");
    BOOST_TEST_REQUIRE(three.exit_code == 0, describe(three));
    const Difference d3 = compare(dir.path / "one10", dir.path / "three");
    BOOST_TEST(d3.worst <= 1e-5, "3 ranks against one process, 10 steps: " << d3.where);
    for (const std::string name : {"two", "again"}) {
        const ProcessResult two = mpirun(2, full(config), dir.path / name);
        BOOST_TEST_REQUIRE(two.exit_code == 0, describe(two));
        BOOST_TEST(count(two.out, "Done: 200 steps") == 1, "rank 0 alone prints: " << two.out);
        BOOST_TEST(count(two.out, "Report: ") == 1, "rank 0 alone writes the report: " << two.out);
    }
    // The record says how many ranks trained; the report is rank 0's.
    const auto record = nlohmann::json::parse(read_file((dir.path / "two" / "run.json").string()));
    BOOST_TEST(record["ranks"] == 2);
    BOOST_TEST(record["status"] == "finished");
    BOOST_TEST(read_file((dir.path / "two" / "report.html").string()).find("\"ranks\":2") != std::string::npos);
    const Difference d10 = compare(dir.path / "one200", dir.path / "two", 10);
    BOOST_TEST(d10.worst <= 1e-5, "2 ranks against one process, the first 10 steps: " << d10.where);
    const Difference d = compare(dir.path / "one200", dir.path / "two");
    BOOST_TEST(d.worst <= tolerance, "2 ranks against one process, 200 steps: " << d.where);
    BOOST_TEST_MESSAGE(config << ": 3 ranks, 10 steps: " << d3.worst << "; 2 ranks, 200 steps: " << d.worst << " at " << d.where);
    // The same N twice: bit for bit.
    BOOST_TEST(read_file((dir.path / "two" / "metrics.jsonl").string()) == read_file((dir.path / "again" / "metrics.jsonl").string()));
    BOOST_TEST(checkpoint_tensors(dir.path / "two") == checkpoint_tensors(dir.path / "again"));
}

BOOST_AUTO_TEST_CASE(vae_on_two_and_three_ranks_trains_as_one_process) { agrees(vae, 0.05); }
BOOST_AUTO_TEST_CASE(gan_on_two_and_three_ranks_trains_as_one_process) { agrees(gan, 0.3); }

// A rank killed mid-epoch: every rank stops within seconds, the last checkpoint is intact, and
// --resume gives the uninterrupted run bit for bit (same N) or within the tolerance (other N).
BOOST_AUTO_TEST_CASE(a_killed_rank_stops_the_run_and_resume_continues_it) {
    TempDir dir;
    const ProcessResult whole = mpirun(2, tiny(), dir.path / "whole");
    BOOST_TEST_REQUIRE(whole.exit_code == 0, describe(whole));
    const auto start = std::chrono::steady_clock::now();
    const ProcessResult killed = mpirun(2, tiny(), dir.path / "killed", {}, "1:6:kill");  // step 6: mid epoch 2, after a checkpoint at 3
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    BOOST_TEST(killed.exit_code != 0, describe(killed));
    BOOST_TEST(seconds < 30.0);
    BOOST_TEST(killed.err.find("rank 1") != std::string::npos, describe(killed));
    BOOST_TEST(lines(dir.path / "killed").size() < lines(dir.path / "whole").size());
    fs::copy(dir.path / "killed", dir.path / "other_n", fs::copy_options::recursive);
    const ProcessResult resumed = mpirun(2, tiny(), dir.path / "killed", {"--resume"});
    BOOST_TEST_REQUIRE(resumed.exit_code == 0, describe(resumed));
    BOOST_TEST(read_file((dir.path / "killed" / "metrics.jsonl").string()) == read_file((dir.path / "whole" / "metrics.jsonl").string()));
    BOOST_TEST(checkpoint_tensors(dir.path / "killed") == checkpoint_tensors(dir.path / "whole"));
    for (int ranks : {1, 3}) {  // resumed with another N: the same batches, rounding apart
        const fs::path run = dir.path / ("resumed_on_" + std::to_string(ranks));
        fs::copy(dir.path / "other_n", run, fs::copy_options::recursive);
        const ProcessResult r = ranks == 1 ? alone(tiny(), run, {"--resume"}) : mpirun(ranks, tiny(), run, {"--resume"});
        BOOST_TEST_REQUIRE(r.exit_code == 0, describe(r));
        const Difference d = compare(dir.path / "whole", run);
        BOOST_TEST(d.worst <= 1e-4, "resumed on " << ranks << ": " << d.where);
    }
}

// A rank that fails stops every rank with its error's exit code and one message naming it.
BOOST_AUTO_TEST_CASE(a_failing_rank_stops_every_rank_with_one_message) {
    TempDir dir;
    struct Case {
        std::string fail;
        int code;
        std::string says;
    };
    for (const Case& c : {Case{"1:5:nan", 6, "loss 'reconstruction' is NaN"}, Case{"2:2:plugin", 4, "the plugin failed"}}) {
        const fs::path run = dir.path / c.fail.substr(4);
        const int ranks = c.fail[0] == '2' ? 3 : 2;
        const ProcessResult r = mpirun(ranks, tiny(), run, {}, c.fail);
        BOOST_TEST(r.exit_code == c.code, describe(r));
        const std::string rank = "rank " + std::string(1, c.fail[0]) + " of " + std::to_string(ranks) + " failed";
        BOOST_TEST(count(r.err, rank) == 1, describe(r));
        BOOST_TEST(count(r.err, c.says) == 1, describe(r));
        BOOST_TEST(count(r.err, "chimera: ") == 1, "one message: " << describe(r));
        if (c.code == 6) {  // after the checkpoint of epoch 1's end (step 4), which stays as it was
            const auto state = nlohmann::json::parse(read_file((run / "checkpoint.json").string()));
            BOOST_TEST(state["step"].get<int64_t>() == 4);
            const ProcessResult resumed = mpirun(ranks, tiny(), run, {"--resume"});
            BOOST_TEST(resumed.exit_code == 0, describe(resumed));
        }
    }
}

BOOST_AUTO_TEST_CASE(a_batch_smaller_than_the_ranks_and_other_commands_are_refused) {
    TempDir dir;
    const ProcessResult small = mpirun(3, tiny(), dir.path / "small", {"--set", "data.batch_size=2"});
    BOOST_TEST(small.exit_code == 3, describe(small));
    BOOST_TEST(count(small.err, "chimera: ") == 1, "one message: " << describe(small));
    BOOST_TEST(small.err.find("data.batch_size") != std::string::npos, describe(small));
    BOOST_TEST(small.err.find("3 ranks") != std::string::npos, describe(small));
    BOOST_TEST(!fs::exists(dir.path / "small" / "checkpoint.json"));
    const ProcessResult validate = run_process({MPIEXEC, "--allow-run-as-root", "--oversubscribe", "-np", "2", CHIMERA_BIN, "validate", vae});
    BOOST_TEST(validate.exit_code == 2, describe(validate));
    BOOST_TEST(validate.err.find("only chimera train runs across") != std::string::npos, describe(validate));
}

// Ranks sharing a host share its cores: without --threads each takes its share, and rank 0 alone
// writes the timing.
BOOST_AUTO_TEST_CASE(without_threads_each_rank_takes_its_share_of_the_cores) {
    TempDir dir;
    std::vector<std::string> args = tiny();
    args.erase(args.begin() + 2, args.begin() + 4);  // "--threads", "1"
    const fs::path timing = dir.path / "timing.json";
    const ProcessResult r = mpirun(2, args, dir.path / "run", {"--set", "train.epochs=1", "--timing", timing.string()});
    BOOST_TEST_REQUIRE(r.exit_code == 0, describe(r));
    const auto j = nlohmann::json::parse(read_file(timing.string()));
    BOOST_TEST(j["ranks"].get<int>() == 2);
    BOOST_TEST(j["threads"].get<int>() == std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / 2));
    BOOST_TEST(j["communication"]["gradient_bytes_per_step"].get<int64_t>() > 0);
}

// Batch norm's running statistics follow each rank's rows; rank 0's go to every rank before each
// checkpoint, so a DCGAN killed mid-epoch resumes to the uninterrupted run bit for bit.
BOOST_AUTO_TEST_CASE(batch_norm_buffers_resume_bit_for_bit) {
    TempDir dir;
    const std::vector<std::string> dcgan = {"train", std::string(CHIMERA_CONFIGS) + "/dcgan_fashion.yaml", "--threads", "1",
                                            "--set", "data.options.limit=512", "--set", "data.validation.holdout=64",
                                            "--set", "data.batch_size=32", "--set", "train.epochs=2", "--set", "train.checkpoint_every=3",
                                            "--set", "train.log_every=1", "--set", "train.samples=4"};
    const ProcessResult whole = mpirun(2, dcgan, dir.path / "whole");
    BOOST_TEST_REQUIRE(whole.exit_code == 0, describe(whole));
    BOOST_TEST(read_file((dir.path / "whole" / "checkpoint.json").string()).find("running_mean") != std::string::npos);
    const ProcessResult killed = mpirun(2, dcgan, dir.path / "killed", {}, "1:17:kill");  // 14 steps an epoch: after step 15's checkpoint
    BOOST_TEST(killed.exit_code != 0, describe(killed));
    const ProcessResult resumed = mpirun(2, dcgan, dir.path / "killed", {"--resume"});
    BOOST_TEST_REQUIRE(resumed.exit_code == 0, describe(resumed));
    BOOST_TEST(read_file((dir.path / "killed" / "metrics.jsonl").string()) == read_file((dir.path / "whole" / "metrics.jsonl").string()));
    BOOST_TEST(checkpoint_tensors(dir.path / "killed") == checkpoint_tensors(dir.path / "whole"));
}

// A run directory written by release 0.1.0 (tests/data/run-0.1.0, stopped at step 5 inside its
// first epoch) resumes with this build: every step after the resumption logs exactly the losses
// release 0.1.0's uninterrupted run logged, and the last checkpoint equals this build's own
// uninterrupted run, bit for bit. The fixture was made on a machine whose widest vector unit was
// AVX2; oneDNN picks its kernels, and so the order of its sums, by the widest one it finds, so every
// run here is held to AVX2 (ONEDNN_MAX_CPU_ISA) to add up as the release's did.
#include <boost/test/unit_test.hpp>

#include "support/run_process.hpp"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <unistd.h>

namespace fs = std::filesystem;
using chimera::test::read_file;
using chimera::test::run_process;
using chimera::test::ProcessResult;

namespace {

const fs::path fixture = fs::path(CHIMERA_TEST_DATA) / "run-0.1.0";

struct TempDir {
    fs::path path = fs::temp_directory_path() / ("chimera-release-" + std::to_string(::getpid()));
    TempDir() {
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~TempDir() { fs::remove_all(path); }
};

ProcessResult train(const fs::path& out, std::vector<std::string> extra = {}) {
    ::setenv("ONEDNN_MAX_CPU_ISA", "AVX2", 1);  // inherited by the child
    std::vector<std::string> argv = {CHIMERA_BIN, "train", (fixture / "pipeline.yaml").string(), "--out", out.string(), "--threads", "1"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run_process(argv);
}

// A metrics log's lines without the schedules' values ("lr/NAME", "lr_scale/NAME", "weight/NAME").
std::vector<nlohmann::json> losses_only(const fs::path& log) {
    std::vector<nlohmann::json> lines;
    std::istringstream in(read_file(log));
    for (std::string line; std::getline(in, line);) {
        nlohmann::json j = nlohmann::json::parse(line), kept;
        for (const auto& [k, v] : j.items())
            if (k.rfind("lr/", 0) != 0 && k.rfind("lr_scale/", 0) != 0 && k.rfind("weight/", 0) != 0) kept[k] = v;
        lines.push_back(kept);
    }
    return lines;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_run_of_release_0_1_0_resumes_bit_for_bit) {
    TempDir t;
    const fs::path resumed = t.path / "resumed", whole = t.path / "whole";
    fs::copy(fixture / "run", resumed, fs::copy_options::recursive);
    fs::create_directories(resumed / "data");  // git keeps no empty directory; release 0.1.0 made it
    ProcessResult r = train(resumed, {"--resume"});
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out << r.err);
    BOOST_TEST(r.out.find("Resuming at epoch 1, step 5") != std::string::npos, r.out);
    // Line by line, the same numbers bit for bit; what the schedules set (learning rates, logged
    // since the training report came) is left out: release 0.1.0 did not log it.
    BOOST_TEST(losses_only(resumed / "metrics.jsonl") == losses_only(fixture / "uninterrupted-metrics.jsonl"));
    ProcessResult w = train(whole);
    BOOST_REQUIRE_MESSAGE(w.exit_code == 0, w.out << w.err);
    const auto state = nlohmann::json::parse(read_file(resumed / "checkpoint.json"));
    const std::string tensors = state["tensors"].get<std::string>();
    BOOST_TEST(state["step"].get<int>() == 12);
    BOOST_TEST(tensors == nlohmann::json::parse(read_file(whole / "checkpoint.json"))["tensors"].get<std::string>());
    BOOST_TEST((read_file(resumed / tensors) == read_file(whole / tensors)));  // parameters and Adam state
}

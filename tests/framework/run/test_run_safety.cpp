// What the commands do with the files around a run, through the command line: an output path
// that is a symbolic link is written through and one that is a device is refused (exit 5, the
// device left as it was); a checkpoint with a flipped byte, a NaN parameter or an absurd count is
// refused by every command that loads it; a run stopped before its first checkpoint is started
// over by --resume and never appended to.
#define BOOST_TEST_MODULE framework_run_safety
#include <boost/test/unit_test.hpp>

#include "framework/run/tiny_vae.hpp"
#include "support/run_process.hpp"
#include "support/temp_dir.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace fs = std::filesystem;
using chimera::test::read_file;
using chimera::test::run_process;
using chimera::test::ProcessResult;

namespace {

struct RunDir : chimera::test::TempDir {
    RunDir() : chimera::test::TempDir("chimera-safety") {}
};

const std::string& vae = chimera::test::tiny_vae_config;
const std::vector<std::string>& tiny = chimera::test::tiny_vae_settings;

ProcessResult train(const fs::path& out, std::vector<std::string> extra = {}, const std::vector<std::string>& env = {}) {
    std::vector<std::string> argv = {CHIMERA_BIN, "train", vae, "--out", out.string()};
    argv.insert(argv.end(), tiny.begin(), tiny.end());
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run_process(argv, env);
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

void spit(const fs::path& p, const std::string& bytes) { std::ofstream(p, std::ios::binary) << bytes; }

// Where tensor `name`'s bytes start in a safetensors file.
std::size_t tensor_offset(const std::string& bytes, const std::string& name) {
    uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(bytes[static_cast<std::size_t>(i)]);
    const auto header = nlohmann::json::parse(bytes.substr(8, n));
    return 8 + n + header.at(name).at("data_offsets")[0].get<std::size_t>();
}

}  // namespace

BOOST_AUTO_TEST_CASE(an_output_path_that_is_a_link_is_written_through_and_a_device_is_refused) {
    RunDir d;
    const fs::path run = d.path / "run";
    BOOST_REQUIRE(train(run, {"--set", "train.steps=2"}).exit_code == 0);
    // A link to a file: the file gets the grid, the link stays.
    spit(d.path / "real.png", "old");
    fs::create_symlink("real.png", d.path / "link.png");
    ProcessResult linked = run_process({CHIMERA_BIN, "generate", run.string(), "--n", "4", "--out", (d.path / "link.png").string()});
    BOOST_TEST(linked.exit_code == 0, linked.err);
    BOOST_TEST(fs::is_symlink(d.path / "link.png"));
    BOOST_TEST(read_file((d.path / "real.png").string()).compare(0, 4, "\x89PNG") == 0);
    // A device: refused before anything is written, whoever runs it (root could replace the node).
    for (const std::vector<std::string>& argv :
         {std::vector<std::string>{CHIMERA_BIN, "generate", run.string(), "--n", "4", "--out", "/dev/full"},
          std::vector<std::string>{CHIMERA_BIN, "evaluate", run.string(), "--json", "/dev/full"}}) {
        ProcessResult r = run_process(argv);
        BOOST_TEST(r.exit_code == 5, argv[1] << ": " << r.out << r.err);
        BOOST_TEST(has(r.err, "/dev/full: is a character device, not a regular file: refusing to replace it"), r.err);
        BOOST_TEST(!has(r.out, "Wrote"), r.out);
        BOOST_TEST(fs::is_character_file("/dev/full"));
    }
    ProcessResult timing = train(d.path / "timed", {"--set", "train.steps=1", "--timing", "/dev/full"});
    BOOST_TEST(timing.exit_code == 5, timing.err);
    BOOST_TEST(has(timing.err, "/dev/full: is a character device"), timing.err);
    BOOST_TEST(fs::is_character_file("/dev/full"));
    for (const auto& entry : fs::directory_iterator("/dev"))  // whichever process would have made one
        BOOST_TEST(entry.path().filename().string().rfind("full.tmp-", 0) != 0u, entry.path());
}

BOOST_AUTO_TEST_CASE(a_damaged_or_non_finite_checkpoint_is_refused_by_every_command) {
    RunDir d;
    const fs::path run = d.path / "run";
    BOOST_REQUIRE(train(run, {"--set", "train.steps=3"}).exit_code == 0);
    const std::string state = read_file(run / "checkpoint.json"), file = run / "checkpoint-000000003.safetensors";
    const std::string tensors = read_file(file);
    const std::string weight = "param/decoder.out.weight";
    auto refused_by_all = [&](const std::string& expected) {
        const std::vector<std::vector<std::string>> commands = {
            {CHIMERA_BIN, "generate", run.string(), "--n", "4", "--out", (d.path / "g.png").string()},
            {CHIMERA_BIN, "evaluate", run.string()}};
        for (const auto& argv : commands) {
            ProcessResult r = run_process(argv);
            BOOST_TEST(r.exit_code == 5, argv[1] << ": " << r.out << r.err);
            BOOST_TEST(has(r.err, expected), argv[1] << ": " << r.err);
        }
        ProcessResult resumed = train(run, {"--resume"});
        BOOST_TEST(resumed.exit_code == 5, resumed.err);
        BOOST_TEST(has(resumed.err, expected), resumed.err);
        BOOST_TEST(!fs::exists(d.path / "g.png"));
    };
    // One flipped bit in a weight.
    std::string flipped = tensors;
    flipped[tensor_offset(tensors, weight) + 5] ^= 0x10;
    spit(file, flipped);
    refused_by_all(file + ": tensor '" + weight + "' does not match its checksum in checkpoint.json");
    // A NaN weight in a checkpoint that records no checksums (as one from before them).
    std::string nan = tensors;
    const uint32_t quiet_nan = 0x7fc00000;
    std::memcpy(&nan[tensor_offset(tensors, weight) + 8], &quiet_nan, 4);
    spit(file, nan);
    auto old = nlohmann::json::parse(state);
    old.erase("checksums");
    spit(run / "checkpoint.json", old.dump());
    refused_by_all(file + ": tensor '" + weight + "' holds NaN at element 2");
    // Counts no run reaches: refused, naming the field, not trained on.
    spit(file, tensors);
    for (const auto& [value, shown] : {std::pair<nlohmann::json, std::string>{1e300, "1e+300"}, {INT64_MAX, "9223372036854775807"}}) {
        auto j = nlohmann::json::parse(state);
        j["step"] = value;
        spit(run / "checkpoint.json", j.dump());
        refused_by_all("checkpoint.json: not a readable checkpoint state: 'step' must be an integer from 0 to 9007199254740992, got " + shown);
    }
    spit(run / "checkpoint.json", state);
    BOOST_TEST(run_process({CHIMERA_BIN, "evaluate", run.string()}).exit_code == 0);
}

BOOST_AUTO_TEST_CASE(a_run_stopped_before_its_first_checkpoint_starts_over_on_resume_and_is_never_appended_to) {
    RunDir d;
    BOOST_REQUIRE(train(d.path / "whole").exit_code == 0);
    const std::string whole = read_file(d.path / "whole" / "metrics.jsonl");
    // Kill it at the first write point after two metric lines: before the checkpoint of step 3.
    const fs::path run = d.path / "run";
    for (int n = 1;; ++n) {
        fs::remove_all(run);
        BOOST_REQUIRE(train(run, {}, {"CHIMERA_TEST_KILL_AT_WRITE=" + std::to_string(n)}).exit_code == 128 + 9);
        const std::string log = read_file(run / "metrics.jsonl");
        if (std::count(log.begin(), log.end(), '\n') == 2) break;
    }
    BOOST_TEST_REQUIRE(!fs::exists(run / "checkpoint.json"));
    BOOST_TEST_REQUIRE(fs::exists(run / "config.yaml"));
    ProcessResult again = train(run);
    BOOST_TEST(again.exit_code == 2);
    BOOST_TEST(has(again.err, "holds a run stopped before its first checkpoint; start it over with --resume or --overwrite"), again.err);
    ProcessResult resumed = train(run, {"--resume"});
    BOOST_TEST(resumed.exit_code == 0, resumed.err);
    BOOST_TEST(has(resumed.out, "holds a run stopped before its first checkpoint: starting it over from step 0"), resumed.out);
    BOOST_TEST(read_file(run / "metrics.jsonl") == whole);  // the stopped run's two lines are not there twice
}

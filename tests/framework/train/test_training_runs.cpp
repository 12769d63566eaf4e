// Whole training runs through the command line, on a few hundred Fashion-MNIST images: the same
// seed gives the same losses; a run resumed from a checkpoint (mid-epoch, and for a GAN's two
// optimizers) equals the uninterrupted run bit for bit; a non-finite loss stops the run with
// its name and keeps the last checkpoint; early stopping restores the best epoch; a run
// directory is never overwritten or resumed by mistake.
#define BOOST_TEST_MODULE framework_training
#include <boost/test/unit_test.hpp>

#include "autograd/context.hpp"
#include "io/safetensors.hpp"
#include "support/run_process.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <regex>
#include <fstream>
#include <sstream>
#include <tuple>

namespace fs = std::filesystem;
using chimera::test::read_file;
using chimera::test::run_process;
using chimera::test::ProcessResult;
using chimera::Context;
using chimera::NamedTensors;
using chimera::read_safetensors;
using chimera::SafetensorsDTypes;

namespace {

const std::string vae = std::string(CHIMERA_CONFIGS) + "/vae_mlp_fashion.yaml";
const std::string gan = std::string(CHIMERA_CONFIGS) + "/gan_mlp_fashion.yaml";
const std::string ae = std::string(CHIMERA_CONFIGS) + "/ae_mlp_fashion.yaml";

// Small and fast: 640 examples of 64 (10 steps an epoch), a metric line every step, 2 threads.
const std::vector<std::string> small = {"--set", "data.options.limit=640", "--set", "data.batch_size=64",
                                        "--set", "train.log_every=1",       "--set", "train.samples=16",
                                        "--threads", "2"};

struct TempDir {
    fs::path path;
    TempDir() {
        path = fs::temp_directory_path() / ("chimera-train-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~TempDir() { fs::remove_all(path); }
    static int& counter() {
        static int n = 0;
        return n;
    }
};

ProcessResult train(const std::string& config, const fs::path& out, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {CHIMERA_BIN, "train", config, "--out", out.string()};
    argv.insert(argv.end(), small.begin(), small.end());
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run_process(argv);
}

nlohmann::json state_of(const fs::path& run) { return nlohmann::json::parse(read_file(run / "checkpoint.json")); }
nlohmann::json record_of(const fs::path& run) { return nlohmann::json::parse(read_file(run / "run.json")); }

std::vector<nlohmann::json> metric_lines(const fs::path& run) {
    std::vector<nlohmann::json> lines;
    std::istringstream in(read_file(run / "metrics.jsonl"));
    for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
    return lines;
}

void require_ok(const ProcessResult& r) {
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, "exit " << r.exit_code << "\n" << r.out << r.err);
}
#define REQUIRE_OK(call) require_ok(call)

}  // namespace

BOOST_AUTO_TEST_CASE(the_same_seed_gives_identical_losses_and_another_seed_does_not) {
    TempDir a, b, c;
    REQUIRE_OK(train(vae, a.path, {"--set", "train.epochs=2"}));
    REQUIRE_OK(train(vae, b.path, {"--set", "train.epochs=2"}));
    REQUIRE_OK(train(vae, c.path, {"--set", "train.epochs=2", "--seed", "7"}));
    BOOST_TEST(metric_lines(a.path).size() == 2 * 10 + 2 * 2 + 1);  // steps, epoch and validation lines, test
    BOOST_TEST(read_file(a.path / "metrics.jsonl") == read_file(b.path / "metrics.jsonl"));
    BOOST_TEST(read_file(a.path / "metrics.jsonl") != read_file(c.path / "metrics.jsonl"));
    BOOST_TEST(fs::exists(a.path / "samples" / "epoch-002.png"));
    // The record says how it was started and that it finished; the report is beside it.
    const nlohmann::json record = record_of(c.path);
    BOOST_TEST(record["status"] == "finished");
    BOOST_TEST(record["steps"] == 20);
    BOOST_TEST(record["epochs"] == 2);
    BOOST_TEST(record["epochs_planned"] == 2);
    BOOST_TEST(record["seed"] == 7);
    BOOST_TEST(record["threads"] == 2);
    BOOST_TEST(record["pipeline"] == vae);
    BOOST_TEST(record["command"].get<std::string>().find("chimera train " + vae + " --out " + c.path.string()) == 0, record["command"]);
    BOOST_TEST(record["seconds"].get<double>() > 0);
    const std::string report = read_file(c.path / "report.html");
    BOOST_TEST(report.find("<script id=\"chimera-data\" type=\"application/json\">") != std::string::npos);
    BOOST_TEST(report.find("\"status\":\"finished\"") != std::string::npos);
    // The KL of each latent dimension, measured for the report over the test split's examples
    // (640 here), adds up to the test split's KL, which the kl loss computed on its own.
    const nlohmann::json traversal = nlohmann::json::parse(read_file(c.path / "samples" / "traversal.json"));
    double kl_sum = 0;
    for (const auto& v : traversal["kl"]) kl_sum += v.get<double>();
    double test_kl = 0;
    for (const auto& l : metric_lines(c.path))
        if (l["split"] == "test") test_kl = l["kl"].get<double>();
    BOOST_TEST(traversal["kl"].size() == 20u);
    BOOST_TEST(kl_sum == test_kl, boost::test_tools::tolerance(1e-4));
    // The traversal's rows are the 8 dimensions of highest KL, the highest first.
    const auto& dims = traversal["dimensions"];
    BOOST_REQUIRE(dims.size() == 8u);
    std::vector<double> kl;
    for (const auto& v : traversal["kl"]) kl.push_back(v.get<double>());
    std::vector<double> sorted = kl;
    std::sort(sorted.rbegin(), sorted.rend());
    for (std::size_t i = 0; i < 8; ++i) BOOST_TEST(kl[dims[i].get<std::size_t>()] == sorted[i]);
    BOOST_TEST(fs::exists(c.path / "samples" / "traversal.png"));
    BOOST_TEST(fs::exists(c.path / "samples" / "reconstructions.png"));
    BOOST_TEST(fs::exists(c.path / "samples" / "interpolation.png"));
}

BOOST_AUTO_TEST_CASE(a_report_that_cannot_be_written_never_stops_training) {
    TempDir run;
    fs::create_directories(run.path / "report.html" / "in-the-way");  // a directory where the page goes
    ProcessResult r = train(vae, run.path, {"--set", "train.steps=4"});
    REQUIRE_OK(r);
    BOOST_TEST(r.out.find("warning: the report is no longer written (training goes on): ") != std::string::npos, r.out);
    BOOST_TEST(r.out.find("Report: ") == std::string::npos);  // no page to point at
    BOOST_TEST(record_of(run.path)["status"] == "finished");  // the record is written all the same
    BOOST_TEST(fs::exists(run.path / "checkpoint.json"));
    // And `chimera report` refuses what is no run, naming it.
    ProcessResult none = run_process({CHIMERA_BIN, "report", (run.path / "absent").string()});
    BOOST_TEST(none.exit_code == 5);
    BOOST_TEST(none.err.find("absent: no such run directory") != std::string::npos, none.err);
    ProcessResult other = run_process({CHIMERA_BIN, "report", (run.path / "report.html").string()});
    BOOST_TEST(other.exit_code == 5);
    BOOST_TEST(other.err.find("not a run directory") != std::string::npos, other.err);
}

BOOST_AUTO_TEST_CASE(a_vae_resumed_mid_epoch_equals_the_uninterrupted_run_bit_for_bit) {
    TempDir whole, parts;
    REQUIRE_OK(train(vae, whole.path, {"--set", "train.epochs=3"}));
    // Stop inside epoch 2 (step 14 of 30), then continue to the end of epoch 3.
    REQUIRE_OK(train(vae, parts.path, {"--set", "train.epochs=3", "--set", "train.steps=14"}));
    nlohmann::json stopped = state_of(parts.path);
    BOOST_TEST(stopped["step"].get<int>() == 14);
    BOOST_TEST(stopped["epoch"].get<int>() == 1);
    BOOST_TEST(stopped["batch"].get<int>() == 4);
    const nlohmann::json first = record_of(parts.path);
    BOOST_TEST(first["status"] == "finished");  // its budget then was 14 steps
    BOOST_TEST(first["sessions"] == 1);
    ProcessResult resumed = train(vae, parts.path, {"--set", "train.epochs=3", "--resume"});
    REQUIRE_OK(resumed);
    BOOST_TEST(resumed.out.find("Resuming at epoch 2, step 14") != std::string::npos);
    // The record keeps the first start and adds the second process's time.
    const nlohmann::json second = record_of(parts.path);
    BOOST_TEST(second["resumed_at"] == 14);
    BOOST_TEST(second["sessions"] == 2);
    BOOST_TEST(second["started"] == first["started"]);
    BOOST_TEST(second["seconds"].get<double>() > first["seconds"].get<double>());
    BOOST_TEST(second["steps"] == 30);
    BOOST_TEST(second["command"].get<std::string>().find("--resume") != std::string::npos);
    BOOST_TEST(read_file(whole.path / "metrics.jsonl") == read_file(parts.path / "metrics.jsonl"));
    std::string tensors = state_of(whole.path)["tensors"].get<std::string>();
    BOOST_TEST(tensors == state_of(parts.path)["tensors"].get<std::string>());
    BOOST_TEST((read_file(whole.path / tensors) == read_file(parts.path / tensors)));  // parameters and Adam state
}

BOOST_AUTO_TEST_CASE(a_gan_resumed_at_an_epoch_end_equals_the_uninterrupted_run_bit_for_bit) {
    TempDir whole, parts;
    const std::vector<std::string> gan_small = {"--set", "data.validation.holdout=64"};
    auto with = [&](std::vector<std::string> more) {
        more.insert(more.begin(), gan_small.begin(), gan_small.end());
        return more;
    };
    REQUIRE_OK(train(gan, whole.path, with({"--set", "train.epochs=2"})));
    REQUIRE_OK(train(gan, parts.path, with({"--set", "train.epochs=1"})));
    REQUIRE_OK(train(gan, parts.path, with({"--set", "train.epochs=2", "--resume"})));
    BOOST_TEST(read_file(whole.path / "metrics.jsonl") == read_file(parts.path / "metrics.jsonl"));
    // Both players stepped every step, from the same checkpoint.
    BOOST_TEST(state_of(parts.path)["optimizer_steps"] == nlohmann::json::parse("[18, 18]"));
}

BOOST_AUTO_TEST_CASE(a_non_finite_loss_stops_the_run_naming_it_and_keeps_the_last_checkpoint) {
    TempDir run;
    ProcessResult r = train(vae, run.path, {"--set", "optimizers.adam.options.lr=1e6", "--set", "train.checkpoint_every=1"});
    BOOST_TEST(r.exit_code == 6);
    BOOST_TEST(r.err.find("chimera: error: training stopped: loss '") != std::string::npos);
    BOOST_TEST(r.err.find("is NaN at step 2 (epoch 1, phase 'train')") != std::string::npos, r.err);
    nlohmann::json kept = state_of(run.path);
    BOOST_TEST(kept["step"].get<int>() == 1);
    BOOST_TEST(fs::exists(run.path / kept["tensors"].get<std::string>()));
    const nlohmann::json record = record_of(run.path);
    BOOST_TEST(record["status"] == "diverged");
    BOOST_TEST(record["message"].get<std::string>().find("is NaN at step 2") != std::string::npos, record["message"]);
}

BOOST_AUTO_TEST_CASE(early_stopping_stops_after_patience_and_restores_the_best_epoch) {
    TempDir run;
    // No later epoch can beat the first by 1e9: patience 2 stops after epoch 3.
    ProcessResult r = train(ae, run.path, {"--set", "data.validation.holdout=64", "--set", "train.epochs=10", "--set",
                                           "train.early_stopping={monitor: validation/total, patience: 2, min_delta: 1e9}"});
    REQUIRE_OK(r);
    BOOST_TEST(r.out.find("early stopping: validation/total has not improved for 2 epochs") != std::string::npos, r.out);
    BOOST_TEST(r.out.find("restored the parameters of epoch 1") != std::string::npos);
    nlohmann::json s = state_of(run.path);
    BOOST_TEST(s["epoch"].get<int>() == 3);
    BOOST_TEST(record_of(run.path)["status"] == "early-stopped");
    BOOST_TEST(record_of(run.path)["epochs_planned"] == 10);
    BOOST_TEST(s["early_stopping"]["best_epoch"].get<int>() == 1);
    // The checkpoint holds epoch 1's parameters: the same bytes as best.safetensors' for each.
    std::vector<nlohmann::json> lines = metric_lines(run.path);
    double first_validation = 0, test = 0;
    for (const auto& l : lines) {
        if (l["split"] == "validation" && l["epoch"] == 1) first_validation = l["total"].get<double>();
        if (l["split"] == "test") test = l["total"].get<double>();
    }
    BOOST_TEST(first_validation > 0);
    BOOST_TEST(test > 0);
}

BOOST_AUTO_TEST_CASE(a_run_directory_is_neither_overwritten_nor_resumed_by_mistake) {
    TempDir run, empty;
    REQUIRE_OK(train(vae, run.path, {"--set", "train.steps=2"}));
    ProcessResult again = train(vae, run.path, {"--set", "train.steps=2"});
    BOOST_TEST(again.exit_code == 2);
    BOOST_TEST(again.err.find("already holds a run; continue it with --resume") != std::string::npos, again.err);
    ProcessResult nothing = train(vae, empty.path / "none", {"--resume"});
    BOOST_TEST(nothing.exit_code == 2);
    BOOST_TEST(nothing.err.find("holds no checkpoint to continue") != std::string::npos, nothing.err);
    ProcessResult changed = train(vae, run.path, {"--set", "train.steps=4", "--set", "optimizers.adam.options.lr=0.01", "--resume"});
    BOOST_TEST(changed.exit_code == 3);
    BOOST_TEST(changed.err.find("this run was made by a different pipeline") != std::string::npos, changed.err);
    REQUIRE_OK(train(vae, run.path, {"--set", "train.steps=2", "--overwrite"}));
    BOOST_TEST(state_of(run.path)["step"].get<int>() == 2);
}

BOOST_AUTO_TEST_CASE(a_corrupt_checkpoint_is_an_error_naming_the_file) {
    TempDir run;
    REQUIRE_OK(train(vae, run.path, {"--set", "train.steps=2"}));
    std::string tensors = state_of(run.path)["tensors"].get<std::string>();
    std::string bytes = read_file(run.path / tensors);
    std::ofstream(run.path / tensors, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
    ProcessResult r = train(vae, run.path, {"--set", "train.steps=4", "--resume"});
    BOOST_TEST(r.exit_code == 5);
    BOOST_TEST(r.err.find(tensors) != std::string::npos, r.err);
    std::ofstream(run.path / "checkpoint.json") << "{\"version\": 1, \"step\": ";
    ProcessResult g = run_process({CHIMERA_BIN, "generate", run.path.string(), "--n", "4"});
    BOOST_TEST(g.exit_code == 5);
    BOOST_TEST(g.err.find("checkpoint.json: not a readable checkpoint state") != std::string::npos, g.err);
}

BOOST_AUTO_TEST_CASE(a_weight_penalty_joins_the_total_with_its_weight) {
    TempDir run;
    REQUIRE_OK(train(vae, run.path, {"--set", "train.steps=3", "--set",
                                     "losses.decay={component: l2_penalty, params: [encoder, decoder], weight: 0.001}"}));
    int checked = 0;
    for (const auto& l : metric_lines(run.path)) {
        if (l["split"] != "train") continue;
        const double decay = l["decay"].get<double>();
        BOOST_TEST(decay > 0);
        const double total = l["reconstruction"].get<double>() + l["kl"].get<double>() + 0.001 * decay;
        BOOST_TEST(l["total"].get<double>() == total, boost::test_tools::tolerance(1e-12));
        ++checked;
    }
    BOOST_TEST(checked == 3);
}

namespace {

// Width and height of a PNG from its IHDR chunk.
std::pair<int, int> png_size(const fs::path& file) {
    std::string b = read_file(file);
    BOOST_REQUIRE(b.size() > 24 && b.compare(1, 3, "PNG") == 0);
    auto be32 = [&](std::size_t at) {
        return (static_cast<unsigned char>(b[at]) << 24) | (static_cast<unsigned char>(b[at + 1]) << 16) |
               (static_cast<unsigned char>(b[at + 2]) << 8) | static_cast<unsigned char>(b[at + 3]);
    };
    return {static_cast<int>(be32(16)), static_cast<int>(be32(20))};
}

// A grid of 28x28 tiles with a 2-pixel border around each (see io/png_grid.hpp).
std::pair<int, int> grid_size(int columns, int rows) { return {2 + columns * 30, 2 + rows * 30}; }

}  // namespace

BOOST_AUTO_TEST_CASE(a_conditional_model_draws_a_row_per_class_or_the_class_asked_for) {
    TempDir run;
    const std::string cgan = std::string(CHIMERA_TEST_CONFIGS) + "/cgan_mlp.yaml";
    REQUIRE_OK(train(cgan, run.path, {"--set", "data.validation.holdout=64", "--set", "train.epochs=1"}));
    BOOST_TEST((png_size(run.path / "samples" / "epoch-001.png") == grid_size(8, 10)));  // a row per class
    ProcessResult one = run_process({CHIMERA_BIN, "generate", run.path.string(), "--condition", "label=7", "--n", "16"});
    REQUIRE_OK(one);
    BOOST_TEST(one.out.find("Wrote 16 samples of 7") != std::string::npos, one.out);
    BOOST_TEST((png_size(run.path / "generated.png") == grid_size(8, 2)));
    ProcessResult bad = run_process({CHIMERA_BIN, "generate", run.path.string(), "--condition", "label=10"});
    BOOST_TEST(bad.exit_code == 2);
    BOOST_TEST(bad.err.find("label must be between 0 and 9, got 10") != std::string::npos, bad.err);
    ProcessResult unconditional = run_process({CHIMERA_BIN, "generate", (run.path).string(), "--condition", "colour=1"});
    BOOST_TEST(unconditional.exit_code == 2);
    BOOST_TEST(unconditional.err.find("expected label=CLASS") != std::string::npos, unconditional.err);
}

BOOST_AUTO_TEST_CASE(a_warmed_up_loss_enters_the_total_with_its_ramped_weight) {
    TempDir run;
    REQUIRE_OK(train(vae, run.path, {"--set", "train.steps=4", "--set", "losses.kl.warmup={steps: 4, start: 0.0}", "--set",
                                     "optimizers.adam.schedule={type: step, step_size: 2, gamma: 0.5}"}));
    int checked = 0;
    for (const auto& l : metric_lines(run.path)) {
        if (l["split"] != "train") continue;
        const int step = l["step"].get<int>();  // logged after the step: its weight was (step - 1) / 4
        const double total = l["reconstruction"].get<double>() + (step - 1) / 4.0 * l["kl"].get<double>();
        BOOST_TEST(l["total"].get<double>() == total, boost::test_tools::tolerance(1e-12));
        // The log carries what the schedules set: the warmed-up weight and the learning rate.
        BOOST_TEST(l["weight/kl"].get<double>() == (step - 1) / 4.0, boost::test_tools::tolerance(1e-12));
        BOOST_TEST(l["lr/adam"].get<double>() == 1e-3 * std::pow(0.5, (step - 1) / 2), boost::test_tools::tolerance(1e-12));
        BOOST_TEST(!l.contains("weight/reconstruction"));
        ++checked;
    }
    BOOST_TEST(checked == 4);
}

BOOST_AUTO_TEST_CASE(a_node_can_start_from_another_runs_parameters) {
    TempDir source, reuse;
    REQUIRE_OK(train(ae, source.path, {"--set", "data.validation.holdout=64", "--set", "train.steps=3"}));
    // lr 0: the one step changes nothing, so the checkpoint shows what the node started from.
    REQUIRE_OK(train(ae, reuse.path, {"--set", "data.validation.holdout=64", "--set", "train.steps=1", "--set",
                                      "optimizers.adam.options.lr=0", "--set",
                                      "nodes.encoder.init_from={run: " + source.path.string() + "}"}));
    auto tensors = [](const fs::path& run) {
        std::string bytes = read_file(run / state_of(run)["tensors"].get<std::string>());
        uint64_t n = 0;
        for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(bytes[i]);
        nlohmann::json header = nlohmann::json::parse(bytes.substr(8, n));
        std::map<std::string, std::string> out;
        for (auto& [name, info] : header.items())
            if (name != "__metadata__") {
                auto range = info["data_offsets"];
                out[name] = bytes.substr(8 + n + range[0].get<std::size_t>(), range[1].get<std::size_t>() - range[0].get<std::size_t>());
            }
        return out;
    };
    auto a = tensors(source.path), b = tensors(reuse.path);
    int same = 0, differ = 0;
    for (const auto& [name, data] : b) {
        if (name.rfind("param/encoder.", 0) == 0) same += data == a.at(name);
        if (name.rfind("param/decoder.", 0) == 0) differ += data != a.at(name);
    }
    BOOST_TEST(same == 6);    // the encoder's 3 weights and 3 biases came from the source run
    BOOST_TEST(differ == 6);  // the decoder kept its own initialisation
    ProcessResult missing = train(ae, (reuse.path / "again"), {"--set", "data.validation.holdout=64", "--set",
                                                               "nodes.encoder.init_from={run: /nonexistent/run}"});
    BOOST_TEST(missing.exit_code == 5);
    BOOST_TEST(missing.err.find("(nodes.encoder.init_from): /nonexistent/run holds no checkpoint") != std::string::npos, missing.err);
}

// The pipeline file's side of init_from: {safetensors, map}: the plugin test checks the maths
// against PyTorch; this checks the run starts from the file, keeps going without it, and says
// what is wrong with a map or a source.
BOOST_AUTO_TEST_CASE(a_node_can_start_from_a_safetensors_file_written_elsewhere) {
    TempDir run, spare;
    const fs::path weights = spare.path / "torch_encoder.safetensors";
    fs::copy_file(std::string(CHIMERA_TEST_DATA) + "/torch_encoder.safetensors", weights);
    const std::string encoder = "nodes.encoder.options={hidden: [32, 16], activation: leaky_relu, negative_slope: 0.2, "
                                "batch_norm: true, head: gaussian, out_features: 8}";
    std::string map;
    for (const auto& [c, l, n] : {std::tuple{"fc0", "features.1", "features.2"}, std::tuple{"fc1", "features.4", "features.5"}}) {
        for (const std::string p : {"weight", "bias"}) map += std::string(map.empty() ? "" : ", ") + c + "." + p + ": " + l + "." + p;
        for (const std::string p : {"weight", "bias", "running_mean", "running_var"}) map += std::string(", ") + c + ".bn." + p + ": " + n + "." + p;
    }
    const std::vector<std::string> model = {"--set", encoder, "--set", "noise.z.shape=[8]"};
    auto with = [&](std::vector<std::string> extra) {
        std::vector<std::string> all = model;
        all.insert(all.end(), extra.begin(), extra.end());
        return all;
    };
    // lr 0: the one step leaves the encoder as it started.
    REQUIRE_OK(train(vae, run.path, with({"--set", "train.steps=1", "--set", "optimizers.adam.options.lr=0", "--set",
                                          "nodes.encoder.init_from={safetensors: " + weights.string() + ", map: {" + map + "}}"})));
    Context ctx(1, 0);
    auto file = read_safetensors(weights, ctx.device().pool(), SafetensorsDTypes::convert);
    auto saved = read_safetensors(run.path / state_of(run.path)["tensors"].get<std::string>(), ctx.device().pool());
    auto bytes = [](const NamedTensors& ts, const std::string& name) {
        for (const auto& [n, t] : ts)
            if (n == name) return std::string(static_cast<const char*>(t.raw()), t.numel() * 4);
        return std::string("missing " + name);
    };
    BOOST_TEST(bytes(saved.tensors, "param/encoder.fc0.weight") == bytes(file.tensors, "features.1.weight"));
    BOOST_TEST(bytes(saved.tensors, "param/encoder.fc1.bn.weight") == bytes(file.tensors, "features.5.weight"));  // (running statistics move in a training step)
    BOOST_TEST(bytes(saved.tensors, "param/encoder.mu.bias") == bytes(file.tensors, "mu.bias"));  // same name: no map entry
    // The run holds what it started from: reopening it does not need the file.
    fs::remove(weights);
    ProcessResult drawn = run_process({CHIMERA_BIN, "generate", run.path.string(), "--n", "8"});
    BOOST_TEST(drawn.exit_code == 0, drawn.err);
    // A node added for one command (not in the checkpoint) is read from its file when the run is
    // reopened: a copy of the encoder from the run's own checkpoint, read as a foreign file
    // (prefix for the parameters, the map for the buffers), gives the encoder's KL exactly.
    const std::string checkpoint = (run.path / state_of(run.path)["tensors"].get<std::string>()).string();
    std::string buffers;
    for (const std::string c : {"fc0", "fc1"})
        for (const std::string b : {"running_mean", "running_var"}) buffers += ", " + c + ".bn." + b + ": buffer/encoder." + c + ".bn." + b;
    ProcessResult copied = run_process(
        {CHIMERA_BIN, "evaluate", run.path.string(), "--set",
         "nodes.copy={component: encoder/mlp, in: {x: image}, out: {mu: copy_mu, logvar: copy_logvar}, options: {hidden: [32, 16], "
         "activation: leaky_relu, negative_slope: 0.2, batch_norm: true, head: gaussian, out_features: 8}, init_from: {safetensors: " +
             checkpoint + ", prefix: param/encoder., map: {" + buffers.substr(2) + "}}}",
         "--set", "losses.copy_kl={component: kl_normal, in: {mu: copy_mu, logvar: copy_logvar}, evaluate_only: true, options: {reduction: batch_sum}}"});
    REQUIRE_OK(copied);
    std::smatch kl, copy_kl;
    BOOST_TEST_REQUIRE(std::regex_search(copied.out, kl, std::regex("\\n *kl +([0-9.]+)")), copied.out);
    BOOST_TEST_REQUIRE(std::regex_search(copied.out, copy_kl, std::regex("copy_kl +([0-9.]+)")), copied.out);
    BOOST_TEST(kl[1].str() == copy_kl[1].str());

    // A missing file, a map that does not fit, and a source named twice.
    ProcessResult gone = train(vae, run.path / "gone", with({"--set", "nodes.encoder.init_from={safetensors: " + weights.string() + "}"}));
    BOOST_TEST(gone.exit_code == 5);
    BOOST_TEST(gone.err.find("(nodes.encoder.init_from): " + weights.string() + ": cannot open") != std::string::npos, gone.err);
    ProcessResult misfit = train(vae, run.path / "misfit", with({"--set", "nodes.encoder.init_from={safetensors: " + std::string(CHIMERA_TEST_DATA) +
                                                                              "/torch_encoder.safetensors, map: {fc0.weight: mu.weight}}"}));
    BOOST_TEST(misfit.exit_code == 5);
    BOOST_TEST(misfit.err.find("tensors of node 'encoder' do not fit:\n  fc0.weight (the file's 'mu.weight'): the file's is f32[8, 16], "
                               "the node needs f32[32, 784]") != std::string::npos, misfit.err);
    BOOST_TEST(!fs::exists(run.path / "misfit" / "checkpoint.json"));
    ProcessResult both = train(vae, run.path / "both", with({"--set", "nodes.encoder.init_from={safetensors: w.safetensors, run: runs/x}"}));
    BOOST_TEST(both.exit_code == 3);
    BOOST_TEST(both.err.find("name one source: run (a Chimera run directory) or safetensors (a file from elsewhere)") != std::string::npos, both.err);
}

BOOST_AUTO_TEST_CASE(evaluate_repeats_the_test_metrics_and_can_add_a_judge_from_another_run) {
    TempDir classifier, cvae;
    const std::string cls_config = std::string(CHIMERA_CONFIGS) + "/classifier_fashion.yaml";
    const std::string cvae_config = std::string(CHIMERA_CONFIGS) + "/cvae_fashion.yaml";
    REQUIRE_OK(train(cls_config, classifier.path, {"--set", "data.validation.holdout=64", "--set", "train.epochs=1"}));
    REQUIRE_OK(train(cvae_config, cvae.path, {"--set", "data.validation.holdout=64", "--set", "train.epochs=1"}));
    double trained_test = 0;
    for (const auto& l : metric_lines(cvae.path))
        if (l["split"] == "test") trained_test = l["reconstruction"].get<double>();
    ProcessResult plain = run_process({CHIMERA_BIN, "evaluate", cvae.path.string()});
    REQUIRE_OK(plain);
    char expected[64];
    std::snprintf(expected, sizeof expected, "%.4f", trained_test);
    BOOST_TEST(plain.out.find("test (640 examples, mean per example):") != std::string::npos, plain.out);
    BOOST_TEST(plain.out.find(expected) != std::string::npos, plain.out << " lacks " << expected);
    // The classifier, as trained by its own pipeline, judges the cVAE's prior samples.
    const std::string judge =
        "nodes.judge={component: encoder/conv, in: {x: drawn}, out: {y: verdict}, init_from: {run: " + classifier.path.string() +
        ", node: classifier}, options: {channels: [32, 64], kernel: [3], padding: [-1], pool: [max, max], "
        "activation: [relu], hidden: [128], hidden_dropout: 0.25, out_features: 10}}";
    ProcessResult judged = run_process(
        {CHIMERA_BIN, "evaluate", cvae.path.string(), "--set",
         "nodes.drawing={component: encoder/transform, in: {x: prior_logits}, out: {y: drawn}, options: {activation: sigmoid}}",
         "--set", judge, "--set", "losses.judged={component: cross_entropy, in: {logits: verdict, target: label}, evaluate_only: true}"});
    REQUIRE_OK(judged);
    std::smatch m;
    BOOST_TEST_REQUIRE(std::regex_search(judged.out, m, std::regex("judged/accuracy +([0-9.]+)")), judged.out);
    const double accuracy = std::stod(m[1]);
    BOOST_TEST((accuracy >= 0.0 && accuracy <= 1.0));
    BOOST_TEST(judged.out.find(expected) != std::string::npos);  // the judge changes no other metric
}

// The benchmarks' four reference models: once the first steps have built their primitives and
// filled the buffer pool, a training step allocates no buffer and creates no oneDNN primitive,
// and an epoch end in between (validation, sample grid, checkpoint) does not change that.
BOOST_AUTO_TEST_CASE(the_steady_state_step_allocates_nothing_and_creates_no_primitive) {
    for (const std::string model : {"vae_mlp", "gan_mlp", "conv_ae", "dcgan"}) {
        BOOST_TEST_CONTEXT(model) {
            TempDir run;
            const fs::path timing = run.path / "timing.json";
            std::vector<std::string> extra = {"--set", "train.steps=14", "--timing", timing.string()};
            if (model != "vae_mlp") extra.insert(extra.end(), {"--set", "data.validation.holdout=64"});  // of the 640
            REQUIRE_OK(train(std::string(CHIMERA_CONFIGS) + "/" + model + "_fashion.yaml", run.path / "run", extra));
            const auto t = nlohmann::json::parse(read_file(timing));
            BOOST_TEST(t["steps"].get<int>() == 14);  // over an epoch end: 10 steps an epoch, 9 with a holdout
            BOOST_TEST(t["steady_steps"].get<int>() == 12);
            BOOST_TEST(t["batch_size"].get<int>() == 64);
            BOOST_TEST(t["threads"].get<int>() == 2);
            BOOST_TEST(t["samples_per_second"].get<double>() > 0.0);
            BOOST_TEST(t["steady_cpu_seconds"].get<double>() > 0.0);  // what the benchmarks read on a loaded machine
            BOOST_TEST(t["seconds_to_first_step"].get<double>() > 0.0);
            BOOST_TEST(t["steady_state"]["buffers_allocated"].get<int>() == 0);
            BOOST_TEST(t["steady_state"]["primitives_created"].get<int>() == 0);
        }
    }
}

// The warm-up steps (which build the primitives and fill the pool) are not part of the figures.
BOOST_AUTO_TEST_CASE(the_step_timing_counts_only_steps_after_the_warm_up) {
    TempDir run;
    const fs::path timing = run.path / "timing.json";
    REQUIRE_OK(train(vae, run.path / "run", {"--set", "train.steps=2", "--timing", timing.string()}));
    const auto t = nlohmann::json::parse(read_file(timing));
    BOOST_TEST(t["steps"].get<int>() == 2);
    BOOST_TEST(t["steady_steps"].get<int>() == 0);
    BOOST_TEST(t["samples_per_second"].get<double>() == 0.0);
    BOOST_TEST(t["steady_cpu_seconds"].get<double>() == 0.0);
}

// A plugin failing while the run trains is a plugin error (exit 4), said with where training was
// and the node's place in the file; a loss that returns something else is told what it returned.
const std::string probe_loss = std::string(CHIMERA_TEST_CONFIGS) + "/plugin_failures/ae_loss_from_probe.yaml";

ProcessResult train_with_probe(const fs::path& out, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {CHIMERA_BIN, "train", probe_loss, "--out", out.string(), "--plugin-path", PROBE_PLUGIN_FILE,
                                     "--threads", "1"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run_process(argv);
}

BOOST_AUTO_TEST_CASE(a_plugin_failing_while_training_exits_4_with_the_step_epoch_and_phase) {
    TempDir run;
    ProcessResult r = train_with_probe(run.path / "run");
    BOOST_TEST(r.exit_code == 4, r.err);
    // The shape pass before training makes the first call: step 3 makes the fourth.
    BOOST_TEST(r.err.find("training stopped at step 3 (epoch 1, phase 'train'; the last good checkpoint is kept in none: "
                          "it failed before the first)") != std::string::npos, r.err);
    BOOST_TEST(r.err.find(probe_loss + ":32:5 (losses.reconstruction): loss 'reconstruction': plugin 'probe_plugin'") != std::string::npos,
               r.err);  // the loss's place
    BOOST_TEST(r.err.find("loss 'fails_after': forward failed (failed): refusing call 4") != std::string::npos, r.err);
    // After a checkpoint, the message names it, and the checkpoint is left as it was.
    TempDir later;
    r = train_with_probe(later.path / "run", {"--set", "losses.reconstruction.options.after=9", "--set", "train.epochs=2"});
    BOOST_TEST(r.exit_code == 4, r.err);
    BOOST_TEST(r.err.find("training stopped at step 9 (epoch 2, phase 'train'; the last good checkpoint is kept in " +
                          (later.path / "run" / "checkpoint.json").string() + ")") != std::string::npos, r.err);
    BOOST_TEST(state_of(later.path / "run")["step"].get<int>() == 8);
}

// (Found by the shape pass, before training: a batch of two.)
BOOST_AUTO_TEST_CASE(a_loss_returning_no_scalar_is_told_what_it_produced) {
    TempDir run;
    ProcessResult r = train_with_probe(run.path / "run", {"--set", "losses.reconstruction.component=wrong_output"});
    BOOST_TEST(r.exit_code == 4, r.err);
    BOOST_TEST(r.err.find("loss 'reconstruction' must produce a one-element output named 'loss'; it produced loss f32[2, 1, 28, 28]") !=
                   std::string::npos, r.err);
}

// A plugin built from source against the 1.3 headers loads and trains unchanged: its mlp (ops by
// name, positional attributes, activation codes, no ports) gives the built-in mlp's losses bit
// for bit, and its loss, through positional reductions, trains beside them.
BOOST_AUTO_TEST_CASE(a_plugin_built_against_abi_1_3_trains_unchanged) {
    TempDir builtin, legacy;
    REQUIRE_OK(train(vae, builtin.path, {"--set", "train.steps=6"}));
    const std::vector<std::string> legacy_nodes = {
        "--plugin-path", LEGACY_PLUGIN_FILE, "--set", "train.steps=6",
        "--set", "nodes.encoder.component=encoder/legacy_mlp", "--set", "nodes.decoder.component=generator/legacy_mlp",
        "--set", "nodes.encoder.options={hidden: [512, 256], head: gaussian, out_features: 20}",
        "--set", "nodes.decoder.options={hidden: [256, 512], out_features: 784, output_shape: [1, 28, 28]}"};
    REQUIRE_OK(train(vae, legacy.path, legacy_nodes));
    const auto a = metric_lines(builtin.path), b = metric_lines(legacy.path);
    BOOST_REQUIRE(a.size() == b.size());
    int compared = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (a[i].contains("total") && a[i]["total"].is_number()) {
            BOOST_TEST(a[i]["total"].get<double>() == b[i]["total"].get<double>());
            ++compared;
        }
    BOOST_TEST(compared >= 6);
    // `generate` needs no --plugin-path: the run recorded where its encoder and decoder came from.
    const fs::path grid = legacy.path / "samples.png";
    ProcessResult g = run_process({CHIMERA_BIN, "generate", legacy.path.string(), "--n", "4", "--out", grid.string(), "--threads", "1"});
    BOOST_TEST(g.exit_code == 0, g.out << g.err);
    BOOST_TEST(fs::exists(grid));
    BOOST_TEST(g.err.find("as the run did") != std::string::npos, g.err);
    // Its own loss joins the objective and training runs to the end.
    TempDir with_loss;
    std::vector<std::string> extra = legacy_nodes;
    extra.insert(extra.end(), {"--set", "losses.squared={component: legacy_squared_error, in: {x: logits, target: image}}"});
    ProcessResult r = train(vae, with_loss.path, extra);
    REQUIRE_OK(r);
    const auto lines = metric_lines(with_loss.path);
    BOOST_TEST(lines.back().dump().find("squared") != std::string::npos, lines.back().dump());
}

// A plugin asking for an op version this host does not have (built against a newer op set) is
// refused with a message, never given the old op's answer.
BOOST_AUTO_TEST_CASE(an_op_version_from_a_future_op_set_is_refused) {
    TempDir run;
    ProcessResult r = train_with_probe(run.path / "run", {"--set", "losses.reconstruction.component=future_op"});
    BOOST_TEST(r.exit_code == 4, r.err);
    BOOST_TEST(r.err.find("op 'linear' version 99 is not one this host computes (it has versions 1 to 2, op set 2); the "
                          "plugin was built against a newer Chimera SDK") != std::string::npos, r.err);
    BOOST_TEST(r.err.find("loss 'reconstruction'") != std::string::npos, r.err);
}

BOOST_AUTO_TEST_CASE(a_component_failing_to_construct_is_named_at_its_place_in_the_file) {
    TempDir run;
    ProcessResult r = train_with_probe(run.path / "run", {"--set", "losses.reconstruction.component=throws_std"});
    BOOST_TEST(r.exit_code == 4, r.err);
    BOOST_TEST(r.err.rfind("chimera: error: " + probe_loss + ":32:5 (losses.reconstruction.options): plugin 'probe_plugin'", 0) == 0, r.err);
    BOOST_TEST(r.err.find("loss 'throws_std': create failed (failed): boom from std::runtime_error") != std::string::npos, r.err);
}

// A run records the libraries it used: a later command finds one the search path does not give,
// and names it when it is gone or has changed.
BOOST_AUTO_TEST_CASE(a_reopened_run_loads_the_plugin_libraries_it_recorded) {
    TempDir t;
    const fs::path plugins = t.path / "my-plugins", library = plugins / "probe_plugin.so", run = t.path / "run";
    fs::create_directories(plugins);
    fs::copy_file(PROBE_PLUGIN_FILE, library);
    std::vector<std::string> argv = {CHIMERA_BIN, "train", probe_loss, "--out", run.string(), "--plugin-path", plugins.string(),
                                     "--threads", "1", "--set", "losses.reconstruction.options.after=1000"};
    REQUIRE_OK(run_process(argv));
    const auto record = nlohmann::json::parse(read_file(run / "plugins.json"));
    bool recorded = false;
    for (const auto& l : record)
        if (l["library"] == "probe_plugin") {
            recorded = true;
            BOOST_TEST(l["file"].get<std::string>() == fs::absolute(library).string());
            BOOST_TEST(l["components"] == nlohmann::json::array({"loss/fails_after"}));
            BOOST_TEST(l["hash"].get<std::string>().rfind("fnv1a64:", 0) == 0u);
        }
    BOOST_TEST(recorded, record.dump());
    const fs::path grid = t.path / "r.png";
    auto reconstruct = [&] { return run_process({CHIMERA_BIN, "reconstruct", run.string(), "--n", "4", "--out", grid.string(), "--threads", "1"}); };
    ProcessResult r = reconstruct();  // no --plugin-path: the record has it
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.out << r.err);
    BOOST_TEST(fs::exists(grid));
    BOOST_TEST(r.err.find("loading " + fs::absolute(library).string() + " as the run did") != std::string::npos, r.err);
    {
        std::ofstream(library, std::ios::app) << "changed";
    }
    r = reconstruct();
    BOOST_TEST(r.exit_code == 4);
    BOOST_TEST(r.err.find("the run uses loss/fails_after from library 'probe_plugin' 2.0.0 (" + fs::absolute(library).string()) !=
                   std::string::npos, r.err);
    BOOST_TEST(r.err.find("that file has changed since") != std::string::npos, r.err);
    fs::remove(library);
    r = reconstruct();
    BOOST_TEST(r.exit_code == 4);
    BOOST_TEST(r.err.find("neither on the plugin search path nor at that file any more; give its directory with --plugin-path") !=
                   std::string::npos, r.err);
}

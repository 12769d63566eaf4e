// Conditional generation, judged: a short cGAN run (configs/cgan_fashion.yaml, one epoch) draws
// images of the class it is asked for, as a classifier trained by configs/classifier_fashion.yaml
// (two epochs) sees them, through `chimera evaluate` with the classifier added as a node that
// starts from its run (init_from) and an evaluate_only cross-entropy. Slow by this suite's
// standards (a minute or two): it trains on all of Fashion-MNIST.
#define BOOST_TEST_MODULE configs_conditional
#include <boost/test/unit_test.hpp>

#include "support/run_process.hpp"

#include <unistd.h>

#include <filesystem>
#include <regex>

namespace fs = std::filesystem;
using chimera::test::ProcessResult;
using chimera::test::run_process;

namespace {

// The bound comes from the PyTorch reference in the same budget (bench/reference/
// conv_models_fashion.py --model cgan --epochs 1, judged by --model classifier --epochs 2): its
// one-epoch cGAN reached 0.87 and 0.84 with seeds 0 and 1 (2026-11-22); judged by a six-epoch
// classifier instead, the seed-0 generator scored 0.80. Six points under the lowest of these
// leaves room for another seed's or judge's luck; chance is 0.1.
constexpr double min_conditional_accuracy = 0.74;

void require_ok(const ProcessResult& r) {
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, "exit " << r.exit_code << "\n" << r.out << r.err);
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_short_cgan_run_draws_the_class_it_is_asked_for) {
    const fs::path dir = fs::temp_directory_path() / ("chimera-conditional-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    const std::string configs = CHIMERA_CONFIGS;
    require_ok(run_process({CHIMERA_BIN, "train", configs + "/classifier_fashion.yaml", "--out", (dir / "judge").string(),
                            "--threads", "2", "--set", "train.epochs=2"}));
    require_ok(run_process({CHIMERA_BIN, "train", configs + "/cgan_fashion.yaml", "--out", (dir / "cgan").string(),
                            "--threads", "2", "--set", "train.epochs=1", "--set", "train.samples=0"}));
    ProcessResult judged = run_process(
        {CHIMERA_BIN, "evaluate", (dir / "cgan").string(), "--split", "validation", "--threads", "2", "--set",
         "nodes.drawing={component: encoder/transform, in: {x: fake}, out: {y: drawn}, options: {scale: 0.5, shift: 0.5}}",
         "--set",
         "nodes.judge={component: encoder/conv, in: {x: drawn}, out: {y: verdict}, init_from: {run: " + (dir / "judge").string() +
             ", node: classifier}, options: {channels: [32, 64], kernel: [3], padding: [-1], pool: [max, max], "
             "activation: [relu], hidden: [128], hidden_dropout: 0.25, out_features: 10}}",
         "--set", "losses.judged={component: cross_entropy, in: {logits: verdict, target: label}, evaluate_only: true}"});
    require_ok(judged);
    std::smatch m;
    BOOST_TEST_REQUIRE(std::regex_search(judged.out, m, std::regex("judged/accuracy +([0-9.]+)")), judged.out);
    const double accuracy = std::stod(m[1]);
    BOOST_TEST_MESSAGE("conditional accuracy after one epoch: " << accuracy);
    BOOST_TEST(accuracy >= min_conditional_accuracy, judged.out);
    fs::remove_all(dir);
}

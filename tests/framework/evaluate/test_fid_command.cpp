// `chimera evaluate RUN --fid JUDGE_RUN` end to end on tiny runs (640 Fashion-MNIST images, a
// few steps each): the report carries FID and precision/recall of generated images, the floor of
// real training images below them, and those images blurred and noised above the floor; bad
// requests fail with the exit code of their kind (2 usage, 3 config, 5 data) and say why.
#define BOOST_TEST_MODULE framework_fid
#include <boost/test/unit_test.hpp>

#include "support/run_process.hpp"

#include <nlohmann/json.hpp>
#include <unistd.h>

#include <filesystem>
#include <tuple>

namespace fs = std::filesystem;
using chimera::test::ProcessResult;
using chimera::test::read_file;
using chimera::test::run_process;

namespace {

const std::string configs = CHIMERA_CONFIGS;
const std::vector<std::string> tiny = {"--set", "data.options.limit=640", "--set", "train.samples=0", "--threads", "2"};

void require_ok(const ProcessResult& r) { BOOST_REQUIRE_MESSAGE(r.exit_code == 0, "exit " << r.exit_code << "\n" << r.out << r.err); }

ProcessResult cli(std::vector<std::string> args, const std::vector<std::string>& extra = {}) {
    args.insert(args.begin(), CHIMERA_BIN);
    args.insert(args.end(), extra.begin(), extra.end());
    return run_process(args);
}

// A judge (the project's classifier), a VAE and an autoencoder, trained for a few steps once
// for every case (runs()).
struct Runs {
    fs::path dir = fs::temp_directory_path() / ("chimera-fid-" + std::to_string(::getpid()));
    fs::path judge = dir / "judge", vae = dir / "vae", ae = dir / "ae";
    Runs() {
        fs::remove_all(dir);
        require_ok(cli({"train", configs + "/classifier_fashion.yaml", "--out", judge.string(), "--set", "data.validation.holdout=64",
                            "--set", "train.steps=30"}, tiny));
        require_ok(cli({"train", configs + "/vae_mlp_fashion.yaml", "--out", vae.string(), "--set", "train.steps=10"}, tiny));
        require_ok(cli({"train", configs + "/ae_mlp_fashion.yaml", "--out", ae.string(), "--set", "data.validation.holdout=64",
                            "--set", "train.steps=1"}, tiny));
    }
    ~Runs() { fs::remove_all(dir); }
};

const Runs& runs() {
    static const Runs made;
    return made;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fid)

BOOST_AUTO_TEST_CASE(the_report_puts_generated_and_damaged_images_above_the_floor) {
    const auto& [dir, judge, vae, ae] = std::tie(runs().dir, runs().judge, runs().vae, runs().ae);
    const fs::path json = dir / "fid.json";
    const ProcessResult r = cli({"evaluate", vae.string(), "--fid", judge.string(), "--n", "200", "--json", json.string(), "--threads", "2"});
    require_ok(r);
    BOOST_TEST(r.out.find("Image fidelity: 200 images per set") != std::string::npos, r.out);
    const nlohmann::json f = nlohmann::json::parse(read_file(json.string())).at("fidelity");
    BOOST_TEST(f.at("n") == 200);
    BOOST_TEST(f.at("features") == 128);  // classifier_fashion's hidden: [128]
    BOOST_TEST(f.at("reference") == "test");
    const nlohmann::json& s = f.at("sets");
    for (const char* set : {"generated", "training", "blurred", "noised"}) {
        BOOST_TEST_CONTEXT(set) {
            BOOST_TEST(s.at(set).at("fid").get<double>() >= 0.0);
            BOOST_TEST(s.at(set).at("precision").get<double>() >= 0.0);
            BOOST_TEST(s.at(set).at("precision").get<double>() <= 1.0);
            BOOST_TEST(s.at(set).at("recall").get<double>() >= 0.0);
            BOOST_TEST(s.at(set).at("recall").get<double>() <= 1.0);
        }
    }
    const double floor = s.at("training").at("fid").get<double>();
    // Ten steps of a VAE draw grey blobs: far above what other real images score.
    BOOST_TEST(s.at("generated").at("fid").get<double>() > 2 * floor);
    BOOST_TEST(s.at("blurred").at("fid").get<double>() > floor);
    BOOST_TEST(s.at("noised").at("fid").get<double>() > floor);
    BOOST_TEST(s.at("training").at("recall").get<double>() > s.at("generated").at("recall").get<double>());
}

BOOST_AUTO_TEST_CASE(bad_requests_fail_with_their_kind_of_error) {
    const auto& [dir, judge, vae, ae] = std::tie(runs().dir, runs().judge, runs().vae, runs().ae);
    const std::vector<std::string> threads = {"--threads", "2"};
    ProcessResult r = cli({"evaluate", vae.string(), "--fid", (dir / "no-such-run").string(), "--n", "50"}, threads);
    BOOST_TEST(r.exit_code == 5, r.err);
    BOOST_TEST(r.err.find("not a trained run") != std::string::npos, r.err);
    r = cli({"evaluate", vae.string(), "--fid", judge.string(), "--n", "1"}, threads);
    BOOST_TEST(r.exit_code == 2, r.err);
    r = cli({"evaluate", vae.string(), "--fid", judge.string(), "--n", "100000"}, threads);
    BOOST_TEST(r.exit_code == 2, r.err);
    BOOST_TEST(r.err.find("--n 100000") != std::string::npos, r.err);
    r = cli({"evaluate", vae.string(), "--n", "50"}, threads);
    BOOST_TEST(r.exit_code == 2, r.err);
    // An encoder that writes no "features" (the autoencoder's mlp).
    r = cli({"evaluate", vae.string(), "--fid", ae.string() + ":encoder", "--n", "50"}, threads);
    BOOST_TEST(r.exit_code == 5, r.err);
    BOOST_TEST(r.err.find("no output 'features'") != std::string::npos, r.err);
    // A classifier cannot generate.
    r = cli({"evaluate", judge.string(), "--fid", judge.string(), "--n", "50"}, threads);
    BOOST_TEST(r.exit_code == 3, r.err);
    BOOST_TEST(r.err.find("cannot generate") != std::string::npos, r.err);
    // Images on [-1, 1] for a judge trained on [0, 1].
    r = cli({"evaluate", vae.string(), "--fid", judge.string(), "--n", "50", "--set", "data.options.scale=symmetric"}, threads);
    BOOST_TEST(r.exit_code == 5, r.err);
    BOOST_TEST(r.err.find("trained on values in [0, 1]") != std::string::npos, r.err);
}

BOOST_AUTO_TEST_SUITE_END()

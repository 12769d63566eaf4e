// Pipeline files as a user meets them, through the `chimera` binary: every file in
// tests/configs/bad/ is refused with the message its header expects, at its place in the file;
// every shipped config in configs/ validates, trains an epoch on a few hundred images and draws
// the grids its generate section promises. Not a test of training quality (bench/ does that).
#define BOOST_TEST_MODULE configs_pipelines
#include <boost/test/unit_test.hpp>

#include "support/run_process.hpp"

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>

namespace fs = std::filesystem;
using chimera::test::ProcessResult;
using chimera::test::run_process;

namespace {

const int config_error = 3;

// The same files shipped, in a fixed order.
std::vector<fs::path> yaml_files_in(const fs::path& dir) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir))
        if (entry.is_regular_file() && entry.path().extension() == ".yaml") files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    return files;
}

ProcessResult chimera_cli(std::vector<std::string> args) {
    args.insert(args.begin(), CHIMERA_BIN);
    // Only the built-in plugins, and the variable the unset_variable case relies on really unset.
    return run_process(args, {"CHIMERA_PLUGIN_PATH=", "CHIMERA_TEST_UNSET_VARIABLE="});
}

std::string read(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

bool contains(const std::string& text, const std::string& part) {
    bool found = text.find(part) != std::string::npos;
    if (!found) BOOST_TEST_MESSAGE("'" << part << "' not in: " << text);
    return found;
}

// The leading comment lines of a bad config: "# expect: TEXT" (required), "# at: line N" (the
// line the error must name), "# exit: N" (when not a config error).
struct Expectation {
    std::string message;
    std::optional<int> line;
    int exit_code = config_error;
};

Expectation expectation_of(const fs::path& file) {
    Expectation e;
    std::istringstream in(read(file));
    for (std::string text; std::getline(in, text) && text.rfind("#", 0) == 0;) {
        auto value = [&](const std::string& key) -> std::optional<std::string> {
            if (text.rfind(key, 0) != 0) return std::nullopt;
            return text.substr(key.size());
        };
        if (auto v = value("# expect: ")) e.message = *v;
        if (auto v = value("# at: line ")) e.line = std::stoi(*v);
        if (auto v = value("# exit: ")) e.exit_code = std::stoi(*v);
    }
    return e;
}

struct TempDir {
    fs::path path;
    TempDir() {
        static int counter = 0;
        path = fs::temp_directory_path() / ("chimera-configs-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~TempDir() { fs::remove_all(path); }
};

// Width and height of a PNG, from its IHDR chunk (always the first, big-endian).
std::pair<uint32_t, uint32_t> png_size(const fs::path& file) {
    std::string bytes = read(file);
    BOOST_TEST_REQUIRE(bytes.size() >= 24u);
    BOOST_TEST_REQUIRE(bytes.substr(0, 8) == std::string("\x89PNG\r\n\x1a\n", 8));
    BOOST_TEST_REQUIRE(bytes.substr(12, 4) == "IHDR");
    auto be32 = [&](std::size_t at) {
        uint32_t v = 0;
        for (std::size_t k = 0; k < 4; ++k) v = (v << 8) | static_cast<unsigned char>(bytes[at + k]);
        return v;
    };
    return {be32(16), be32(20)};
}

// What framework/io/png_grid.cpp makes of `images` tiles: min(columns, images) per row, a
// `border`-pixel border around and between them.
std::pair<uint32_t, uint32_t> grid_size(int images, int columns, int tile = 28, int border = 2) {
    int per_row = std::min(columns, images);
    int rows = (images + per_row - 1) / per_row;
    return {static_cast<uint32_t>(per_row * (tile + border) + border), static_cast<uint32_t>(rows * (tile + border) + border)};
}

// Every line of metrics.jsonl, each checked to hold only finite numbers besides its split name.
std::vector<nlohmann::json> metric_lines(const fs::path& run) {
    std::vector<nlohmann::json> lines;
    std::istringstream in(read(run / "metrics.jsonl"));
    for (std::string text; std::getline(in, text);) {
        nlohmann::json line = nlohmann::json::parse(text, nullptr, false);
        BOOST_TEST_REQUIRE(!line.is_discarded(), "not JSON: " << text);
        for (const auto& [key, value] : line.items()) {
            if (key == "split") continue;
            BOOST_TEST((value.is_number() && std::isfinite(value.get<double>())), key << " in " << text);
        }
        lines.push_back(line);
    }
    return lines;
}

const nlohmann::json* last_of_split(const std::vector<nlohmann::json>& lines, const std::string& split) {
    const nlohmann::json* found = nullptr;
    for (const auto& l : lines)
        if (l.value("split", "") == split) found = &l;
    return found;
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_broken_pipeline_is_refused_with_its_message_at_its_place) {
    std::vector<fs::path> files = yaml_files_in(CHIMERA_BAD_CONFIGS);
    BOOST_TEST_REQUIRE(files.size() >= 20u);  // a wrong directory must not pass vacuously
    const std::regex place(R"(^(\d+):(\d+)[ :])");
    for (const fs::path& file : files) {
        BOOST_TEST_CONTEXT(file.filename().string()) {
            Expectation expected = expectation_of(file);
            BOOST_TEST_REQUIRE(!expected.message.empty(), "the file needs a first line '# expect: <message>'");
            ProcessResult r = chimera_cli({"validate", file.string()});
            BOOST_TEST(r.exit_code == expected.exit_code);
            BOOST_TEST(r.out.empty());
            BOOST_TEST(contains(r.err, expected.message));
            // chimera: error: FILE:LINE:COL (yaml.path): message
            const std::string prefix = "chimera: error: " + file.string() + ":";
            BOOST_TEST(r.err.rfind(prefix, 0) == 0u, "stderr does not start with '" << prefix << "': " << r.err);
            std::smatch m;
            std::string rest = r.err.rfind(prefix, 0) == 0 ? r.err.substr(prefix.size()) : std::string();
            BOOST_TEST(std::regex_search(rest, m, place), "no LINE:COL after the file name: " << r.err);
            if (expected.line && !m.empty()) BOOST_TEST(std::stoi(m[1].str()) == *expected.line);
        }
    }
}

BOOST_AUTO_TEST_CASE(every_shipped_config_validates) {
    std::vector<fs::path> files = yaml_files_in(CHIMERA_CONFIGS);
    BOOST_TEST_REQUIRE(files.size() >= 3u);
    for (const fs::path& file : files) {
        BOOST_TEST_CONTEXT(file.filename().string()) {
            // The multimodal configs read the test suite's small Fashion-MNIST-MM (FASHION_MM):
            // 600 training examples cannot give the 5,000 a config holds out.
            std::vector<std::string> args = {"validate", file.string()};
            if (YAML::LoadFile(file.string())["data"]["loader"].as<std::string>() != "idx")
                args.insert(args.end(), {"--set", "data.validation.holdout=64"});
            ProcessResult r = chimera_cli(args);
            BOOST_TEST(r.exit_code == 0, r.err);
            BOOST_TEST(contains(r.out, file.string() + ": valid"));
        }
    }
}

// One epoch of 256 images in batches of 32 (a validation holdout of 64 where the config holds
// one out), then generate and reconstruct as far as the config's generate section allows.
BOOST_AUTO_TEST_CASE(every_shipped_config_trains_and_draws) {
    for (const fs::path& config : yaml_files_in(CHIMERA_CONFIGS)) {
        BOOST_TEST_CONTEXT(config.filename().string()) {
            const YAML::Node root = YAML::LoadFile(config.string());
            const bool holdout = root["data"]["validation"]["holdout"].IsDefined();
            const bool validation = root["data"]["validation"].IsDefined();
            const bool test = root["data"]["test"].IsDefined();
            const YAML::Node generate = root["generate"];
            const bool prior = generate.IsDefined() && generate["from"].IsDefined();
            const bool reconstructs = generate.IsDefined() && generate["reconstruct"].IsDefined();
            const bool conditional = generate.IsDefined() && generate["condition"].IsDefined();

            TempDir tmp;
            const fs::path run = tmp.path / "run";
            std::vector<std::string> args = {"train", config.string(), "--out", run.string(), "--threads", "2",
                                             "--set", "train.epochs=1", "--set", "data.options.limit=256",
                                             "--set", "data.batch_size=32", "--set", "train.log_every=2",
                                             "--set", "train.samples=16"};
            if (holdout) args.insert(args.end(), {"--set", "data.validation.holdout=64"});
            ProcessResult r = chimera_cli(args);
            BOOST_TEST_REQUIRE(r.exit_code == 0, "exit " << r.exit_code << "\n" << r.out << r.err);

            std::vector<nlohmann::json> lines = metric_lines(run);
            BOOST_TEST(last_of_split(lines, "train") != nullptr);
            if (validation) BOOST_TEST(last_of_split(lines, "validation") != nullptr);
            if (test) {
                const nlohmann::json* t = last_of_split(lines, "test");
                BOOST_TEST_REQUIRE(t != nullptr, "no test line in metrics.jsonl");
                BOOST_TEST(t->contains("total"));
            }
            BOOST_TEST_REQUIRE(fs::exists(run / "checkpoint.json"));
            nlohmann::json state = nlohmann::json::parse(read(run / "checkpoint.json"));
            BOOST_TEST(state["step"].get<int64_t>() == lines.back()["step"].get<int64_t>());
            BOOST_TEST(fs::exists(run / state["tensors"].get<std::string>()));
            if (prior || reconstructs) BOOST_TEST(fs::exists(run / "samples" / "epoch-001.png"));

            const fs::path generated = tmp.path / "generated.png";
            r = chimera_cli({"generate", run.string(), "--n", "16", "--out", generated.string(), "--threads", "2"});
            if (prior) {
                BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
                // 8 columns, 2 rows; a conditional model draws a row of 8 per class instead.
                BOOST_TEST((png_size(generated) == grid_size(conditional ? 80 : 16, 8)));
                const fs::path walks = tmp.path / "walks.png";
                r = chimera_cli({"generate", run.string(), "--n", "3", "--interpolate", "--steps", "5", "--out", walks.string(),
                             "--threads", "2"});
                BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
                BOOST_TEST((png_size(walks) == grid_size(15, 5)));  // one walk of 5 per row
            } else {
                BOOST_TEST(r.exit_code == config_error);
                BOOST_TEST(contains(r.err, "names no prior ('from')"));
                BOOST_TEST(!fs::exists(generated));
            }

            // Multimodal models: every modality from the prior at once, and each from each other.
            if (generate.IsDefined() && generate["modalities"].IsDefined()) {
                std::vector<std::string> names;
                for (const auto& m : generate["modalities"]) names.push_back(m.first.as<std::string>());
                std::string all;
                for (const auto& n : names) all += (all.empty() ? "" : ",") + n;
                r = chimera_cli({"generate", run.string(), "--to", all, "--n", "2", "--out", (tmp.path / "joint").string()});
                BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
                for (const auto& n : names) BOOST_TEST(contains(r.out, "Wrote 2 " + n));
                if (std::find(names.begin(), names.end(), "text") != names.end()) {
                    r = chimera_cli({"generate", run.string(), "--from", "text=a sandal", "--n", "2", "--out", (tmp.path / "from-text").string()});
                    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
                    BOOST_TEST(contains(r.out, "Wrote 2 image"));
                }
            }

            const fs::path rebuilt = tmp.path / "reconstructions.png";
            r = chimera_cli({"reconstruct", run.string(), "--n", "12", "--out", rebuilt.string(), "--threads", "2"});
            if (reconstructs) {
                BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
                // 12 examples fill 2 rows of 8; each row of originals is followed by its reconstructions.
                BOOST_TEST((png_size(rebuilt) == grid_size(2 * 2 * 8, 8)));
            } else {
                BOOST_TEST(r.exit_code == config_error);
                BOOST_TEST(contains(r.err, "names no data field to reconstruct"));
                BOOST_TEST(!fs::exists(rebuilt));
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(summary_counts_the_parameters_of_each_node) {
    ProcessResult r = chimera_cli({"summary", std::string(CHIMERA_CONFIGS) + "/gan_mlp_fashion.yaml"});
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    BOOST_TEST(contains(r.out, "Total params: 579,728"));  // generator: 100-128-256-512-784
    BOOST_TEST(contains(r.out, "Total params: 533,505"));  // discriminator: 784-512-256-1
}

BOOST_AUTO_TEST_CASE(an_override_is_checked_like_the_file) {
    const std::string vae = std::string(CHIMERA_CONFIGS) + "/vae_mlp_fashion.yaml";
    ProcessResult r = chimera_cli({"validate", vae, "--set", "nodes.encoder.options.hidden=relu"});
    BOOST_TEST(r.exit_code == config_error);
    BOOST_TEST(contains(r.err, "(nodes.encoder.options.hidden)"));
    BOOST_TEST(contains(r.err, "'relu'"));
    // The value came from the command line: the error must not point into the file as if it were there.
    BOOST_TEST(r.err.find(vae + ":") == std::string::npos, r.err);
}

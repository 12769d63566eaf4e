// The multimodal models end to end, through the `chimera` binary, on a tiny Fashion-MNIST-MM set
// (600 training and 100 test examples, built by scripts/make_fashion_mm.py as a CTest fixture):
// the three judges train, a short MoPoE run trains, and every direction of generation gives
// files that decode: PNG grids of the right size, captions made of the vocabulary's words, WAV
// files libsndfile reads as 16 kHz mono sound. `chimera evaluate` reports every coherence figure
// in [0, 1] and its judges work. Bad inputs are errors naming them. Quality is bench/'s job.
#define BOOST_TEST_MODULE configs_multimodal
#include <boost/test/unit_test.hpp>

#include "support/run_process.hpp"

#include <nlohmann/json.hpp>
#include <png.h>
#include <sndfile.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace fs = std::filesystem;
using chimera::test::ProcessResult;
using chimera::test::read_file;
using chimera::test::run_process;

namespace {

const std::string configs = CHIMERA_CONFIGS;
const std::string data = FASHION_MM_SUBSET;

ProcessResult chimera_cli(std::vector<std::string> args) {
    args.insert(args.begin(), CHIMERA_BIN);
    args.insert(args.end(), {"--threads", "2"});
    return run_process(args, {"CHIMERA_PLUGIN_PATH=", "FASHION_MM=" + data});
}

void require_ok(const ProcessResult& r) { BOOST_REQUIRE_MESSAGE(r.exit_code == 0, "exit " << r.exit_code << "\n" << r.out << r.err); }

bool contains(const std::string& text, const std::string& part) {
    const bool found = text.find(part) != std::string::npos;
    if (!found) BOOST_TEST_MESSAGE("'" << part << "' not in: " << text);
    return found;
}

struct Png {
    uint32_t width = 0, height = 0;
    std::vector<unsigned char> px;
};
Png read_png(const fs::path& p) {
    png_image image{};
    image.version = PNG_IMAGE_VERSION;
    BOOST_TEST_REQUIRE(png_image_begin_read_from_file(&image, p.c_str()) != 0, p);
    image.format = PNG_FORMAT_GRAY;
    Png out{image.width, image.height, std::vector<unsigned char>(PNG_IMAGE_SIZE(image))};
    BOOST_TEST_REQUIRE(png_image_finish_read(&image, nullptr, out.px.data(), 0, nullptr) != 0, p);
    return out;
}

// A 28x28 grayscale image as a PNG file, as a person would give one.
void write_png(const fs::path& p, const std::vector<unsigned char>& px) {
    png_image image{};
    image.version = PNG_IMAGE_VERSION;
    image.width = 28;
    image.height = 28;
    image.format = PNG_FORMAT_GRAY;
    BOOST_TEST_REQUIRE(png_image_write_to_file(&image, p.c_str(), 0, px.data(), 0, nullptr) != 0);
}

// Frames of a WAV file as libsndfile reads it, with its rate and channels; the peak amplitude.
struct Sound {
    int rate = 0, channels = 0;
    int64_t frames = 0;
    double peak = 0;
};
Sound read_wav(const fs::path& p) {
    SF_INFO info{};
    SNDFILE* f = sf_open(p.c_str(), SFM_READ, &info);
    BOOST_TEST_REQUIRE(f != nullptr, p << ": " << sf_strerror(nullptr));
    std::vector<float> x(static_cast<std::size_t>(info.frames * info.channels));
    sf_readf_float(f, x.data(), info.frames);
    sf_close(f);
    Sound s{info.samplerate, info.channels, info.frames, 0.0};
    for (float v : x) s.peak = std::max(s.peak, static_cast<double>(std::abs(v)));
    return s;
}

// The run's words: every line of data/text_vocabulary.txt but the header.
std::set<std::string> vocabulary(const fs::path& run) {
    std::istringstream in(read_file((run / "data" / "text_vocabulary.txt").string()));
    std::set<std::string> words;
    std::string line;
    std::getline(in, line);
    BOOST_TEST_REQUIRE(line == "chimera-vocabulary 1 word");
    while (std::getline(in, line)) words.insert(line);
    return words;
}

// Lines of a caption file, each checked to be words of the vocabulary (or "?", unknown).
std::vector<std::string> captions(const fs::path& file, const std::set<std::string>& words) {
    std::istringstream in(read_file(file.string()));
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) {
        std::istringstream w(line);
        for (std::string word; w >> word;) BOOST_TEST((words.count(word) || word == "?"), "'" << word << "' in '" << line << "'");
        lines.push_back(line);
    }
    return lines;
}

struct Runs {
    fs::path dir = fs::temp_directory_path() / ("chimera-multimodal-" + std::to_string(::getpid()));
    fs::path image_judge = dir / "image_judge", text_judge = dir / "text_judge", audio_judge = dir / "audio_judge",
             mopoe = dir / "mopoe";
    Runs() {
        fs::remove_all(dir);
        const std::vector<std::string> small = {"--set", "data.batch_size=32", "--set", "data.validation.holdout=64"};
        auto train = [&](const std::string& config, const fs::path& out, std::vector<std::string> extra) {
            std::vector<std::string> args = {"train", configs + "/" + config, "--out", out.string()};
            args.insert(args.end(), small.begin(), small.end());
            args.insert(args.end(), extra.begin(), extra.end());
            require_ok(chimera_cli(args));
        };
        train("classifier_fashion.yaml", image_judge, {"--set", "data.options.limit=600", "--set", "train.epochs=2"});
        train("text_classifier_fashion_mm.yaml", text_judge, {"--set", "train.epochs=3"});
        train("audio_classifier_fashion_mm.yaml", audio_judge, {"--set", "train.epochs=8"});
        train("mopoe_image_text_audio.yaml", mopoe, {"--set", "train.epochs=1", "--set", "train.samples=8"});
    }
    ~Runs() { fs::remove_all(dir); }
};

Runs& runs() {
    static Runs r;
    return r;
}

}  // namespace

BOOST_AUTO_TEST_CASE(captions_become_images_and_images_become_captions) {
    Runs& r = runs();
    const fs::path boots = r.dir / "boots.png";
    ProcessResult g = chimera_cli({"generate", r.mopoe.string(), "--from", "text=an ankle boot", "--to", "image", "--n", "5",
                                   "--columns", "5", "--out", boots.string()});
    require_ok(g);
    const Png grid = read_png(boots);
    BOOST_TEST(grid.width == 5u * 30 + 2);  // five 28-pixel tiles with 2-pixel borders
    BOOST_TEST(grid.height == 30u + 2);
    // The five are samples of one posterior: not all the same.
    bool differ = false;
    for (uint32_t y = 2; y < 30; ++y)
        for (uint32_t x = 2; x < 30; ++x) differ = differ || grid.px[y * grid.width + x] != grid.px[y * grid.width + x + 30];
    BOOST_TEST(differ);

    // A test image as a person's PNG file: captions made of the vocabulary's words, one per line.
    std::vector<unsigned char> px(28 * 28);
    const Png first_boots = grid;  // any 28x28 image will do: the first tile of the grid
    for (uint32_t y = 0; y < 28; ++y)
        for (uint32_t x = 0; x < 28; ++x) px[y * 28 + x] = first_boots.px[(y + 2) * grid.width + x + 2];
    const fs::path one = r.dir / "one.png";
    write_png(one, px);
    const fs::path text = r.dir / "captions.txt";
    g = chimera_cli({"generate", r.mopoe.string(), "--from", "image=" + one.string(), "--to", "text", "--n", "3", "--out", text.string()});
    require_ok(g);
    const std::vector<std::string> lines = captions(text, vocabulary(r.mopoe));
    BOOST_TEST(lines.size() == 3u);
    for (const auto& l : lines) BOOST_TEST(contains(g.out, l));  // also printed
}

BOOST_AUTO_TEST_CASE(speech_becomes_every_modality_and_the_prior_draws_all_three_together) {
    Runs& r = runs();
    const fs::path out = r.dir / "from-speech";
    std::string clip;
    for (const auto& e : fs::directory_iterator(fs::path(data) / "audio")) clip = e.path().string();
    require_ok(chimera_cli({"generate", r.mopoe.string(), "--from", "audio=" + clip, "--to", "image,text,audio", "--n", "2",
                            "--out", out.string()}));
    BOOST_TEST(read_png(out / "image.png").width == 2u * 30 + 2);
    BOOST_TEST(captions(out / "text.txt", vocabulary(r.mopoe)).size() == 2u);
    for (const char* wav : {"audio-01.wav", "audio-02.wav"}) {
        const Sound s = read_wav(out / wav);
        BOOST_TEST(s.rate == 16000);
        BOOST_TEST(s.channels == 1);
        BOOST_TEST(s.frames == 63 * 320 + 1024);  // the loader's 64 frames of hop 320, window 1024
        BOOST_TEST(s.peak > 0.0);
    }
    const fs::path prior = r.dir / "prior";
    ProcessResult g = chimera_cli({"generate", r.mopoe.string(), "--to", "image,text,audio", "--n", "3", "--out", prior.string()});
    require_ok(g);
    BOOST_TEST(read_png(prior / "image.png").width == 3u * 30 + 2);
    BOOST_TEST(captions(prior / "text.txt", vocabulary(r.mopoe)).size() == 3u);
    BOOST_TEST(read_wav(prior / "audio-03.wav").rate == 16000);
}

// The test log-likelihood of each modality from its own posterior, and of all three together.
BOOST_AUTO_TEST_CASE(evaluate_estimates_each_modality_s_likelihood_and_the_joint) {
    Runs& r = runs();
    const fs::path json = r.dir / "likelihood.json";
    require_ok(chimera_cli({"evaluate", r.mopoe.string(), "--nll", "8", "--limit", "30", "--probe-train", "0", "--json", json.string()}));
    const nlohmann::json nll = nlohmann::json::parse(read_file(json.string()))["likelihood"];
    BOOST_TEST(nll["samples"].get<int64_t>() == 8);
    double largest = 0;
    for (const char* m : {"image", "text", "audio", "joint"}) {
        BOOST_TEST_REQUIRE(nll["nll"][m].is_object(), m);
        const double value = nll["nll"][m]["nll"].get<double>(), bound = -nll["nll"][m]["elbo"].get<double>();
        const int64_t examples = nll["nll"][m]["examples"].get<int64_t>();
        BOOST_TEST((examples > 0 && examples <= 30), m << ": " << examples);
        BOOST_TEST(std::isfinite(value), m);
        BOOST_TEST(value > 0.0, m << ": " << value);
        // log of a mean is at least the mean of the logs, example by example.
        BOOST_TEST(bound >= value, m << ": one-sample bound " << bound << " below " << value);
        if (std::string(m) != "joint") largest = std::max(largest, value);
        else BOOST_TEST(value > largest, "joint " << value << " not above every modality's");
    }
}

BOOST_AUTO_TEST_CASE(evaluate_reports_coherence_with_judges_from_their_own_runs) {
    Runs& r = runs();
    const fs::path json = r.dir / "evaluation.json";
    ProcessResult e = chimera_cli({"evaluate", r.mopoe.string(), "--judge", "image=" + r.image_judge.string(), "--judge",
                                   "text=" + r.text_judge.string(), "--judge", "audio=" + r.audio_judge.string(), "--probe-train",
                                   "300", "--json", json.string()});
    require_ok(e);
    BOOST_TEST(contains(e.out, "Cross-modal coherence (100 examples, decoding posterior samples)"));
    const nlohmann::json report = nlohmann::json::parse(read_file(json.string()));
    BOOST_TEST(report["metrics"].contains("total"));
    const nlohmann::json& c = report["coherence"];
    for (const char* source : {"image", "text", "audio", "all"})
        for (const char* target : {"image", "text", "audio"}) {
            const double v = c["cross_coherence"][source][target].get<double>();
            BOOST_TEST((v >= 0.0 && v <= 1.0), source << " -> " << target << ": " << v);
        }
    // Captions and speech name their class plainly: judges trained on 536 examples know them.
    BOOST_TEST(c["judges"]["text"]["accuracy"].get<double>() >= 0.9);
    BOOST_TEST(c["judges"]["audio"]["accuracy"].get<double>() >= 0.9);
    const double joint = c["joint_coherence"]["all_agree"].get<double>();
    BOOST_TEST((joint >= 0.0 && joint <= 1.0));
    BOOST_TEST(c["joint_coherence"]["samples"].get<int64_t>() == 100);
    BOOST_TEST(c["linear_probe"]["training_examples"].get<int64_t>() == 300);
    // The text expert alone tells the class to a linear probe of its posterior mean.
    BOOST_TEST(c["linear_probe"]["accuracy"]["text"].get<double>() >= 0.8);
    // Decoding the posterior mean in place of samples: no randomness left in the posterior, so
    // two evaluations under other seeds agree exactly.
    std::vector<nlohmann::json> means;
    for (const char* seed : {"1", "2"}) {
        const fs::path mean_json = r.dir / (std::string("mean-") + seed + ".json");
        require_ok(chimera_cli({"evaluate", r.mopoe.string(), "--judge", "image=" + r.image_judge.string(), "--judge",
                                "text=" + r.text_judge.string(), "--judge", "audio=" + r.audio_judge.string(), "--decode", "mean",
                                "--limit", "40", "--probe-train", "0", "--joint-samples", "8", "--seed", seed, "--json", mean_json.string()}));
        means.push_back(nlohmann::json::parse(read_file(mean_json.string()))["coherence"]);
    }
    BOOST_TEST(means[0]["decoding"] == "mean");
    BOOST_TEST(means[0]["cross_coherence"] == means[1]["cross_coherence"]);
    BOOST_TEST(means[0]["cross_coherence_examples"]["text"]["image"].get<int64_t>() == 40);
}

BOOST_AUTO_TEST_CASE(bad_inputs_are_named) {
    Runs& r = runs();
    ProcessResult g = chimera_cli({"generate", r.mopoe.string(), "--from", "smell=roses", "--to", "image"});
    BOOST_TEST(g.exit_code == 2);
    BOOST_TEST(contains(g.err, "no modality 'smell'"));
    BOOST_TEST(contains(g.err, "(modalities: image, text, audio)"));
    g = chimera_cli({"generate", r.mopoe.string(), "--from", "image=" + (r.dir / "missing.png").string()});
    BOOST_TEST(g.exit_code == 5);
    BOOST_TEST(contains(g.err, "missing.png: not a readable PNG image"));
    std::ofstream(r.dir / "noise.wav") << "RIFF, but not really";
    g = chimera_cli({"generate", r.mopoe.string(), "--from", "audio=" + (r.dir / "noise.wav").string()});
    BOOST_TEST(g.exit_code == 5);
    BOOST_TEST(contains(g.err, "noise.wav: not a readable sound file"));
    g = chimera_cli({"generate", r.mopoe.string(), "--from", "text=purple zebra", "--to", "image"});
    BOOST_TEST(g.exit_code == 5);
    BOOST_TEST(contains(g.err, "text 'purple zebra': none of its words is in the vocabulary"));
    g = chimera_cli({"generate", r.mopoe.string(), "--to", "text", "--out", (r.dir / "captions.png").string()});
    BOOST_TEST(g.exit_code == 2);
    BOOST_TEST(contains(g.err, "text is written as .txt files, not .png"));
    BOOST_TEST(!fs::exists(r.dir / "captions.png"));
    g = chimera_cli({"evaluate", r.mopoe.string(), "--judge", "text=" + (r.dir / "nowhere").string()});
    BOOST_TEST(g.exit_code == 5);
    BOOST_TEST(contains(g.err, "nowhere is not a trained run"));
    // The run's vocabulary damaged: generation refuses it, naming the file and line.
    const fs::path vocab = r.mopoe / "data" / "text_vocabulary.txt";
    const std::string saved = read_file(vocab.string());
    std::ofstream(vocab) << "chimera-vocabulary 1 word\nboot\nboot\n";
    g = chimera_cli({"generate", r.mopoe.string(), "--to", "text", "--n", "1"});
    std::ofstream(vocab) << saved;
    BOOST_TEST(g.exit_code == 5);
    BOOST_TEST(contains(g.err, "text_vocabulary.txt:3: 'boot' is listed twice"));
}

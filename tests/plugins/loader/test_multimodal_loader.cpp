// The audio and multimodal loaders on a hand-made Fashion-MNIST-MM directory: WAV clips written
// here (sines at known pitches), images from Debian's Fashion-MNIST by index. Checks the fields
// and their order, that each example's image, caption and clip are its own, the presence masks of
// dropped captions and clips, and errors naming the manifest, the example and the bad file.
#include <boost/test/unit_test.hpp>

#include "core/host_error.hpp"
#include "support/plugin_session.hpp"

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

using namespace chimera;
namespace fs = std::filesystem;

namespace {

// A 16-bit mono PCM WAV of a sine, written by hand (the test needs no sound library).
void write_sine(const fs::path& path, double hz, double seconds, int rate = 16000) {
    const auto n = static_cast<uint32_t>(seconds * rate);
    std::ofstream out(path, std::ios::binary);
    auto u32 = [&](uint32_t v) { out.write(reinterpret_cast<const char*>(&v), 4); };
    auto u16 = [&](uint16_t v) { out.write(reinterpret_cast<const char*>(&v), 2); };
    out << "RIFF";
    u32(36 + 2 * n);
    out << "WAVEfmt ";
    u32(16);
    u16(1);
    u16(1);
    u32(static_cast<uint32_t>(rate));
    u32(static_cast<uint32_t>(rate) * 2);
    u16(2);
    u16(16);
    out << "data";
    u32(2 * n);
    for (uint32_t i = 0; i < n; ++i) u16(static_cast<uint16_t>(static_cast<int16_t>(8000 * std::sin(2 * M_PI * hz * i / rate))));
}

struct MultimodalSession : chimera::test::PluginSession {
    fs::path dir = fs::temp_directory_path() / ("chimera-mm-" + std::to_string(::getpid()));
    MultimodalSession() : PluginSession({MULTIMODAL_PLUGIN_FILE, IDX_PLUGIN_FILE}) {
        fs::create_directories(dir / "audio");
        write_sine(dir / "audio/low.wav", 300, 0.5);
        write_sine(dir / "audio/high.wav", 3000, 0.5);
        write(std::string("id\tsplit\tindex\tlabel\tcaption\taudio\n") +
              "train/00000\ttrain\t0\t9\tan ankle boot\taudio/low.wav\n" +
              "train/00001\ttrain\t1\t0\ta tee\taudio/high.wav\n" +
              "train/00002\ttrain\t2\t0\t\taudio/high.wav\n" +
              "train/00003\ttrain\t3\t3\ta dress\t\n" +
              "test/00000\ttest\t0\t9\ta boot\taudio/low.wav\n");
    }
    ~MultimodalSession() { fs::remove_all(dir); }
    void write(const std::string& body) { std::ofstream(dir / "manifest.tsv") << body; }
    std::unique_ptr<ComponentInstance> loader(const std::string& component, const std::string& yaml) {
        return make(CHM_KIND_LOADER, component, "manifest: " + (dir / "manifest.tsv").string() + "\n" + yaml, "data",
                    "pipe.yaml", "data.train");
    }
    std::string error_of(const std::string& component, const std::string& yaml) {
        try {
            loader(component, yaml);
        } catch (const std::exception& e) {
            return e.what();
        }
        return "no error";
    }
};

std::vector<std::string> names(const ComponentInstance& l) {
    std::vector<std::string> out;
    for (const FieldInfo& f : l.fields()) out.push_back(f.name);
    return out;
}

// Mean of the features in the bands of an audio row [mels, frames] below / above `split_band`.
std::pair<double, double> low_high(const float* row, int64_t mels, int64_t frames, int64_t split_band) {
    double low = 0, high = 0;
    for (int64_t m = 0; m < mels; ++m)
        for (int64_t t = 0; t < frames; ++t) (m < split_band ? low : high) += row[m * frames + t];
    return {low / double(split_band * frames), high / double((mels - split_band) * frames)};
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_multimodal_loader_joins_each_examples_image_caption_and_clip) {
    MultimodalSession s;
    auto l = s.loader("multimodal", "length: 4\nmels: 16\nframes: 20");
    BOOST_TEST(l->size() == 4);
    BOOST_TEST(names(*l) == std::vector<std::string>({"image", "image_mask", "text", "text_length", "text_mask", "audio",
                                                      "audio_mask", "label"}),
               boost::test_tools::per_element());
    BOOST_TEST(l->fields()[5].shape == Shape({16, 20}), boost::test_tools::per_element());
    auto b = s.read_batch(*l, {3, 0, 1, 2});
    // Images are the IDX file's by index: the same pixels the idx loader reads.
    auto idx = s.make(CHM_KIND_LOADER, "idx", "limit: 4", "images");
    auto reference = s.read_batch(*idx, {3, 0, 1, 2});
    BOOST_TEST(std::equal(b[0].data<float>(), b[0].data<float>() + b[0].numel(), reference[0].data<float>()));
    BOOST_TEST(b[1].data<float>()[0] == 1.0f);
    // Captions: "a dress" (row 3), then "an ankle boot"; the dropped caption of row 2 is empty.
    const int32_t* length = b[3].data<int32_t>();
    BOOST_TEST(std::vector<int32_t>(length, length + 4) == std::vector<int32_t>({2, 3, 2, 0}), boost::test_tools::per_element());
    const float* text_mask = b[4].data<float>();
    BOOST_TEST(std::vector<float>(text_mask, text_mask + 4) == std::vector<float>({1, 1, 1, 0}), boost::test_tools::per_element());
    // Audio: row 3 has none (zeros, mask 0); row 0 is the low sine, rows 1 and 2 the high one.
    const float* audio = b[5].data<float>();
    const int64_t size = 16 * 20;
    BOOST_TEST(*std::max_element(audio, audio + size) == 0.0f);
    const auto low = low_high(audio + size, 16, 20, 4), high = low_high(audio + 2 * size, 16, 20, 4);
    BOOST_TEST(low.first > low.second);
    BOOST_TEST(high.second > high.first);
    BOOST_TEST(std::equal(audio + 2 * size, audio + 3 * size, audio + 3 * size));  // the same clip, the same features
    const float* audio_mask = b[6].data<float>();
    BOOST_TEST(std::vector<float>(audio_mask, audio_mask + 4) == std::vector<float>({0, 1, 1, 1}), boost::test_tools::per_element());
    const int32_t* label = b[7].data<int32_t>();
    BOOST_TEST(std::vector<int32_t>(label, label + 4) == std::vector<int32_t>({3, 9, 0, 0}), boost::test_tools::per_element());
    // A subset of modalities, in the order named.
    auto some = s.loader("multimodal", "modalities: [audio, text]\nsplit: test");
    BOOST_TEST(names(*some) == std::vector<std::string>({"audio", "audio_mask", "text", "text_length", "text_mask", "label"}),
               boost::test_tools::per_element());
    BOOST_TEST(some->size() == 1);
}

BOOST_AUTO_TEST_CASE(the_audio_loader_reads_spectrograms_with_a_mask) {
    MultimodalSession s;
    auto l = s.loader("audio", "mels: 8\nframes: 10");
    BOOST_TEST(names(*l) == std::vector<std::string>({"audio", "audio_mask", "label"}), boost::test_tools::per_element());
    BOOST_TEST(l->fields()[0].shape == Shape({8, 10}), boost::test_tools::per_element());
    auto b = s.read_batch(*l, {0, 3});
    const float* audio = b[0].data<float>();
    BOOST_TEST(*std::max_element(audio, audio + 80) > 0.5f);
    BOOST_TEST(*std::max_element(audio + 80, audio + 160) == 0.0f);
    BOOST_TEST(b[1].data<float>()[0] == 1.0f);
    BOOST_TEST(b[1].data<float>()[1] == 0.0f);
}

BOOST_AUTO_TEST_CASE(bad_clips_indices_and_options_are_named) {
    MultimodalSession s;
    std::ofstream(s.dir / "audio/high.wav") << "RIFF but not really";
    std::string e = s.error_of("audio", "");
    BOOST_TEST(e.find("manifest.tsv: example train/00001: ") != std::string::npos, e);
    BOOST_TEST(e.find("high.wav: not a readable sound file") != std::string::npos, e);
    write_sine(s.dir / "audio/high.wav", 3000, 0.5, 8000);
    e = s.error_of("multimodal", "modalities: [audio]");
    BOOST_TEST(e.find("high.wav: sampled at 8000 Hz, expected 16000 Hz") != std::string::npos, e);
    e = s.error_of("multimodal", "modalities: [image, smell]");
    BOOST_TEST(e.find("pipe.yaml") != std::string::npos, e);
    BOOST_TEST(e.find("unknown modality 'smell'") != std::string::npos, e);
    e = s.error_of("audio", "window: 256\nhop: 512");
    BOOST_TEST(e.find("the hop (512) must not exceed the window (256)") != std::string::npos, e);
    s.write(std::string("id\tsplit\tindex\tlabel\tcaption\taudio\n") + "train/00000\ttrain\t60000\t9\ta boot\t\n");
    e = s.error_of("multimodal", "modalities: [image]");
    BOOST_TEST(e.find("example train/00000 names image 60000 but") != std::string::npos, e);
    s.write(std::string("id\tsplit\tindex\tlabel\tcaption\taudio\n") + "train/00000\ttrain\tx7\t9\ta boot\t\n");
    e = s.error_of("multimodal", "modalities: [text]");
    BOOST_TEST(e.find("manifest.tsv:2: index 'x7' is not a non-negative integer") != std::string::npos, e);
}

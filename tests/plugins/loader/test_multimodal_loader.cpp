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
    // The status create failed with: CHM_ERR_IO for data that cannot be read (the host's exit 5),
    // CHM_ERR_INVALID_ARGUMENT for options it refuses (exit 3); CHM_OK when it did not fail.
    chm_status status_of(const std::string& component, const std::string& yaml) {
        try {
            loader(component, yaml);
        } catch (const PluginError& e) {
            return e.status().value_or(CHM_ERR_RUNTIME);
        }
        return CHM_OK;
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
    BOOST_TEST(s.status_of("audio", "") == CHM_ERR_IO);
    write_sine(s.dir / "audio/high.wav", 3000, 0.5, 8000);
    e = s.error_of("multimodal", "modalities: [audio]");
    BOOST_TEST(e.find("high.wav: sampled at 8000 Hz, expected 16000 Hz") != std::string::npos, e);
    BOOST_TEST(s.status_of("multimodal", "modalities: [audio]") == CHM_ERR_IO);
    e = s.error_of("multimodal", "modalities: [image, smell]");
    BOOST_TEST(e.find("pipe.yaml") != std::string::npos, e);
    BOOST_TEST(e.find("unknown modality 'smell'") != std::string::npos, e);
    BOOST_TEST(s.status_of("multimodal", "modalities: [image, smell]") == CHM_ERR_INVALID_ARGUMENT);
    e = s.error_of("audio", "window: 256\nhop: 512");
    BOOST_TEST(e.find("the hop (512) must not exceed the window (256)") != std::string::npos, e);
    BOOST_TEST(s.status_of("audio", "window: 256\nhop: 512") == CHM_ERR_INVALID_ARGUMENT);
    s.write(std::string("id\tsplit\tindex\tlabel\tcaption\taudio\n") + "train/00000\ttrain\t60000\t9\ta boot\t\n");
    e = s.error_of("multimodal", "modalities: [image]");
    BOOST_TEST(e.find("example train/00000 names image 60000 but") != std::string::npos, e);
    BOOST_TEST(s.status_of("multimodal", "modalities: [image]") == CHM_ERR_IO);
    s.write(std::string("id\tsplit\tindex\tlabel\tcaption\taudio\n") + "train/00000\ttrain\tx7\t9\ta boot\t\n");
    e = s.error_of("multimodal", "modalities: [text]");
    BOOST_TEST(e.find("manifest.tsv:2: index 'x7' is not a non-negative integer") != std::string::npos, e);
    BOOST_TEST(s.status_of("multimodal", "modalities: [text]") == CHM_ERR_IO);
}

namespace {

// One zeroed [1, shape] tensor per field of `l`, as the host hands encode.
std::vector<Tensor> empty_example(chimera::test::PluginSession& s, const ComponentInstance& l) {
    std::vector<Tensor> out;
    for (const FieldInfo& f : l.fields()) {
        Shape shape{1};
        shape.insert(shape.end(), f.shape.begin(), f.shape.end());
        out.push_back(s.ctx.zeros(f.dtype, shape));
    }
    return out;
}

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

uint32_t le32(const std::string& b, std::size_t at) {
    uint32_t v = 0;
    for (int i = 3; i >= 0; --i) v = v << 8 | static_cast<unsigned char>(b[at + i]);
    return v;
}

}  // namespace

// A caption typed by a person is tokenised as the training captions were; generated ids read
// back as the words they stand for; the vocabulary saved with a run replaces the loader's own.
BOOST_AUTO_TEST_CASE(captions_encode_decode_and_the_vocabulary_is_saved_and_restored) {
    MultimodalSession s;
    auto l = s.loader("multimodal", "modalities: [text]\nlength: 4");
    const std::vector<Tensor> read = s.read_batch(*l, {0});  // "an ankle boot"
    std::vector<Tensor> ex = empty_example(s, *l);
    BOOST_TEST_REQUIRE(l->encode("text", "An ANKLE boot", ex));
    BOOST_TEST(std::equal(ex[0].data<int32_t>(), ex[0].data<int32_t>() + 4, read[0].data<int32_t>()));
    BOOST_TEST(ex[1].data<int32_t>()[0] == 3);
    BOOST_TEST(ex[2].data<float>()[0] == 1.0f);
    BOOST_TEST(!l->encode("audio", "x.wav", ex));  // not a field this loader reads
    ComponentInstance::Decoded d;
    BOOST_TEST_REQUIRE(l->decode("text", read[0], d));
    BOOST_TEST(d.media_type == "text/plain; charset=utf-8");
    BOOST_TEST(d.bytes == "an ankle boot\n");
    // Words never seen in training read as unknown ("?"); a caption of nothing but those is an error.
    BOOST_TEST_REQUIRE(l->encode("text", "a purple boot", ex));
    BOOST_TEST_REQUIRE(l->decode("text", ex[0], d));
    BOOST_TEST(d.bytes == "a ? boot\n");
    std::string e;
    try {
        l->encode("text", "purple zebra", ex);
    } catch (const PluginError& err) {
        e = err.what();
    }
    BOOST_TEST(e.find("text 'purple zebra': none of its words is in the vocabulary") != std::string::npos, e);
    // Saved, then restored by a loader of another manifest: that loader numbers words as the run did.
    const fs::path run = s.dir / "run";
    fs::create_directories(run);
    l->save(run.string());
    BOOST_TEST(read_file(run / "text_vocabulary.txt").rfind("chimera-vocabulary 1 word\na\n", 0) == 0u);
    s.write(std::string("id\tsplit\tindex\tlabel\tcaption\taudio\n") + "train/00000\ttrain\t0\t9\tboot boot boot dress\t\n");
    auto other = s.loader("multimodal", "modalities: [text]\nlength: 4");
    std::vector<Tensor> before = s.read_batch(*other, {0});
    other->restore(run.string());
    std::vector<Tensor> after = s.read_batch(*other, {0});
    BOOST_TEST_REQUIRE(other->decode("text", after[0], d));
    BOOST_TEST(d.bytes == "boot boot boot dress\n");
    BOOST_TEST(before[0].data<int32_t>()[0] != after[0].data<int32_t>()[0]);  // "boot" had id 2 here, not in the run
    // A damaged vocabulary file is an error naming it and its line; one of characters does not fit.
    std::ofstream(run / "text_vocabulary.txt") << "chimera-vocabulary 1 word\nboot\nboot\n";
    e.clear();
    try {
        other->restore(run.string());
    } catch (const PluginError& err) {
        e = err.what();
    }
    BOOST_TEST(e.find("text_vocabulary.txt:3: 'boot' is listed twice") != std::string::npos, e);
    std::ofstream(run / "text_vocabulary.txt") << "chimera-vocabulary 1 char\na\n";
    e.clear();
    try {
        other->restore(run.string());
    } catch (const PluginError& err) {
        e = err.what();
    }
    BOOST_TEST(e.find("a vocabulary of characters, but this loader reads words (option level)") != std::string::npos, e);
}

// A WAV file a person gives becomes the spectrogram the loader reads for the same clip; a
// generated spectrogram becomes a 16 kHz mono WAV whose own spectrogram is close to it.
BOOST_AUTO_TEST_CASE(speech_encodes_from_wav_files_and_decodes_to_them) {
    MultimodalSession s;
    auto l = s.loader("audio", "mels: 16\nframes: 20");
    const std::vector<Tensor> read = s.read_batch(*l, {0});  // the low sine
    std::vector<Tensor> ex = empty_example(s, *l);
    BOOST_TEST_REQUIRE(l->encode("audio", (s.dir / "audio/low.wav").string(), ex));
    BOOST_TEST(std::equal(ex[0].data<float>(), ex[0].data<float>() + 320, read[0].data<float>()));
    BOOST_TEST(ex[1].data<float>()[0] == 1.0f);
    ComponentInstance::Decoded d;
    BOOST_TEST_REQUIRE(l->decode("audio", read[0], d));
    BOOST_TEST(d.media_type == "audio/wav");
    BOOST_TEST_REQUIRE(d.bytes.size() > 44u);
    BOOST_TEST(d.bytes.substr(0, 4) == "RIFF");
    BOOST_TEST(d.bytes.substr(8, 8) == "WAVEfmt ");
    BOOST_TEST(le32(d.bytes, 24) == 16000u);                      // sample rate
    BOOST_TEST((le32(d.bytes, 20) & 0xffff0000u) == 0x00010000u);  // one channel
    BOOST_TEST(le32(d.bytes, 40) == d.bytes.size() - 44);
    // Heard back: the decoded sound has the loud cells it came from, within Griffin-Lim's error,
    // and what was silent stays more than 20 dB (a quarter of the 80 dB range) below them.
    std::ofstream(s.dir / "back.wav", std::ios::binary) << d.bytes;
    std::vector<Tensor> back = empty_example(s, *l);
    BOOST_TEST_REQUIRE(l->encode("audio", (s.dir / "back.wav").string(), back));
    double error = 0, loud = 0, quiet_peak = 0;
    for (int64_t i = 0; i < 320; ++i) {
        const double a = read[0].data<float>()[i], b = back[0].data<float>()[i];
        if (a > 0.5) error += std::abs(a - b), ++loud;
        else quiet_peak = std::max(quiet_peak, b);
    }
    BOOST_TEST_REQUIRE(loud >= 20);
    BOOST_TEST(error / loud < 0.03);
    BOOST_TEST(quiet_peak < 0.82 - 0.25);
    // Files that are not sound, or at another rate, are errors naming them.
    std::ofstream(s.dir / "bad.wav") << "not a wav";
    std::string e;
    try {
        l->encode("audio", (s.dir / "bad.wav").string(), ex);
    } catch (const PluginError& err) {
        e = err.what();
    }
    BOOST_TEST(e.find("bad.wav: not a readable sound file") != std::string::npos, e);
    write_sine(s.dir / "slow.wav", 300, 0.5, 8000);
    e.clear();
    try {
        l->encode("audio", (s.dir / "slow.wav").string(), ex);
    } catch (const PluginError& err) {
        e = err.what();
    }
    BOOST_TEST(e.find("slow.wav: sampled at 8000 Hz, expected 16000 Hz") != std::string::npos, e);
}

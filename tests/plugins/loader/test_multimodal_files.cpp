// The multimodal plugin's file pieces, compiled from its sources: log-mel features of known
// signals (a full-scale sine lands at 1 in its band, silence at 0, silence trimmed), Griffin-Lim
// giving back a waveform with the same features, WAV reading errors that name the file, and the
// vocabulary file's round trip and its malformations.
#define BOOST_TEST_MODULE plugins_loader_multimodal_files
#include <boost/test/unit_test.hpp>

#include "log_mel.hpp"
#include "vocabulary.hpp"

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

using namespace chimera_mm;
namespace fs = std::filesystem;

namespace {

struct TempDir {
    fs::path path = fs::temp_directory_path() / ("chimera-mmfiles-" + std::to_string(::getpid()));
    TempDir() { fs::create_directories(path); }
    ~TempDir() { fs::remove_all(path); }
    std::string operator/(const std::string& name) const { return (path / name).string(); }
};

std::vector<float> sine(double hz, double seconds, double amplitude, int64_t rate = 16000, double silence = 0) {
    std::vector<float> x(static_cast<std::size_t>(silence * rate), 0.0f);
    for (int64_t i = 0; i < static_cast<int64_t>(seconds * rate); ++i)
        x.push_back(static_cast<float>(amplitude * std::sin(2 * M_PI * hz * i / rate)));
    return x;
}

// The band whose centre lies nearest `hz` on the HTK mel scale of `s`.
int64_t band_of(double hz, const MelSettings& s) {
    const double top = 2595.0 * std::log10(1.0 + s.sample_rate / 2.0 / 700.0);
    const double mel = 2595.0 * std::log10(1.0 + hz / 700.0);
    return static_cast<int64_t>(std::lround(mel / top * (s.mels + 1))) - 1;
}

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const std::exception& e) {
        return e.what();
    }
    return "no error";
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_full_scale_sine_reaches_one_in_its_band_and_silence_stays_zero) {
    MelSettings s;
    s.trim_db = 0;
    LogMel mel(s);
    const auto f = mel.features(sine(1000, 1.5, 1.0));
    BOOST_TEST_REQUIRE(f.size() == static_cast<std::size_t>(s.mels * s.frames));
    const int64_t band = band_of(1000, s), t = 10;
    // Hann leakage spreads the sine over 3 bins; the band's triangle sums them close to 0 dB.
    BOOST_TEST(f[band * s.frames + t] > 0.95f);
    BOOST_TEST(f[band * s.frames + t] <= 1.0f);
    BOOST_TEST(f[(s.mels - 1) * s.frames + t] < 0.3f);  // far above 1 kHz: more than 56 dB down
    // Half the amplitude is 6 dB less: 6/80 of the range.
    const auto half = mel.features(sine(1000, 1.5, 0.5));
    BOOST_TEST(f[band * s.frames + t] - half[band * s.frames + t] == 6.02 / 80, boost::test_tools::tolerance(0.01));
    const auto quiet = mel.features(std::vector<float>(16000, 0.0f));
    BOOST_TEST(*std::max_element(quiet.begin(), quiet.end()) == 0.0f);
}

BOOST_AUTO_TEST_CASE(silence_before_a_sound_is_trimmed_and_short_clips_are_padded) {
    MelSettings s;  // trim 40 dB
    LogMel mel(s);
    const auto f = mel.features(sine(500, 0.3, 0.5, 16000, 0.5));
    const int64_t band = band_of(500, s);
    BOOST_TEST(f[band * s.frames + 0] > 0.8f);  // the sound starts at frame 0, not at 0.5 s
    // 0.3 s is ~12 frames of 20 ms after trimming: the rest is padding (0).
    BOOST_TEST(f[band * s.frames + 30] == 0.0f);
    MelSettings untrimmed = s;
    untrimmed.trim_db = 0;
    const auto g = LogMel(untrimmed).features(sine(500, 0.3, 0.5, 16000, 0.5));
    BOOST_TEST(g[band * s.frames + 0] == 0.0f);  // the leading silence kept
}

BOOST_AUTO_TEST_CASE(griffin_lim_gives_a_waveform_with_the_same_features) {
    MelSettings s;
    s.trim_db = 0;
    LogMel mel(s);
    std::vector<float> chirp;
    for (int64_t i = 0; i < 20000; ++i) {
        const double t = i / 16000.0;
        chirp.push_back(static_cast<float>(0.1 * std::sin(2 * M_PI * (300 * t + 400 * t * t))));
    }
    const auto target = mel.features(chirp);
    const auto wave = mel.waveform(target.data(), 32, 7);
    BOOST_TEST(wave.size() == static_cast<std::size_t>((s.frames - 1) * s.hop + s.window));
    // The error where the target is loud (within 48 dB of full scale), where listening happens.
    // Quiet enough (0.1) that the result is never scaled down to stay below full scale.
    auto loud_error = [&](const std::vector<float>& w) {
        const auto f = mel.features(w);
        double sum = 0;
        int64_t n = 0;
        for (std::size_t i = 0; i < target.size(); ++i)
            if (target[i] > 0.4f) {
                sum += std::abs(target[i] - f[i]);
                ++n;
            }
        BOOST_TEST_REQUIRE(n > 100);
        return sum / static_cast<double>(n);
    };
    const double error = loud_error(wave);
    BOOST_TEST(error < 0.06);  // under 5 dB on average: the mel bands' detail is lost for good
    BOOST_TEST(loud_error(mel.waveform(target.data(), 0, 7)) > error);  // random phases alone are further off
}

BOOST_AUTO_TEST_CASE(wav_files_round_trip_and_bad_ones_are_named) {
    TempDir dir;
    const auto x = sine(440, 0.25, 0.5);
    write_wav(dir / "a.wav", x, 16000);
    const auto y = read_wav(dir / "a.wav", 16000);
    BOOST_TEST_REQUIRE(y.size() == x.size());
    double worst = 0;
    for (std::size_t i = 0; i < x.size(); ++i) worst = std::max(worst, double(std::abs(x[i] - y[i])));
    BOOST_TEST(worst < 1.0 / 16384);  // 16-bit PCM
    BOOST_TEST(error_of([&] { read_wav(dir / "a.wav", 22050); }).find("a.wav: sampled at 16000 Hz, expected 22050 Hz") !=
               std::string::npos);
    std::ofstream(dir / "text.wav") << "this is not a sound file";
    BOOST_TEST(error_of([&] { read_wav(dir / "text.wav", 16000); }).find("text.wav: not a readable sound file") !=
               std::string::npos);
    BOOST_TEST(error_of([&] { read_wav(dir / "missing.wav", 16000); }).find("missing.wav") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_vocabulary_survives_its_file_and_bad_files_are_named_by_line) {
    TempDir dir;
    const Vocabulary v = Vocabulary::build({"a boot", "a sandal", "Boot, grayscale"}, true, 0);
    BOOST_TEST(v.size() == 6);  // pad, unknown, a/boot (2 each), grayscale, sandal
    v.write(dir / "vocab.txt");
    const Vocabulary w = Vocabulary::read(dir / "vocab.txt");
    BOOST_TEST(w.size() == v.size());
    BOOST_TEST(w.encode("A sandal, boot!", 8) == v.encode("A sandal, boot!", 8), boost::test_tools::per_element());
    const auto ids = w.encode("a grey sandal", 8);
    BOOST_TEST(ids == std::vector<int32_t>({2, 1, 5}), boost::test_tools::per_element());
    BOOST_TEST(w.decode(ids.data(), 3) == "a ? sandal");
    const int32_t padded[] = {3, 0, 2};
    BOOST_TEST(w.decode(padded, 3) == "boot");  // stops at the first padding
    const Vocabulary limited = Vocabulary::build({"a boot", "a sandal", "Boot, grayscale"}, true, 4);
    BOOST_TEST(limited.encode("grayscale boot", 4) == std::vector<int32_t>({1, 3}), boost::test_tools::per_element());
    const Vocabulary chars = Vocabulary::build({"ab a"}, false, 0);
    chars.write(dir / "chars.txt");
    BOOST_TEST(Vocabulary::read(dir / "chars.txt").decode(chars.encode("b a", 3).data(), 3) == "b a");

    std::ofstream(dir / "bad1.txt") << "hello\n";
    BOOST_TEST(error_of([&] { Vocabulary::read(dir / "bad1.txt"); }).find("bad1.txt:1: not a Chimera vocabulary") !=
               std::string::npos);
    std::ofstream(dir / "bad2.txt") << "chimera-vocabulary 1 word\nboot\nsandal\nboot\n";
    BOOST_TEST(error_of([&] { Vocabulary::read(dir / "bad2.txt"); }).find("bad2.txt:4: 'boot' is listed twice") !=
               std::string::npos);
    std::ofstream(dir / "bad3.txt") << "chimera-vocabulary 1 char\nab\n";
    BOOST_TEST(error_of([&] { Vocabulary::read(dir / "bad3.txt"); }).find("bad3.txt:2: 'ab' is not a character") !=
               std::string::npos);
}

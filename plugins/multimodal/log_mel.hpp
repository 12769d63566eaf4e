// Audio as the multimodal models see it: WAV files through libsndfile, log-mel spectrograms
// (Hann window, FFTW), and back to a waveform by Griffin-Lim so generated spectrograms can be
// heard. Features are dB of mel power, mapped from [-range_db, 0] dB to [0, 1] and clamped; 0 dB
// is a full-scale sine. Part of the `multimodal` plugin; knows nothing of tensors or the host.
// Not thread-safe: one LogMel per thread (they share nothing).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace chimera_mm {

struct MelSettings {
    int64_t sample_rate = 16000;
    int64_t window = 1024;    // samples per FFT frame
    int64_t hop = 320;        // samples between frames
    int64_t mels = 32;        // bands, HTK mel scale from 0 Hz to the Nyquist frequency
    int64_t frames = 64;      // per example: padded with silence or cropped at the end
    double range_db = 80;     // dB below 0 that map to feature 0
    double trim_db = 40;      // frames quieter than the loudest by this much are cut from both ends; 0: none
};

// Mono samples in [-1, 1]; a multi-channel file is averaged, and a float file's samples beyond
// full scale are clipped to it. Throws std::runtime_error naming the file for anything libsndfile
// cannot read, a sample that is not a finite number, or a sample rate other than `rate`.
std::vector<float> read_wav(const std::string& path, int64_t rate);
// The bytes of a mono 16-bit PCM WAV file of `samples` (clipped to [-1, 1]).
std::string wav_bytes(const std::vector<float>& samples, int64_t rate);
// wav_bytes written to a temporary name and renamed.
void write_wav(const std::string& path, const std::vector<float>& samples, int64_t rate);

class LogMel {
public:
    explicit LogMel(const MelSettings& s);
    ~LogMel();
    LogMel(const LogMel&) = delete;
    LogMel& operator=(const LogMel&) = delete;

    const MelSettings& settings() const { return s_; }
    // [mels, frames] row-major features of `samples`, trimmed, padded or cropped.
    std::vector<float> features(const std::vector<float>& samples) const;
    // A waveform whose features approximate `features` ([mels, frames]): mel power spread back
    // over the FFT bins, then `iterations` of Griffin-Lim from random phases drawn with `seed`.
    std::vector<float> waveform(const float* features, int iterations, uint64_t seed) const;

private:
    struct Fft;
    // |STFT|^2 of `samples`: frames x (window / 2 + 1).
    std::vector<float> power(const std::vector<float>& samples, int64_t* frames) const;
    // The bins' magnitudes (frames x bins) whose mel bands have `features`' powers.
    std::vector<float> bin_magnitudes(const float* features) const;
    MelSettings s_;
    int64_t bins_;
    std::vector<float> hann_;
    std::vector<float> filters_;  // [mels, bins]
    std::unique_ptr<Fft> fft_;
};

}  // namespace chimera_mm

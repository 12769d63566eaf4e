// Log-mel features and Griffin-Lim. Frames start at multiples of the hop with no centring; the
// power of frame t is |FFT(hann * x[t*hop, t*hop + window))|^2 scaled so a full-scale sine peaks
// at 1. Mel filters are HTK triangles with peak 1 (they sum to 1 across the spectrum).
#include "log_mel.hpp"

#include <fftw3.h>
#include <sndfile.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdio>
#include <fstream>
#include <random>
#include <stdexcept>

namespace chimera_mm {

namespace {

double hz_to_mel(double hz) { return 2595.0 * std::log10(1.0 + hz / 700.0); }
double mel_to_hz(double mel) { return 700.0 * (std::pow(10.0, mel / 2595.0) - 1.0); }

struct SndFile {
    SNDFILE* f = nullptr;
    ~SndFile() {
        if (f) sf_close(f);
    }
};

// FFTW keeps its planner's tables until fftwf_cleanup. This code is unloaded with its plugin, so
// they are released when it is (after every LogMel, made later, is gone); otherwise each load
// of the plugin would leave them behind, unreachable.
struct FftwAtUnload {
    ~FftwAtUnload() { fftwf_cleanup(); }
} fftw_at_unload;

}  // namespace

std::vector<float> read_wav(const std::string& path, int64_t rate) {
    SF_INFO info{};
    SndFile file;
    file.f = sf_open(path.c_str(), SFM_READ, &info);
    if (!file.f) throw std::runtime_error(path + ": not a readable sound file (" + sf_strerror(nullptr) + ")");
    if (info.samplerate != rate)
        throw std::runtime_error(path + ": sampled at " + std::to_string(info.samplerate) + " Hz, expected " +
                                 std::to_string(rate) + " Hz");
    if (info.frames <= 0 || info.channels <= 0) throw std::runtime_error(path + ": holds no samples");
    if (info.channels > 1024) throw std::runtime_error(path + ": has " + std::to_string(info.channels) + " channels");
    // The header's frame count is only a claim: read in blocks, so that a file claiming more than
    // it holds costs what it holds, not what it claims.
    constexpr sf_count_t block = 4096;
    std::vector<float> interleaved(static_cast<std::size_t>(block * info.channels));
    std::vector<float> mono;
    sf_count_t got = 0;
    while (got < info.frames) {
        const sf_count_t n = sf_readf_float(file.f, interleaved.data(), std::min(block, info.frames - got));
        if (n <= 0) break;
        for (sf_count_t i = 0; i < n; ++i) {
            float sum = 0;
            for (int c = 0; c < info.channels; ++c) {
                const float v = interleaved[static_cast<std::size_t>(i * info.channels + c)];
                // A float WAV can hold anything; NaN or infinity would turn every feature into NaN.
                if (!std::isfinite(v))
                    throw std::runtime_error(path + ": sample " + std::to_string(got + i) + " is not a finite number (a damaged float WAV?)");
                sum += std::clamp(v, -1.0f, 1.0f);  // beyond full scale clips, as in wav_bytes and any PCM file
            }
            mono.push_back(sum / static_cast<float>(info.channels));
        }
        got += n;
    }
    if (got != info.frames)
        throw std::runtime_error(path + ": truncated: " + std::to_string(got) + " of " + std::to_string(info.frames) + " frames readable");
    return mono;
}

std::string wav_bytes(const std::vector<float>& samples, int64_t rate) {
    std::string out;
    auto put = [&out](uint32_t value, int bytes) {  // little-endian
        for (int i = 0; i < bytes; ++i) out += static_cast<char>((value >> (8 * i)) & 0xff);
    };
    const auto data = static_cast<uint32_t>(2 * samples.size());
    out += "RIFF";
    put(36 + data, 4);
    out += "WAVEfmt ";
    put(16, 4);                                // the fmt chunk's size
    put(1, 2);                                 // PCM
    put(1, 2);                                 // one channel
    put(static_cast<uint32_t>(rate), 4);
    put(static_cast<uint32_t>(2 * rate), 4);   // bytes per second
    put(2, 2);                                 // bytes per frame
    put(16, 2);                                // bits per sample
    out += "data";
    put(data, 4);
    for (float x : samples) {
        const auto v = static_cast<int16_t>(std::lround(std::clamp(x, -1.0f, 1.0f) * 32767.0f));
        put(static_cast<uint16_t>(v), 2);
    }
    return out;
}

void write_wav(const std::string& path, const std::vector<float>& samples, int64_t rate) {
    const std::string temporary = path + ".tmp", bytes = wav_bytes(samples, rate);
    {
        std::ofstream out(temporary, std::ios::binary);
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        if (!out.flush()) throw std::runtime_error(path + ": cannot write");
    }
    if (std::rename(temporary.c_str(), path.c_str()) != 0) throw std::runtime_error(path + ": cannot write");
}

// One forward and one inverse real FFT of the window's size, on buffers of their own.
struct LogMel::Fft {
    int64_t n;
    float* real;
    fftwf_complex* spectrum;
    fftwf_plan forward, inverse;
    explicit Fft(int64_t size) : n(size) {
        real = fftwf_alloc_real(static_cast<std::size_t>(n));
        spectrum = fftwf_alloc_complex(static_cast<std::size_t>(n / 2 + 1));
        forward = fftwf_plan_dft_r2c_1d(static_cast<int>(n), real, spectrum, FFTW_ESTIMATE);
        inverse = fftwf_plan_dft_c2r_1d(static_cast<int>(n), spectrum, real, FFTW_ESTIMATE);
    }
    ~Fft() {
        fftwf_destroy_plan(forward);
        fftwf_destroy_plan(inverse);
        fftwf_free(real);
        fftwf_free(spectrum);
    }
};

LogMel::LogMel(const MelSettings& s) : s_(s), bins_(s.window / 2 + 1) {
    if (s.window < 16 || s.hop < 1 || s.hop > s.window || s.mels < 1 || s.frames < 1 || s.range_db <= 0)
        throw std::invalid_argument("mel settings out of range");
    hann_.resize(static_cast<std::size_t>(s.window));
    double sum = 0;
    for (int64_t i = 0; i < s.window; ++i) {
        hann_[static_cast<std::size_t>(i)] = static_cast<float>(0.5 - 0.5 * std::cos(2 * M_PI * i / s.window));
        sum += hann_[static_cast<std::size_t>(i)];
    }
    // A full-scale sine's bin has magnitude sum/2: divide so its power is 1.
    for (float& w : hann_) w = static_cast<float>(w / (sum / 2));
    filters_.assign(static_cast<std::size_t>(s.mels * bins_), 0.0f);
    const double top = hz_to_mel(s.sample_rate / 2.0);
    std::vector<double> centre(static_cast<std::size_t>(s.mels + 2));
    for (int64_t m = 0; m < s.mels + 2; ++m) centre[static_cast<std::size_t>(m)] = mel_to_hz(top * m / (s.mels + 1));
    for (int64_t m = 0; m < s.mels; ++m) {
        const double lo = centre[m], mid = centre[m + 1], hi = centre[m + 2];
        for (int64_t k = 0; k < bins_; ++k) {
            const double hz = static_cast<double>(k) * s.sample_rate / s.window;
            double w = 0;
            if (hz > lo && hz <= mid) w = (hz - lo) / (mid - lo);
            else if (hz > mid && hz < hi) w = (hi - hz) / (hi - mid);
            filters_[static_cast<std::size_t>(m * bins_ + k)] = static_cast<float>(w);
        }
    }
    fft_ = std::make_unique<Fft>(s.window);
}

LogMel::~LogMel() = default;

std::vector<float> LogMel::power(const std::vector<float>& samples, int64_t* frames) const {
    const auto n = static_cast<int64_t>(samples.size());
    *frames = n <= s_.window ? 1 : 1 + (n - s_.window + s_.hop - 1) / s_.hop;
    std::vector<float> out(static_cast<std::size_t>(*frames * bins_));
    for (int64_t t = 0; t < *frames; ++t) {
        for (int64_t i = 0; i < s_.window; ++i) {
            const int64_t j = t * s_.hop + i;
            fft_->real[i] = j < n ? samples[static_cast<std::size_t>(j)] * hann_[static_cast<std::size_t>(i)] : 0.0f;
        }
        fftwf_execute(fft_->forward);
        for (int64_t k = 0; k < bins_; ++k) {
            const float re = fft_->spectrum[k][0], im = fft_->spectrum[k][1];
            out[static_cast<std::size_t>(t * bins_ + k)] = re * re + im * im;
        }
    }
    return out;
}

std::vector<float> LogMel::features(const std::vector<float>& samples) const {
    int64_t frames = 0;
    const std::vector<float> p = power(samples, &frames);
    std::vector<float> db(static_cast<std::size_t>(s_.mels * frames));
    std::vector<float> loudest(static_cast<std::size_t>(frames), -1e9f);
    for (int64_t t = 0; t < frames; ++t)
        for (int64_t m = 0; m < s_.mels; ++m) {
            double e = 0;
            for (int64_t k = 0; k < bins_; ++k) e += filters_[m * bins_ + k] * p[t * bins_ + k];
            const auto v = static_cast<float>(10.0 * std::log10(std::max(e, 1e-12)));
            db[m * frames + t] = v;
            loudest[t] = std::max(loudest[t], v);
        }
    int64_t first = 0, last = frames - 1;
    if (s_.trim_db > 0) {
        const float peak = *std::max_element(loudest.begin(), loudest.end());
        while (first < last && loudest[first] < peak - s_.trim_db) ++first;
        while (last > first && loudest[last] < peak - s_.trim_db) --last;
    }
    std::vector<float> out(static_cast<std::size_t>(s_.mels * s_.frames), 0.0f);
    for (int64_t m = 0; m < s_.mels; ++m)
        for (int64_t t = 0; t < s_.frames && first + t <= last; ++t) {
            const double v = (db[m * frames + first + t] + s_.range_db) / s_.range_db;
            out[static_cast<std::size_t>(m * s_.frames + t)] = static_cast<float>(std::clamp(v, 0.0, 1.0));
        }
    return out;
}

// Mel power back to bin power: per frame, nonnegative bin powers p whose mel projection F p
// matches the bands' powers e, found by Itakura-Saito multiplicative updates (scale-free, so
// quiet bands count as much as loud ones), starting from each band's power spread over it.
// Returns the bins' magnitudes, frames x bins.
std::vector<float> LogMel::bin_magnitudes(const float* features) const {
    const int64_t frames = s_.frames;
    std::vector<float> magnitude(static_cast<std::size_t>(frames * bins_), 0.0f);
    std::vector<double> width(static_cast<std::size_t>(s_.mels), 0.0);
    for (int64_t m = 0; m < s_.mels; ++m)
        for (int64_t k = 0; k < bins_; ++k) width[m] += filters_[m * bins_ + k];
    const double floor = std::pow(10.0, -s_.range_db / 10.0);
    std::vector<double> e(static_cast<std::size_t>(s_.mels)), p(static_cast<std::size_t>(bins_)), fp(e.size());
    std::vector<double> up(p.size()), down(p.size());
    for (int64_t t = 0; t < frames; ++t) {
        for (int64_t m = 0; m < s_.mels; ++m)
            e[m] = std::pow(10.0, (std::clamp(features[m * frames + t], 0.0f, 1.0f) * s_.range_db - s_.range_db) / 10.0);
        for (int64_t k = 0; k < bins_; ++k) {
            p[k] = 0;
            for (int64_t m = 0; m < s_.mels; ++m)
                if (width[m] > 0) p[k] += filters_[m * bins_ + k] * e[m] / width[m];
        }
        for (int pass = 0; pass < 50; ++pass) {
            for (int64_t m = 0; m < s_.mels; ++m) {
                fp[m] = 0;
                for (int64_t k = 0; k < bins_; ++k) fp[m] += filters_[m * bins_ + k] * p[k];
                fp[m] = std::max(fp[m], 1e-3 * floor);
            }
            std::fill(up.begin(), up.end(), 0.0);
            std::fill(down.begin(), down.end(), 0.0);
            for (int64_t m = 0; m < s_.mels; ++m)
                for (int64_t k = 0; k < bins_; ++k) {
                    const double f = filters_[m * bins_ + k];
                    if (f == 0) continue;
                    up[k] += f * e[m] / (fp[m] * fp[m]);
                    down[k] += f / fp[m];
                }
            for (int64_t k = 0; k < bins_; ++k)
                if (down[k] > 0) p[k] *= up[k] / down[k];
        }
        for (int64_t k = 0; k < bins_; ++k) magnitude[t * bins_ + k] = static_cast<float>(std::sqrt(std::max(p[k], 0.0)));
    }
    return magnitude;
}

std::vector<float> LogMel::waveform(const float* features, int iterations, uint64_t seed) const {
    const int64_t frames = s_.frames, length = (frames - 1) * s_.hop + s_.window;
    const std::vector<float> magnitude = bin_magnitudes(features);
    std::mt19937_64 random(seed);
    std::uniform_real_distribution<double> angle(0, 2 * M_PI);
    std::vector<std::complex<float>> phase(static_cast<std::size_t>(frames * bins_));
    for (auto& z : phase) z = std::polar(1.0f, static_cast<float>(angle(random)));
    std::vector<float> signal(static_cast<std::size_t>(length)), norm(static_cast<std::size_t>(length));
    // Synthesis with the analysis window; the sum of its squares undoes the overlap.
    for (int64_t t = 0; t < frames; ++t)
        for (int64_t i = 0; i < s_.window; ++i) norm[t * s_.hop + i] += hann_[i] * hann_[i];
    // Where few windows overlap (the ends) the sum is near 0: a floor there fades the ends in and
    // out instead of amplifying them.
    const float norm_floor = 0.1f * *std::max_element(norm.begin(), norm.end());
    for (int it = 0; it <= iterations; ++it) {
        std::fill(signal.begin(), signal.end(), 0.0f);
        for (int64_t t = 0; t < frames; ++t) {
            for (int64_t k = 0; k < bins_; ++k) {
                const std::complex<float> z = magnitude[t * bins_ + k] * phase[t * bins_ + k];
                fft_->spectrum[k][0] = z.real();
                fft_->spectrum[k][1] = z.imag();
            }
            fftwf_execute(fft_->inverse);
            for (int64_t i = 0; i < s_.window; ++i)
                signal[t * s_.hop + i] += fft_->real[i] / static_cast<float>(s_.window) * hann_[i];
        }
        for (int64_t i = 0; i < length; ++i) signal[i] /= std::max(norm[i], norm_floor);
        if (it == iterations) break;
        for (int64_t t = 0; t < frames; ++t) {
            for (int64_t i = 0; i < s_.window; ++i) fft_->real[i] = signal[t * s_.hop + i] * hann_[i];
            fftwf_execute(fft_->forward);
            for (int64_t k = 0; k < bins_; ++k) {
                const std::complex<float> z(fft_->spectrum[k][0], fft_->spectrum[k][1]);
                const float a = std::abs(z);
                phase[t * bins_ + k] = a > 1e-12f ? z / a : std::complex<float>(1, 0);
            }
        }
    }
    // Phases that line up can peak above full scale: scale down rather than clip.
    float peak = 0;
    for (float x : signal) peak = std::max(peak, std::abs(x));
    const float scale = peak > 0.99f ? 0.99f / peak : 1.0f;
    for (float& x : signal) x *= scale;
    return signal;
}

}  // namespace chimera_mm

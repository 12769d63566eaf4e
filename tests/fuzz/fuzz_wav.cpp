// Speech clips: a WAV file through libsndfile, then its log-mel features.
#include "fuzz_support.hpp"

#include "multimodal/log_mel.hpp"

#include <cmath>
#include <stdexcept>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const chimera_mm::LogMel mel{chimera_mm::MelSettings{}};
    const std::string path = chimera_fuzz::input_file("clip.wav", data, size);
    CHIMERA_FUZZ_EXPECT(std::runtime_error, {
        std::vector<float> samples = chimera_mm::read_wav(path, mel.settings().sample_rate);
        if (samples.size() > (1u << 20)) return 0;  // long clips are valid; they only slow the fuzzer
        for (float f : mel.features(samples))
            if (!(f >= 0 && f <= 1)) chimera_fuzz::unexpected("a feature outside [0, 1]", "a wrong feature");
    });
    return 0;
}

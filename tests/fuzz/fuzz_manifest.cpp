// The multimodal loader's manifest.tsv.
#include "fuzz_support.hpp"

#include "multimodal/manifest.hpp"

#include <stdexcept>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string path = chimera_fuzz::input_file("manifest.tsv", data, size);
    CHIMERA_FUZZ_EXPECT(std::runtime_error, {
        chimera_mm::Manifest m = chimera_mm::read_manifest(path);
        for (const char* split : {"train", "validation", "test"}) (void)m.split(split, 0);
    });
    return 0;
}

// A run's saved caption vocabulary, read back and used to encode and decode a caption.
#include "fuzz_support.hpp"

#include "multimodal/vocabulary.hpp"

#include <stdexcept>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string path = chimera_fuzz::input_file("vocabulary.txt", data, size);
    CHIMERA_FUZZ_EXPECT(std::runtime_error, {
        chimera_mm::Vocabulary v = chimera_mm::Vocabulary::read(path);
        std::vector<int32_t> ids = v.encode("a t-shirt with short sleeves, 42", 16);
        (void)v.decode(ids.data(), static_cast<int64_t>(ids.size()));
    });
    return 0;
}

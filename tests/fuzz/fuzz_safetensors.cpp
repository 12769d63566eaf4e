// A .safetensors file: checkpoints, best parameters, weights from elsewhere. Refusals are
// DataError; a file that loads must hold tensors whose bytes fit their shapes.
#include "fuzz_support.hpp"

#include "core/host_error.hpp"
#include "io/safetensors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const auto pool = std::make_shared<chimera::BufferPool>();
    const std::string path = chimera_fuzz::input_file("tensors.safetensors", data, size);
    CHIMERA_FUZZ_EXPECT(chimera::DataError, {
        chimera::SafetensorsContent c = chimera::read_safetensors(path, pool);
        size_t bytes = 0;
        for (const auto& [name, t] : c.tensors) bytes += static_cast<size_t>(t.numel()) * 4;
        if (bytes > size) chimera_fuzz::unexpected("more tensor bytes than the file holds", "a wrong tensor");
    });
    return 0;
}

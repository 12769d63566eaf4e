// IDX image and label files (the idx loader's reader), raw and gzipped: the fuzzer finds gzip's
// own magic in the seed corpus.
#include "fuzz_support.hpp"

#include "idx/idx_file.hpp"

#include <stdexcept>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string path = chimera_fuzz::input_file("input.idx", data, size);
    CHIMERA_FUZZ_EXPECT(std::runtime_error, {
        chimera_idx::IdxArray a = chimera_idx::read_idx(path);
        size_t n = 1;
        for (int64_t d : a.dims) n *= static_cast<size_t>(d);
        if (n != a.data.size()) chimera_fuzz::unexpected("dims disagree with data", "a wrong array");
    });
    return 0;
}

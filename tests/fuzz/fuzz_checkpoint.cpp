// A run's checkpoint.json, read as `--resume`, `evaluate` and `generate` read it, beside a valid
// tensor file it may or may not name. Refusals are DataError.
#include "fuzz_support.hpp"

#include "core/host_error.hpp"
#include "io/safetensors.hpp"
#include "run/checkpoint.hpp"
#include "run/run_directory.hpp"

#include <filesystem>

namespace {

std::shared_ptr<chimera::BufferPool> pool;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    pool = std::make_shared<chimera::BufferPool>();
    // The tensor file the seed corpus's states name, so that mutations reach what follows the
    // state's own checks (the tensor file's name, its checksum, its tensors).
    chimera::Tensor w = chimera::Tensor::empty(pool, chimera::DType::f32, {2, 3});
    for (int i = 0; i < 6; ++i) static_cast<float*>(w.raw())[i] = 0.25f * static_cast<float>(i);
    std::filesystem::create_directories(chimera_fuzz::scratch() / "run");
    chimera::write_safetensors(chimera_fuzz::scratch() / "run" / "checkpoint-000000012.safetensors", {{"encoder.weight", w}},
                               {{"format", "chimera-checkpoint"}});
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const chimera::RunDirectory run(chimera_fuzz::scratch() / "run");
    chimera_fuzz::input_file("run/checkpoint.json", data, size);
    CHIMERA_FUZZ_EXPECT(chimera::DataError, {
        chimera::Checkpoint c = chimera::load_checkpoint(run, pool);
        if (c.state.step < 0 || c.state.epoch < 0) chimera_fuzz::unexpected("a negative step or epoch", "a wrong state");
    });
    return 0;
}

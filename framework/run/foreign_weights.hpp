// A node's starting parameters from a safetensors file written outside Chimera (a PyTorch
// state_dict saved with safetensors), matched by a name map: init_from: {safetensors: FILE,
// map: {...}, prefix: ...}. Every parameter and buffer of the node must find a tensor of its
// shape; the file may hold more (a classifier's head, num_batches_tracked). Not Chimera's own
// checkpoints (model_state.hpp) nor how the pipeline file spells this (pipeline_spec).
#pragma once

#include "autograd/parameter_store.hpp"

#include <filesystem>
#include <map>
#include <memory>
#include <string>

namespace chimera {

struct ForeignWeights {
    std::filesystem::path file;
    // The node's own tensor names ("fc0.weight", without the node's name) to the file's
    // ("features.1.weight"). A name the map leaves out is looked up as `prefix` + own name.
    std::map<std::string, std::string> map;
    std::string prefix;
};

// Copies the file's tensors into every parameter and buffer node `node` made in `store`.
// F64, F16 and BF16 tensors are converted to F32 and I64 to I32. Throws DataError naming the
// file and listing, one per line, every tensor that does not fit: a map entry naming no tensor of
// the node, a tensor the file lacks (with the closest name it has), a shape or dtype that
// differs, a value that is not finite. Nothing is copied unless everything fits.
void load_foreign_weights(const ForeignWeights& weights, const std::string& node, ParameterStore& store,
                          const std::shared_ptr<BufferPool>& pool);

}  // namespace chimera

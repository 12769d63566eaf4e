// A run's checkpoint: its tensors (parameters, buffers, optimizer state) in safetensors and its
// run state (where training is, the random state, early-stopping bookkeeping, what config and
// plugins made it) in JSON. The tensors go to a file named by step, then the JSON naming them
// replaces the old JSON atomically, so a crash at any moment leaves one complete checkpoint.
// The JSON records each tensor's checksum and nothing is loaded that fails it or is not finite.
// Not deciding when to checkpoint (the trainer) nor what the tensors mean (model_state.hpp).
#pragma once

#include "io/safetensors.hpp"
#include "run/run_directory.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace chimera {

struct RunState {
    int64_t epoch = 0;  // the epoch in progress (0-based); == epochs when training is done
    int64_t batch = 0;  // the next batch of that epoch
    int64_t step = 0;   // training steps done
    uint64_t seed = 0, streams_used = 0;
    std::vector<int64_t> optimizer_steps;   // updates each optimizer has made
    std::map<std::string, double> epoch_sums;  // the epoch so far: metric sums over steps
    int64_t epoch_steps = 0;
    double best = 0;            // early stopping: the best monitored value (valid when best_epoch >= 0)
    int64_t best_epoch = -1;
    int64_t bad_epochs = 0;
    bool finished = false;      // epochs or step budget done, or stopped early
    std::string config_hash;    // of the resolved config, leaving out train.epochs and train.steps
    std::vector<std::string> components;  // plugin components in use, with versions
};

// Writes `tensors` and `state` (with each tensor's checksum, "checksums" in the JSON) into `run`
// (made if missing), then removes the tensor files of older checkpoints. Throws DataError.
void save_checkpoint(const RunDirectory& run, const RunState& state, const NamedTensors& tensors);

struct Checkpoint {
    RunState state;
    SafetensorsContent tensors;
    std::filesystem::path file;          // the JSON, for messages
    std::filesystem::path tensors_file;  // the tensors it names
};

// Reads the checkpoint in `run`. Throws DataError naming the file and what is wrong: a state
// that is not JSON or has a count that is not an integer from 0 to 2^53, a tensor file that is
// malformed, a tensor that does not match its recorded checksum (a checkpoint from before
// checksums were kept is read without them), a parameter or state that is NaN or infinite.
Checkpoint load_checkpoint(const RunDirectory& run, const std::shared_ptr<BufferPool>& pool);

// The parameters of the best epoch so far (early stopping's restore_best): written over the last
// ones with their checksums in the file's own header, and checked and copied back into
// `targets`. Throw DataError naming the file.
void save_best(const RunDirectory& run, const NamedTensors& tensors);
void restore_best(const RunDirectory& run, const NamedTensors& targets, const std::shared_ptr<BufferPool>& pool);

// Copies `source` tensors into `targets` by name ("param/encoder.fc1.weight"). Throws DataError
// naming `file` for a missing tensor or a shape or type mismatch.
void restore_tensors(const NamedTensors& source, const NamedTensors& targets, const std::filesystem::path& file);

}  // namespace chimera

// A split's metrics: each loss's mean over the split's examples and their weighted total (of the
// losses trained on; evaluate_only ones are metrics beside it), in
// evaluation mode (no gradients, dropout off, batch norm on running statistics), every example
// counted once. Random numbers (a VAE's sample) come from the run's stream, as in training.
// With several ranks each computes its rows of every batch and the sums are combined in rank
// order, so every rank returns the figures (those of one process up to rounding).
// Not training, and not deciding which split: the trainer and the CLI do that.
#pragma once

#include "comm/communicator.hpp"
#include "pipeline/pipeline.hpp"
#include "core/progress.hpp"

namespace chimera {

// Loss names in pipeline order, then "total".
Metrics evaluate_split(const Pipeline& pipeline, Context& ctx, const DataSplit& split, int64_t batch_size);
Metrics evaluate_split(const Pipeline& pipeline, Context& ctx, const DataSplit& split, int64_t batch_size, Communicator& comm);

}  // namespace chimera

// Named values that a training step, an epoch or a split produced, in the order they are shown
// (the losses in pipeline order, then their weighted total, then the rest), and the two ways
// they are printed: one line (progress, validation) and a table (a split's final figures).
// Not where they go (train/metrics_log.hpp writes them to a run).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace chimera {

using Metrics = std::vector<std::pair<std::string, double>>;

// The value called `name`, or NaN when there is none.
double metric(const Metrics& metrics, const std::string& name);

// "reconstruction 241.3  kl 12.5  total 253.8": four significant digits.
std::string metrics_line(const Metrics& metrics);

// One line per metric, "  <name padded to 16 or the longest> <value to 4 decimals>" (what
// `train` printed for its test split before `evaluate` used it too), "total" marked as the
// weighted sum of the losses; every line ends with '\n'.
std::string metrics_table(const Metrics& metrics);

}  // namespace chimera

// A linear probe: multinomial logistic regression fitted to features of training examples and
// scored on others, the standard measure of how much of the class a learned representation
// holds linearly. Features are standardised by the training set's mean and spread; the fit is
// full-batch gradient descent with momentum on the mean cross-entropy plus a small L2 penalty,
// in double precision. Not a general classifier trainer.
#pragma once

#include <cstdint>
#include <vector>

namespace chimera {

struct ProbeData {
    std::vector<float> features;  // [n, dim] row-major
    std::vector<int32_t> labels;  // [n], in 0 .. classes-1
    int64_t dim = 0;
    int64_t size() const { return static_cast<int64_t>(labels.size()); }
};

struct ProbeResult {
    double train_accuracy = 0, test_accuracy = 0;
};

// Throws std::invalid_argument for empty or mismatched data, or labels outside 0 .. classes-1.
ProbeResult linear_probe(const ProbeData& train, const ProbeData& test, int64_t classes, int iterations = 500,
                         double l2 = 1e-4);

}  // namespace chimera

// Distances between two sets of feature vectors, as papers on generative models report them:
// the Fréchet distance between the Gaussians fitted to each (FID, Heusel et al. 2017, when the
// features are an Inception network's) and improved precision and recall (Kynkäänniemi et al.
// 2019: k-nearest-neighbour balls around each set). Plain maths on host vectors; not where the
// features come from (image_fidelity.hpp) nor any file or flag.
#pragma once

#include <cstdint>
#include <vector>

namespace chimera {

// n feature vectors of d values each, row-major.
struct FeatureSet {
    int64_t n = 0, d = 0;
    std::vector<float> values;  // [n, d]
    const float* row(int64_t i) const { return values.data() + i * d; }
};

// The Gaussian fitted to a FeatureSet, in double precision: its mean [d] and its unbiased
// covariance [d, d] (row-major), as FID's reference code computes them.
struct GaussianFit {
    int64_t n = 0, d = 0;
    std::vector<double> mean, cov;
};
// Throws std::invalid_argument for fewer than two vectors.
GaussianFit fit_gaussian(const FeatureSet& features);

// |mu1 - mu2|^2 + Tr(S1 + S2 - 2 (S1 S2)^{1/2}). The trace of the square root is taken as
// Tr(sqrt(A)) with A = sqrt(S1) S2 sqrt(S1), which has the same eigenvalues as S1 S2 but is
// symmetric, so two symmetric eigendecompositions suffice (no complex parts to discard).
// Eigenvalues that rounding leaves slightly negative count as 0. Throws std::invalid_argument
// when the dimensions differ.
double frechet_distance(const GaussianFit& a, const GaussianFit& b);

struct PrecisionRecall {
    double precision = 0;  // share of `generated` inside some real vector's k-NN ball
    double recall = 0;     // share of `real` inside some generated vector's k-NN ball
};
// Each vector's ball has the radius of its k-th nearest neighbour in its own set (itself not
// counted); a vector on a ball's edge is inside. Squared distances come from matrix products,
// `rows` vectors at a time, so memory stays at rows x n floats. Throws std::invalid_argument
// when a set holds k vectors or fewer or the dimensions differ.
PrecisionRecall precision_recall(const FeatureSet& real, const FeatureSet& generated, int k = 3, int64_t rows = 1024);

}  // namespace chimera

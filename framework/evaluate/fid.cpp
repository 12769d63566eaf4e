#include "evaluate/fid.hpp"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace chimera {

namespace {

using RowMajorF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

Eigen::Map<const RowMajorF> matrix(const FeatureSet& f) { return {f.values.data(), f.n, f.d}; }

void check(const FeatureSet& f, const char* what) {
    if (f.n < 0 || f.d < 1 || static_cast<int64_t>(f.values.size()) != f.n * f.d)
        throw std::invalid_argument(std::string(what) + ": " + std::to_string(f.values.size()) + " values are not " +
                                    std::to_string(f.n) + " vectors of " + std::to_string(f.d));
}

// Square root of a symmetric positive semi-definite matrix, and of its eigenvalues: rounding
// may leave the smallest of them a little below 0, where the root is 0.
Eigen::MatrixXd sqrt_psd(const Eigen::MatrixXd& m) {
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(m);
    const Eigen::VectorXd roots = es.eigenvalues().cwiseMax(0.0).cwiseSqrt();
    return es.eigenvectors() * roots.asDiagonal() * es.eigenvectors().transpose();
}

// For each vector of `a`, every squared distance to the vectors of `b`, `rows` vectors of `a`
// at a time: |x|^2 + |y|^2 - 2 x.y, the cross term one matrix product per block. `visit(i,
// distances)` sees row i of a's block as a contiguous span of b.n floats.
template <class Visit>
void squared_distances(const FeatureSet& a, const FeatureSet& b, int64_t rows, Visit visit) {
    const auto A = matrix(a), B = matrix(b);
    const Eigen::VectorXf a_norms = A.rowwise().squaredNorm(), b_norms = B.rowwise().squaredNorm();
    RowMajorF block;
    for (int64_t begin = 0; begin < a.n; begin += rows) {
        const int64_t count = std::min(rows, a.n - begin);
        block.noalias() = A.middleRows(begin, count) * B.transpose();
        for (int64_t r = 0; r < count; ++r) {
            float* d = block.row(r).data();
            for (int64_t j = 0; j < b.n; ++j) d[j] = std::max(0.0f, a_norms[begin + r] + b_norms[j] - 2.0f * d[j]);
            visit(begin + r, d);
        }
    }
}

// The squared radius of each vector's ball: its squared distance to its k-th nearest neighbour
// in its own set. Its distance to itself (0) is among the row's, so that is the (k+1)-th smallest.
std::vector<float> squared_radii(const FeatureSet& f, int k, int64_t rows) {
    std::vector<float> radii(static_cast<std::size_t>(f.n));
    squared_distances(f, f, rows, [&](int64_t i, float* d) {
        std::nth_element(d, d + k, d + f.n);
        radii[static_cast<std::size_t>(i)] = d[k];
    });
    return radii;
}

// The share of the vectors of `points` inside at least one ball of `centres`.
double share_covered(const FeatureSet& points, const FeatureSet& centres, const std::vector<float>& radii, int64_t rows) {
    int64_t inside = 0;
    squared_distances(points, centres, rows, [&](int64_t, const float* d) {
        for (int64_t j = 0; j < centres.n; ++j)
            if (d[j] <= radii[static_cast<std::size_t>(j)]) {
                ++inside;
                break;
            }
    });
    return static_cast<double>(inside) / static_cast<double>(points.n);
}

}  // namespace

GaussianFit fit_gaussian(const FeatureSet& features) {
    check(features, "fit_gaussian");
    if (features.n < 2) throw std::invalid_argument("fit_gaussian: a covariance needs at least 2 vectors, not " + std::to_string(features.n));
    const Eigen::MatrixXd x = matrix(features).cast<double>();
    const Eigen::RowVectorXd mean = x.colwise().mean();
    const Eigen::MatrixXd centred = x.rowwise() - mean;
    const Eigen::MatrixXd cov = (centred.transpose() * centred) / static_cast<double>(features.n - 1);
    GaussianFit g;
    g.n = features.n;
    g.d = features.d;
    g.mean.assign(mean.data(), mean.data() + mean.size());
    g.cov.assign(cov.data(), cov.data() + cov.size());  // symmetric: column-major is row-major
    return g;
}

double frechet_distance(const GaussianFit& a, const GaussianFit& b) {
    if (a.d != b.d || a.d < 1 || static_cast<int64_t>(a.cov.size()) != a.d * a.d || static_cast<int64_t>(b.cov.size()) != b.d * b.d)
        throw std::invalid_argument("frechet_distance: Gaussians of " + std::to_string(a.d) + " and " + std::to_string(b.d) +
                                    " dimensions");
    const Eigen::Map<const Eigen::VectorXd> mu1(a.mean.data(), a.d), mu2(b.mean.data(), b.d);
    const Eigen::Map<const Eigen::MatrixXd> s1(a.cov.data(), a.d, a.d), s2(b.cov.data(), b.d, b.d);
    const Eigen::MatrixXd root1 = sqrt_psd(s1);
    Eigen::MatrixXd m = root1 * s2 * root1;
    m = 0.5 * (m + m.transpose());  // symmetric up to rounding; the solver reads one triangle
    const double trace_sqrt = Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(m, Eigen::EigenvaluesOnly)
                                  .eigenvalues()
                                  .cwiseMax(0.0)
                                  .cwiseSqrt()
                                  .sum();
    return (mu1 - mu2).squaredNorm() + s1.trace() + s2.trace() - 2.0 * trace_sqrt;
}

PrecisionRecall precision_recall(const FeatureSet& real, const FeatureSet& generated, int k, int64_t rows) {
    check(real, "precision_recall (real)");
    check(generated, "precision_recall (generated)");
    if (real.d != generated.d)
        throw std::invalid_argument("precision_recall: real vectors have " + std::to_string(real.d) + " values, generated ones " +
                                    std::to_string(generated.d));
    if (k < 1 || real.n <= k || generated.n <= k)
        throw std::invalid_argument("precision_recall: k = " + std::to_string(k) + " needs more than k vectors in each set (real " +
                                    std::to_string(real.n) + ", generated " + std::to_string(generated.n) + ")");
    rows = std::max<int64_t>(1, rows);
    PrecisionRecall pr;
    pr.precision = share_covered(generated, real, squared_radii(real, k, rows), rows);
    pr.recall = share_covered(real, generated, squared_radii(generated, k, rows), rows);
    return pr;
}

}  // namespace chimera

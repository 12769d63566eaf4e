// The Fréchet distance against closed forms computed here another way (diagonal covariances,
// commuting rotated ones, and 2 x 2 ones that do not commute, where Tr sqrt(M) has a formula),
// the Gaussian fit against a hand-worked sample, and improved precision/recall on points on a
// line whose k-nearest-neighbour balls can be counted by hand.
#include <boost/test/unit_test.hpp>

#include "evaluate/fid.hpp"

#include <cmath>
#include <random>
#include <stdexcept>

using namespace chimera;

namespace {

// Values that differ only by rounding in double precision (the eigendecompositions').
constexpr double fid_tolerance = 1e-9;

GaussianFit gaussian(std::vector<double> mean, std::vector<double> cov) {
    GaussianFit g;
    g.d = static_cast<int64_t>(mean.size());
    g.n = 100;
    g.mean = std::move(mean);
    g.cov = std::move(cov);
    return g;
}

// R diag(v) R^T for the 2 x 2 rotation by `angle`.
std::vector<double> rotated(double a, double b, double angle) {
    const double c = std::cos(angle), s = std::sin(angle);
    return {a * c * c + b * s * s, (a - b) * c * s, (a - b) * c * s, a * s * s + b * c * c};
}

FeatureSet points(std::vector<float> xy) {
    FeatureSet f;
    f.d = 2;
    f.n = static_cast<int64_t>(xy.size()) / 2;
    f.values = std::move(xy);
    return f;
}

// Points (x, y) for x = first .. last.
FeatureSet line(int first, int last, float y) {
    std::vector<float> v;
    for (int x = first; x <= last; ++x) v.insert(v.end(), {static_cast<float>(x), y});
    return points(v);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(frechet)

BOOST_AUTO_TEST_CASE(diagonal_covariances_give_the_sum_of_squared_root_differences) {
    // Commuting covariances: Tr(S1 + S2 - 2 sqrt(S1 S2)) = sum (sqrt(a_i) - sqrt(b_i))^2.
    const GaussianFit a = gaussian({1, 2, 3}, {4, 0, 0, 0, 9, 0, 0, 0, 0.25});
    const GaussianFit b = gaussian({0, 2, 5}, {1, 0, 0, 0, 16, 0, 0, 0, 1});
    const double expected = (1 + 0 + 4) + std::pow(2 - 1, 2) + std::pow(3 - 4, 2) + std::pow(0.5 - 1, 2);
    BOOST_TEST(frechet_distance(a, b) == expected, boost::test_tools::tolerance(fid_tolerance));
    BOOST_TEST(frechet_distance(b, a) == expected, boost::test_tools::tolerance(fid_tolerance));
    BOOST_TEST(std::abs(frechet_distance(a, a)) < fid_tolerance);
}

BOOST_AUTO_TEST_CASE(a_rotation_of_both_covariances_changes_nothing) {
    const GaussianFit a = gaussian({0, 0}, rotated(4, 1, 0.7)), b = gaussian({3, 4}, rotated(9, 0.25, 0.7));
    const double expected = 25 + std::pow(2 - 3, 2) + std::pow(1 - 0.5, 2);
    BOOST_TEST(frechet_distance(a, b) == expected, boost::test_tools::tolerance(fid_tolerance));
}

BOOST_AUTO_TEST_CASE(covariances_that_do_not_commute_match_the_two_by_two_formula) {
    // S1 S2 has non-negative eigenvalues l1, l2, so Tr sqrt(S1 S2) = sqrt(l1) + sqrt(l2) =
    // sqrt(tr(S1 S2) + 2 sqrt(det S1 det S2)).
    for (double angle : {0.3, 1.1, 2.5}) {
        const std::vector<double> s1 = {2, 0, 0, 0.5}, s2 = rotated(3, 0.2, angle);
        const double tr_product = s1[0] * s2[0] + s1[1] * s2[2] + s1[2] * s2[1] + s1[3] * s2[3];
        const double det1 = s1[0] * s1[3] - s1[1] * s1[2], det2 = s2[0] * s2[3] - s2[1] * s2[2];
        const double expected = 1 + (s1[0] + s1[3]) + (s2[0] + s2[3]) - 2 * std::sqrt(tr_product + 2 * std::sqrt(det1 * det2));
        BOOST_TEST(frechet_distance(gaussian({1, 0}, s1), gaussian({0, 0}, s2)) == expected, boost::test_tools::tolerance(fid_tolerance));
    }
}

BOOST_AUTO_TEST_CASE(a_singular_covariance_is_not_a_failure) {
    // All mass on one axis against a full one: sqrt(S1 S2) = diag(sqrt(4 * 1), 0).
    const GaussianFit a = gaussian({0, 0}, {4, 0, 0, 0}), b = gaussian({0, 0}, {1, 0, 0, 1});
    BOOST_TEST(frechet_distance(a, b) == 4 + 2 - 2 * 2.0, boost::test_tools::tolerance(fid_tolerance));
}

BOOST_AUTO_TEST_CASE(the_fit_is_the_mean_and_unbiased_covariance) {
    // (0, 0), (2, 0), (0, 4), (2, 4): mean (1, 2), variances 4/3 and 16/3, no covariance.
    const GaussianFit g = fit_gaussian(points({0, 0, 2, 0, 0, 4, 2, 4}));
    BOOST_TEST(g.n == 4);
    BOOST_TEST(g.mean == std::vector<double>({1, 2}), boost::test_tools::per_element());
    const std::vector<double> cov = {4.0 / 3, 0, 0, 16.0 / 3};
    for (std::size_t i = 0; i < 4; ++i) BOOST_TEST(g.cov[i] == cov[i], boost::test_tools::tolerance(1e-12));
    BOOST_CHECK_THROW(fit_gaussian(points({1, 2})), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(samples_of_one_gaussian_are_close_and_a_shift_shows) {
    std::mt19937_64 rng(3);
    std::normal_distribution<float> normal;
    auto sample = [&](float shift) {
        FeatureSet f;
        f.n = 4000;
        f.d = 4;
        for (int64_t i = 0; i < f.n * f.d; ++i) f.values.push_back(normal(rng) + shift);
        return fit_gaussian(f);
    };
    const GaussianFit a = sample(0), b = sample(0), c = sample(1);
    // Two samples of N(0, I) in 4 dimensions: the estimate's bias is about d^2 / n, far below 0.05.
    BOOST_TEST(frechet_distance(a, b) < 0.05);
    // A shift by 1 on every axis: |mu1 - mu2|^2 = 4.
    BOOST_TEST(frechet_distance(a, c) == 4.0, boost::test_tools::tolerance(0.05));
}

BOOST_AUTO_TEST_CASE(other_dimensions_are_refused) {
    BOOST_CHECK_THROW(frechet_distance(gaussian({0}, {1}), gaussian({0, 0}, {1, 0, 0, 1})), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(precision_and_recall)

// Real points x = 0 .. 9 on a line. With k = 3, the balls of the ends have radius 3 (their
// neighbours are 1, 2, 3 away) and the others radius 2 (1, 1, 2).
BOOST_AUTO_TEST_CASE(precision_counts_generated_points_inside_the_real_balls) {
    const FeatureSet real = line(0, 9, 0);
    // Inside: (4.5, 0) near 4 and 5; (-2.5, 0) within 3 of x = 0; (5, 1.9) within 2 of x = 5.
    // Outside: (20, 0); (-3.5, 0), 3.5 from x = 0 and 4.5 from x = 1.
    const FeatureSet generated = points({4.5f, 0, -2.5f, 0, 5, 1.9f, 20, 0, -3.5f, 0});
    BOOST_TEST(precision_recall(real, generated, 3).precision == 0.6, boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(recall_counts_real_points_inside_the_generated_balls) {
    // Generated x = 0 .. 4 at y = 0.1: balls of radius 3 at x = 0 and 4, 2 at x = 1, 2, 3. Every
    // generated point is 0.1 from a real one (precision 1); real x = 0 .. 6 are covered (x = 6
    // is sqrt(4.01) from x = 4), x = 7 is not (sqrt(9.01) from x = 4, 4 from x = 3): recall 7/10.
    const PrecisionRecall pr = precision_recall(line(0, 9, 0), line(0, 4, 0.1f), 3);
    BOOST_TEST(pr.precision == 1.0);
    BOOST_TEST(pr.recall == 0.7, boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(the_same_set_covers_itself_and_distant_sets_nothing) {
    const FeatureSet a = line(0, 9, 0), far = line(100, 109, 0);
    const PrecisionRecall same = precision_recall(a, a), apart = precision_recall(a, far);
    BOOST_TEST(same.precision == 1.0);
    BOOST_TEST(same.recall == 1.0);
    BOOST_TEST(apart.precision == 0.0);
    BOOST_TEST(apart.recall == 0.0);
}

BOOST_AUTO_TEST_CASE(the_answer_does_not_depend_on_the_block_size) {
    std::mt19937_64 rng(5);
    std::normal_distribution<float> normal;
    auto cloud = [&](int64_t n, float scale) {
        FeatureSet f;
        f.n = n;
        f.d = 8;
        for (int64_t i = 0; i < n * f.d; ++i) f.values.push_back(scale * normal(rng));
        return f;
    };
    const FeatureSet real = cloud(300, 1.0f), generated = cloud(200, 1.5f);
    const PrecisionRecall whole = precision_recall(real, generated, 3, 1024);
    for (int64_t rows : {1, 7, 64}) {
        const PrecisionRecall blocks = precision_recall(real, generated, 3, rows);
        BOOST_TEST(blocks.precision == whole.precision);
        BOOST_TEST(blocks.recall == whole.recall);
    }
    // A wider cloud reaches where the real one does not (precision below 1) and covers it (recall high).
    BOOST_TEST(whole.precision < 0.95);
    BOOST_TEST(whole.recall > whole.precision);
}

BOOST_AUTO_TEST_CASE(too_few_points_or_other_dimensions_are_refused) {
    BOOST_CHECK_THROW(precision_recall(line(0, 2, 0), line(0, 9, 0), 3), std::invalid_argument);
    FeatureSet three_d;
    three_d.n = 5;
    three_d.d = 3;
    three_d.values.assign(15, 0.0f);
    BOOST_CHECK_THROW(precision_recall(line(0, 9, 0), three_d, 3), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()

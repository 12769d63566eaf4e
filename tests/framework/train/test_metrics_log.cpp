// The metrics log: JSON lines that parse back with non-finite values as null, and a file that
// cannot be opened is an error.
#include <boost/test/unit_test.hpp>

#include "train/metrics_log.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <limits>
#include <unistd.h>

using namespace chimera;

BOOST_AUTO_TEST_CASE(metrics_are_json_lines_with_null_for_non_finite_values) {
    std::filesystem::path p = std::filesystem::temp_directory_path() / ("metrics-" + std::to_string(::getpid()) + ".jsonl");
    {
        MetricsLog log(p);
        log.write(10, 1, "train", {{"loss", 2.5}});
        log.write(20, 1, "validation", {{"loss", std::numeric_limits<double>::quiet_NaN()}, {"kl", 0.5}});
    }
    std::ifstream in(p);
    std::string first, second;
    std::getline(in, first);
    std::getline(in, second);
    std::filesystem::remove(p);
    BOOST_TEST(first == R"({"step":10,"epoch":1,"split":"train","loss":2.5})");
    auto j = nlohmann::json::parse(second);
    BOOST_TEST(j["split"] == "validation");
    BOOST_TEST(j["loss"].is_null());
    BOOST_TEST(j["kl"] == 0.5);
}

BOOST_AUTO_TEST_CASE(an_unwritable_metrics_file_is_a_data_error) {
    BOOST_CHECK_THROW(MetricsLog("/nonexistent/dir/metrics.jsonl"), std::exception);
}

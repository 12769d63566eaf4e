// The metrics log: JSON lines that parse back with non-finite values as null, a new run's log
// never follows another's lines, and a file that cannot be opened is an error.
#include <boost/test/unit_test.hpp>

#include "train/metrics_log.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <unistd.h>

using namespace chimera;

BOOST_AUTO_TEST_CASE(metrics_are_json_lines_with_null_for_non_finite_values) {
    std::filesystem::path p = std::filesystem::temp_directory_path() / ("metrics-" + std::to_string(::getpid()) + ".jsonl");
    {
        MetricsLog log(p, MetricsLog::restart);
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
    BOOST_CHECK_THROW(MetricsLog("/nonexistent/dir/metrics.jsonl", MetricsLog::append), std::exception);
}

// A run killed before its first checkpoint leaves lines no checkpoint covers: the run started
// again over them must not log after them.
BOOST_AUTO_TEST_CASE(a_restarted_log_drops_a_stale_one_and_an_appended_log_continues_it) {
    std::filesystem::path p = std::filesystem::temp_directory_path() / ("metrics-stale-" + std::to_string(::getpid()) + ".jsonl");
    std::ofstream(p) << R"({"step":1,"epoch":1,"split":"train","loss":9})" << "\n";
    auto lines = [&] {
        std::ifstream in(p);
        std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        return all;
    };
    { MetricsLog(p, MetricsLog::restart).write(1, 1, "train", {{"loss", 2.5}}); }
    BOOST_TEST(lines() == "{\"step\":1,\"epoch\":1,\"split\":\"train\",\"loss\":2.5}\n");
    { MetricsLog(p, MetricsLog::append).write(2, 1, "train", {{"loss", 2.0}}); }
    BOOST_TEST(lines() == "{\"step\":1,\"epoch\":1,\"split\":\"train\",\"loss\":2.5}\n{\"step\":2,\"epoch\":1,\"split\":\"train\",\"loss\":2.0}\n");
    std::filesystem::remove(p);
}

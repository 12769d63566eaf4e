#include "train/metrics_log.hpp"

#include "core/host_error.hpp"
#include "io/atomic_file.hpp"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>

namespace chimera {

MetricsLog::MetricsLog(const std::filesystem::path& path, Mode mode)
    : path_(path), file_(std::fopen(path.c_str(), mode == append ? "a" : "w")) {
    if (!file_) throw DataError(path.string() + ": cannot open for " + (mode == append ? "appending" : "writing") + ": " + std::strerror(errno));
}

MetricsLog::~MetricsLog() { std::fclose(file_); }

void MetricsLog::write(int64_t step, int64_t epoch, const std::string& split, const Metrics& metrics) {
    nlohmann::ordered_json line = {{"step", step}, {"epoch", epoch}, {"split", split}};
    for (const auto& [name, value] : metrics) line[name] = std::isfinite(value) ? nlohmann::ordered_json(value) : nullptr;
    std::string text = line.dump() + "\n";
    write_step();  // a point the crash test kills at (io/atomic_file.hpp)
    if (std::fwrite(text.data(), 1, text.size(), file_) != text.size() || std::fflush(file_) != 0)
        throw DataError(path_.string() + ": cannot write metrics: " + std::strerror(errno));
}

void MetricsLog::truncate(const std::filesystem::path& path, int64_t step) {
    std::ifstream in(path);
    if (!in) return;
    std::string line, kept;
    while (std::getline(in, line)) {
        auto j = nlohmann::json::parse(line, nullptr, false);
        if (j.is_discarded() || !j.contains("step") || !j["step"].is_number_integer()) continue;
        const int64_t at = j["step"].get<int64_t>();
        if (at < step || (at == step && j.value("split", "") != "test")) kept += line + "\n";
    }
    write_file_atomically(path, kept);
}

}  // namespace chimera

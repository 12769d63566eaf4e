#include "train/metrics_log.hpp"

#include "core/host_error.hpp"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cmath>
#include <cstring>

namespace chimera {

MetricsLog::MetricsLog(const std::filesystem::path& path) : path_(path), file_(std::fopen(path.c_str(), "a")) {
    if (!file_) throw DataError(path.string() + ": cannot open for appending: " + std::strerror(errno));
}

MetricsLog::~MetricsLog() { std::fclose(file_); }

void MetricsLog::write(int64_t step, int64_t epoch, const std::string& split, const Metrics& metrics) {
    nlohmann::ordered_json line = {{"step", step}, {"epoch", epoch}, {"split", split}};
    for (const auto& [name, value] : metrics) line[name] = std::isfinite(value) ? nlohmann::ordered_json(value) : nullptr;
    std::string text = line.dump() + "\n";
    if (std::fwrite(text.data(), 1, text.size(), file_) != text.size() || std::fflush(file_) != 0)
        throw DataError(path_.string() + ": cannot write metrics: " + std::strerror(errno));
}

}  // namespace chimera

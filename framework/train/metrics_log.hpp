// metrics.jsonl: one JSON object per line ({"step": 120, "epoch": 1, "split": "train",
// "loss": 241.3, ...}), appended and flushed as training goes, so a crash loses at most the
// line being written and tools can tail or load it. Not the choice of what to log.
#pragma once

#include "train/progress.hpp"

#include <cstdio>
#include <filesystem>
#include <string>

namespace chimera {

class MetricsLog {
public:
    // Opens `path` for appending. Throws DataError naming the file.
    explicit MetricsLog(const std::filesystem::path& path);
    ~MetricsLog();
    MetricsLog(const MetricsLog&) = delete;
    MetricsLog& operator=(const MetricsLog&) = delete;

    // Writes one line. Non-finite values are written as null (JSON has no NaN).
    void write(int64_t step, int64_t epoch, const std::string& split, const Metrics& metrics);

private:
    std::filesystem::path path_;
    std::FILE* file_;
};

}  // namespace chimera

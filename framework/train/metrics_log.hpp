// A run's metrics log: one JSON object per line ({"step": 120, "epoch": 1, "split": "train",
// "loss": 241.3, ...}), appended and flushed as training goes, so a crash loses at most the
// line being written and tools can tail or load it. Not the choice of what to log, nor where
// the file is (run/run_directory.hpp).
#pragma once

#include "core/metrics.hpp"

#include <cstdio>
#include <filesystem>
#include <string>

namespace chimera {

class MetricsLog {
public:
    // How to open the log: after the lines there (a resumed run, its log cut back with
    // `truncate` first), or empty (a run starting, which must never follow another's lines).
    enum Mode { append, restart };
    // Opens `path`. Throws DataError naming the file.
    MetricsLog(const std::filesystem::path& path, Mode mode);
    ~MetricsLog();
    MetricsLog(const MetricsLog&) = delete;
    MetricsLog& operator=(const MetricsLog&) = delete;

    // Writes one line. Non-finite values are written as null (JSON has no NaN).
    void write(int64_t step, int64_t epoch, const std::string& split, const Metrics& metrics);

    // Flushes the lines written so far to the disk (not only to the system). Throws DataError.
    void sync();

    // Keeps the lines of the log at `path` up to `step`, for a run resumed there to write what
    // came after anew; the test metrics of the interrupted run at `step` go too. No file: nothing.
    static void truncate(const std::filesystem::path& path, int64_t step);

private:
    std::filesystem::path path_;
    std::FILE* file_;
};

}  // namespace chimera

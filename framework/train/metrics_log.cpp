#include "train/metrics_log.hpp"

#include "core/host_error.hpp"
#include "io/atomic_file.hpp"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <fcntl.h>
#include <unistd.h>

namespace chimera {

namespace {

// Never through a symbolic link: a run directory from elsewhere must not redirect the log.
std::FILE* open_log(const std::filesystem::path& path, MetricsLog::Mode mode) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC | (mode == MetricsLog::restart ? O_TRUNC : 0), 0644);
    std::FILE* file = fd < 0 ? nullptr : ::fdopen(fd, "a");
    if (!file) {
        const int error = errno;
        if (fd >= 0) ::close(fd);
        throw DataError(path.string() + ": cannot open for " + (mode == MetricsLog::append ? "appending" : "writing") + ": " +
                        std::strerror(error));
    }
    return file;
}

}  // namespace

MetricsLog::MetricsLog(const std::filesystem::path& path, Mode mode) : path_(path), file_(open_log(path, mode)) {}

MetricsLog::~MetricsLog() { std::fclose(file_); }

void MetricsLog::write(int64_t step, int64_t epoch, const std::string& split, const Metrics& metrics) {
    nlohmann::ordered_json line = {{"step", step}, {"epoch", epoch}, {"split", split}};
    for (const auto& [name, value] : metrics) line[name] = std::isfinite(value) ? nlohmann::ordered_json(value) : nullptr;
    std::string text = line.dump() + "\n";
    write_step();  // a point the crash test kills at (io/atomic_file.hpp)
    if (std::fwrite(text.data(), 1, text.size(), file_) != text.size() || std::fflush(file_) != 0)
        throw DataError(path_.string() + ": cannot write metrics: " + std::strerror(errno));
}

void MetricsLog::sync() {
    if (std::fflush(file_) != 0 || ::fdatasync(::fileno(file_)) != 0)
        throw DataError(path_.string() + ": cannot flush metrics: " + std::strerror(errno));
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

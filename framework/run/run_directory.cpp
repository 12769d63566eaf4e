#include "run/run_directory.hpp"

#include "core/host_error.hpp"
#include "io/atomic_file.hpp"
#include "io/npy.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace chimera {

namespace fs = std::filesystem;

namespace {

const char* const kConfig = "config.yaml";
const char* const kState = "checkpoint.json";
const char* const kTensorsPrefix = "checkpoint-";
const char* const kTensorsExtension = ".safetensors";
const char* const kBest = "best.safetensors";
const char* const kMetrics = "metrics.jsonl";
const char* const kSamples = "samples";
const char* const kData = "data";
const char* const kPlugins = "plugins.json";
const char* const kRecord = "run.json";
const char* const kReport = "report.html";
const char* const kEvaluationPrefix = "evaluation-";
const char* const kEvaluationExtension = ".json";

bool starts_ends(const std::string& name, const std::string& prefix, const std::string& extension) {
    return name.size() > prefix.size() + extension.size() && name.rfind(prefix, 0) == 0 &&
           name.compare(name.size() - extension.size(), extension.size(), extension) == 0;
}

// What `clear` removes: every file above but the outputs commands write on request, and the
// temporary files of any of them.
bool owned(const std::string& name) {
    return name == kConfig || name == kState || name == kBest || name == kMetrics || name == kSamples || name == kData || name == kPlugins ||
           name == kRecord || name == kReport ||
           RunDirectory::is_tensors_file(name) || starts_ends(name, kEvaluationPrefix, kEvaluationExtension);
}

bool is_output(const std::string& name) {
    for (RunOutput o : {RunOutput::generated, RunOutput::interpolation, RunOutput::reconstructions, RunOutput::generated_array})
        if (name == RunDirectory::output_name(o)) return true;
    // A conditional model's array of generated images has its labels beside it.
    return name == labels_beside(RunDirectory::output_name(RunOutput::generated_array)).string();
}

// A temporary file of one of `is_ours`'s names that no writer holds: its writer locks it while
// writing (io/atomic_file.cpp), and the lock goes with the writer when it is killed. A lock, not
// the writer's process id: the directory may be shared by machines or containers whose
// processes this one cannot see.
template <typename Ours>
bool stale_temporary(const fs::path& file, Ours is_ours) {
    std::string target;
    long pid = 0;
    if (!parse_temporary_name(file.filename().string(), target, pid) || !is_ours(target) || pid == ::getpid()) return false;
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return false;
    const bool held = ::flock(fd, LOCK_EX | LOCK_NB) != 0;
    ::close(fd);
    return !held;
}

const char* training_figure_name(TrainingFigure figure) {
    switch (figure) {
    case TrainingFigure::reconstructions: return "reconstructions.png";
    case TrainingFigure::interpolation: return "interpolation.png";
    case TrainingFigure::traversal: return "traversal.png";
    case TrainingFigure::traversal_about: return "traversal.json";
    }
    return "figure";
}

}  // namespace

fs::path RunDirectory::config() const { return path_ / kConfig; }
fs::path RunDirectory::state() const { return path_ / kState; }

fs::path RunDirectory::tensors(int64_t step) const {
    char name[64];
    std::snprintf(name, sizeof name, "%s%09lld%s", kTensorsPrefix, static_cast<long long>(step), kTensorsExtension);
    return path_ / name;
}

fs::path RunDirectory::best() const { return path_ / kBest; }
fs::path RunDirectory::metrics() const { return path_ / kMetrics; }

fs::path RunDirectory::sample_grid(int64_t epoch) const {
    char name[32];
    std::snprintf(name, sizeof name, "epoch-%03lld.png", static_cast<long long>(epoch));
    return path_ / kSamples / name;
}

fs::path RunDirectory::training_figure(TrainingFigure figure) const { return path_ / kSamples / training_figure_name(figure); }

fs::path RunDirectory::data() const { return path_ / kData; }
fs::path RunDirectory::plugins() const { return path_ / kPlugins; }
fs::path RunDirectory::record() const { return path_ / kRecord; }
fs::path RunDirectory::report() const { return path_ / kReport; }
fs::path RunDirectory::evaluation(const std::string& split) const { return path_ / (kEvaluationPrefix + split + kEvaluationExtension); }
fs::path RunDirectory::train_on_generated() const { return path_ / "train-on-generated"; }
fs::path RunDirectory::output(RunOutput output) const { return path_ / output_name(output); }
fs::path RunDirectory::generated(const std::string& label) const { return path_ / label; }

std::string RunDirectory::output_name(RunOutput output) {
    switch (output) {
    case RunOutput::generated: return "generated.png";
    case RunOutput::interpolation: return "interpolation.png";
    case RunOutput::reconstructions: return "reconstructions.png";
    case RunOutput::generated_array: return "generated.npy";
    }
    return "output";
}

bool RunDirectory::exists() const { return fs::is_directory(path_); }
bool RunDirectory::has_config() const { return fs::exists(config()); }
bool RunDirectory::has_checkpoint() const { return fs::exists(state()); }

bool RunDirectory::has_run_files() const {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(path_, ec))
        if (owned(entry.path().filename().string())) return true;
    return false;
}

bool RunDirectory::is_tensors_file(const std::string& name) { return starts_ends(name, kTensorsPrefix, kTensorsExtension); }

void RunDirectory::create() const {
    std::error_code ec;
    fs::create_directories(path_, ec);
    if (ec) throw DataError(path_, "cannot create the run directory: " + ec.message());
}

std::vector<std::string> RunDirectory::clear() const {
    std::error_code ec;
    std::vector<std::string> removed;
    for (const auto& entry : fs::directory_iterator(path_, ec)) {
        const std::string name = entry.path().filename().string();
        std::string target;
        long pid = 0;
        if (!owned(name) && !(parse_temporary_name(name, target, pid) && owned(target))) continue;
        fs::remove_all(entry.path(), ec);
        removed.push_back(name);
    }
    std::sort(removed.begin(), removed.end());
    return removed;
}

int RunDirectory::remove_stale_temporaries() const {
    int removed = 0;
    std::error_code ec;
    auto sweep = [&](const fs::path& dir, auto is_ours) {
        for (const auto& entry : fs::directory_iterator(dir, ec))
            if (entry.is_regular_file(ec) && stale_temporary(entry.path(), is_ours))
                removed += fs::remove(entry.path(), ec) ? 1 : 0;
    };
    sweep(path_, [](const std::string& name) { return (owned(name) && name != kSamples && name != kData) || is_output(name); });
    sweep(path_ / kSamples, [](const std::string& name) {
        for (TrainingFigure f : {TrainingFigure::reconstructions, TrainingFigure::interpolation, TrainingFigure::traversal,
                                 TrainingFigure::traversal_about})
            if (name == training_figure_name(f)) return true;
        return starts_ends(name, "epoch-", ".png");
    });
    return removed;
}

}  // namespace chimera

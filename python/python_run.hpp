// What the Python module's `chimera.Run` and `chimera.train` do, in plain C++: a run directory
// opened the way the CLI opens one (PipelineSession::open_run on an argument list made from the
// keyword arguments), and the samplers and the evaluator called on it. Not Python: no pybind11
// here, so the GIL and NumPy stay in chimera_module.cpp; results leave as plain values.
#pragma once

#include "cli/pipeline_session.hpp"
#include "core/metrics.hpp"

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace chimera::python {

// How a run is opened or trained: the CLI's --threads (0: its default), --plugin-path (each entry
// searched first), --no-builtin-plugins, --verbose and --set, by name.
struct SessionOptions {
    int threads = 0;
    std::vector<std::string> plugin_paths;
    bool builtin_plugins = true;
    bool verbose = false;
    std::vector<std::string> overrides;  // "key=value"
};

// The flags those options are on a command line, for `chimera train` and to open a run.
std::vector<std::string> session_arguments(const SessionOptions& options);

// Tensor values copied out of the host: they outlive the session's memory pool and its lock.
struct Values {
    std::vector<float> data;
    Shape shape;
};

// A trained run. One call at a time computes in the process, whichever run it is on: the plugin
// libraries are shared by every session in the process and compute with the one last attached,
// so each call takes process_lock() and attaches its own. Python threads may share runs; each
// call computes with its run's thread count, on any OS thread. Methods throw the host's errors (HostError subclasses).
class PythonRun {
public:
    // Opens `dir` as `chimera generate DIR` would. Throws DataError for a directory that is not a run.
    PythonRun(const std::string& dir, const SessionOptions& options);
    ~PythonRun();

    const std::string& directory() const { return dir_; }
    // The run's resolved pipeline, as its commands read it (with `options.overrides` applied).
    const YAML::Node& config() const { return session_->root(); }

    // `n` images (1 to 4096, as chimera generate --n) from the prior, [n, C, H, W] in the drawing
    // range; a conditional model draws class `label`, or without one a row of ceil(n / classes)
    // per class.
    Values generate(int64_t n, uint64_t seed, std::optional<int64_t> label);
    // The shape of one example of the data field the run reconstructs (ImageSampler::example_shape).
    Shape example_shape();
    // `data`: `shape` values row-major, examples of that field. See ImageSampler::encode and
    // reconstruct_images: [N, D] posterior means, and reconstructions shaped like `data`.
    Values encode(const float* data, const Shape& shape, uint64_t seed, const std::vector<int32_t>& labels);
    Values reconstruct(const float* data, const Shape& shape, uint64_t seed, const std::vector<int32_t>& labels);
    // What `chimera evaluate DIR --split SPLIT` reports as metrics (not a multimodal model's
    // coherence): the losses' means per example, "total" last. `seed` as its --seed.
    Metrics evaluate(const std::string& split, std::optional<uint64_t> seed);

private:
    std::string dir_;
    std::unique_ptr<PipelineSession> session_;
};

// The lock every computation in the process holds: opening, using and closing runs, training.
std::mutex& process_lock();

// `chimera train FILE --out OUT` with `options` and `extra` flags (--seed, --overwrite, --resume),
// holding process_lock().
// Throws the host's errors; UsageError if the command ends with a non-zero code without one.
void train(const std::string& file, const std::string& out, const SessionOptions& options,
           const std::vector<std::string>& extra);

}  // namespace chimera::python

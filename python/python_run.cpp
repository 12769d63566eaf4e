// The Python module's runs in plain C++ (python_run.hpp). Its options become the CLI's flags, parsed
// by the CLI's own option descriptions, so a run opens here exactly as `chimera generate` opens it.
// Not the conversion to and from Python objects (chimera_module.cpp).
#include "python_run.hpp"

#include "autograd/modes.hpp"
#include "cli/command.hpp"
#include "core/host_error.hpp"
#include "evaluate/evaluator.hpp"
#include "generate/image_sampler.hpp"

#include <omp.h>

#include <cstring>

namespace po = boost::program_options;

namespace chimera::python {

std::vector<std::string> session_arguments(const SessionOptions& options) {
    std::vector<std::string> args;
    if (options.threads > 0) args.push_back("--threads=" + std::to_string(options.threads));
    for (const auto& p : options.plugin_paths) args.push_back("--plugin-path=" + p);
    if (!options.builtin_plugins) args.push_back("--no-builtin-plugins");
    if (options.verbose) args.push_back("--verbose");
    // The "=" form keeps a value that starts with '-' a value.
    for (const auto& o : options.overrides) args.push_back("--set=" + o);
    return args;
}

namespace {

// The options a run is opened with, as the CLI's sampling commands read them.
po::variables_map run_variables(const std::string& dir, const SessionOptions& options) {
    const po::options_description desc = grid_options(po::options_description(), 64, RunOutput::generated);
    std::vector<std::string> args{"--run=" + dir};
    for (auto& a : session_arguments(options)) args.push_back(std::move(a));
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(args).options(desc).run(), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        throw UsageError(std::string("opening ") + dir + ": " + e.what());
    }
    return vm;
}

// OpenMP's thread count belongs to the calling OS thread (a Python thread may be any): each call
// computes with its run's count, and leaves the thread's own as it was.
class RunThreads {
public:
    explicit RunThreads(const PipelineSession& session) : before_(omp_get_max_threads()) {
        omp_set_num_threads(const_cast<PipelineSession&>(session).context().device().threads());
    }
    ~RunThreads() { omp_set_num_threads(before_); }
    RunThreads(const RunThreads&) = delete;
    RunThreads& operator=(const RunThreads&) = delete;

private:
    int before_;
};

Values values_of(const Tensor& t) {
    Values v{std::vector<float>(static_cast<std::size_t>(t.numel())), t.shape()};
    std::memcpy(v.data.data(), t.data<float>(), v.data.size() * sizeof(float));
    return v;
}

}  // namespace

std::mutex& process_lock() {
    static std::mutex lock;
    return lock;
}

PythonRun::PythonRun(const std::string& dir, const SessionOptions& options) : dir_(dir) {
    std::lock_guard<std::mutex> hold(process_lock());
    session_ = PipelineSession::open_run(run_variables(dir, options), dir);
}

PythonRun::~PythonRun() {
    std::lock_guard<std::mutex> hold(process_lock());  // closing detaches the shared plugin libraries
    session_.reset();
}

Values PythonRun::generate(int64_t n, uint64_t seed, std::optional<int64_t> label) {
    if (n < 1 || n > 4096) throw UsageError("generate: n must be between 1 and 4096, got " + std::to_string(n));
    std::lock_guard<std::mutex> hold(process_lock());
    session_->attach();
    const RunThreads threads(*session_);
    ImageSampler sampler(session_->pipeline(), session_->context(), session_->ops());
    const int64_t classes = sampler.is_conditional() ? sampler.classes() : 1;
    const int columns = static_cast<int>((n + classes - 1) / classes);  // a row per class without a label
    return values_of(sampler.generate(n, seed, label, columns));
}

Shape PythonRun::example_shape() {
    std::lock_guard<std::mutex> hold(process_lock());
    return ImageSampler(session_->pipeline(), session_->context(), session_->ops()).example_shape();
}

namespace {

// `data` as a tensor of `ctx`'s pool (the caller holds the run's lock).
Tensor tensor_of(Context& ctx, const float* data, const Shape& shape) {
    Tensor t = ctx.empty(DType::f32, shape);
    std::memcpy(t.data<float>(), data, static_cast<std::size_t>(t.numel()) * sizeof(float));
    return t;
}

}  // namespace

Values PythonRun::encode(const float* data, const Shape& shape, uint64_t seed, const std::vector<int32_t>& labels) {
    std::lock_guard<std::mutex> hold(process_lock());
    session_->attach();
    const RunThreads threads(*session_);
    ImageSampler sampler(session_->pipeline(), session_->context(), session_->ops());
    return values_of(sampler.encode(tensor_of(session_->context(), data, shape), seed, labels));
}

Values PythonRun::reconstruct(const float* data, const Shape& shape, uint64_t seed, const std::vector<int32_t>& labels) {
    std::lock_guard<std::mutex> hold(process_lock());
    session_->attach();
    const RunThreads threads(*session_);
    ImageSampler sampler(session_->pipeline(), session_->context(), session_->ops());
    return values_of(sampler.reconstruct_images(tensor_of(session_->context(), data, shape), seed, labels));
}

Metrics PythonRun::evaluate(const std::string& split_name, std::optional<uint64_t> seed) {
    std::lock_guard<std::mutex> hold(process_lock());
    session_->attach();
    const RunThreads threads(*session_);
    const Pipeline& p = session_->pipeline();
    const DataSplit& split = split_name == "test"         ? p.test_split()
                             : split_name == "validation" ? p.validation_split()
                             : split_name == "train"      ? p.train_split()
                                                          : throw UsageError("evaluate: the split is test, validation or train, not '" + split_name + "'");
    if (!split.present()) throw UsageError("evaluate: this pipeline has no " + split_name + " split");
    if (split.indices.empty()) throw DataError(dir_ + ": the " + split_name + " split holds no examples");
    Context& ctx = session_->context();
    // As chimera evaluate: the random numbers the end of training draws for its test metrics, by default.
    EvalScope numbers(ctx, seed ? *seed : ctx.device().seed() + 2);
    return evaluate_split(p, ctx, split, p.spec().data.batch_size);
}

void train(const std::string& file, const std::string& out, const SessionOptions& options, const std::vector<std::string>& extra) {
    // Alone: training opens a session of its own on the shared plugin libraries, and the CLI keeps
    // the running command line (run.json records it) in one place.
    std::lock_guard<std::mutex> hold(process_lock());
    std::vector<std::string> args{"train", file, "--out=" + out};
    for (auto& a : session_arguments(options)) args.push_back(std::move(a));
    args.insert(args.end(), extra.begin(), extra.end());
    const int code = run_cli(args);
    if (code != 0) throw UsageError("chimera train " + file + " ended with exit code " + std::to_string(code));
}

}  // namespace chimera::python

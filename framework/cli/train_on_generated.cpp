#include "cli/train_on_generated.hpp"

#include "cli/command.hpp"
#include "cli/terminal.hpp"
#include "core/host_error.hpp"
#include "evaluate/task_performance.hpp"
#include "generate/image_sampler.hpp"
#include "io/atomic_file.hpp"
#include "pipeline/yaml_source.hpp"
#include "run/plugin_record.hpp"
#include "train/trainer.hpp"

#include <fmt/format.h>

#include <iostream>
#include <unistd.h>

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace chimera {

namespace {

// Trains the classifier pipeline `config` (written to `file`) into `run_dir`, afresh, and
// returns its test metrics.
Metrics train_classifier(const po::variables_map& vm, const YAML::Node& config, const fs::path& file, const fs::path& run_dir) {
    YAML::Emitter text;
    text << config;
    write_file_atomically(file, std::string(text.c_str()) + "\n");
    // The evaluated run's --set changes are its own, not the classifier's.
    po::variables_map own = vm;
    own.erase("set");
    PipelineSession session(own, file.string());
    session.attach();
    const RunDirectory run(run_dir);
    run.create();
    run.clear();
    session.pipeline().save_data(run.data());
    TrainOptions options;
    options.run_dir = run_dir;
    options.config_hash = pipeline_hash(session.root());
    options.out = &std::cerr;
    options.terminal = is_interactive(STDERR_FILENO);
    options.report = false;
    options.record.command = command_line();
    options.record.pipeline = file.string();
    options.record.version = version_text();
    options.record.threads = session.context().device().threads();
    Trainer trainer(session.pipeline(), session.context(), session.ops(), options);
    write_file_atomically(run.config(), std::string(text.c_str()) + "\n");
    save_plugin_record(run, session.pipeline().libraries_used());
    return trainer.run().test;
}

// The accuracy among a classifier's test metrics: the cross-entropy's "<loss>/accuracy".
double accuracy_of(const Metrics& test, const std::string& classifier) {
    for (const auto& [name, value] : test)
        if (name.size() > 9 && name.compare(name.size() - 9, 9, "/accuracy") == 0) return value;
    throw ConfigError(SourcePlace{classifier}, "the classifier reports no accuracy on its test split (a cross_entropy loss does)");
}

}  // namespace

nlohmann::json TaskPerformance::json() const {
    return {{"training_images", training_images},
            {"classifier_epochs", epochs},
            {"generated_accuracy", generated_accuracy},
            {"real_accuracy", real_accuracy},
            {"test_examples", test_examples},
            {"generated_run", generated_run.string()},
            {"real_run", real_run.string()}};
}

TaskPerformanceOptions task_performance_options(const po::variables_map& vm) {
    TaskPerformanceOptions o{vm["train-on-generated"].as<int64_t>(), vm["classifier-epochs"].as<int64_t>(),
                             vm["classifier"].as<std::string>(), seed_option(vm), {}};
    if (o.n < 1) throw UsageError("--train-on-generated: give how many images to train on (N >= 1), not " + std::to_string(o.n));
    if (o.epochs < 0)
        throw UsageError("--classifier-epochs: at least 1 (or 0: the classifier pipeline's train.epochs), not " + std::to_string(o.epochs));
    if (!fs::is_regular_file(o.classifier))
        throw UsageError("--classifier " + o.classifier + ": no such pipeline file (the classifier to train, e.g. configs/classifier_fashion.yaml)");
    o.pipeline = read_pipeline_yaml(o.classifier, {});
    const YAML::Node data = o.pipeline["data"], train = o.pipeline["train"];
    const int64_t batch = data && data["batch_size"] ? data["batch_size"].as<int64_t>() : 64;
    if (o.n < batch)
        throw UsageError("--train-on-generated " + std::to_string(o.n) + ": fewer images than one batch of the classifier (" +
                         std::to_string(batch) + ", data.batch_size of " + o.classifier + ")");
    if (o.epochs == 0) o.epochs = train && train["epochs"] ? train["epochs"].as<int64_t>() : 1;
    return o;
}

void require_conditional(const Pipeline& pipeline, const fs::path& run_dir) {
    if (pipeline.spec().generate.condition.empty())
        throw UsageError("--train-on-generated: " + run_dir.string() +
                         " is not a conditional model (its generate section names no condition): it draws no labelled samples");
}

TaskPerformance train_on_generated(const po::variables_map& vm, PipelineSession& session, const fs::path& run_dir,
                                   const TaskPerformanceOptions& o) {
    require_conditional(session.pipeline(), run_dir);
    const YAML::Node& classifier = o.pipeline;
    const int64_t epochs = o.epochs;
    const fs::path work = RunDirectory(run_dir).train_on_generated();
    std::error_code error;
    fs::create_directories(work, error);
    if (error) throw DataError(work, "cannot make the directory: " + error.message());

    std::cerr << fmt::format("Drawing {} labelled samples of {}, balanced over its classes\n", o.n, run_dir.string());
    const int64_t blocks = (o.n + ImageSampler::stream_batch - 1) / ImageSampler::stream_batch;
    ProgressBar bar(std::cerr, "generate", blocks, ImageSampler::stream_batch, is_interactive(STDERR_FILENO));
    session.attach();
    const IdxSet generated = write_generated_set(session.pipeline(), session.context(), session.ops(), o.n, o.seed, work, &bar);

    // The real set: the classifier's own training images, read through its pipeline on [0, 1].
    const fs::path source = work / "real-source.yaml";
    TaskPerformance r;
    IdxSet real;
    {
        YAML::Emitter text;
        text << classifier_config(classifier, o.classifier, nullptr, epochs);
        write_file_atomically(source, std::string(text.c_str()) + "\n");
        po::variables_map own = vm;
        own.erase("set");
        PipelineSession reader(own, source.string());
        reader.attach();
        real = write_real_set(reader.pipeline(), o.n, work);
        r.test_examples = static_cast<int64_t>(reader.pipeline().test_split().indices.size());
    }

    r.training_images = o.n;
    r.epochs = epochs;
    r.generated_run = work / "classifier-generated";
    r.real_run = work / "classifier-real";
    std::cerr << fmt::format("Training {} on the {} generated images for {} epochs\n", o.classifier, o.n, epochs);
    const Metrics on_generated = train_classifier(vm, classifier_config(classifier, o.classifier, &generated, epochs),
                                                  work / "classifier-generated.yaml", r.generated_run);
    std::cerr << fmt::format("Training {} on {} real training images for {} epochs\n", o.classifier, o.n, epochs);
    const Metrics on_real = train_classifier(vm, classifier_config(classifier, o.classifier, &real, epochs),
                                             work / "classifier-real.yaml", r.real_run);
    session.attach();
    r.generated_accuracy = accuracy_of(on_generated, o.classifier);
    r.real_accuracy = accuracy_of(on_real, o.classifier);
    return r;
}

}  // namespace chimera

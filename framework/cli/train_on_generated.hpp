// `chimera evaluate RUN --train-on-generated N`: task performance (seed §1.7.2). A classifier
// pipeline trained on N labelled samples of the run's conditional model and, beside it, the same
// pipeline with the same epochs and seed trained on N real training images; both tested on the
// real test split. The sets and the two classifier runs stay in RUN/train-on-generated/ to be
// looked at. Here because it trains (the trainer is above the evaluate layer); what it trains on
// is made by evaluate/task_performance.hpp.
#pragma once

#include "cli/pipeline_session.hpp"

#include <nlohmann/json.hpp>

namespace chimera {

struct TaskPerformanceOptions {
    int64_t n = 0;                  // images in each training set
    int64_t epochs = 0;             // of each classifier run (0 on the command line: the pipeline's train.epochs)
    std::string classifier;         // the classifier pipeline file
    uint64_t seed = 0;              // of the generated images
    YAML::Node pipeline;            // the classifier pipeline, read
};

struct TaskPerformance {
    double generated_accuracy = 0, real_accuracy = 0;  // on the real test split
    int64_t training_images = 0, epochs = 0, test_examples = 0;
    std::filesystem::path generated_run, real_run;
    nlohmann::json json() const;
};

// The options of --train-on-generated, --classifier and --classifier-epochs, checked before any
// work. Throws UsageError naming the flag.
TaskPerformanceOptions task_performance_options(const boost::program_options::variables_map& vm);
// Throws UsageError when the run's pipeline draws no labelled samples (no generate.condition).
void require_conditional(const Pipeline& pipeline, const std::filesystem::path& run_dir);

// `session` is the run's (a conditional model). Progress goes to stderr. Throws UsageError for a
// model that is not conditional or too few images for a batch, ConfigError for a classifier
// pipeline that does not fit (named), DataError when files cannot be written.
TaskPerformance train_on_generated(const boost::program_options::variables_map& vm, PipelineSession& session,
                                   const std::filesystem::path& run_dir, const TaskPerformanceOptions& options);

}  // namespace chimera

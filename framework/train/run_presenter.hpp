// What training leaves for a person to look at, besides checkpoints and the metrics log: the
// run's record (run.json), its report page, and the figures drawn at each epoch's end (the
// reconstructions, walks and a VAE's traversal with the KL of each latent dimension). None of
// it may stop training: a part that fails says so once and is not tried again. Rank 0's alone.
#pragma once

#include "run/run_directory.hpp"
#include "run/run_record.hpp"

#include <chrono>
#include <cstdint>
#include <iosfwd>

namespace chimera {

class ImageSampler;

class RunPresenter {
public:
    // `record` as the command line filled it, and, for a resumed run, as run.json had it.
    RunPresenter(RunDirectory run, RunRecord record, bool report, std::ostream& out);

    RunRecord& record() { return record_; }
    // Writes run.json and (unless told not to) the report, with how far training got.
    void update(RunRecord::Status status, int64_t steps, int64_t epochs, const std::string& message = "");
    // Draws the figures of the model as it is at the end of `epoch` (1-based).
    void draw_figures(const ImageSampler& sampler, uint64_t seed, int64_t epoch);
    // Whether the report is being written (for saying where it is).
    bool reports() const { return report_ && !report_failed_; }

private:
    template <class Work>
    void besides_training(const char* what, bool& failed, Work work);
    void figures(const ImageSampler& sampler, uint64_t seed, int64_t epoch);

    RunDirectory run_;
    RunRecord record_;
    bool report_;
    std::ostream& out_;
    std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
    double seconds_before_;  // what earlier processes spent training this run (resumed)
    bool record_failed_ = false, report_failed_ = false, figures_failed_ = false;
};

}  // namespace chimera

#include "train/run_presenter.hpp"

#include "generate/image_sampler.hpp"
#include "io/atomic_file.hpp"
#include "report/report.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <ostream>

namespace chimera {

namespace {

constexpr int kColumns = 8;

}  // namespace

RunPresenter::RunPresenter(RunDirectory run, RunRecord record, bool report, std::ostream& out)
    : run_(std::move(run)), record_(std::move(record)), report_(report), out_(out), seconds_before_(record_.seconds) {}

void RunPresenter::update(RunRecord::Status status, int64_t steps, int64_t epochs, const std::string& message) {
    record_.status = status;
    record_.message = message;
    record_.steps = steps;
    record_.epochs = epochs;
    record_.seconds = seconds_before_ + std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    if (!record_failed_) besides_training("the run's record (run.json)", record_failed_, [&] { write_run_record(run_, record_); });
    if (report_ && !report_failed_) besides_training("the report", report_failed_, [&] { write_report({run_.path()}, run_.report()); });
}

void RunPresenter::draw_figures(const ImageSampler& sampler, uint64_t seed, int64_t epoch) {
    if (!figures_failed_) besides_training("the report's figures", figures_failed_, [&] { figures(sampler, seed, epoch); });
}

// Runs `work`: if it throws, the failure is said once, `failed` is set so it is not tried again,
// and training goes on.
template <class Work>
void RunPresenter::besides_training(const char* what, bool& failed, Work work) {
    try {
        work();
    } catch (const std::exception& e) {
        failed = true;
        out_ << "warning: " << what << " is no longer written (training goes on): " << e.what() << "\n";
    }
}

// Replacing the last epoch's: reconstructions (a model with a prior; without one the epoch's grid
// is already those), walks between prior samples, and for a VAE the KL of each latent dimension
// and a traversal of the most active ones.
void RunPresenter::figures(const ImageSampler& sampler, uint64_t seed, int64_t epoch) {
    constexpr int64_t reconstructed = 32, walks = 6, walk_steps = 10, traversed = 8, traversal_steps = 11, kl_examples = 1000;
    constexpr double span = 3.0;
    if (!sampler.can_generate()) return;
    if (sampler.can_reconstruct())
        sampler.write(run_.training_figure(TrainingFigure::reconstructions), sampler.reconstruct(reconstructed, kColumns), kColumns);
    sampler.write(run_.training_figure(TrainingFigure::interpolation), sampler.interpolate(walks, walk_steps, seed + 3), walk_steps);
    if (!sampler.can_measure_kl()) return;
    const std::vector<double> kl = sampler.latent_kl(kl_examples);
    if (kl.empty()) return;  // no example to measure on
    // The most active first; a NaN (a diverging encoder) counts as the least.
    auto activity = [&](int64_t d) { return std::isnan(kl[d]) ? -1.0 : kl[d]; };
    std::vector<int64_t> order(kl.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int64_t>(i);
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return activity(a) > activity(b); });
    order.resize(std::min<std::size_t>(order.size(), traversed));
    sampler.write(run_.training_figure(TrainingFigure::traversal), sampler.traverse(order, traversal_steps, span), traversal_steps);
    const nlohmann::json j = {{"dimensions", order}, {"kl", kl}, {"span", span}, {"steps", traversal_steps},
                              {"examples", kl_examples}, {"epoch", epoch}};
    write_file_atomically(run_.training_figure(TrainingFigure::traversal_about), j.dump(2) + "\n");
}

}  // namespace chimera

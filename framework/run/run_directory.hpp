// A run directory: what `chimera train` writes and every other command reads. The one place its
// file names are spelt: the resolved pipeline, the checkpoint's state and tensors, the best
// epoch's parameters, the metrics log, the sample grids, what the loaders kept of their data,
// the plugin libraries it used, evaluation reports and the default files commands write into it; and which of them are
// Chimera's, so that starting a run over removes those and nothing else. Not their formats:
// checkpoint.hpp, train/metrics_log.hpp and the commands write those.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace chimera {

// Files commands write into a run directory unless told otherwise.
enum class RunOutput { generated, interpolation, reconstructions, generated_array };

// What training draws beside each epoch's grid, replaced at every epoch's end: reconstructions,
// walks, and a VAE's traversal with its description (the KL of each dimension, JSON).
enum class TrainingFigure { reconstructions, interpolation, traversal, traversal_about };

class RunDirectory {
public:
    explicit RunDirectory(std::filesystem::path path) : path_(std::move(path)) {}

    const std::filesystem::path& path() const { return path_; }

    std::filesystem::path config() const;                      // the resolved pipeline (YAML)
    std::filesystem::path state() const;                       // the checkpoint's run state (JSON)
    std::filesystem::path tensors(int64_t step) const;         // the checkpoint's tensors at `step`
    std::filesystem::path best() const;                        // the best epoch's parameters
    std::filesystem::path metrics() const;                     // one JSON line per logged step
    std::filesystem::path sample_grid(int64_t epoch) const;    // an epoch's samples (1-based)
    std::filesystem::path training_figure(TrainingFigure figure) const;
    std::filesystem::path data() const;                        // what the loaders derived
    std::filesystem::path plugins() const;                     // the plugin libraries the run used
    std::filesystem::path record() const;                      // how the run was started and ended (JSON)
    std::filesystem::path report() const;                      // the HTML report `chimera train` keeps
    std::filesystem::path evaluation(const std::string& split) const;  // `chimera evaluate`'s report
    // `chimera evaluate --train-on-generated`'s work: the labelled sets and the classifier runs.
    std::filesystem::path train_on_generated() const;
    std::filesystem::path output(RunOutput output) const;
    // A multimodal generation's default output, named by what it was made from and into
    // ("text-to-image", "prior-image+text"): a file without extension or a directory.
    std::filesystem::path generated(const std::string& label) const;
    // The file name of `output` alone, for help texts ("generated.png").
    static std::string output_name(RunOutput output);

    bool exists() const;          // the directory is there
    bool has_config() const;
    bool has_checkpoint() const;
    // Whether any file a run writes is here (the files `clear` removes): with no checkpoint, a
    // run stopped before its first.
    bool has_run_files() const;
    // Whether `name` (a file name in the directory) is a checkpoint's tensor file.
    static bool is_tensors_file(const std::string& name);

    // Makes the directory (and its parents). Throws DataError.
    void create() const;
    // Removes what Chimera wrote here (the files above, not a user's own); returns their names,
    // sorted (none when the directory held nothing of Chimera's).
    std::vector<std::string> clear() const;
    // Removes the temporary files (io/atomic_file.hpp) that writers of this directory's files
    // left when they were killed: "<name>.tmp-<pid>" beside a file named above (here or in the
    // sample grids' directory) that no writer holds locked. A live writer's temporary file, on
    // this machine or another sharing the directory, is never taken from under it (but for the
    // instant between its creation and its lock); a user's own files are never touched.
    // Returns how many went.
    int remove_stale_temporaries() const;

private:
    std::filesystem::path path_;
};

}  // namespace chimera

// A run's record (run.json): how `chimera train` was started (command, pipeline file, seed,
// threads, ranks, versions) and how far it got (steps, epochs, duration, and whether it is
// running, finished, stopped early, diverged or failed, with the message that ended it). Written
// by rank 0 at the start, at every epoch's end and when training ends, so a report can say
// where a run stopped; a run killed on the way still says "running", with how far it had got.
// Not the checkpoint: resuming takes only the first start and the time spent from here.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace chimera {

class RunDirectory;

struct RunRecord {
    // How a run stands.
    enum class Status { running, finished, early_stopped, diverged, failed };

    std::string command;   // the command line, as the user typed it
    std::string pipeline;  // the pipeline file
    std::string version;   // "chimera 0.9.0"
    std::vector<std::string> components;  // "encoder/mlp 1.0.0 (mlp 1.0.0)"
    uint64_t seed = 0;
    int threads = 0;
    int ranks = 1;
    std::string started;   // ISO 8601, UTC: when the run's first process started
    double seconds = 0;    // spent training, every process that trained it together
    int sessions = 1;      // processes that trained it (a resumed run has more than one)
    Status status = Status::running;
    std::string message;   // what ended a failed or diverged run
    int64_t steps = 0, epochs = 0, epochs_planned = 0;
    int64_t resumed_at = -1;  // the step a resumed run continued from; -1: started afresh
};

std::string status_name(RunRecord::Status status);  // "early-stopped"

// The current time as ISO 8601 in UTC ("2026-12-04T19:40:00Z").
std::string utc_now();

// For a run resumed: the first start, the time and the sessions of the record there, if any and
// readable (a run from before records has none: then `record` is left as it is).
void continue_run_record(const RunDirectory& run, RunRecord& record);

// Writes `record` to the run's record, atomically. Throws DataError naming the file.
void write_run_record(const RunDirectory& run, const RunRecord& record);

}  // namespace chimera

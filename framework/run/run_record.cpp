#include "run/run_record.hpp"

#include "io/atomic_file.hpp"
#include "run/run_directory.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <ctime>
#include <fstream>

namespace chimera {

std::string status_name(RunRecord::Status status) {
    switch (status) {
    case RunRecord::Status::running: return "running";
    case RunRecord::Status::finished: return "finished";
    case RunRecord::Status::early_stopped: return "early-stopped";
    case RunRecord::Status::diverged: return "diverged";
    case RunRecord::Status::failed: return "failed";
    }
    return "unknown";
}

std::string utc_now() {
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

void continue_run_record(const RunDirectory& run, RunRecord& record) {
    std::ifstream in(run.record());
    if (!in) return;
    const nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return;
    if (j.contains("started") && j["started"].is_string()) record.started = j["started"].get<std::string>();
    if (j.contains("seconds") && j["seconds"].is_number() && j["seconds"].get<double>() >= 0) record.seconds = j["seconds"].get<double>();
    const int sessions = j.contains("sessions") && j["sessions"].is_number_integer() ? j["sessions"].get<int>() : 1;
    record.sessions = std::max(1, sessions) + 1;
}

void write_run_record(const RunDirectory& run, const RunRecord& r) {
    nlohmann::json j = {{"command", r.command},   {"pipeline", r.pipeline}, {"version", r.version},
                        {"components", r.components}, {"seed", r.seed},  {"threads", r.threads},
                        {"ranks", r.ranks},       {"started", r.started},   {"seconds", r.seconds}, {"sessions", r.sessions},
                        {"status", status_name(r.status)}, {"message", r.message}, {"steps", r.steps},
                        {"epochs", r.epochs},     {"epochs_planned", r.epochs_planned}};
    if (r.resumed_at >= 0) j["resumed_at"] = r.resumed_at;
    // Messages come from anywhere (a plugin's text): invalid UTF-8 is replaced, never thrown on.
    write_file_atomically(run.record(), j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

}  // namespace chimera

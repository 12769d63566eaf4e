// A run's metrics.jsonl as the report reads it (beside a run.json and a traversal description,
// each given the same bytes): whatever the lines hold, the run's data comes back with every
// curve's series as long as its steps or epochs, in order, and anything unreadable among its
// problems. read_run throws only for a directory that is no run, which this one is.
#include "fuzz_support.hpp"

#include "core/host_error.hpp"
#include "report/report.hpp"

#include <filesystem>
#include <fstream>

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    std::filesystem::create_directories(chimera_fuzz::scratch() / "run" / "samples");
    std::ofstream(chimera_fuzz::scratch() / "run" / "config.yaml") << "losses: {loss: {component: mse}}\n";
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    chimera_fuzz::input_file("run/metrics.jsonl", data, size);
    chimera_fuzz::input_file("run/run.json", data, size);
    chimera_fuzz::input_file("run/samples/traversal.json", data, size);
    CHIMERA_FUZZ_EXPECT(chimera::DataError, {
        chimera::ReportOptions o;
        o.max_step_points = 7;  // small enough for short inputs to be averaged down
        const nlohmann::json r = chimera::read_run(chimera_fuzz::scratch() / "run", "run", o);
        for (const auto& [split, curve] : r["curves"].items()) {
            const auto& at = curve["at"];
            for (std::size_t i = 1; i < at.size(); ++i)
                if (!(at[i - 1].get<double>() < at[i].get<double>())) chimera_fuzz::unexpected("steps out of order", "a curve");
            for (const auto& [name, series] : curve["series"].items())
                if (series.size() != at.size()) chimera_fuzz::unexpected("a series longer or shorter than its steps", "a curve");
        }
        (void)r.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    });
    return 0;
}

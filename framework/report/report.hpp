// The training report: one self-contained HTML page of one or more run directories (their
// record, curves, sample grids, figures, evaluations and generated captions and speech), to open
// offline from disk or mail. This layer reads what a run directory holds into the page's data
// and writes the page; the page draws it with Chart.js and its own script (page/*.js), inlined
// (page/CONTRACT.md is the data's shape and the page's hooks). It never computes a figure: what a
// run directory lacks, the page says is missing. Not the figures' making (train/, generate/).
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace chimera {

struct ReportOptions {
    // Per-step curves longer than this are averaged over consecutive points down to it: a
    // 25-epoch run logs thousands of steps, more than a chart shows or a page should carry.
    std::size_t max_step_points = 2000;
};

// One run's part of the page's data, named `name`. What is missing or unreadable (no metrics,
// a cut-short metrics line, a missing or broken grid, an evaluation that is not JSON) goes into
// its "problems" rather than failing. Throws DataError when `dir` is not a run directory at all
// (missing, or holding none of a run's files).
nlohmann::json read_run(const std::filesystem::path& dir, const std::string& name, const ReportOptions& options = {});

// The page of `runs` (one or more run directories; several are drawn over each other and
// compared). Throws DataError as read_run does.
std::string report_page(const std::vector<std::filesystem::path>& runs, const ReportOptions& options = {});

// Writes report_page(runs) to `out`, atomically. Throws DataError naming the file.
void write_report(const std::vector<std::filesystem::path>& runs, const std::filesystem::path& out, const ReportOptions& options = {});

}  // namespace chimera

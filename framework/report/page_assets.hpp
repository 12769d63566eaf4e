// The page's code and style, compiled into the host (report/page/embed.cmake writes them from
// framework/report/page/ and Debian's Chart.js at build time), so a report needs no file beside
// the binary and no network.
#pragma once

#include <string_view>

namespace chimera {

extern const std::string_view kChartJs;    // Chart.js (libjs-chart.js), its licence header kept
extern const std::string_view kReportJs;   // page/report_*.js, then page/report.js, joined
extern const std::string_view kReportCss;  // page/report.css

}  // namespace chimera

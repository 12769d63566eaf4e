#include "core/metrics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace chimera {

double metric(const Metrics& metrics, const std::string& name) {
    for (const auto& [k, v] : metrics)
        if (k == name) return v;
    return std::nan("");
}

std::string metrics_line(const Metrics& metrics) {
    std::string text;
    for (const auto& [k, v] : metrics) text += fmt::format("{}{} {:.4g}", text.empty() ? "" : "  ", k, v);
    return text;
}

std::string metrics_table(const Metrics& metrics) {
    std::size_t width = 16;
    for (const auto& [k, v] : metrics) width = std::max(width, k.size());
    std::string out;
    for (const auto& [k, v] : metrics)
        out += fmt::format("  {:<{}} {:>12.4f}{}\n", k, width, v, k == "total" ? "  (weighted sum of the losses)" : "");
    return out;
}

}  // namespace chimera

#include "core/progress.hpp"

#include <cmath>
#include <cstdio>

namespace chimera {

namespace {

// 7210.4 -> "7,210"; small values keep a decimal.
std::string rate_text(double v) {
    if (v < 100) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.1f", v);
        return buf;
    }
    std::string digits = std::to_string(static_cast<int64_t>(std::llround(v)));
    for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(i, ",");
    return digits;
}

std::string metric_text(double v) {
    char buf[32];
    double a = std::fabs(v);
    std::snprintf(buf, sizeof buf, a != 0 && (a < 1e-3 || a >= 1e5) ? "%.3e" : a < 10 ? "%.4f" : "%.2f", v);
    return buf;
}

}  // namespace

std::string format_duration(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0) return "?";
    int64_t s = static_cast<int64_t>(std::llround(seconds));
    char buf[32];
    if (s >= 3600)
        std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", (long long)(s / 3600), (long long)(s / 60 % 60),
                      (long long)(s % 60));
    else
        std::snprintf(buf, sizeof buf, "%lld:%02lld", (long long)(s / 60), (long long)(s % 60));
    return buf;
}

std::string format_progress(const std::string& label, int64_t done, int64_t total,
                            const Metrics& metrics, double samples_per_second, double seconds_left,
                            int width) {
    std::string line = label;
    if (width > 0 && total > 0) {
        int filled = static_cast<int>(static_cast<double>(width) * done / total);
        filled = std::min(filled, width);
        std::string bar(filled, '=');
        if (filled < width) bar += '>';
        bar.resize(width, ' ');
        line += " [" + bar + "]";
    }
    line += " " + std::to_string(done) + (total > 0 ? "/" + std::to_string(total) : "");
    for (const auto& [name, value] : metrics) line += "  " + name + " " + metric_text(value);
    if (samples_per_second > 0) line += "  " + rate_text(samples_per_second) + " samples/s";
    if (total > 0 && done < total) line += "  " + format_duration(seconds_left) + " left";
    return line;
}

ProgressBar::ProgressBar(std::ostream& out, std::string label, int64_t total, int64_t samples_per_step,
                         bool terminal, double interval)
    : out_(out), label_(std::move(label)), total_(total), samples_per_step_(samples_per_step),
      terminal_(terminal), interval_(interval), start_(Clock::now()), last_print_(start_) {}

void ProgressBar::update(int64_t done, const Metrics& metrics) {
    done_ = done;
    auto now = Clock::now();
    double since = std::chrono::duration<double>(now - last_print_).count();
    // A terminal redraws ten times a second at most; a log gets a line every `interval`.
    if (since >= (terminal_ ? 0.1 : interval_)) print(done, metrics, false);
}

void ProgressBar::finish(const Metrics& metrics) { print(done_, metrics, true); }

void ProgressBar::print(int64_t done, const Metrics& metrics, bool final) {
    last_print_ = Clock::now();
    double elapsed = std::chrono::duration<double>(last_print_ - start_).count();
    double rate = elapsed > 0 ? static_cast<double>(done * samples_per_step_) / elapsed : 0;
    double left = done > 0 ? elapsed * static_cast<double>(total_ - done) / static_cast<double>(done) : -1;
    std::string line = format_progress(label_, done, total_, metrics, rate, left, terminal_ ? 24 : 0);
    if (terminal_)
        out_ << '\r' << line << "\x1b[K" << (final ? "\n" : "") << std::flush;  // clear the line's old tail
    else
        out_ << line << '\n' << std::flush;
}

}  // namespace chimera

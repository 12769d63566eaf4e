// Progress of long work, as people expect from Lightning or Keras: on a terminal a bar that
// redraws in place with step, metrics, rate and time left; elsewhere (logs, CI) a plain line
// every `interval` seconds and at the end, so logs stay readable. It only formats and prints:
// whether the stream is a terminal is the caller's to say.
#pragma once

#include "core/metrics.hpp"

#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace chimera {

// One line of progress, without a trailing newline:
//   "epoch 2/10 [=======>      ] 1200/1875  loss 241.3  7,210 samples/s  0:42 left"
// `width` is the bar's width in characters; 0 leaves the bar out (for plain lines).
std::string format_progress(const std::string& label, int64_t done, int64_t total,
                            const Metrics& metrics, double samples_per_second, double seconds_left,
                            int width);

// "1:02:03", "4:05" or "0:07".
std::string format_duration(double seconds);

class ProgressBar {
public:
    using Clock = std::chrono::steady_clock;

    // `terminal` chooses the redrawing bar; `interval` spaces plain lines (seconds).
    ProgressBar(std::ostream& out, std::string label, int64_t total, int64_t samples_per_step,
                bool terminal, double interval = 10.0);
    // Reports that `done` steps are finished; prints when it is time to.
    void update(int64_t done, const Metrics& metrics);
    // Prints the final state and ends the line.
    void finish(const Metrics& metrics);

private:
    void print(int64_t done, const Metrics& metrics, bool final);

    std::ostream& out_;
    std::string label_;
    int64_t total_, samples_per_step_;
    bool terminal_;
    double interval_;
    Clock::time_point start_, last_print_;
    int64_t done_ = 0;
};

}  // namespace chimera

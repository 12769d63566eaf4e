// Progress lines: exact formatting, the redrawing bar on a terminal and plain lines elsewhere.
#include <boost/test/unit_test.hpp>

#include "core/progress.hpp"

#include <algorithm>
#include <sstream>

using namespace chimera;

BOOST_AUTO_TEST_CASE(a_progress_line_has_bar_metrics_rate_and_time_left) {
    BOOST_TEST(format_progress("epoch 2/10", 1200, 1875, {{"loss", 241.31}, {"kl", 0.01234}}, 7210.4, 42.0, 10) ==
               "epoch 2/10 [======>   ] 1200/1875  loss 241.31  kl 0.0123  7,210 samples/s  0:42 left");
    BOOST_TEST(format_progress("eval", 3, 3, {}, 12.5, 0, 0) == "eval 3/3  12.5 samples/s");
    BOOST_TEST(format_progress("train", 0, 10, {{"loss", 1e-5}}, 0, -1, 4) == "train [>   ] 0/10  loss 1.000e-05  ? left");
}

BOOST_AUTO_TEST_CASE(durations_read_like_clocks) {
    BOOST_TEST(format_duration(7) == "0:07");
    BOOST_TEST(format_duration(245) == "4:05");
    BOOST_TEST(format_duration(3723) == "1:02:03");
    BOOST_TEST(format_duration(std::numeric_limits<double>::infinity()) == "?");
}

BOOST_AUTO_TEST_CASE(plain_output_prints_whole_lines_and_a_terminal_redraws_one) {
    std::ostringstream log, tty;
    ProgressBar plain(log, "train", 4, 64, false, 1e9);
    ProgressBar bar(tty, "train", 4, 64, true);
    for (int i = 1; i <= 4; ++i) {
        plain.update(i, {{"loss", 1.0 / i}});
        bar.update(i, {{"loss", 1.0 / i}});
    }
    plain.finish({{"loss", 0.25}});
    bar.finish({{"loss", 0.25}});
    // A log gets no line before the interval, then one at the end with no carriage returns.
    const std::string lines = log.str();
    BOOST_TEST(lines.find('\r') == std::string::npos);
    BOOST_TEST(lines.rfind("train 4/4  loss 0.2500", 0) == 0u);
    BOOST_TEST(std::count(lines.begin(), lines.end(), '\n') == 1);
    // A terminal redraws in place and ends with a newline.
    BOOST_TEST(tty.str().find("\rtrain [========================] 4/4  loss 0.2500") != std::string::npos);
    BOOST_TEST(tty.str().back() == '\n');
}

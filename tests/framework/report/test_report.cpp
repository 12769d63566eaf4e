// The report's reading of run directories: curves by split with nulls where a line lacks a
// metric, long step curves averaged down, images and speech inline as data URIs that decode to
// the files' bytes, and every kind of damage (a cut-short metrics line, a missing or broken
// grid, a run with no metrics, not a run at all) said in the run's problems or refused. The page
// itself is checked in a browser (tests/report/check_report.py).
#define BOOST_TEST_MODULE framework_report
#include <boost/test/unit_test.hpp>

#include "autograd/context.hpp"
#include "core/host_error.hpp"
#include "io/png_grid.hpp"
#include "report/report.hpp"
#include "support/temp_dir.hpp"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
using nlohmann::json;
using namespace chimera;

namespace {

void write(const fs::path& file, const std::string& text) {
    fs::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << text;
}

std::string read(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// An independent decoder for the data URIs' base64.
std::string unbase64(const std::string& text) {
    const std::string digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    int bits = 0;
    unsigned value = 0;
    for (char c : text) {
        if (c == '=') break;
        value = (value << 6) | static_cast<unsigned>(digits.find(c));
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((value >> bits) & 0xFF);
        }
    }
    return out;
}

std::string payload(const json& uri, const std::string& prefix) {
    const std::string s = uri.get<std::string>();
    BOOST_REQUIRE(s.rfind(prefix, 0) == 0);
    return unbase64(s.substr(prefix.size()));
}

void write_grid(const fs::path& file, float shade) {
    fs::create_directories(file.parent_path());
    Context ctx(1, 0);
    Tensor images = ctx.zeros(DType::f32, {2, 1, 4, 4});
    for (int64_t i = 0; i < images.numel(); ++i) images.data<float>()[i] = shade;
    write_png_grid(file, images, {2, 0.0f, 1.0f, 1});
}

bool mentions(const json& problems, const std::string& text) {
    for (const auto& p : problems)
        if (p.get<std::string>().find(text) != std::string::npos) return true;
    return false;
}

// A small run: two losses, three epochs of metrics, a test line, grids of epochs 1 and 3.
void make_run(const fs::path& run) {
    write(run / "config.yaml", "losses:\n  reconstruction: {component: bce_logits}\n  kl: {component: kl_normal}\n");
    std::string metrics;
    for (int step = 1; step <= 6; ++step)
        metrics += R"({"step":)" + std::to_string(step) + R"(,"epoch":)" + std::to_string((step + 1) / 2) + R"(,"split":"train","reconstruction":)" +
                   std::to_string(10 - step) + (step >= 3 ? R"(,"kl":)" + std::to_string(step) : std::string()) + "}\n";
    metrics += R"({"step":2,"epoch":1,"split":"validation","reconstruction":9.5,"kl":null})" "\n";
    metrics += R"({"step":6,"epoch":3,"split":"test","reconstruction":4.25,"kl":2.5,"total":6.75})" "\n";
    write(run / "metrics.jsonl", metrics);
    write_grid(run / "samples" / "epoch-001.png", 0.25f);
    write_grid(run / "samples" / "epoch-003.png", 0.75f);
    write(run / "run.json", R"({"status":"finished","steps":6})");
}

}  // namespace

BOOST_AUTO_TEST_CASE(metrics_become_curves_by_split_with_nulls_where_a_line_lacks_a_metric) {
    test::TempDir d("chimera-report");
    make_run(d.path);
    const json r = read_run(d.path, "vae");
    BOOST_TEST(r["name"] == "vae");
    BOOST_TEST(r["losses"] == json({"reconstruction", "kl"}));
    const json& train = r["curves"]["train"];
    BOOST_TEST(train["x"] == "step");
    BOOST_TEST(train["at"] == json({1, 2, 3, 4, 5, 6}));
    BOOST_TEST(train["series"]["reconstruction"] == json({9, 8, 7, 6, 5, 4}));
    BOOST_TEST(train["series"]["kl"] == json({nullptr, nullptr, 3, 4, 5, 6}));  // appeared at step 3
    BOOST_TEST(r["curves"]["validation"]["at"] == json::array({1}));
    BOOST_TEST(r["curves"]["validation"]["series"]["kl"] == json::array({nullptr}));
    BOOST_TEST(r["test"]["total"] == 6.75);
    BOOST_TEST(r["record"]["status"] == "finished");
}

BOOST_AUTO_TEST_CASE(grids_come_inline_as_the_files_bytes_and_a_missing_epoch_is_said) {
    test::TempDir d("chimera-report");
    make_run(d.path);
    const json r = read_run(d.path, "vae");
    BOOST_REQUIRE(r["samples"].size() == 2u);
    BOOST_TEST(r["samples"][0]["epoch"] == 1);
    BOOST_TEST(r["samples"][1]["epoch"] == 3);
    BOOST_TEST(payload(r["samples"][1]["src"], "data:image/png;base64,") == read(d.path / "samples" / "epoch-003.png"));
    BOOST_TEST(mentions(r["problems"], "the sample grids of epoch 2 are missing"), r["problems"].dump());
}

BOOST_AUTO_TEST_CASE(damaged_files_are_named_in_the_problems_and_left_out) {
    test::TempDir d("chimera-report");
    make_run(d.path);
    std::string metrics = read(d.path / "metrics.jsonl");
    write(d.path / "metrics.jsonl", metrics + R"({"step":7,"epoch":4,"split":"tra)");  // cut short by a crash
    const std::string grid = read(d.path / "samples" / "epoch-003.png");
    write(d.path / "samples" / "epoch-003.png", grid.substr(0, grid.size() / 2));
    write(d.path / "evaluation-test.json", "{\"metrics\": ");
    const json r = read_run(d.path, "vae");
    BOOST_TEST(r["curves"]["train"]["at"].size() == 6u);
    BOOST_TEST(mentions(r["problems"], "metrics.jsonl line 9 is not a whole metrics line"), r["problems"].dump());
    BOOST_TEST(mentions(r["problems"], "samples/epoch-003.png is not a whole PNG file"), r["problems"].dump());
    BOOST_TEST(mentions(r["problems"], "evaluation-test.json is not a JSON object"), r["problems"].dump());
    BOOST_TEST(r["samples"].size() == 1u);
    BOOST_TEST(r["evaluations"].empty());
}

BOOST_AUTO_TEST_CASE(a_run_without_metrics_or_record_says_so_and_a_directory_that_is_no_run_is_refused) {
    test::TempDir d("chimera-report");
    write(d.path / "run" / "config.yaml", "losses: {}\n");
    const json r = read_run(d.path / "run", "half");
    BOOST_TEST(mentions(r["problems"], "metrics.jsonl is missing"));
    BOOST_TEST(mentions(r["problems"], "run.json is missing"));
    BOOST_TEST(r["curves"].empty());
    write(d.path / "other" / "notes.txt", "hello");
    BOOST_CHECK_EXCEPTION(read_run(d.path / "other", "x"), DataError, [](const DataError& e) {
        return std::string(e.what()).find("not a run directory") != std::string::npos;
    });
    BOOST_CHECK_THROW(read_run(d.path / "absent", "x"), DataError);
    BOOST_CHECK_THROW(write_report({d.path / "absent"}, d.path / "r.html"), DataError);
    BOOST_TEST(!fs::exists(d.path / "r.html"));
}

BOOST_AUTO_TEST_CASE(long_step_curves_are_averaged_down_to_the_limit) {
    test::TempDir d("chimera-report");
    std::string metrics;
    for (int step = 1; step <= 10; ++step)
        metrics += R"({"step":)" + std::to_string(step) + R"(,"epoch":1,"split":"train","loss":)" + std::to_string(step) + "}\n";
    write(d.path / "metrics.jsonl", metrics);
    ReportOptions o;
    o.max_step_points = 4;  // 10 points in buckets of 3: 1-3, 4-6, 7-9, 10
    const json r = read_run(d.path, "r", o);
    BOOST_TEST(r["curves"]["train"]["at"] == json({3, 6, 9, 10}));
    BOOST_TEST(r["curves"]["train"]["series"]["loss"] == json({2, 5, 8, 10}));
}

BOOST_AUTO_TEST_CASE(a_log_that_goes_back_keeps_its_later_lines) {
    test::TempDir d("chimera-report");
    write(d.path / "metrics.jsonl", R"({"step":1,"epoch":1,"split":"train","loss":5}
{"step":2,"epoch":1,"split":"train","loss":4}
{"step":3,"epoch":1,"split":"train","loss":3}
{"step":2,"epoch":1,"split":"train","loss":40}
{"step":3,"epoch":1,"split":"train","loss":30}
)");
    const json r = read_run(d.path, "r");
    BOOST_TEST(r["curves"]["train"]["at"] == json({1, 2, 3}));
    BOOST_TEST(r["curves"]["train"]["series"]["loss"] == json({5, 40, 30}));
}

BOOST_AUTO_TEST_CASE(generated_captions_and_speech_are_inline_and_text_cannot_end_the_script) {
    test::TempDir d("chimera-report");
    make_run(d.path);
    const fs::path g = d.path / "prior-image+text+audio";
    write(g / "text.txt", "ankle boot\n</script><b>bold</b>\n");
    std::string wav = "RIFF" + std::string(4, '\0') + "WAVEfmt " + std::string(28, '\1') + "data" + std::string(5, '\2');
    write(g / "audio-01.wav", wav);
    write(g / "audio-02.wav", "not a wav");
    const json r = read_run(d.path, "mm");
    BOOST_REQUIRE(r["generated"].size() == 1u);
    const json& gen = r["generated"][0];
    BOOST_TEST(gen["label"] == "prior-image+text+audio");
    BOOST_TEST(gen["captions"] == json({"ankle boot", "</script><b>bold</b>"}));
    BOOST_REQUIRE(gen["audio"].size() == 1u);
    BOOST_TEST(payload(gen["audio"][0]["src"], "data:audio/wav;base64,") == wav);
    BOOST_TEST(mentions(r["problems"], "audio-02.wav is not a WAV file"));
    // The page holds the data once, the caption's "</" escaped, and Chart.js and report.js inline.
    write_report({d.path}, d.path / "report.html");
    const std::string page = read(d.path / "report.html");
    BOOST_TEST(page.find("\\u003c/script>\\u003cb>bold\\u003c/b>") != std::string::npos);
    BOOST_TEST(page.find("</script><b>") == std::string::npos);
    BOOST_TEST(page.find("Chart.js v3") != std::string::npos);
    BOOST_TEST(page.find("window.chimeraReport") != std::string::npos);
    BOOST_TEST(page.find("src=\"http") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(one_modality_generated_beside_the_run_files_is_found_and_clips_are_capped) {
    test::TempDir d("chimera-report");
    make_run(d.path);
    const std::string wav = "RIFF" + std::string(4, '\0') + "WAVEfmt " + std::string(28, '\1') + "data" + std::string(5, '\2');
    write(d.path / "prior-caption.txt", "a shirt\n");
    for (int i = 1; i <= 20; ++i) write(d.path / fmt::format("caption-to-voice-{:02}.wav", i), wav);
    write(d.path / "notes.txt", "a user's own file, not a generation\n");
    const json r = read_run(d.path, "mm");
    BOOST_REQUIRE(r["generated"].size() == 2u);
    BOOST_TEST(r["generated"][0]["label"] == "caption-to-voice");
    BOOST_TEST(r["generated"][0]["audio"].size() == 16u);
    BOOST_TEST(r["generated"][0]["audio"][15]["name"] == "caption-to-voice-16.wav");
    BOOST_TEST(mentions(r["problems"], "caption-to-voice: 4 clips of speech beyond the first 16 are left out"), r["problems"].dump());
    BOOST_TEST(r["generated"][1]["label"] == "prior-caption");
    BOOST_TEST(r["generated"][1]["captions"] == json::array({"a shirt"}));
}

BOOST_AUTO_TEST_CASE(a_stray_grid_far_ahead_is_one_gap_not_a_line_per_epoch) {
    test::TempDir d("chimera-report");
    make_run(d.path);
    write_grid(d.path / "samples" / "epoch-9999999999.png", 0.5f);
    const json r = read_run(d.path, "vae");
    int gaps = 0;
    for (const auto& p : r["problems"]) gaps += p.get<std::string>().find("are missing") != std::string::npos;
    BOOST_TEST(gaps == 1);
    BOOST_TEST(mentions(r["problems"], "epochs 2, 4-9999999998 are missing"), r["problems"].dump());
}

BOOST_AUTO_TEST_CASE(several_runs_get_names_that_differ) {
    test::TempDir d("chimera-report");
    make_run(d.path / "a" / "run");
    make_run(d.path / "b" / "run");
    const std::string page = report_page({d.path / "a" / "run", d.path / "b" / "run/"});
    BOOST_TEST(page.find("\"name\":\"run\"") != std::string::npos);
    BOOST_TEST(page.find("\"name\":\"run (2)\"") != std::string::npos);
    BOOST_TEST(page.find("<title>Chimera report: run, run (2)</title>") != std::string::npos);
}

#include "report/report.hpp"

#include "core/host_error.hpp"
#include "io/atomic_file.hpp"
#include "report/page_assets.hpp"
#include "run/run_directory.hpp"
#include "run/run_record.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

namespace chimera {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::optional<std::string> read_bytes(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream bytes;
    bytes << in.rdbuf();
    if (in.bad()) return std::nullopt;
    return bytes.str();
}

std::string base64(const std::string& bytes) {
    static const char* const digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        const uint32_t v = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
        for (int shift : {18, 12, 6, 0}) out += digits[(v >> shift) & 63];
    }
    if (i < bytes.size()) {
        const bool two = i + 1 < bytes.size();
        const uint32_t v = (uint8_t(bytes[i]) << 16) | (two ? uint8_t(bytes[i + 1]) << 8 : 0);
        out += digits[(v >> 18) & 63];
        out += digits[(v >> 12) & 63];
        out += two ? digits[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

// A run's files, named relative to it in what the page says.
class RunReader {
public:
    RunReader(fs::path dir, const ReportOptions& options) : dir_(std::move(dir)), run_(dir_), options_(options) {}

    json read(const std::string& name) {
        json r;
        r["name"] = name;
        r["path"] = fs::absolute(dir_).lexically_normal().string();
        r["record"] = read_record();
        read_config(r);
        read_metrics(r);
        r["samples"] = read_samples();
        r["figures"] = read_figures();
        r["traversal"] = read_traversal();
        r["evaluations"] = read_evaluations();
        r["generated"] = read_generated();
        r["problems"] = problems_;
        return r;
    }

private:
    std::string relative(const fs::path& file) const { return file.lexically_relative(dir_).string(); }
    void problem(std::string text) { problems_.push_back(std::move(text)); }

    // A PNG as a data URI, or null (and a problem) when it is not a whole PNG file: a grid cut
    // short by a full disk would draw as a broken image.
    json png(const fs::path& file) {
        std::optional<std::string> bytes = read_bytes(file);
        if (!bytes) {
            problem(relative(file) + " cannot be read");
            return nullptr;
        }
        static const std::string signature("\x89PNG\r\n\x1a\n", 8);
        if (bytes->compare(0, signature.size(), signature) != 0 || bytes->size() < 20 ||
            bytes->find("IEND", bytes->size() - 12) == std::string::npos) {
            problem(relative(file) + " is not a whole PNG file; it is left out");
            return nullptr;
        }
        return "data:image/png;base64," + base64(*bytes);
    }

    json wav(const fs::path& file) {
        std::optional<std::string> bytes = read_bytes(file);
        if (!bytes || bytes->size() < 44 || bytes->compare(0, 4, "RIFF") != 0 || bytes->compare(8, 4, "WAVE") != 0) {
            problem(relative(file) + " is not a WAV file; it is left out");
            return nullptr;
        }
        return "data:audio/wav;base64," + base64(*bytes);
    }

    json read_record() {
        const fs::path file = run_.record();
        if (!fs::exists(file)) {
            problem("run.json is missing (runs trained before the report existed have none): the command, duration and where it stopped are unknown");
            return nullptr;
        }
        json j = json::parse(read_bytes(file).value_or(""), nullptr, false);
        if (j.is_discarded() || !j.is_object()) {
            problem("run.json is not a JSON object; it is left out");
            return nullptr;
        }
        return j;
    }

    void read_config(json& r) {
        r["config"] = nullptr;
        r["losses"] = json::array();
        r["conditional"] = false;
        r["samples_caption"] = "";
        std::optional<std::string> text = read_bytes(run_.config());
        if (!text) {
            problem("config.yaml is missing: the pipeline as run is unknown");
            return;
        }
        r["config"] = *text;
        try {
            const YAML::Node root = YAML::Load(*text);
            if (root["losses"] && root["losses"].IsMap())
                for (const auto& loss : root["losses"]) r["losses"].push_back(loss.first.as<std::string>());
            const YAML::Node generate = root["generate"];
            const bool conditional = generate && generate.IsMap() && generate["condition"].IsDefined();
            const bool prior = generate && generate.IsMap() && generate["from"].IsDefined();
            r["conditional"] = conditional;
            r["samples_caption"] = conditional ? "One row per class, from the same noise every epoch"
                                   : prior     ? "Samples from the prior, the same noise every epoch"
                                               : "The same test images reconstructed every epoch (odd rows originals, even rows reconstructions)";
        } catch (const YAML::Exception& e) {
            problem(fmt::format("config.yaml is not YAML ({}); its losses are unknown", e.what()));
        }
    }

    // The curves of metrics.jsonl by split: every metric's values at the split's steps (train)
    // or epochs, null where a line lacks it.
    struct Curve {
        std::vector<double> at;
        std::vector<std::string> order;                          // metric names as first seen
        std::map<std::string, std::vector<std::optional<double>>> series;
    };

    void read_metrics(json& r) {
        r["curves"] = json::object();
        r["test"] = nullptr;
        std::optional<std::string> text = read_bytes(run_.metrics());
        if (!text) {
            problem("metrics.jsonl is missing: no curves (the run stopped before its first logged step, or the file was removed)");
            return;
        }
        std::map<std::string, Curve> curves;
        std::istringstream in(*text);
        int line_number = 0, bad = 0, first_bad = 0;
        for (std::string line; std::getline(in, line);) {
            ++line_number;
            if (line.empty() || add_line(line, curves, r)) continue;
            if (bad++ == 0) first_bad = line_number;
        }
        if (bad > 0)
            problem(bad == 1 ? fmt::format("metrics.jsonl line {} is not a whole metrics line (cut short?); it is left out", first_bad)
                             : fmt::format("metrics.jsonl has {} lines that are not whole metrics lines (the first is line {}); they are left out",
                                           bad, first_bad));
        if (curves.empty()) problem("metrics.jsonl holds no metrics yet");
        for (auto& [split, c] : curves) {
            if (split == "train") downsample(c);
            json series = json::object();
            for (const std::string& k : c.order) {
                json values = json::array();
                for (const auto& v : c.series[k]) values.push_back(v && std::isfinite(*v) ? json(*v) : json(nullptr));
                series[k] = values;
            }
            r["curves"][split] = {{"x", split == "train" ? "step" : "epoch"}, {"at", c.at}, {"series", series}};
        }
    }

    // One line of the log into its split's curve (the test line into r["test"]); false when the
    // line is not a metrics line.
    static bool add_line(const std::string& line, std::map<std::string, Curve>& curves, json& r) {
        json j = json::parse(line, nullptr, false);
        const bool usable = !j.is_discarded() && j.is_object() && j.contains("split") && j["split"].is_string() && j.contains("step") &&
                            j["step"].is_number() && j.contains("epoch") && j["epoch"].is_number();
        if (!usable) return false;
        const std::string split = j["split"];
        auto is_key = [](const std::string& k) { return k == "step" || k == "epoch" || k == "split"; };
        if (split == "test") {
            json test = json::object();
            for (const auto& [k, v] : j.items())
                if (!is_key(k)) test[k] = v;
            r["test"] = test;
            return true;
        }
        Curve& c = curves[split];
        const double x = split == "train" ? j["step"].get<double>() : j["epoch"].get<double>();
        // A log that goes back (lines of a run resumed by hand, an older Chimera): the later lines win.
        std::size_t n = c.at.size();
        while (n > 0 && c.at[n - 1] >= x) --n;
        c.at.resize(n);
        for (auto& [k, values] : c.series) values.resize(n);
        c.at.push_back(x);
        for (const auto& [k, v] : j.items()) {
            if (is_key(k)) continue;
            auto [it, added] = c.series.try_emplace(k, std::vector<std::optional<double>>(n));
            if (added) c.order.push_back(k);
            it->second.push_back(v.is_number() ? std::optional<double>(v.get<double>()) : std::nullopt);
        }
        for (auto& [k, values] : c.series) values.resize(n + 1);
        return true;
    }

    // Averages consecutive points, each bucket drawn at its last step.
    void downsample(Curve& c) const {
        const std::size_t n = c.at.size(), limit = std::max<std::size_t>(1, options_.max_step_points);
        if (n <= limit) return;
        const std::size_t per = (n + limit - 1) / limit;
        Curve out;
        out.order = c.order;
        for (std::size_t b = 0; b < n; b += per) {
            const std::size_t e = std::min(n, b + per);
            out.at.push_back(c.at[e - 1]);
            for (const auto& [k, values] : c.series) {
                double sum = 0;
                int count = 0;
                for (std::size_t i = b; i < e; ++i)
                    if (values[i] && std::isfinite(*values[i])) sum += *values[i], ++count;
                out.series[k].push_back(count ? std::optional<double>(sum / count) : std::nullopt);
            }
        }
        c = std::move(out);
    }

    json read_samples() {
        json samples = json::array();
        const fs::path dir = run_.sample_grid(1).parent_path();
        std::set<int64_t> epochs;
        std::error_code ec;
        for (const auto& entry : fs::directory_iterator(dir, ec)) {
            const std::string name = entry.path().filename().string();
            int64_t epoch = 0;
            char tail = 0;
            if (std::sscanf(name.c_str(), "epoch-%" SCNd64 ".pn%c", &epoch, &tail) == 2 && tail == 'g' && epoch > 0 &&
                run_.sample_grid(epoch) == entry.path())
                epochs.insert(epoch);
        }
        if (epochs.empty()) return samples;
        say_missing_epochs(epochs);
        for (int64_t e : epochs) {
            json src = png(run_.sample_grid(e));
            if (!src.is_null()) samples.push_back({{"epoch", e}, {"src", src}});
        }
        return samples;
    }

    // The epochs before the last grid that have none, as ranges ("epochs 4-9"), a few at most: a
    // stray epoch-9999999999.png is one gap, not ten billion lines.
    void say_missing_epochs(const std::set<int64_t>& epochs) {
        constexpr int shown = 5;
        std::vector<std::string> gaps;
        int64_t expected = 1;
        std::size_t more = 0;
        for (int64_t e : epochs) {
            if (e > expected) {
                if (gaps.size() < shown) gaps.push_back(e - 1 == expected ? fmt::format("{}", expected) : fmt::format("{}-{}", expected, e - 1));
                else ++more;
            }
            expected = e + 1;
        }
        if (gaps.empty()) return;
        problem(fmt::format("the sample grids of epoch{} {}{} are missing (samples/epoch-NNN.png); the slider skips them",
                            gaps.size() > 1 || gaps.front().find('-') != std::string::npos ? "s" : "", fmt::format("{}", fmt::join(gaps, ", ")),
                            more ? fmt::format(" and {} more gaps", more) : ""));
    }

    json read_figures() {
        json figures = json::array();
        const struct {
            RunOutput output;
            const char* title;
            const char* caption;
        } known[] = {
            {RunOutput::generated, "Samples (chimera generate)", "Samples from the prior"},
            {RunOutput::reconstructions, "Reconstructions (chimera reconstruct)", "Each row of test images is followed by its reconstructions"},
            {RunOutput::interpolation, "Interpolations (chimera generate --interpolate)", "Walks in latent space between pairs of prior samples, one per row"},
        };
        // What training drew at its last epoch's end, then what commands wrote on request.
        const struct {
            TrainingFigure figure;
            const char* title;
            const char* caption;
        } drawn[] = {
            {TrainingFigure::reconstructions, "Reconstructions (training)",
             "Test images (odd rows) above their reconstructions (even rows), drawn at the last epoch's end"},
            {TrainingFigure::interpolation, "Interpolations (training)",
             "Straight walks in latent space between pairs of prior samples, one per row, drawn at the last epoch's end"},
        };
        for (const auto& k : drawn) {
            const fs::path file = run_.training_figure(k.figure);
            if (!fs::exists(file)) continue;
            json src = png(file);
            if (!src.is_null()) figures.push_back({{"title", k.title}, {"caption", k.caption}, {"src", src}});
        }
        for (const auto& k : known) {
            const fs::path file = run_.output(k.output);
            if (!fs::exists(file)) continue;
            json src = png(file);
            if (!src.is_null()) figures.push_back({{"title", k.title}, {"caption", k.caption}, {"src", src}});
        }
        return figures;
    }

    // A VAE's latent traversal and the KL of each dimension (train/trainer.cpp writes them).
    json read_traversal() {
        const fs::path image = run_.training_figure(TrainingFigure::traversal), about = run_.training_figure(TrainingFigure::traversal_about);
        if (!fs::exists(image) && !fs::exists(about)) return nullptr;
        json j = json::parse(read_bytes(about).value_or(""), nullptr, false);
        const bool whole = !j.is_discarded() && j.is_object() && j.contains("dimensions") && j["dimensions"].is_array() && j.contains("kl") &&
                           j["kl"].is_array();
        if (!whole) {
            problem(relative(about) + (fs::exists(about) ? " is not the traversal's description" : " is missing") + "; the traversal is left out");
            return nullptr;
        }
        json src = png(image);
        if (src.is_null()) return nullptr;
        j["src"] = src;
        return j;
    }

    json read_evaluations() {
        json evaluations = json::array();
        for (const char* split : {"test", "validation", "train"}) {
            const fs::path file = run_.evaluation(split);
            if (!fs::exists(file)) continue;
            json j = json::parse(read_bytes(file).value_or(""), nullptr, false);
            if (j.is_discarded() || !j.is_object()) {
                problem(relative(file) + " is not a JSON object; it is left out");
                continue;
            }
            evaluations.push_back({{"split", split},
                                   {"metrics", j.value("metrics", json::object())},
                                   {"coherence", j.contains("coherence") ? j["coherence"] : json(nullptr)}});
        }
        return evaluations;
    }

    // What `chimera generate --to` wrote into the run (RunDirectory::generated): a directory per
    // generation of several modalities (MODALITY.png, MODALITY.txt, MODALITY-NN.wav), or files
    // beside the run's own for one ("prior-image.png", "text-to-audio-01.wav"). Named by what
    // they were made from and into; read by their kind, whatever the modalities are called.
    json read_generated() {
        std::map<std::string, std::vector<fs::path>> made;  // label -> files
        std::error_code ec;
        for (const auto& entry : fs::directory_iterator(dir_, ec)) {
            const fs::path& p = entry.path();
            if (entry.is_directory(ec)) {
                if (!is_generation_label(p.filename().string())) continue;
                for (const auto& inner : fs::directory_iterator(p, ec))
                    if (is_generated_kind(inner.path())) made[p.filename().string()].push_back(inner.path());
            } else if (is_generated_kind(p)) {
                std::string label = p.stem().string();
                if (!is_generation_label(label)) continue;
                if (p.extension() == ".wav") label = without_clip_number(label);
                made[label].push_back(p);
            }
        }
        json generated = json::array();
        for (auto& [label, files] : made) generated.push_back(read_generation(label, files));
        return generated;
    }

    static bool is_generated_kind(const fs::path& file) {
        const fs::path ext = file.extension();
        return ext == ".png" || ext == ".txt" || ext == ".wav";
    }
    // "prior-image", "text-to-image+audio": the labels generate_command gives its outputs.
    static bool is_generation_label(const std::string& stem) {
        return (stem.rfind("prior-", 0) == 0 && stem.size() > 6) || stem.find("-to-") != std::string::npos;
    }
    static std::string without_clip_number(const std::string& stem) {
        const std::size_t dash = stem.rfind('-');
        const bool numbered = dash != std::string::npos && dash + 1 < stem.size() &&
                              std::all_of(stem.begin() + static_cast<std::ptrdiff_t>(dash) + 1, stem.end(), ::isdigit);
        return numbered ? stem.substr(0, dash) : stem;
    }

    // One generation: its image grid, its captions (a line each) and its clips of speech, at most
    // max_clips of them.
    json read_generation(const std::string& label, std::vector<fs::path>& files) {
        static constexpr std::size_t max_clips = 16;
        std::sort(files.begin(), files.end());
        json g = {{"label", label}, {"image", nullptr}, {"captions", json::array()}, {"audio", json::array()}};
        std::size_t clips = 0, left_out = 0;
        for (const fs::path& f : files) {
            if (f.extension() == ".png" && g["image"].is_null()) g["image"] = png(f);
            else if (f.extension() == ".txt" && g["captions"].empty()) {
                std::istringstream lines(read_bytes(f).value_or(""));
                for (std::string line; std::getline(lines, line);) g["captions"].push_back(line);
            } else if (f.extension() == ".wav" && clips++ < max_clips) {
                json src = wav(f);
                if (!src.is_null()) g["audio"].push_back({{"name", f.filename().string()}, {"src", src}});
            } else if (f.extension() == ".wav") {
                ++left_out;
            }
        }
        if (left_out) problem(fmt::format("{}: {} clips of speech beyond the first {} are left out of the page", label, left_out, max_clips));
        return g;
    }

    fs::path dir_;
    RunDirectory run_;
    const ReportOptions& options_;
    std::vector<std::string> problems_;
};

// A run's name on the page: its directory's, made unique among `taken`.
std::string run_name(const fs::path& dir, std::set<std::string>& taken) {
    fs::path p = dir.lexically_normal();
    std::string base = p.filename().empty() ? p.parent_path().filename().string() : p.filename().string();
    if (base.empty() || base == ".") base = fs::absolute(p).lexically_normal().filename().string();
    std::string name = base;
    for (int k = 2; !taken.insert(name).second; ++k) name = fmt::format("{} ({})", base, k);
    return name;
}

// JSON inside <script>: "</script" would end the element early and "<!--" change how the rest
// is read. "<" only ever stands inside JSON strings, where "\u003c" means the same.
std::string script_safe(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        if (c == '<') out += "\\u003c";
        else out += c;
    }
    return out;
}

std::string html_escape(const std::string& text) {
    std::string out;
    for (char c : text) {
        switch (c) {
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '&': out += "&amp;"; break;
        case '"': out += "&quot;"; break;
        default: out += c;
        }
    }
    return out;
}

}  // namespace

json read_run(const fs::path& dir, const std::string& name, const ReportOptions& options) {
    const RunDirectory run(dir);
    if (!run.exists()) throw DataError(dir, "no such run directory");
    if (!run.has_config() && !fs::exists(run.metrics()) && !run.has_checkpoint() && !fs::exists(run.record()))
        throw DataError(dir, "not a run directory: it holds no config.yaml, metrics.jsonl, checkpoint.json or run.json (chimera train --out writes them)");
    return RunReader(dir, options).read(name);
}

std::string report_page(const std::vector<fs::path>& runs, const ReportOptions& options) {
    json data;
    data["generator"] = std::string("chimera ") + CHIMERA_VERSION;
    data["created"] = utc_now();
    data["runs"] = json::array();
    std::set<std::string> taken;
    std::string title;
    for (const fs::path& dir : runs) {
        data["runs"].push_back(read_run(dir, run_name(dir, taken), options));
        title += (title.empty() ? "" : ", ") + data["runs"].back()["name"].get<std::string>();
    }
    const std::string text = script_safe(data.dump(-1, ' ', false, json::error_handler_t::replace));
    std::string page;
    page.reserve(text.size() + kChartJs.size() + kReportJs.size() + kReportCss.size() + 1024);
    page += "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width\">\n<title>Chimera report: " +
            html_escape(title) + "</title>\n<style>\n";
    page += kReportCss;
    page += "</style></head>\n<body><main id=\"report\"><noscript>This report draws with JavaScript; enable it to see the "
            "charts.</noscript></main>\n<script id=\"chimera-data\" type=\"application/json\">";
    page += text;
    page += "</script>\n<script>\n";
    page += kChartJs;
    page += "\n</script>\n<script>\n";
    page += kReportJs;
    page += "\n</script>\n</body></html>\n";
    return page;
}

void write_report(const std::vector<fs::path>& runs, const fs::path& out, const ReportOptions& options) {
    write_file_atomically(out, report_page(runs, options));
}

}  // namespace chimera

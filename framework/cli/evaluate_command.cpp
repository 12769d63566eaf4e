// `chimera evaluate RUN_DIR`: a trained run's losses and metrics on a split (test by default),
// as the end of training prints them. --set may add nodes and evaluate_only losses to the run's
// pipeline, e.g. a classifier from another run (init_from) judging the images it generates.
// For multimodal models, with a judge per modality (evaluate.judges, or --judge), also the
// cross-modal and joint coherence and linear probes on the latent; with --nll K, the test
// log-likelihood; with --fid, FID and precision/recall of generated images; for conditional
// models, --train-on-generated N: task performance (cli/train_on_generated.hpp). All of it as a
// table and JSON.
#include "cli/command.hpp"
#include "cli/pipeline_session.hpp"
#include "cli/terminal.hpp"
#include "cli/train_on_generated.hpp"
#include "core/host_error.hpp"
#include "io/atomic_file.hpp"
#include "evaluate/coherence.hpp"
#include "evaluate/evaluator.hpp"
#include "evaluate/image_fidelity.hpp"
#include "evaluate/likelihood.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <iostream>
#include <optional>
#include <unistd.h>

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace chimera {

namespace {

std::string percent(const Share& s) { return s.measured() ? fmt::format("{:.1f}%", 100.0 * s.value()) : "n/a"; }
std::string percent(double v) { return fmt::format("{:.1f}%", 100.0 * v); }
// A share as JSON: its value, or null where nothing was measured.
nlohmann::json share_json(const Share& s) { return s.measured() ? nlohmann::json(s.value()) : nlohmann::json(); }

// The judges: the run's evaluate.judges, replaced or added to by --judge. A judge the file names
// that was never trained is left out with a note; one the command line names is an error.
std::vector<std::unique_ptr<Judge>> make_judges(const po::variables_map& vm, PipelineSession& s, const DataSplit& split,
                                                const fs::path& run) {
    const Pipeline& p = s.pipeline();
    std::vector<std::pair<std::string, std::string>> wanted = p.spec().evaluate.judges;
    std::vector<std::string> from_command_line;
    if (vm.count("judge"))
        for (const auto& j : vm["judge"].as<std::vector<std::string>>()) {
            const std::size_t eq = j.find('=');
            if (eq == std::string::npos || eq == 0 || eq + 1 == j.size())
                throw UsageError("--judge '" + j + "': expected MODALITY=RUN_DIR or MODALITY=RUN_DIR:NODE");
            const std::string m = j.substr(0, eq);
            auto it = std::find_if(wanted.begin(), wanted.end(), [&](const auto& w) { return w.first == m; });
            if (it == wanted.end()) wanted.emplace_back(m, j.substr(eq + 1));
            else it->second = j.substr(eq + 1);
            from_command_line.push_back(m);
        }
    ModalSampler sampler(p, s.context(), s.ops());
    TensorMap sample;
    p.read_examples(split, {split.indices.at(0), split.indices.at(std::min<std::size_t>(1, split.indices.size() - 1))}, sample);
    std::vector<std::unique_ptr<Judge>> judges;
    for (const auto& [m, where] : wanted) {
        const ModalitySpec& modality = sampler.modality(m);
        const bool required = std::find(from_command_line.begin(), from_command_line.end(), m) != from_command_line.end();
        const fs::path judge_run = where.substr(0, where.rfind(':') == std::string::npos ? where.size() : where.rfind(':'));
        if (!required && !RunDirectory(judge_run).has_checkpoint()) {
            std::cout << fmt::format("note: no judge of {}: {} is not a trained run (evaluate.judges.{}); train it, or pass --judge {}=RUN_DIR\n",
                                     m, fs::absolute(judge_run).string(), m, m);
            continue;
        }
        judges.push_back(std::make_unique<Judge>(s.registry(), s.context(), m, where, sample.at(modality.field), run));
    }
    return judges;
}

void print_coherence(const CoherenceReport& r, const std::vector<std::unique_ptr<Judge>>& judges, bool mean) {
    std::cout << fmt::format("\nJudges (accuracy on the split's own data):\n");
    for (const auto& j : judges) std::cout << fmt::format("  {:<8} {:>7}  {}\n", j->modality(), percent(r.judge_accuracy.at(j->modality())), j->where());
    std::cout << fmt::format("\nCross-modal coherence ({} examples, decoding {}): the share of the target's judge naming the source example's class\n",
                             r.examples, mean ? "the posterior mean" : "posterior samples");
    std::cout << fmt::format("  {:<10}", "from \\ to");
    for (const auto& t : r.targets) std::cout << fmt::format(" {:>8}", t);
    std::cout << "\n";
    for (const auto& s : r.sources) {
        std::cout << fmt::format("  {:<10}", s);
        for (const auto& t : r.targets) std::cout << fmt::format(" {:>8}", percent(r.cross.at({s, t})));
        std::cout << "\n";
    }
    if (r.joint.measured()) {
        std::cout << fmt::format("\nJoint coherence ({} prior samples): every judge agrees {}", r.joint.seen, percent(r.joint));
        for (const auto& [pair, v] : r.joint_pairs) std::cout << fmt::format("; {}-{} {}", pair.first, pair.second, percent(v));
        std::cout << "\n";
    }
    if (!r.probe.empty()) {
        std::cout << fmt::format("\nLinear probe on the latent mean (fitted on {} training examples), test accuracy from:", r.probe_train);
        for (const auto& s : r.sources)
            if (r.probe.count(s)) std::cout << fmt::format(" {} {}", s, percent(r.probe.at(s)));
        std::cout << "\n";
    }
}

nlohmann::json coherence_json(const CoherenceReport& r, const std::vector<std::unique_ptr<Judge>>& judges) {
    nlohmann::json j;
    j["examples"] = r.examples;
    for (const auto& judge : judges)
        j["judges"][judge->modality()] = {{"run", judge->where()}, {"accuracy", share_json(r.judge_accuracy.at(judge->modality()))}};
    for (const auto& [key, v] : r.cross) {
        j["cross_coherence"][key.first][key.second] = share_json(v);
        j["cross_coherence_examples"][key.first][key.second] = v.seen;
    }
    if (r.joint.measured()) {
        j["joint_coherence"] = {{"samples", r.joint.seen}, {"all_agree", r.joint.value()}};
        for (const auto& [pair, v] : r.joint_pairs) j["joint_coherence"]["pairs"][pair.first + "-" + pair.second] = share_json(v);
    }
    if (!r.probe.empty()) {
        j["linear_probe"]["training_examples"] = r.probe_train;
        for (const auto& [s, v] : r.probe) j["linear_probe"]["accuracy"][s] = v;
    }
    return j;
}

void print_likelihood(const LikelihoodReport& r) {
    std::cout << fmt::format("\nTest log-likelihood by importance sampling (IWAE bound, K = {} samples per example), nats per example:\n", r.samples);
    for (const LikelihoodTerm& t : r.terms) {
        if (t.examples == 0) {
            std::cout << fmt::format("  {:<8} n/a (no example holds it)\n", t.name);
            continue;
        }
        std::cout << fmt::format("  {:<8} NLL {:.2f} \u00b1 {:.2f}   (one-sample bound {:.2f}; {} examples)\n", t.name, t.nll, t.standard_error, -t.elbo,
                                 t.examples);
    }
}

nlohmann::json likelihood_json(const LikelihoodReport& r) {
    nlohmann::json j;
    j["samples"] = r.samples;
    for (const LikelihoodTerm& t : r.terms)
        j["nll"][t.name] = t.examples == 0 ? nlohmann::json()
                                           : nlohmann::json{{"nll", t.nll}, {"standard_error", t.standard_error}, {"elbo", t.elbo}, {"examples", t.examples}};
    return j;
}

// --fid JUDGE_RUN: FID and precision/recall of the run's generated images against the split's,
// with the floor and distorted images beside them (evaluate/image_fidelity.hpp).
nlohmann::json fidelity(const po::variables_map& vm, PipelineSession& s, const DataSplit& split, const std::string& split_name,
                        const fs::path& run) {
    FidelityOptions o;
    o.n = vm["n"].as<int64_t>();
    o.seed = vm["seed"].defaulted() ? s.context().device().seed() + 3 : seed_option(vm);
    o.progress = &std::cerr;
    o.terminal = is_interactive(STDERR_FILENO);
    const ImageSampler sampler(s.pipeline(), s.context(), s.ops());
    const FidelityReport r = evaluate_fidelity(s.pipeline(), s.context(), sampler, s.registry(), vm["fid"].as<std::string>(), run, split, o);
    std::cout << fmt::format("\nImage fidelity: {} images per set against the first {} '{}' of the {} split, in the {} '{}' values of {} (k = {})\n",
                             r.n, r.n, r.field, split_name, r.features, o.port, r.judge, o.k);
    std::cout << fmt::format("  {:<36} {:>9} {:>10} {:>8}\n", "images", "FID", "precision", "recall");
    nlohmann::json j = {{"judge", r.judge}, {"port", o.port}, {"field", r.field}, {"reference", split_name}, {"n", r.n},
                        {"features", r.features}, {"k", o.k}, {"blur_sigma_pixels", o.blur_sigma}, {"noise_sigma_of_range", o.noise_sigma}};
    for (const FidelityRow& row : r.rows) {
        const std::string what = row.name == "generated"  ? "generated (prior samples)"
                                 : row.name == "training" ? "training images (the floor)"
                                 : row.name == "blurred"  ? fmt::format("training, blurred (sigma {} px)", o.blur_sigma)
                                                          : fmt::format("training, noised (sigma {} x range)", o.noise_sigma);
        std::cout << fmt::format("  {:<36} {:>9.3f} {:>10.3f} {:>8.3f}\n", what, row.fid, row.precision, row.recall);
        j["sets"][row.name] = {{"fid", row.fid}, {"precision", row.precision}, {"recall", row.recall}};
    }
    return j;
}

int run(const po::variables_map& vm) {
    std::string split_name = vm["split"].as<std::string>();
    // Checked before any work, written through its links (the run's own report is replaced).
    const fs::path json_out = vm.count("json") ? output_file(vm["json"].as<std::string>()) : fs::path();
    const fs::path run_dir = vm["run"].as<std::string>();
    std::optional<TaskPerformanceOptions> task;
    if (vm.count("train-on-generated")) task = task_performance_options(vm);
    auto session = PipelineSession::open_run(vm, run_dir);
    const Pipeline& p = session->pipeline();
    if (task) require_conditional(p, run_dir);
    // A GAN holds out no test split; its task performance is tested on the classifier's.
    if (task && vm["split"].defaulted() && !p.test_split().present() && p.validation_split().present())
        split_name = "validation";
    const DataSplit& split = split_name == "test"         ? p.test_split()
                             : split_name == "validation" ? p.validation_split()
                             : split_name == "train"      ? p.train_split()
                                                          : throw UsageError("--split: expected test, validation or train, not '" + split_name + "'");
    if (!split.present()) throw UsageError("--split " + split_name + ": this pipeline has no " + split_name + " split");
    const int64_t limit = vm["limit"].as<int64_t>(), probe = vm["probe-train"].as<int64_t>(), joint = vm["joint-samples"].as<int64_t>();
    if (limit < 0 || probe < 0 || joint < 0)
        throw UsageError("chimera evaluate: --limit, --joint-samples and --probe-train must not be negative");
    if (vm.count("nll") && vm["nll"].as<int64_t>() < 1)
        throw UsageError("--nll: the number of importance samples K must be at least 1, not " + std::to_string(vm["nll"].as<int64_t>()));
    if (vm["nll-rows"].as<int64_t>() < 1) throw UsageError("--nll-rows: must be at least 1, not " + std::to_string(vm["nll-rows"].as<int64_t>()));
    if (split.indices.empty()) throw DataError(run_dir.string() + ": the " + split_name + " split holds no examples");
    ModalSampler sampler(p, session->context(), session->ops());
    const std::string decode = vm["decode"].as<std::string>();
    if (decode != "sample" && decode != "mean") throw UsageError("--decode: expected sample or mean, not '" + decode + "'");
    if (decode == "mean" && !sampler.can_decode_mean())
        throw UsageError("--decode mean: the generate section of " + run_dir.string() + " names no posterior sample and mean (generate.sample, generate.latent)");
    // Four images at least: precision/recall's balls reach each image's third neighbour.
    if (vm.count("fid") && (vm["n"].as<int64_t>() < 4 || vm["n"].as<int64_t>() > static_cast<int64_t>(split.indices.size())))
        throw UsageError(fmt::format("--n {}: --fid compares sets of 4 to {} images (what the {} split holds)", vm["n"].as<int64_t>(),
                                     split.indices.size(), split_name));
    if (!vm.count("fid") && !vm["n"].defaulted()) throw UsageError("--n: it counts the images of --fid; give --fid JUDGE_RUN too");
    if (vm.count("judge") && !sampler.multimodal())
        throw UsageError("--judge: " + run_dir.string() + " is not a multimodal model (its generate section lists no modalities)");
    // The same random numbers as the end of training draws for its test metrics, unless --seed says otherwise.
    EvalScope numbers(session->context(), vm["seed"].defaulted() ? session->context().device().seed() + 2 : seed_option(vm));
    Metrics metrics = evaluate_split(p, session->context(), split, p.spec().data.batch_size);
    std::cout << fmt::format("{} ({} examples, mean per example):\n", split_name, split.indices.size()) << metrics_table(metrics);
    nlohmann::json report;
    report["split"] = split_name;
    for (const auto& [k, v] : metrics) report["metrics"][k] = v;
    if (vm.count("nll")) {
        LikelihoodOptions o;
        o.samples = vm["nll"].as<int64_t>();
        o.rows = vm["nll-rows"].as<int64_t>();
        o.limit = limit;
        o.progress = &std::cerr;
        o.terminal = is_interactive(STDERR_FILENO);
        const LikelihoodReport r = estimate_likelihood(p, session->context(), session->ops(), split, o);
        print_likelihood(r);
        report["likelihood"] = likelihood_json(r);
    }
    if (task) {
        const TaskPerformance t = train_on_generated(vm, *session, run_dir, *task);
        std::cout << fmt::format("\nTask performance: {} trained for {} epochs on {} images, accuracy on the {} real test images:\n"
                                 "  generated {:>7}  ({})\n  real      {:>7}  ({})\n",
                                 task->classifier, t.epochs, t.training_images, t.test_examples, percent(t.generated_accuracy),
                                 t.generated_run.string(), percent(t.real_accuracy), t.real_run.string());
        report["train_on_generated"] = t.json();
    }
    if (sampler.multimodal()) {
        auto judges = make_judges(vm, *session, split, run_dir);
        if (judges.empty()) {
            std::cout << "note: no judges, so no coherence (name them in evaluate.judges or with --judge MODALITY=RUN_DIR)\n";
        } else {
            CoherenceOptions o;
            o.batch = p.spec().data.batch_size;
            o.limit = limit;
            o.probe_train = probe;
            o.joint_samples = joint;
            o.classes = p.spec().generate.classes;
            o.mean = decode == "mean";
            o.progress = &std::cerr;
            o.terminal = is_interactive(STDERR_FILENO);
            std::vector<const Judge*> raw;
            for (const auto& j : judges) raw.push_back(j.get());
            const CoherenceReport r = evaluate_coherence(p, sampler, raw, split, p.train_split(), o);
            print_coherence(r, judges, o.mean);
            report["coherence"] = coherence_json(r, judges);
            report["coherence"]["decoding"] = decode;
        }
    }
    if (vm.count("fid")) report["fidelity"] = fidelity(vm, *session, split, split_name, run_dir);
    const fs::path json = vm.count("json") ? json_out : RunDirectory(run_dir).evaluation(split_name);
    write_file_atomically(json, report.dump(2) + "\n");
    std::cout << "\nWrote " << (vm.count("json") ? vm["json"].as<std::string>() : json.string()) << "\n";
    return 0;
}

}  // namespace

Command evaluate_command() {
    Command c;
    c.name = "evaluate";
    c.summary = "Compute a trained run's losses and metrics on a split (and a multimodal model's coherence)";
    c.usage = "chimera evaluate RUN_DIR [--split test|validation|train] [--judge MODALITY=RUN_DIR ...] [--nll K] [--fid JUDGE_RUN [--n N]]\n"
              "                        [--train-on-generated N [--classifier FILE] [--classifier-epochs E]] [--json FILE] [--set KEY=VALUE ...]";
    c.options = [] {
        po::options_description desc("Options");
        desc.add_options()("run", po::value<std::string>()->required()->value_name("RUN_DIR"), "the run directory of chimera train")(
            "split", po::value<std::string>()->default_value("test"), "test, validation or train")(
            "judge", po::value<std::vector<std::string>>()->value_name("MODALITY=RUN_DIR[:NODE]")->composing(),
            "multimodal models: the classifier run judging a modality (replaces evaluate.judges; repeatable)")(
            "limit", po::value<int64_t>()->default_value(0), "coherence and --nll on the split's first N examples only (0: all)")(
            "nll", po::value<int64_t>()->value_name("K"),
            "also the test log-likelihood by importance sampling with K samples per example (the IWAE bound; VAEs and multimodal VAEs)")(
            "nll-rows", po::value<int64_t>()->default_value(4096), "--nll: decoder rows (examples times samples) computed at once")(
            "joint-samples", po::value<int64_t>()->default_value(0), "prior samples for joint coherence (0: as many as examples)")(
            "probe-train", po::value<int64_t>()->default_value(10000), "training examples the linear probe is fitted to (0: no probe)")(
            "fid", po::value<std::string>()->value_name("JUDGE_RUN[:NODE]"),
            "FID and precision/recall of generated images against the split's, in the 'features' of a classifier run")(
            "n", po::value<int64_t>()->default_value(10000), "images per set for --fid")(
            "decode", po::value<std::string>()->default_value("sample"),
            "cross-modal coherence from posterior samples, or from the posterior mean (needs generate.sample)")(
            "train-on-generated", po::value<int64_t>()->value_name("N"),
            "conditional models: train the --classifier pipeline on N generated images balanced over the classes, and on N "
            "real training images, and test both on the real test split (work in RUN_DIR/train-on-generated)")(
            "classifier", po::value<std::string>()->default_value("configs/classifier_fashion.yaml")->value_name("FILE"),
            "with --train-on-generated: the classifier pipeline (idx loader, a test split, a cross_entropy loss)")(
            "classifier-epochs", po::value<int64_t>()->default_value(0)->value_name("E"),
            "with --train-on-generated: epochs of each classifier run (0: its pipeline's train.epochs)")(
            "json", po::value<std::string>()->value_name("FILE"), ("where the report goes (default: RUN_DIR/" + RunDirectory("").evaluation("SPLIT").string() + ")").c_str())(
            "set", po::value<std::vector<std::string>>()->value_name("KEY=VALUE")->composing(),
            "change or add to the run's pipeline, e.g. a judging node and an evaluate_only loss (repeatable)");
        desc.add(plugin_options());
        desc.add(compute_options());
        return desc;
    };
    c.positional.add("run", 1);
    c.run = run;
    return c;
}

}  // namespace chimera

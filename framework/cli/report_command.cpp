// `chimera report RUN_DIR [RUN_DIR ...]`: the training report, one self-contained HTML page of
// one run (written into it by default) or of several drawn over each other (--out required).
#include "cli/command.hpp"
#include "core/host_error.hpp"
#include "io/atomic_file.hpp"
#include "report/report.hpp"
#include "run/run_directory.hpp"

#include <fmt/format.h>

#include <iostream>

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace chimera {

namespace {

int run(const po::variables_map& vm) {
    if (!vm.count("run")) throw UsageError("chimera report: name a run directory (chimera report RUN_DIR [RUN_DIR ...] [--out FILE.html])");
    std::vector<fs::path> runs;
    for (const std::string& r : vm["run"].as<std::vector<std::string>>()) runs.emplace_back(r);
    if (runs.size() > 1 && !vm.count("out"))
        throw UsageError(fmt::format("chimera report: {} runs make one page; say where it goes with --out FILE.html", runs.size()));
    const fs::path out = vm.count("out") ? output_file(vm["out"].as<std::string>()) : RunDirectory(runs.front()).report();
    write_report(runs, out);
    std::error_code ec;
    const auto bytes = fs::file_size(out, ec);
    std::cout << fmt::format("Wrote {} ({:.1f} MB): open it in a browser\n", out.string(), ec ? 0.0 : bytes / 1e6);
    return 0;
}

}  // namespace

Command report_command() {
    Command c;
    c.name = "report";
    c.summary = "Write a run's training report: one HTML page of its curves, samples and evaluations";
    c.usage = "chimera report RUN_DIR [RUN_DIR ...] [--out FILE.html]";
    c.options = [] {
        po::options_description o("Options");
        o.add_options()("run", po::value<std::vector<std::string>>(), "run directories of chimera train (several: drawn together)")(
            "out,o", po::value<std::string>(), "the HTML file (default: RUN_DIR/report.html; required for several runs)");
        return o;
    };
    c.positional.add("run", -1);
    c.run = run;
    return c;
}

}  // namespace chimera

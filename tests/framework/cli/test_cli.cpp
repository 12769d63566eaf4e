// The `chimera` command line as a user meets it: run as a child process, checking what it
// prints and its exit code. Plugin search is pinned with --no-builtin-plugins and explicit paths
// so the output does not depend on what else is built.
#define BOOST_TEST_MODULE framework_cli
#include <boost/test/unit_test.hpp>

#include "support/run_process.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

using chimera::test::ProcessResult;
using chimera::test::run_process;

namespace {

const int usage_error = 2;
const int plugin_error = 4;
const int data_error = 5;

ProcessResult chimera_cli(std::vector<std::string> args, std::vector<std::string> env = {}) {
    args.insert(args.begin(), CHIMERA_BIN);
    env.insert(env.begin(), "CHIMERA_PLUGIN_PATH=");  // unset unless the test sets it
    return run_process(args, env);
}

ProcessResult plugins_from(const std::string& path, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"plugins", "--no-builtin-plugins", "--plugin-path", path};
    args.insert(args.end(), extra.begin(), extra.end());
    return chimera_cli(args);
}

bool contains(const std::string& text, const std::string& part) {
    bool found = text.find(part) != std::string::npos;
    if (!found) BOOST_TEST_MESSAGE("'" << part << "' not in: " << text);
    return found;
}

std::string broken(const std::string& name) { return BROKEN_PLUGIN_DIR "/broken_" + name + ".so"; }

// True when some line of `table` starts with exactly these whitespace-separated cells (for tables
// whose column widths depend on which built-in plugins exist).
bool has_row(const std::string& table, const std::vector<std::string>& cells) {
    std::istringstream lines(table);
    std::string line;
    while (std::getline(lines, line)) {
        std::istringstream words(line);
        std::vector<std::string> got;
        std::string w;
        while (got.size() < cells.size() && words >> w) got.push_back(w);
        if (got == cells) return true;
    }
    BOOST_TEST_MESSAGE("no row starting " << cells.front() << " ... in: " << table);
    return false;
}

}  // namespace

BOOST_AUTO_TEST_CASE(version_names_the_release_and_the_abi) {
    ProcessResult r = chimera_cli({"--version"});
    BOOST_TEST(r.exit_code == 0);
    BOOST_TEST(r.out == "chimera " CHIMERA_VERSION " (plugin ABI 1.4)\n");
}

BOOST_AUTO_TEST_CASE(help_lists_the_commands) {
    ProcessResult r = chimera_cli({"help"});
    BOOST_TEST(r.exit_code == 0);
    BOOST_TEST(contains(r.out, "Usage: chimera <command> [options]"));
    BOOST_TEST(contains(r.out, "  plugins         List plugin components"));
    ProcessResult none = chimera_cli({});
    BOOST_TEST(none.exit_code == usage_error);
    BOOST_TEST(contains(none.err, "Usage: chimera <command> [options]"));
}

BOOST_AUTO_TEST_CASE(help_for_a_command_lists_its_options) {
    ProcessResult r = chimera_cli({"help", "plugins"});
    BOOST_TEST(r.exit_code == 0);
    BOOST_TEST(contains(r.out, "Usage: chimera plugins"));
    BOOST_TEST(contains(r.out, "--describe NAME"));
    BOOST_TEST(contains(r.out, "--plugin-path PATH"));
    BOOST_TEST(chimera_cli({"plugins", "--help"}).out == r.out);
}

BOOST_AUTO_TEST_CASE(an_unknown_command_suggests_and_lists_the_valid_ones) {
    ProcessResult r = chimera_cli({"plugin"});
    BOOST_TEST(r.exit_code == usage_error);
    BOOST_TEST(r.err == "chimera: error: unknown command 'plugin'. Did you mean 'plugins'? "
                        "Commands: help, train, validate, summary, generate, reconstruct, evaluate, report, export, plugins, ops.\n");
    BOOST_TEST(r.out.empty());
}

BOOST_AUTO_TEST_CASE(an_unknown_option_suggests_and_lists_the_valid_ones) {
    ProcessResult r = chimera_cli({"plugins", "--describ", "x"});
    BOOST_TEST(r.exit_code == usage_error);
    BOOST_TEST(r.err == "chimera: error: chimera plugins: unknown option '--describ'. Did you "
                        "mean '--describe'? Valid options: --describe, --check, --plugin-path, "
                        "--no-builtin-plugins, --verbose, --threads, --seed, --help.\n");
    ProcessResult before = chimera_cli({"--frobnicate"});
    BOOST_TEST(before.exit_code == usage_error);
    BOOST_TEST(contains(before.err, "unknown option '--frobnicate' before the command"));
}

BOOST_AUTO_TEST_CASE(an_option_without_its_value_is_a_usage_error) {
    ProcessResult r = chimera_cli({"plugins", "--describe"});
    BOOST_TEST(r.exit_code == usage_error);
    BOOST_TEST(contains(r.err, "the required argument for option '--describe' is missing"));
}

BOOST_AUTO_TEST_CASE(plugins_prints_a_table_of_components) {
    ProcessResult r = plugins_from(std::string(C_PLUGIN_FILE) + ":" + PROBE_PLUGIN_FILE);
    BOOST_TEST(r.exit_code == 0);
    BOOST_TEST(r.err.empty());
    std::string c = C_PLUGIN_FILE, p = PROBE_PLUGIN_FILE;
    BOOST_TEST(r.out ==
               "KIND     NAME            VERSION  LIBRARY\n"
               "encoder  probe           2.0.1    " + p + "\n"
               "loss     bad_lookup      1.0.0    " + p + "\n"
               "loss     c_constant      1.2.3    " + c + "\n"
               "loss     fails_after     1.0.0    " + p + "\n"
               "loss     future_op       1.0.0    " + p + "\n"
               "loss     throws_error    1.0.0    " + p + "\n"
               "loss     throws_std      1.0.0    " + p + "\n"
               "loss     throws_unknown  1.0.0    " + p + "\n"
               "loss     wrong_output    1.0.0    " + p + "\n"
               "\n9 components in 2 libraries. Describe one with: chimera plugins --describe NAME\n");
}

BOOST_AUTO_TEST_CASE(plugins_reads_the_environment_path) {
    ProcessResult r = chimera_cli({"plugins", "--no-builtin-plugins"},
                                  {"CHIMERA_PLUGIN_PATH=" C_PLUGIN_FILE});
    BOOST_TEST(r.exit_code == 0);
    BOOST_TEST(r.out.rfind("KIND  NAME        VERSION  LIBRARY\nloss  c_constant  1.2.3    " C_PLUGIN_FILE "\n", 0) == 0);
}

BOOST_AUTO_TEST_CASE(the_plugin_path_flag_is_searched_before_the_environment) {
    // Both name missing directories: the problems come in search order, each saying where it came from.
    ProcessResult r = chimera_cli({"plugins", "--no-builtin-plugins", "--plugin-path", "/nonexistent/cli"},
                                  {"CHIMERA_PLUGIN_PATH=/nonexistent/env"});
    BOOST_TEST(r.exit_code == plugin_error);
    const std::size_t cli = r.err.find("/nonexistent/cli: no such file or directory (from --plugin-path)");
    const std::size_t env = r.err.find("/nonexistent/env: no such file or directory (from CHIMERA_PLUGIN_PATH)");
    BOOST_TEST_REQUIRE(cli != std::string::npos, r.err);
    BOOST_TEST_REQUIRE(env != std::string::npos, r.err);
    BOOST_TEST(cli < env);
}

BOOST_AUTO_TEST_CASE(plugins_finds_the_builtin_directory_beside_the_binary) {
    ProcessResult r = chimera_cli({"plugins"});
    BOOST_TEST(r.exit_code == 0);
    BOOST_TEST(has_row(r.out, {"encoder", "template_encoder", "0.1.0"}));
    BOOST_TEST(has_row(r.out, {"loader", "idx", "1.0.0"}));
    BOOST_TEST(has_row(r.out, {"optimizer", "adam", "1.0.0"}));
    BOOST_TEST(contains(r.out, "/lib/chimera/plugins/template.so"));
}

BOOST_AUTO_TEST_CASE(with_no_plugins_it_says_where_it_looked) {
    ProcessResult r = chimera_cli({"plugins", "--no-builtin-plugins"});
    BOOST_TEST(r.exit_code == 0);
    BOOST_TEST(r.out == "No plugin components found. Searched: nowhere (no plugin path given and "
                        "no built-in directory)\n");
}

BOOST_AUTO_TEST_CASE(describe_prints_the_parameter_schema) {
    ProcessResult r = plugins_from(C_PLUGIN_FILE, {"--describe", "c_constant"});
    BOOST_TEST(r.exit_code == 0);
    BOOST_TEST(r.out ==
               "loss c_constant 1.2.3\n"
               "  A constant loss written in plain C\n"
               "  library: c_plugin 1.0.0 (" C_PLUGIN_FILE ")\n\n"
               "  PARAMETER  TYPE    DEFAULT  ALLOWED   DESCRIPTION\n"
               "  scale      float   2.5      >= 0      value of the constant\n"
               "  terms      int     3        1 .. 8    how many terms are summed\n"
               "  reduction  string  mean     mean|sum  how the batch is reduced\n\n"
               "  Ports: not declared (a plugin built before ABI 1.4, or one that leaves them out);\n"
               "  its inputs and outputs are checked only when it runs.\n");
}

// Ports (ABI 1.4) follow the parameters: the built-in mlp's input is named by its `input` option,
// its condition by `condition`, and its outputs depend on its head.
BOOST_AUTO_TEST_CASE(describe_prints_the_ports_after_the_parameters) {
    ProcessResult r = chimera_cli({"plugins", "--describe", "encoder/mlp"});
    BOOST_TEST(r.exit_code == 0, r.err);
    BOOST_TEST(contains(r.out, "\n\n  INPUT        DTYPE  SHAPE     WHEN                              DESCRIPTION\n"
                               "  {input}      f32    [N, ...]  required, unless input is \"\"      the data, flattened to [N, features]\n"
                               "  {condition}  i32    [N]       required, unless condition is \"\"  int32 class labels, joined one-hot to the input\n"));
    BOOST_TEST(contains(r.out, "\n\n  OUTPUT  DTYPE  SHAPE     WHEN      DESCRIPTION\n"
                               "  y       f32    [N, ...]  optional  the output [N, out_features] or [N, output_shape...] (head: single)\n"
                               "  mu      f32    [N, D]    optional  the Gaussian's mean, D = out_features (head: gaussian)\n"
                               "  logvar  f32    [N, D]    optional  the Gaussian's log-variance (head: gaussian)\n"));
    BOOST_TEST(r.out.find("PARAMETER") < r.out.find("INPUT"));
    ProcessResult poe = chimera_cli({"plugins", "--describe", "poe"});
    BOOST_TEST(contains(poe.out, "  mu_<m>      f32    [N, D]    optional (any number)  the mean of modality m's expert"));
}

// The README's sample output of `plugins --describe template_encoder`, line for line.
BOOST_AUTO_TEST_CASE(the_template_encoder_is_described_as_the_readme_shows) {
    ProcessResult r = chimera_cli({"plugins", "--describe", "template_encoder"});
    BOOST_TEST(r.exit_code == 0, r.err);
    const std::size_t tables = r.out.find("\n\n");
    BOOST_TEST_REQUIRE(tables != std::string::npos);
    BOOST_TEST(r.out.rfind("encoder template_encoder 0.1.0\n  Template encoder: copy it to start your own\n  library: template 0.1.0 (", 0) == 0u);
    BOOST_TEST(r.out.substr(tables) ==
               "\n\n"
               "  PARAMETER    TYPE      DEFAULT     ALLOWED                 DESCRIPTION\n"
               "  in_features  int       784         >= 1                    width of the flattened input\n"
               "  hidden       int list  [512, 256]  >= 1                    widths of the hidden layers\n"
               "  latent       int       20          1 .. 4096               width of the code\n"
               "  activation   string    relu        relu|tanh|sigmoid|none  activation after each hidden layer\n"
               "  dropout      float     0           0 .. 0.99               dropout probability after each hidden layer\n"
               "\n"
               "  INPUT  DTYPE  SHAPE     WHEN      DESCRIPTION\n"
               "  x      f32    [N, ...]  required  the data, flattened to [N, in_features]\n"
               "\n"
               "  OUTPUT  DTYPE  SHAPE   WHEN    DESCRIPTION\n"
               "  z       f32    [N, D]  always  the code, D = latent\n");
}

// A component without ports (the probe plugin's loss) is wired and run as before ABI 1.4: the
// pipeline validates, its loss checked only by what its forward reads and writes.
BOOST_AUTO_TEST_CASE(a_component_without_ports_is_accepted_as_before) {
    const std::string file = std::string(CHIMERA_TEST_CONFIGS) + "/plugin_failures/ae_loss_from_probe.yaml";
    ProcessResult r = chimera_cli({"validate", file, "--plugin-path", PROBE_PLUGIN_FILE, "--threads", "1"});
    BOOST_TEST(r.exit_code == 0, r.err);
    BOOST_TEST(contains(r.out, file + ": valid\n"));
    BOOST_TEST(contains(r.out, "fails_after of rebuilt, image"));
    // An extra key no port would accept passes too: nothing declares what the loss reads.
    ProcessResult extra = chimera_cli({"validate", file, "--plugin-path", PROBE_PLUGIN_FILE, "--threads", "1", "--set",
                                       "losses.reconstruction.in={x: rebuilt, target: image, extra: code}"});
    BOOST_TEST(extra.exit_code == 0, extra.err);
}

BOOST_AUTO_TEST_CASE(describe_accepts_kind_slash_name_and_suggests_on_typos) {
    ProcessResult r = plugins_from(PROBE_PLUGIN_FILE, {"--describe", "encoder/probe"});
    BOOST_TEST(r.exit_code == 0);
    BOOST_TEST(contains(r.out, "  blocks     yaml         [{width: 4}, {width: 8}]"));
    ProcessResult typo = plugins_from(PROBE_PLUGIN_FILE, {"--describe", "prob"});
    BOOST_TEST(typo.exit_code == usage_error);
    BOOST_TEST(contains(typo.err, "no plugin component named 'prob'. Did you mean 'probe'?"));
    ProcessResult kind = plugins_from(PROBE_PLUGIN_FILE, {"--describe", "encodr/probe"});
    BOOST_TEST(kind.exit_code == usage_error);
    BOOST_TEST(contains(kind.err, "unknown component kind 'encodr'. Did you mean 'encoder'?"));
}

BOOST_AUTO_TEST_CASE(check_instantiates_components_and_survives_throwing_ones) {
    ProcessResult r = plugins_from(PROBE_PLUGIN_FILE, {"--check"});
    BOOST_TEST(r.exit_code == plugin_error);
    BOOST_TEST(contains(r.out, "encoder  probe           ok\n"));
    BOOST_TEST(contains(r.out, "loss     throws_std      FAILED: plugin 'probe_plugin'"));
    BOOST_TEST(contains(r.out, "boom from std::runtime_error"));
    BOOST_TEST(contains(r.out, "unknown exception"));
    ProcessResult one = plugins_from(C_PLUGIN_FILE, {"--check", "c_constant"});
    BOOST_TEST(one.exit_code == 0);
    BOOST_TEST(one.out == "KIND  NAME        RESULT\nloss  c_constant  ok\n");
}

BOOST_AUTO_TEST_CASE(each_broken_library_gives_its_message_and_the_plugin_exit_code) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {NOT_A_LIBRARY_FILE, ": cannot be loaded as a shared library: "},
        {NO_ENTRY_FILE, ": has no entry symbol 'chm_plugin_entry'"},
        {broken("abi_major"), ": built for Chimera ABI 2.4, but this host speaks ABI 1.4"},
        {broken("abi_minor"), ": built against Chimera ABI 1.5, newer than this host's ABI 1.4"},
        {broken("entry_fails"), ": entry function failed: cannot find my weights file"},
        {broken("bad_name"), ": malformed plugin descriptor: component #0: name 'Bad Name'"},
    };
    for (const auto& [file, message] : cases) {
        BOOST_TEST_CONTEXT(file) {
            ProcessResult r = plugins_from(file + ":" + C_PLUGIN_FILE);
            BOOST_TEST(r.exit_code == plugin_error);
            BOOST_TEST(contains(r.err, "chimera: error: " + file + message));
            // The good library on the same path is still listed.
            BOOST_TEST(contains(r.out, "c_constant"));
        }
    }
}

BOOST_AUTO_TEST_CASE(ops_lists_each_op_with_its_signature_and_attributes) {
    ProcessResult r = chimera_cli({"ops"});
    BOOST_TEST(r.exit_code == 0);
    BOOST_TEST(contains(r.out, "OP "));
    BOOST_TEST(contains(r.out, "\nlinear "));
    BOOST_TEST(contains(r.out, "linear(x[N,I], w[O,I], b[O]?) -> y[N,O]"));
    BOOST_TEST(contains(r.out, "leaky_relu(x) -> y, same shape"));
    BOOST_TEST(contains(r.out, "negative_slope=0.01"));
    // linear's version and its activations, named from the one table.
    BOOST_TEST(contains(r.out, "activation:none|relu|leaky_relu|tanh|sigmoid|elu|gelu|silu=none, alpha?"));
    BOOST_TEST(contains(r.out, "ops, op set 2."));
}

BOOST_AUTO_TEST_CASE(check_builds_components_that_make_parameters) {
    ProcessResult r = chimera_cli({"plugins", "--check", "--threads", "2", "--seed", "7"});
    BOOST_TEST(r.exit_code == 0);
    BOOST_TEST(has_row(r.out, {"encoder", "template_encoder", "ok"}));
    BOOST_TEST(has_row(r.out, {"optimizer", "sgd", "ok"}));
}

BOOST_AUTO_TEST_CASE(check_handles_an_encoder_and_a_generator_of_the_same_name) {
    ProcessResult r = plugins_from(MLP_PLUGIN_FILE, {"--check"});
    BOOST_TEST(r.exit_code == 0, r.out + r.err);
    BOOST_TEST(contains(r.out, "encoder    tiny_mlp             ok\n"));
    BOOST_TEST(contains(r.out, "generator  tiny_mlp             ok\n"));
}

BOOST_AUTO_TEST_CASE(a_bad_thread_count_is_a_usage_error) {
    ProcessResult env = chimera_cli({"plugins", "--check"}, {"CHIMERA_THREADS=many"});
    BOOST_TEST(env.exit_code == usage_error);
    BOOST_TEST(env.err == "chimera: error: CHIMERA_THREADS='many' is not a positive thread count\n");
    ProcessResult flag = chimera_cli({"plugins", "--check", "--threads", "-3"});
    BOOST_TEST(flag.exit_code == usage_error);
    BOOST_TEST(contains(flag.err, "--threads must be a positive integer"));
}

BOOST_AUTO_TEST_CASE(duplicates_name_both_files) {
    ProcessResult r = plugins_from(broken("dup_a") + ":" + broken("dup_b"));
    BOOST_TEST(r.exit_code == plugin_error);
    BOOST_TEST(contains(r.err, "chimera: error: " + broken("dup_b") + ": encoder 'dup' is already "
                               "defined by " + broken("dup_a")));
}

BOOST_AUTO_TEST_CASE(an_unknown_kind_is_only_a_warning) {
    ProcessResult r = plugins_from(broken("unknown_kind"));
    BOOST_TEST(r.exit_code == 0);
    BOOST_TEST(contains(r.err, "chimera: warning: " + broken("unknown_kind") +
                               ": skipping component 'from_the_future' of kind 99"));
}

BOOST_AUTO_TEST_CASE(a_set_that_cannot_be_applied_names_the_flag_and_what_is_wrong) {
    const std::string file = "/tmp/chimera-cli-set-" + std::to_string(::getpid()) + ".yaml";
    { std::ofstream(file) << "version: 1\ntrain: {epochs: 3}\n"; }
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"train.epochs", "--set 'train.epochs': expected KEY.PATH=VALUE, e.g. --set train.epochs=3"},
        {"train..epochs=1", "--set 'train..epochs=1': empty key in 'train..epochs'"},
        {"train.epochs.x=1", "--set 'train.epochs.x=1': 'epochs' is not a map"},
        {"a=[1,", "--set 'a=[1,': the value is not YAML"},
    };
    for (const auto& [assignment, message] : cases) {
        BOOST_TEST_CONTEXT(assignment) {
            ProcessResult r = chimera_cli({"validate", file, "--no-builtin-plugins", "--set", assignment});
            BOOST_TEST(r.exit_code == usage_error);
            BOOST_TEST(contains(r.err, "chimera: error: " + message));
        }
    }
    std::remove(file.c_str());
}

// --threads and CHIMERA_THREADS share one cap: 100000 threads once crashed inside libgomp.
BOOST_AUTO_TEST_CASE(thread_counts_are_capped_alike_from_the_flag_and_the_environment) {
    ProcessResult flag = chimera_cli({"plugins", "--check", "--no-builtin-plugins", "--threads", "100000"});
    BOOST_TEST(flag.exit_code == usage_error);
    BOOST_TEST(flag.err == "chimera: error: --threads 100000: at most 1024 threads\n");
    ProcessResult env = chimera_cli({"plugins", "--check", "--no-builtin-plugins"}, {"CHIMERA_THREADS=5000"});
    BOOST_TEST(env.exit_code == usage_error);
    BOOST_TEST(env.err == "chimera: error: CHIMERA_THREADS='5000': at most 1024 threads\n");
    ProcessResult huge = chimera_cli({"plugins", "--check", "--no-builtin-plugins"}, {"CHIMERA_THREADS=99999999999999999999"});
    BOOST_TEST(huge.exit_code == usage_error);
    BOOST_TEST(contains(huge.err, "CHIMERA_THREADS='99999999999999999999' is not a positive thread count"));
}

// A seed is digits from 0 to 2^63 - 1, what train.seed takes: Boost once read -1 as 2^64 - 1, and
// 2^63 reached the pipeline as train.seed, blamed on the file.
BOOST_AUTO_TEST_CASE(a_seed_is_a_whole_number_train_seed_accepts) {
    const std::string file = "/tmp/chimera-cli-seed-" + std::to_string(::getpid()) + ".yaml";
    { std::ofstream(file) << "version: 1\n"; }
    const std::string range = ": expected a whole number from 0 to 9223372036854775807\n";
    const std::vector<std::vector<std::string>> commands = {
        {"train", file, "--no-builtin-plugins"},
        {"generate", "/nonexistent/run", "--no-builtin-plugins"},
        {"evaluate", "/nonexistent/run", "--no-builtin-plugins"},
        {"plugins", "--check", "--no-builtin-plugins"},
    };
    for (const auto& command : commands)
        for (const std::string seed : {"-1", "9223372036854775808", "18446744073709551616", "1e3", "+1", ""}) {
            BOOST_TEST_CONTEXT(command[0] << " --seed '" << seed << "'") {
                std::vector<std::string> args = command;
                args.insert(args.end(), {"--seed", seed});
                ProcessResult r = chimera_cli(args);
                BOOST_TEST(r.exit_code == usage_error);
                BOOST_TEST(r.err == "chimera: error: --seed '" + seed + "'" + range);
            }
        }
    ProcessResult most = chimera_cli({"plugins", "--no-builtin-plugins", "--plugin-path", MLP_PLUGIN_FILE, "--seed",
                                      "9223372036854775807"});
    BOOST_TEST(most.exit_code == 0, most.err);
    std::remove(file.c_str());
}

// The shape pass before training reads two examples, or one when the training split holds only
// one: it once read past the end of the split's indices (AddressSanitizer's heap-buffer-overflow).
// A release build read past it silently, so only the sanitizer pass (scripts/sanitize.sh, which
// runs this suite) can see that bug come back.
BOOST_AUTO_TEST_CASE(a_training_split_of_one_example_validates_and_summarises) {
    const std::string file = std::string(CHIMERA_TEST_CONFIGS) + "/../../configs/vae_mlp_fashion.yaml";
    for (const std::string command : {"validate", "summary"}) {
        BOOST_TEST_CONTEXT(command) {
            ProcessResult r = chimera_cli({command, file, "--threads", "1", "--set", "data.train.options.limit=1", "--set",
                                           "data.batch_size=1"});
            BOOST_TEST(r.exit_code == 0, r.err);
            BOOST_TEST(r.err.empty());
            if (command == "validate") BOOST_TEST(contains(r.out, "  data       idx             1 train, "));
            else BOOST_TEST(contains(r.out, "encoder/mlp"));
        }
    }
}

// A directory given where a pipeline file belongs is bad data (exit 5), not a bug in Chimera.
BOOST_AUTO_TEST_CASE(a_directory_for_the_pipeline_file_is_a_data_error) {
    const std::string dir = "/tmp/chimera-cli-dir-" + std::to_string(::getpid()) + ".yaml";
    std::filesystem::create_directories(dir);
    for (const std::string command : {"validate", "train"}) {
        BOOST_TEST_CONTEXT(command) {
            std::vector<std::string> args{command, dir, "--no-builtin-plugins"};
            if (command == std::string("train")) args.insert(args.end(), {"--out", dir + "-run"});
            ProcessResult r = chimera_cli(args);
            BOOST_TEST(r.exit_code == data_error);
            BOOST_TEST(r.err == "chimera: error: " + dir + ": is a directory, not a pipeline file\n");
        }
    }
    std::filesystem::remove_all(dir);
    std::filesystem::remove_all(dir + "-run");
}

namespace {

// A tiny autoencoder trained for two steps into a run directory, for tests that damage its
// checkpoint; removes both when it goes.
struct TinyRun {
    std::string base = "/tmp/chimera-cli-tiny-" + std::to_string(::getpid());
    std::string file = base + ".yaml", dir = base + "-run";
    TinyRun() {
        std::ofstream(file) << "version: 1\n"
                               "data:\n"
                               "  loader: idx\n"
                               "  batch_size: 4\n"
                               "  options: {limit: 8}\n"
                               "nodes:\n"
                               "  encoder: {component: encoder/mlp, in: {x: image}, out: {y: code}, options: {hidden: [4], out_features: 2}}\n"
                               "  decoder: {component: generator/mlp, in: {z: code}, out: {y: rebuilt},\n"
                               "            options: {hidden: [4], out_features: 784, output_shape: [1, 28, 28]}}\n"
                               "losses:\n"
                               "  reconstruction: {component: mse, in: {x: rebuilt, target: image}}\n"
                               "optimizers:\n"
                               "  adam: {component: adam, nodes: [encoder, decoder]}\n"
                               "train: {steps: 2, samples: 0}\n";
        ProcessResult r = chimera_cli({"train", file, "--out", dir, "--threads", "1"});
        BOOST_TEST_REQUIRE(r.exit_code == 0, r.out + r.err);
    }
    ~TinyRun() {
        std::remove(file.c_str());
        std::filesystem::remove_all(dir);
    }
    // The checkpoint's tensor file (checkpoint-<step>.safetensors).
    std::filesystem::path tensors() const {
        for (const auto& entry : std::filesystem::directory_iterator(dir)) {
            const std::string name = entry.path().filename().string();
            if (name.rfind("checkpoint-", 0) == 0 && entry.path().extension() == ".safetensors") return entry.path();
        }
        BOOST_FAIL("no checkpoint tensors in " + dir);
        return {};
    }
};

}  // namespace

// A checkpoint's tensor file replaced by a directory, or holding a tensor of rank 9, is bad data
// (exit 5) naming the file (and the tensor), not an internal error or a shape error of the pipeline.
BOOST_AUTO_TEST_CASE(an_unreadable_checkpoint_tensor_file_is_a_data_error) {
    TinyRun run;
    const std::filesystem::path tensors = run.tensors();
    std::filesystem::remove(tensors);
    std::filesystem::create_directories(tensors);
    ProcessResult dir = chimera_cli({"generate", run.dir, "--n", "1", "--out", run.base + ".png"});
    BOOST_TEST(dir.exit_code == data_error);
    BOOST_TEST(dir.err == "chimera: error: " + tensors.string() + ": is a directory, not a safetensors file\n");
    std::filesystem::remove(tensors);
    const std::string header = R"({"encoder.deep":{"dtype":"F32","shape":[1,1,1,1,1,1,1,1,1],"data_offsets":[0,4]}})";
    std::string bytes(8, '\0');
    for (std::size_t i = 0, n = header.size(); i < 8; ++i, n >>= 8) bytes[i] = static_cast<char>(n & 0xff);
    std::ofstream(tensors, std::ios::binary) << bytes << header << std::string(4, '\0');
    ProcessResult rank = chimera_cli({"generate", run.dir, "--n", "1", "--out", run.base + ".png"});
    BOOST_TEST(rank.exit_code == data_error);
    BOOST_TEST(contains(rank.err, "chimera: error: " + tensors.string() +
                                      ": byte 8: tensor 'encoder.deep' has rank 9, more than the 8 dimensions a tensor may have"));
    std::remove((run.base + ".png").c_str());
}

// An optimizer's saved state that does not fit it (a tensor renamed in the checkpoint) is bad
// data in the checkpoint file (exit 5), not a failure of the optimizer plugin (exit 4).
BOOST_AUTO_TEST_CASE(optimizer_state_that_does_not_fit_is_a_data_error_naming_the_file) {
    TinyRun run;
    const std::filesystem::path tensors = run.tensors();
    const std::string name = "optimizer/adam/encoder.fc0.weight.exp_avg";
    // The same length, so the header's offsets stay right; in the state too, for its checksum.
    for (const std::filesystem::path& file : {tensors, std::filesystem::path(run.dir) / "checkpoint.json"}) {
        std::ifstream in(file, std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        in.close();
        const std::size_t at = bytes.find('"' + name + '"');
        BOOST_TEST_REQUIRE(at != std::string::npos, file.string() + " has no " + name);
        bytes[at + name.size()] = 'X';
        std::ofstream(file, std::ios::binary | std::ios::trunc) << bytes;
    }
    ProcessResult r = chimera_cli({"train", run.file, "--out", run.dir, "--resume", "--set", "train.steps=4", "--threads", "1"});
    BOOST_TEST(r.exit_code == data_error, r.out + r.err);
    BOOST_TEST(contains(r.err, "chimera: error: " + tensors.string() + ": the state saved for optimizer 'adam' does not fit it"), r.err);
    BOOST_TEST(contains(r.err, "optimizer state 'encoder.fc0.weight.exp_avg' is missing"), r.err);
}

// The `chimera` command line as a user meets it: run as a child process, checking what it
// prints and its exit code. Plugin search is pinned with --no-builtin-plugins and explicit paths
// so the output does not depend on what else is built.
#define BOOST_TEST_MODULE framework_cli
#include <boost/test/unit_test.hpp>

#include "support/run_process.hpp"

#include <cstdio>
#include <fstream>
#include <sstream>
#include <unistd.h>

using chimera::test::ProcessResult;
using chimera::test::run_process;

namespace {

const int usage_error = 2;
const int plugin_error = 4;

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
                        "Commands: help, train, validate, summary, generate, reconstruct, evaluate, plugins, ops.\n");
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

// YAML helpers of the pipeline language: syntax errors and unknown keys named by file, line and
// column (with the nearest key), overrides (what --set gives; the flag's own messages are the
// command line's, tests/framework/cli), and ${VAR} / ${VAR:-default} expansion.
#define BOOST_TEST_MODULE framework_pipeline
#include <boost/test/unit_test.hpp>

#include "core/host_error.hpp"
#include "pipeline/yaml_source.hpp"

#include <filesystem>
#include <fstream>
#include <map>
#include <unistd.h>

using namespace chimera;

namespace {

std::string write_temp(const std::string& text) {
    std::string path = (std::filesystem::temp_directory_path() / ("pipe-" + std::to_string(::getpid()) + ".yaml")).string();
    std::ofstream(path) << text;
    return path;
}

// An OverrideError's assignment, reason and example, joined by '|'.
template <class F>
std::string override_error(F f) {
    try {
        f();
    } catch (const OverrideError& e) {
        return e.assignment() + "|" + e.reason() + "|" + e.example();
    }
    return "no error";
}

template <class F>
std::string message_of(F f) {
    try {
        f();
    } catch (const HostError& e) {
        return e.what();
    }
    return "no error";
}

const EnvLookup env = [](const std::string& name) -> const char* {
    static const std::map<std::string, std::string> vars{{"DATA", "/data/fashion"}, {"EMPTY", ""}};
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
};

}  // namespace

BOOST_AUTO_TEST_CASE(syntax_errors_name_file_line_and_column) {
    std::string path = write_temp("version: 1\nnodes:\n  enc: [unclosed\n");
    std::string m = message_of([&] { load_yaml_file(path); });
    std::filesystem::remove(path);
    BOOST_TEST(m.rfind(path + ":4:1: ", 0) == 0u, m);
    BOOST_TEST(message_of([] { load_yaml_file("/nonexistent/pipe.yaml"); }) ==
               "/nonexistent/pipe.yaml: cannot open the pipeline file");
}

// Nine levels of nine aliases: yaml-cpp loads them as shared nodes, but a walk over the tree (the
// variables' expansion, a copy) visits 9^9 leaves, which once took over a minute.
std::string alias_levels(int levels) {
    std::string text = "a0: &a0 [x]\n";
    for (int i = 1; i < levels; ++i) {
        text += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
        for (int k = 0; k < 9; ++k) text += (k ? ", *a" : "*a") + std::to_string(i - 1);
        text += "]\n";
    }
    return text + "version: *a" + std::to_string(levels - 1) + "\n";
}

BOOST_AUTO_TEST_CASE(aliases_are_bounded_by_the_values_they_expand_to) {
    std::string path = write_temp(alias_levels(10));
    std::string m = message_of([&] { load_yaml_file(path); });
    std::filesystem::remove(path);
    // The seventh *a4 of line 6 passes 100,000 values (a4 holds 13,942; the lines above, 15,690).
    BOOST_TEST(m == path + ":6:40: alias *a4 makes the document hold more than 100000 values once aliases are expanded");
    // A few levels pass and walk as before: aliases stay allowed.
    YAML::Node small = load_yaml(alias_levels(4));
    BOOST_TEST(small["version"].size() == 9u);
    expand_variables_in(small, env, "p.yaml");
    // A node that contains its own alias is a cycle no walk leaves.
    try {
        load_yaml("a: &loop [1, *loop]\n");
        BOOST_FAIL("a cycle should not load");
    } catch (const YAML::Exception& e) {
        BOOST_TEST(e.msg == "alias *loop names a node that contains it");
        BOOST_TEST(e.mark.line == 0);
        BOOST_TEST(e.mark.column == 13);
    }
    // An override's value is bounded the same way.
    YAML::Node root = YAML::Load("version: 1\n");
    std::string flow = "[&a0 [x]";
    for (int i = 1; i < 10; ++i) {
        flow += ", &a" + std::to_string(i) + " [";
        for (int k = 0; k < 9; ++k) flow += (k ? ", *a" : "*a") + std::to_string(i - 1);
        flow += "]";
    }
    BOOST_TEST(override_error([&] { apply_override(root, "x=" + flow + "]"); }).find(
                   "|the value is not YAML (alias *a4 makes the document hold more than 100000 values") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_directory_is_not_a_pipeline_file) {
    const std::string dir = (std::filesystem::temp_directory_path() / ("pipe-dir-" + std::to_string(::getpid()) + ".yaml")).string();
    std::filesystem::create_directories(dir);
    try {
        load_yaml_file(dir);
        BOOST_FAIL("a directory should not load");
    } catch (const DataError& e) {
        BOOST_TEST(std::string(e.what()) == dir + ": is a directory, not a pipeline file");
        BOOST_TEST(e.file() == dir);
    }
    std::filesystem::remove(dir);
}

BOOST_AUTO_TEST_CASE(unknown_keys_suggest_the_nearest_and_list_the_rest) {
    YAML::Node n = YAML::Load("version: 1\ndata: {}\nnodse: {}\n");
    BOOST_TEST(message_of([&] { check_keys(n, {"version", "data", "nodes", "losses"}, "p.yaml", ""); }) ==
               "p.yaml:3:1 (nodse): unknown key 'nodse'. Did you mean 'nodes'? Accepted keys: version, data, nodes, losses");
    YAML::Node inner = YAML::Load("train:\n  epochs: 3\n  lr: 0.1\n");
    BOOST_TEST(message_of([&] { check_keys(inner["train"], {"epochs", "steps"}, "p.yaml", "train"); }) ==
               "p.yaml:3:3 (train.lr): unknown key 'lr'. Accepted keys: epochs, steps");
    BOOST_TEST(message_of([&] { check_keys(YAML::Load("[1, 2]"), {"a"}, "p.yaml", "data"); }) ==
               "p.yaml:1:1 (data): expected a map of key: value");
    check_keys(YAML::Node(), {"a"}, "p.yaml", "empty");  // an absent section passes
}

BOOST_AUTO_TEST_CASE(overrides_set_nested_values_parsed_as_yaml) {
    YAML::Node root = YAML::Load("train: {epochs: 10}\nnodes: {enc: {options: {hidden: [512]}}}\n");
    apply_override(root, "train.epochs=3");
    apply_override(root, "nodes.enc.options.hidden=[64, 32]");
    apply_override(root, "nodes.enc.options.activation=tanh");
    apply_override(root, "generate.n=16");  // new sections are made
    BOOST_TEST(root["train"]["epochs"].as<int>() == 3);
    BOOST_TEST(root["nodes"]["enc"]["options"]["hidden"].size() == 2u);
    BOOST_TEST(root["nodes"]["enc"]["options"]["hidden"][1].as<int>() == 32);
    BOOST_TEST(root["nodes"]["enc"]["options"]["activation"].as<std::string>() == "tanh");
    BOOST_TEST(root["generate"]["n"].as<int>() == 16);
    BOOST_TEST(override_error([&] { apply_override(root, "train.epochs"); }) ==
               "train.epochs|expected KEY.PATH=VALUE|train.epochs=3");
    BOOST_TEST(override_error([&] { apply_override(root, "train..epochs=1"); }) ==
               "train..epochs=1|empty key in 'train..epochs'|");
    BOOST_TEST(override_error([&] { apply_override(root, "train.epochs.x=1"); }) == "train.epochs.x=1|'epochs' is not a map|");
    BOOST_TEST(override_error([&] { apply_override(root, "a=[1,"); }).rfind("a=[1,|the value is not YAML", 0) == 0u);
}

BOOST_AUTO_TEST_CASE(an_override_changes_only_its_own_place_when_an_alias_shares_the_value) {
    // As configs/vae_mlp_fashion.yaml: validation and test read the same files by an alias.
    YAML::Node root = load_yaml("data:\n  validation:\n    options: &files {images: a.gz, labels: b.gz}\n"
                                "  test:\n    options: *files\n  other: &n 3\n  more: *n\n");
    apply_override(root, "data.test.options.images=c.gz");
    BOOST_TEST(root["data"]["test"]["options"]["images"].as<std::string>() == "c.gz");
    BOOST_TEST(root["data"]["test"]["options"]["labels"].as<std::string>() == "b.gz");
    BOOST_TEST(root["data"]["validation"]["options"]["images"].as<std::string>() == "a.gz");
    BOOST_TEST(root["data"]["validation"]["options"].Mark().line == 2);  // the file's own node keeps its place
    apply_override(root, "data.more=4");  // a shared scalar replaced outright
    BOOST_TEST(root["data"]["more"].as<int>() == 4);
    BOOST_TEST(root["data"]["other"].as<int>() == 3);
}

BOOST_AUTO_TEST_CASE(variables_expand_with_defaults_and_unset_ones_are_errors) {
    BOOST_TEST(expand_variables("${DATA}/train.gz", env, {"w"}) == "/data/fashion/train.gz");
    BOOST_TEST(expand_variables("${MISSING:-/usr/share}/x", env, {"w"}) == "/usr/share/x");
    BOOST_TEST(expand_variables("${EMPTY:-fallback}", env, {"w"}) == "fallback");
    BOOST_TEST(expand_variables("no variables", env, {"w"}) == "no variables");
    BOOST_TEST(message_of([] { expand_variables("${MISSING}/x", env, SourcePlace{"p.yaml", 2, 9, "data.images"}); }) ==
               "p.yaml:2:9 (data.images): environment variable MISSING is not set (write ${MISSING:-default} to give "
               "a default)");
    BOOST_TEST(message_of([] { expand_variables("${DATA", env, {"w"}); }) == "w: unterminated ${ in '${DATA'");
    // Inside [flow, lists] YAML reads "{" as a map: variables there go in block lists or quotes.
    YAML::Node root = YAML::Load("data:\n  images: ${DATA}/i.gz\n  sizes:\n    - ${MISSING:-3}\n    - 4\n");
    expand_variables_in(root, env, "p.yaml");
    BOOST_TEST(root["data"]["images"].as<std::string>() == "/data/fashion/i.gz");
    BOOST_TEST(root["data"]["sizes"][0].as<int>() == 3);
}

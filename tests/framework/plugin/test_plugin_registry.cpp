// Loading plugin libraries: every way a library can be wrong gives one clear message naming the
// file and what to do, and loading goes on with the other libraries. Also the good paths: a
// plugin in plain C and one on the C++ wrapper are loaded, described and instantiated.
#include <boost/test/unit_test.hpp>

#include "core/host_error.hpp"
#include "plugin/component_config.hpp"
#include "plugin/component_instance.hpp"
#include "plugin/plugin_registry.hpp"

#include <filesystem>
#include <fstream>

using namespace chimera;

namespace {

std::string broken(const std::string& name) { return BROKEN_PLUGIN_DIR "/broken_" + name + ".so"; }

// Loads one file and returns its only problem (the test fails if there is not exactly one).
std::string only_problem(const std::string& file) {
    Logger quiet(CHM_LOG_ERROR + 1);
    PluginRegistry registry(quiet);
    registry.load_file(file);
    BOOST_TEST_REQUIRE(registry.problems().size() == 1u);
    return registry.problems()[0].message;
}

bool contains(const std::string& text, const std::string& part) {
    bool found = text.find(part) != std::string::npos;
    if (!found) BOOST_TEST_MESSAGE("'" << part << "' not in: " << text);
    return found;
}

struct CapturedLog {
    std::vector<std::string> lines;
    Logger logger{CHM_LOG_DEBUG, [this](chm_log_level, const std::string& source,
                                        const std::string& message) {
                      lines.push_back(source + ": " + message);
                  }};
};

}  // namespace

BOOST_AUTO_TEST_CASE(a_file_that_is_not_a_shared_library) {
    std::string file = NOT_A_LIBRARY_FILE;
    std::string message = only_problem(file);
    BOOST_TEST(contains(message, file + ": cannot be loaded as a shared library: "));
    // The dynamic loader's own words, not a bare errno.
    BOOST_TEST(contains(message, "file too short"));
    BOOST_TEST(contains(message, "remove it from the plugin path"));
}

BOOST_AUTO_TEST_CASE(a_library_without_the_entry_symbol) {
    std::string message = only_problem(NO_ENTRY_FILE);
    BOOST_TEST(contains(message, std::string(NO_ENTRY_FILE) +
                                     ": has no entry symbol 'chm_plugin_entry', so it is not a "
                                     "Chimera plugin"));
}

BOOST_AUTO_TEST_CASE(a_library_of_another_abi_major) {
    std::string message = only_problem(broken("abi_major"));
    BOOST_TEST(contains(message, "built for Chimera ABI 2.4, but this host speaks ABI 1.4; "
                                 "rebuild the plugin against Chimera SDK 1.x"));
}

BOOST_AUTO_TEST_CASE(a_library_of_a_newer_op_set) {
    std::string message = only_problem(broken("future_opset"));
    BOOST_TEST(contains(message, std::string(broken("future_opset")) + ": built against op set 3, newer than this host's "
                                 "op set 2; upgrade Chimera, or rebuild the plugin against this host's SDK"),
               message);
}

BOOST_AUTO_TEST_CASE(a_library_of_a_newer_abi_minor) {
    std::string message = only_problem(broken("abi_minor"));
    BOOST_TEST(contains(message, "built against Chimera ABI 1.5, newer than this host's ABI 1.4; "
                                 "upgrade Chimera, or rebuild the plugin against SDK 1.4"));
}

BOOST_AUTO_TEST_CASE(a_plugin_built_against_abi_1_0_still_loads) {
    Logger quiet(CHM_LOG_ERROR + 1);
    PluginRegistry registry(quiet);
    registry.load_file(broken("abi_1_0"));
    BOOST_TEST(registry.problems().empty());
    const ComponentInfo* c = registry.find(CHM_KIND_ENCODER, "dup");
    BOOST_TEST_REQUIRE(c != nullptr);
    BOOST_TEST(c->library->abi_minor == 0u);
    BOOST_TEST(c->module == nullptr);  // its struct ends before `methods`: never read
}

BOOST_AUTO_TEST_CASE(an_entry_that_fails_reports_the_plugins_own_message) {
    std::string message = only_problem(broken("entry_fails"));
    BOOST_TEST(contains(message, broken("entry_fails") + ": entry function failed: cannot find "
                                 "my weights file /nonexistent/weights.bin"));
}

BOOST_AUTO_TEST_CASE(malformed_descriptors_name_the_defect) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"bad_name", "component #0: name 'Bad Name' is not a lower-case identifier"},
        {"bad_default", "component 'dup', parameter 'units': default 'abc' does not fit: "
                        "expected an integer, got 'abc'"},
        {"default_out_of_range", "parameter 'units': default '11' does not fit: 11 is above the "
                                 "maximum 10"},
        {"default_not_a_choice", "parameter 'activation': default 'swish' does not fit: 'swish' "
                                 "is not one of relu, tanh"},
        {"null_create", "component 'dup': create or destroy is NULL"},
        {"small_struct", "library struct_size 8 is too small"},
        {"duplicate_param", "component 'dup': parameter 'units' is declared twice"},
    };
    for (const auto& [name, expected] : cases) {
        BOOST_TEST_CONTEXT(name) {
            std::string message = only_problem(broken(name));
            BOOST_TEST(contains(message, broken(name) + ": malformed plugin descriptor: "));
            BOOST_TEST(contains(message, expected));
        }
    }
}

BOOST_AUTO_TEST_CASE(a_component_of_an_unknown_kind_is_skipped_with_a_warning) {
    Logger quiet(CHM_LOG_ERROR + 1);
    PluginRegistry registry(quiet);
    registry.load_file(broken("unknown_kind"));
    BOOST_TEST(!registry.has_errors());
    BOOST_TEST_REQUIRE(registry.problems().size() == 1u);
    BOOST_TEST(contains(registry.problems()[0].message,
                        "skipping component 'from_the_future' of kind 99, which this host does "
                        "not know"));
    BOOST_TEST(registry.find(CHM_KIND_ENCODER, "dup") != nullptr);
}

BOOST_AUTO_TEST_CASE(duplicate_components_name_both_files_and_keep_the_first) {
    Logger quiet(CHM_LOG_ERROR + 1);
    PluginRegistry registry(quiet);
    registry.load_file(broken("dup_a"));
    registry.load_file(broken("dup_b"));
    BOOST_TEST_REQUIRE(registry.problems().size() == 1u);
    BOOST_TEST(contains(registry.problems()[0].message,
                        broken("dup_b") + ": encoder 'dup' is already defined by " +
                            broken("dup_a") + "; the first one is used"));
    BOOST_TEST(registry.find(CHM_KIND_ENCODER, "dup")->library->name == "dup_a");
}

BOOST_AUTO_TEST_CASE(a_library_on_the_users_path_shadows_a_built_in_one_with_a_warning) {
    Logger quiet(CHM_LOG_ERROR + 1);
    PluginRegistry registry(quiet);
    registry.load_file(broken("dup_b"), "--plugin-path");
    registry.load_file(broken("dup_a"), kBuiltinOrigin);
    BOOST_TEST_REQUIRE(registry.problems().size() == 1u);
    BOOST_TEST(!registry.problems()[0].is_error);
    BOOST_TEST(!registry.has_errors());
    BOOST_TEST(registry.problems()[0].message == broken("dup_a") + ": built-in encoder 'dup' is shadowed by " + broken("dup_b") +
                                                     " (from --plugin-path), which is used");
    BOOST_TEST(registry.find(CHM_KIND_ENCODER, "dup")->library->name == "dup_b");
}

BOOST_AUTO_TEST_CASE(loading_goes_on_past_bad_libraries) {
    Logger quiet(CHM_LOG_ERROR + 1);
    PluginRegistry registry(quiet);
    registry.load(make_search_path({{"--plugin-path", std::string(BROKEN_PLUGIN_DIR) + ":" + C_PLUGIN_FILE}},
                                   std::nullopt));
    BOOST_TEST(registry.has_errors());
    BOOST_TEST(registry.problems().size() >= 10u);
    BOOST_TEST(registry.find(CHM_KIND_LOSS, "c_constant") != nullptr);
    BOOST_TEST(registry.find(CHM_KIND_ENCODER, "dup") != nullptr);
}

BOOST_AUTO_TEST_CASE(missing_search_path_entries_are_errors_but_a_missing_builtin_dir_is_not) {
    Logger quiet(CHM_LOG_ERROR + 1);
    PluginRegistry registry(quiet);
    registry.load(make_search_path({{"--plugin-path", "/nonexistent/plugins"}},
                                   std::filesystem::path("/nonexistent/builtin")));
    BOOST_TEST_REQUIRE(registry.problems().size() == 1u);
    BOOST_TEST(registry.problems()[0].message ==
               "/nonexistent/plugins: no such file or directory (from --plugin-path); fix the "
               "plugin path");
}

BOOST_AUTO_TEST_CASE(search_path_order_is_the_sources_then_builtin) {
    // The command line gives its sources in this order: --plugin-path, then CHIMERA_PLUGIN_PATH.
    SearchPath p = make_search_path({{"--plugin-path", "/a:/b"}, {"--plugin-path", "/c"}, {"CHIMERA_PLUGIN_PATH", "/d::/e"}},
                                    std::filesystem::path("/f"));
    std::vector<std::string> got;
    for (const auto& e : p.entries) got.push_back(e.path.string() + "<" + e.origin);
    std::vector<std::string> expected{"/a<--plugin-path", "/b<--plugin-path", "/c<--plugin-path",
                                      "/d<CHIMERA_PLUGIN_PATH", "/e<CHIMERA_PLUGIN_PATH",
                                      "/f<built-in"};
    BOOST_TEST(got == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_plain_c_plugin_is_loaded_described_and_instantiated) {
    CapturedLog log;
    PluginRegistry registry(log.logger);
    registry.load_file(C_PLUGIN_FILE);
    BOOST_TEST(registry.problems().empty());
    const ComponentInfo& c = registry.require(CHM_KIND_LOSS, "c_constant");
    BOOST_TEST(c.version == "1.2.3");
    BOOST_TEST(c.description == "A constant loss written in plain C");
    BOOST_TEST(c.library->name == "c_plugin");
    BOOST_TEST_REQUIRE(c.params.size() == 3u);
    BOOST_TEST(c.params[1].name == "terms");
    BOOST_TEST(*c.params[1].default_text == "3");
    BOOST_TEST(*c.params[1].max == 8.0);
    BOOST_TEST(c.params[2].choices == std::vector<std::string>({"mean", "sum"}),
               boost::test_tools::per_element());

    auto config = make_component_config(c, YAML::Load("terms: 5"), "", "loss");
    ComponentInstance instance(c, *config);
    BOOST_TEST(instance.handle() != nullptr);
    BOOST_TEST_REQUIRE(log.lines.size() == 2u);  // the entry's line, then create's
    BOOST_TEST(log.lines[1] == "c_plugin: c_constant created: scale=2.5 terms=5");
}

BOOST_AUTO_TEST_CASE(the_wrapper_reads_every_parameter_type_through_the_host) {
    CapturedLog log;
    PluginRegistry registry(log.logger);
    registry.load_file(PROBE_PLUGIN_FILE);
    const ComponentInfo& c = registry.require(CHM_KIND_ENCODER, "probe");
    BOOST_TEST(c.params.size() == 10u);
    auto config = make_component_config(
        c, YAML::Load("count: 7\nnames: [x, y, z]\nblocks: [{width: 1}, {width: 9}, {width: 3}]"),
        "probe.yaml", "nodes.probe");
    ComponentInstance instance(c, *config);
    BOOST_TEST_REQUIRE(log.lines.size() == 1u);
    BOOST_TEST(log.lines[0] ==
               "probe_plugin: flag=1 count=7 rate=0.5 mode=fast sizes=[1,2] weights=[0.25] "
               "names=[x,y,z] blocks=3 width1=9 where(count)=probe.yaml:1:8 (nodes.probe.count) prefix='' "
               "tags=[label: int,null,#x, pad]");
}

BOOST_AUTO_TEST_CASE(exceptions_inside_a_plugin_become_errors_naming_plugin_and_component) {
    Logger quiet(CHM_LOG_ERROR + 1);
    PluginRegistry registry(quiet);
    registry.load_file(PROBE_PLUGIN_FILE);
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"throws_std", "create failed (failed): boom from std::runtime_error"},
        {"throws_error", "create failed (invalid argument): (default) throws_error.limit: limit "
                         "is refused"},
        {"throws_unknown", "create failed (failed): unknown exception"},
        {"bad_lookup", "create failed (not found): bad_lookup has no key 'undeclared'"},
    };
    for (const auto& [name, expected] : cases) {
        BOOST_TEST_CONTEXT(name) {
            const ComponentInfo& c = registry.require(CHM_KIND_LOSS, name);
            auto config = make_component_config(c, YAML::Node(), "", name);
            try {
                ComponentInstance instance(c, *config);
                BOOST_FAIL("create should have failed");
            } catch (const PluginError& e) {
                BOOST_TEST(contains(e.what(), "plugin 'probe_plugin' (" PROBE_PLUGIN_FILE
                                              "), loss '" + name + "': "));
                BOOST_TEST(contains(e.what(), expected));
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(require_lists_what_there_is_and_where_it_looked) {
    Logger quiet(CHM_LOG_ERROR + 1);
    PluginRegistry registry(quiet);
    registry.load(make_search_path({{"--plugin-path", C_PLUGIN_FILE}}, std::nullopt));
    try {
        registry.require(CHM_KIND_LOSS, "c_constnt");
        BOOST_FAIL("require should have thrown");
    } catch (const PluginError& e) {
        BOOST_TEST(std::string(e.what()) ==
                   "no loss named 'c_constnt'. Did you mean 'c_constant'? Available loss "
                   "components: "
                   "c_constant. Searched: " C_PLUGIN_FILE " (--plugin-path)");
    }
}

BOOST_AUTO_TEST_CASE(instances_keep_their_library_and_shutdown_comes_last) {
    CapturedLog log;
    std::unique_ptr<ComponentInstance> instance;
    {
        PluginRegistry registry(log.logger);
        registry.load_file(C_PLUGIN_FILE);
        const ComponentInfo& c = registry.require(CHM_KIND_LOSS, "c_constant");
        auto config = make_component_config(c, YAML::Node(), "", "loss");
        instance = std::make_unique<ComponentInstance>(c, *config);
    }  // the registry is gone; the instance still holds the library
    instance.reset();
    std::vector<std::string> expected{"c_plugin: entry", "c_plugin: c_constant created: scale=2.5 terms=3",
                                      "c_plugin: c_constant destroyed", "c_plugin: shutdown"};
    BOOST_TEST(log.lines == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(two_registries_share_one_load_of_a_library) {
    CapturedLog log;
    {
        PluginRegistry first(log.logger), second(log.logger);
        first.load_file(C_PLUGIN_FILE);
        second.load_file(C_PLUGIN_FILE);
        BOOST_TEST(second.problems().empty());
        BOOST_TEST(second.find(CHM_KIND_LOSS, "c_constant") != nullptr);
    }
    std::vector<std::string> expected{"c_plugin: entry", "c_plugin: shutdown"};  // once each
    BOOST_TEST(log.lines == expected, boost::test_tools::per_element());
}

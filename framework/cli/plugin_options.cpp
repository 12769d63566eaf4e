#include "cli/plugin_options.hpp"

#include <algorithm>
#include <cstdlib>
#include <iostream>

namespace po = boost::program_options;

namespace chimera {

po::options_description plugin_options() {
    po::options_description desc("Plugin search");
    desc.add_options()
        ("plugin-path", po::value<std::vector<std::string>>()->value_name("PATH")->composing(),
         "a plugin directory or library file to search first; repeatable, ':' separates several "
         "(also CHIMERA_PLUGIN_PATH)")
        ("no-builtin-plugins", "skip the built-in plugin directory beside the binary")
        ("verbose,v", "show debug messages from the host and the plugins");
    return desc;
}

std::unique_ptr<Logger> make_logger(const po::variables_map& vm) {
    return std::make_unique<Logger>(vm.count("verbose") ? CHM_LOG_DEBUG : CHM_LOG_INFO);
}

std::unique_ptr<PluginRegistry> load_plugins(const po::variables_map& vm, const Logger& logger) {
    std::vector<SearchSource> sources;  // the command line first, then the environment
    if (vm.count("plugin-path"))
        for (const auto& paths : vm["plugin-path"].as<std::vector<std::string>>()) sources.push_back({"--plugin-path", paths});
    if (const char* env = std::getenv("CHIMERA_PLUGIN_PATH")) sources.push_back({"CHIMERA_PLUGIN_PATH", env});
    std::optional<std::filesystem::path> builtin;
    if (!vm.count("no-builtin-plugins")) builtin = builtin_plugin_dir();
    auto registry = std::make_unique<PluginRegistry>(logger);
    registry->load(make_search_path(sources, builtin));
    return registry;
}

namespace {

// Whether `registry` has the recorded component `kind_and_name` ("encoder/resmlp").
bool provides(const PluginRegistry& registry, const std::string& kind_and_name, const std::filesystem::path& record) {
    const std::size_t slash = kind_and_name.find('/');
    const std::optional<chm_kind> kind = kind_from_name(kind_and_name.substr(0, slash));
    if (slash == std::string::npos || !kind) throw DataError(record, "names a component '" + kind_and_name + "' of no known kind");
    return registry.find(*kind, kind_and_name.substr(slash + 1)) != nullptr;
}

}  // namespace

void load_recorded_libraries(PluginRegistry& registry, const std::vector<UsedLibrary>& record,
                             const std::filesystem::path& file, const Logger& logger) {
    for (const UsedLibrary& library : record) {
        // The first of its components the search path did not provide.
        auto missing = std::find_if(library.components.begin(), library.components.end(),
                                    [&](const std::string& c) { return !provides(registry, c, file); });
        if (missing == library.components.end()) continue;
        const std::string what = "the run uses " + *missing + " from library '" + library.name + "' " + library.version + " (" +
                                 library.file.string() + ", recorded in " + file.string() + ")";
        if (!std::filesystem::exists(library.file))
            throw PluginError(what + ", which is neither on the plugin search path nor at that file any more; "
                                     "give its directory with --plugin-path");
        const std::string now = library_hash(library.file);
        if (now != library.hash)
            throw PluginError(what + ", and that file has changed since (" + library.hash + ", now " + now +
                              "); give the library the run was trained with by --plugin-path");
        logger.log(CHM_LOG_INFO, "host", "loading " + library.file.string() + " as the run did (" + *missing + " is not on the plugin search path)");
        registry.load_file(library.file);
        if (!provides(registry, *missing, file)) throw PluginError(what + ": that file loads but no longer provides it");
    }
}

void report_plugin_problems(const PluginRegistry& registry) {
    for (const auto& problem : registry.problems())
        std::cerr << "chimera: " << (problem.is_error ? "error: " : "warning: ") << problem.message
                  << '\n';
}

}  // namespace chimera

#include "cli/plugin_options.hpp"

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

void load_recorded_libraries(PluginRegistry& registry, const std::vector<UsedLibrary>& record,
                             const std::filesystem::path& file, const Logger& logger) {
    for (const UsedLibrary& library : record) {
        std::string missing;  // the first of its components the search path did not provide
        for (const std::string& c : library.components) {
            const std::size_t slash = c.find('/');
            const std::optional<chm_kind> kind = kind_from_name(c.substr(0, slash));
            if (slash == std::string::npos || !kind) throw DataError(file, "names a component '" + c + "' of no known kind");
            if (!registry.find(*kind, c.substr(slash + 1))) {
                missing = c;
                break;
            }
        }
        if (missing.empty()) continue;
        const std::string what = "the run uses " + missing + " from library '" + library.name + "' " + library.version + " (" +
                                 library.file.string() + ", recorded in " + file.string() + ")";
        if (!std::filesystem::exists(library.file))
            throw PluginError(what + ", which is neither on the plugin search path nor at that file any more; "
                                     "give its directory with --plugin-path");
        if (library_hash(library.file) != library.hash)
            throw PluginError(what + ", and that file has changed since (" + library.hash + ", now " + library_hash(library.file) +
                              "); give the library the run was trained with by --plugin-path");
        logger.log(CHM_LOG_INFO, "host", "loading " + library.file.string() + " as the run did (" + missing + " is not on the plugin search path)");
        registry.load_file(library.file);
        if (!registry.find(*kind_from_name(missing.substr(0, missing.find('/'))), missing.substr(missing.find('/') + 1)))
            throw PluginError(what + ": that file loads but no longer provides it");
    }
}

void report_plugin_problems(const PluginRegistry& registry) {
    for (const auto& problem : registry.problems())
        std::cerr << "chimera: " << (problem.is_error ? "error: " : "warning: ") << problem.message
                  << '\n';
}

}  // namespace chimera

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

void report_plugin_problems(const PluginRegistry& registry) {
    for (const auto& problem : registry.problems())
        std::cerr << "chimera: " << (problem.is_error ? "error: " : "warning: ") << problem.message
                  << '\n';
}

}  // namespace chimera

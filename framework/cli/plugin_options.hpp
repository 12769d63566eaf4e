// The options every plugin-loading command shares (--plugin-path, --no-builtin-plugins,
// --verbose) and the one way to turn them into a loaded registry. Not what commands do with it.
#pragma once

#include "plugin/host_table.hpp"
#include "plugin/plugin_registry.hpp"

#include <boost/program_options.hpp>

#include <memory>

namespace chimera {

boost::program_options::options_description plugin_options();

// The logger the options ask for (debug level with --verbose).
std::unique_ptr<Logger> make_logger(const boost::program_options::variables_map& vm);

// Loads every library on the search path the options describe.
std::unique_ptr<PluginRegistry> load_plugins(const boost::program_options::variables_map& vm,
                                             const Logger& logger);

// Prints the registry's problems to stderr as "chimera: error: ..." / "chimera: warning: ...".
void report_plugin_problems(const PluginRegistry& registry);

}  // namespace chimera

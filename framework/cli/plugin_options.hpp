// The options every plugin-loading command shares (--plugin-path, --no-builtin-plugins,
// --verbose) and the one way to turn them into a loaded registry. Not what commands do with it.
#pragma once

#include "plugin/host_table.hpp"
#include "plugin/plugin_registry.hpp"
#include "run/plugin_record.hpp"

#include <boost/program_options.hpp>

#include <memory>

namespace chimera {

boost::program_options::options_description plugin_options();

// The logger the options ask for (debug level with --verbose).
std::unique_ptr<Logger> make_logger(const boost::program_options::variables_map& vm);

// Loads every library on the search path the options describe.
std::unique_ptr<PluginRegistry> load_plugins(const boost::program_options::variables_map& vm,
                                             const Logger& logger);

// A reopened run's libraries: for each library in `record` (the run's plugin record, in `file`)
// some of whose components `registry` lacks, loads the recorded file when it is there and
// unchanged, telling `logger`. Throws PluginError naming the component, the library, its file and
// what is wrong with it (gone, or changed since the run was trained) when it is not.
void load_recorded_libraries(PluginRegistry& registry, const std::vector<UsedLibrary>& record,
                             const std::filesystem::path& file, const Logger& logger);

// Prints the registry's problems to stderr as "chimera: error: ..." / "chimera: warning: ...".
void report_plugin_problems(const PluginRegistry& registry);

}  // namespace chimera

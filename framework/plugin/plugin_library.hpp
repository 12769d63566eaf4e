// One loaded plugin library: the shared object (held open by Boost.DLL), the host table it was
// handed, and its checked description. Loading either yields a complete library or throws a
// PluginError naming the file and what to do; a half-loaded library never escapes.
// Not the search for libraries nor registration by name (plugin_registry).
#pragma once

#include "plugin/component_info.hpp"
#include "plugin/host_table.hpp"

#include <boost/dll/shared_library.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace chimera {

class PluginLibrary {
public:
    // Throws PluginError for a file that cannot be loaded, lacks the entry symbol, speaks
    // another ABI, fails in its entry, or describes itself in a malformed way.
    static std::unique_ptr<PluginLibrary> load(const std::filesystem::path& file,
                                               const Logger& logger);
    ~PluginLibrary();
    PluginLibrary(const PluginLibrary&) = delete;
    PluginLibrary& operator=(const PluginLibrary&) = delete;

    const LibraryInfo& info() const { return info_; }
    const std::vector<ComponentInfo>& components() const { return components_; }
    const std::vector<std::string>& warnings() const { return warnings_; }
    // Lends (or, with nullptr, withdraws) the compute services to this library's host table.
    void attach(HostServices* services) { host_->attach(services); }

private:
    PluginLibrary() = default;

    boost::dll::shared_library shared_;  // declared first: unloaded last
    std::unique_ptr<HostTable> host_;
    const chm_library_desc* desc_ = nullptr;
    LibraryInfo info_;
    std::vector<ComponentInfo> components_;
    std::vector<std::string> warnings_;
};

}  // namespace chimera

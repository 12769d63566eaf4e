// One loaded plugin library: the shared object (held open by Boost.DLL), the host table it was
// handed, and its checked description. Loading either yields a complete library or throws a
// PluginError naming the file and what to do; a half-loaded library never escapes.
// A library file is loaded once per process however many registries ask for it (dlopen shares
// the image anyway), so its entry and shutdown run once; it stays loaded while any registry or
// component instance holds it. Not the search for libraries nor registration by name.
#pragma once

#include "plugin/component_info.hpp"
#include "plugin/host_table.hpp"

#include <boost/dll/shared_library.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace chimera {

class PluginLibrary : public std::enable_shared_from_this<PluginLibrary> {
public:
    // The library at `file`, loaded now or shared with whoever loaded it before. Its log lines
    // go to `logger` from now on. Throws PluginError for a file that cannot be loaded, lacks the
    // entry symbol, speaks another ABI, fails in its entry, or describes itself in a malformed way.
    static std::shared_ptr<PluginLibrary> load(const std::filesystem::path& file, const Logger& logger);
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

    static std::shared_ptr<PluginLibrary> load_new(const std::filesystem::path& file, const Logger& logger);

    // Declared first, destroyed last: the plugin's static destructors, which run while the
    // library unloads, may still call through the host table.
    std::unique_ptr<HostTable> host_;
    boost::dll::shared_library shared_;
    const chm_library_desc* desc_ = nullptr;
    LibraryInfo info_;
    std::vector<ComponentInfo> components_;
    std::vector<std::string> warnings_;
};

}  // namespace chimera

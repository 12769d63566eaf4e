#include "plugin/plugin_library.hpp"

#include "core/host_error.hpp"
#include "plugin/descriptor_reader.hpp"

#include <dlfcn.h>

#include <map>
#include <mutex>

namespace chimera {

namespace {

// Boost.DLL reports a failed dlopen as a bare errno; the dynamic loader's own text says why.
std::string loader_message(const std::exception& e) {
    const char* why = dlerror();
    return why ? why : e.what();
}

}  // namespace

std::shared_ptr<PluginLibrary> PluginLibrary::load(const std::filesystem::path& file, const Logger& logger) {
    // Why process-wide: dlopen shares one image per file, and the ABI promises one entry call and
    // one shutdown per load, so every registry in the process must share one PluginLibrary.
    static std::mutex mutex;
    static std::map<std::filesystem::path, std::weak_ptr<PluginLibrary>> loaded;
    std::error_code ec;
    std::filesystem::path key = std::filesystem::weakly_canonical(file, ec);
    if (ec) key = file;
    std::lock_guard<std::mutex> lock(mutex);
    if (auto existing = loaded[key].lock()) {
        existing->host_->set_logger(logger);
        return existing;
    }
    auto lib = load_new(file, logger);
    loaded[key] = lib;
    return lib;
}

std::shared_ptr<PluginLibrary> PluginLibrary::load_new(const std::filesystem::path& file, const Logger& logger) {
    std::string where = file.string();
    std::shared_ptr<PluginLibrary> lib(new PluginLibrary());
    try {
        dlerror();
        lib->shared_.load(file, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
    } catch (const std::exception& e) {
        throw PluginError(where + ": cannot be loaded as a shared library: " + loader_message(e) +
                          "; remove it from the plugin path or rebuild it for this machine");
    }
    if (!lib->shared_.has(CHM_ENTRY_SYMBOL))
        throw PluginError(where + ": has no entry symbol '" CHM_ENTRY_SYMBOL
                          "', so it is not a Chimera plugin; define it with CHIMERA_PLUGIN(...) "
                          "or CHM_PLUGIN_ENTRY, or remove the file from the plugin path");

    auto entry = lib->shared_.get<const chm_library_desc*(const chm_host*)>(CHM_ENTRY_SYMBOL);
    lib->host_ = std::make_unique<HostTable>(file.stem().string(), logger);
    clear_plugin_error();
    const chm_library_desc* desc = nullptr;
    try {
        desc = entry(lib->host_->get());
    } catch (...) {
        throw PluginError(where + ": entry function threw a C++ exception across the C ABI; "
                          "build the plugin with the SDK's CHIMERA_PLUGIN macro, which catches it");
    }
    if (!desc)
        throw PluginError(where + ": entry function failed: " +
                          take_plugin_error("it returned NULL without a message"));

    LibraryContents contents;
    try {
        contents = read_library_descriptor(desc, where);
    } catch (...) {
        if (can_call_shutdown(desc) && desc->shutdown) desc->shutdown();
        throw;
    }
    lib->desc_ = desc;
    lib->info_ = std::move(contents.library);
    lib->warnings_ = std::move(contents.warnings);
    lib->components_ = std::move(contents.components);
    lib->host_->rename(lib->info_.name);
    for (auto& c : lib->components_) {
        c.library = &lib->info_;
        c.host = lib->host_->get();
        c.owner = lib;
    }
    return lib;
}

PluginLibrary::~PluginLibrary() {
    if (desc_ && desc_->shutdown) desc_->shutdown();
}

}  // namespace chimera

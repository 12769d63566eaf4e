#include "plugin/plugin_registry.hpp"

#include "core/host_error.hpp"
#include "core/suggest.hpp"

#include <algorithm>
#include <system_error>

namespace chimera {

void PluginRegistry::load(const SearchPath& path) {
    for (const auto& entry : path.entries) {
        searched_.entries.push_back(entry);
        std::error_code ec;
        if (std::filesystem::is_directory(entry.path, ec)) {
            try {
                for (const auto& file : plugin_files_in(entry.path)) load_file(file, entry.origin);
            } catch (const std::filesystem::filesystem_error& e) {
                problems_.push_back({true, entry.path.string() + ": cannot list plugins: " +
                                               e.code().message()});
            }
        } else if (std::filesystem::exists(entry.path, ec)) {
            load_file(entry.path, entry.origin);
        } else if (entry.origin != kBuiltinOrigin) {
            problems_.push_back({true, entry.path.string() + ": no such file or directory (from " +
                                           entry.origin + "); fix the plugin path"});
        }
    }
}

void PluginRegistry::load_file(const std::filesystem::path& file, const std::string& origin) {
    std::error_code ec;
    std::filesystem::path canonical = std::filesystem::weakly_canonical(file, ec);
    if (!seen_files_.insert(ec ? file : canonical).second) return;  // listed twice: load once
    try {
        add_library(PluginLibrary::load(file, logger_), origin);
    } catch (const PluginError& e) {
        problems_.push_back({true, e.what()});
    }
}

void PluginRegistry::add_library(std::shared_ptr<PluginLibrary> library, const std::string& origin) {
    for (const auto& warning : library->warnings()) problems_.push_back({false, warning});
    origins_[library->info().file] = origin;
    for (const auto& component : library->components()) {
        auto key = std::make_pair(component.kind, component.name);
        auto [it, inserted] = by_key_.emplace(key, &component);
        if (inserted) continue;
        const ComponentInfo* first = it->second;
        const std::string& first_origin = origins_[first->library->file];
        if (origin == kBuiltinOrigin && !first_origin.empty() && first_origin != kBuiltinOrigin) {
            // A library of the user's own path stands in for a built-in one, as PATH would have it.
            problems_.push_back({false, library->info().file.string() + ": built-in " + kind_name(component.kind) + " '" +
                                            component.name + "' is shadowed by " + first->library->file.string() +
                                            " (from " + first_origin + "), which is used"});
            continue;
        }
        problems_.push_back(
            {true, library->info().file.string() + ": " + kind_name(component.kind) + " '" +
                       component.name + "' is already defined by " + first->library->file.string() +
                       "; the first one is used. Rename one of them, or take one library off "
                       "the plugin path"});
    }
    libraries_.push_back(std::move(library));
}

void PluginRegistry::attach(HostServices* services) {
    for (auto& library : libraries_) library->attach(services);
}

bool PluginRegistry::has_errors() const {
    return std::any_of(problems_.begin(), problems_.end(),
                       [](const PluginProblem& p) { return p.is_error; });
}

std::vector<const ComponentInfo*> PluginRegistry::components() const {
    std::vector<const ComponentInfo*> out;
    for (const auto& [key, component] : by_key_) out.push_back(component);
    return out;  // std::map orders by (kind, name)
}

const ComponentInfo* PluginRegistry::find(chm_kind kind, const std::string& name) const {
    auto it = by_key_.find({kind, name});
    return it == by_key_.end() ? nullptr : it->second;
}

std::vector<const ComponentInfo*> PluginRegistry::find_named(const std::string& name) const {
    std::vector<const ComponentInfo*> out;
    for (const auto& [key, component] : by_key_)
        if (key.second == name) out.push_back(component);
    return out;
}

const ComponentInfo& PluginRegistry::require(chm_kind kind, const std::string& name) const {
    if (const ComponentInfo* found = find(kind, name)) return *found;
    std::vector<std::string> names;
    for (const auto& [key, component] : by_key_)
        if (key.first == kind) names.push_back(key.second);
    throw PluginError("no " + kind_name(kind) + " named '" + name + "'." +
                      did_you_mean(name, names) + " Available " + kind_name(kind) + " components: " +
                      (names.empty() ? "none" : join(names)) + ". Searched: " +
                      searched_.describe());
}

}  // namespace chimera

// Every plugin library the host found, and their components by kind and name.
// Loading goes on past a bad library: each failure becomes a problem (file, message, what to
// do) and the other libraries still load. Duplicate (kind, name) pairs keep the first found and
// name both files. Not the policy of what to do with problems: the CLI decides that.
#pragma once

#include "plugin/component_info.hpp"
#include "plugin/host_table.hpp"
#include "plugin/plugin_library.hpp"
#include "plugin/search_path.hpp"

#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace chimera {

struct PluginProblem {
    bool is_error = true;  // false: a warning (e.g. a component of an unknown kind was skipped)
    std::string message;   // starts with the file it is about
};

class PluginRegistry {
public:
    explicit PluginRegistry(const Logger& logger) : logger_(logger) {}

    // Loads every library on `path`, in order. Problems are collected, never thrown.
    void load(const SearchPath& path);
    // Loads one library file, found by `origin` (a SearchEntry's: "--plugin-path", "built-in";
    // "" when the caller named it). Problems are collected, never thrown. A component of a
    // built-in library that one from the user's path already defines is shadowed (a warning);
    // any other component defined twice is an error, and the first one found is used.
    void load_file(const std::filesystem::path& file, const std::string& origin = {});

    const std::vector<PluginProblem>& problems() const { return problems_; }
    bool has_errors() const;
    const SearchPath& searched() const { return searched_; }
    std::size_t library_count() const { return libraries_.size(); }

    // Lends the compute services to every loaded library (nullptr withdraws them). The services
    // must outlive their attachment.
    void attach(HostServices* services);

    // All components, sorted by kind then name.
    std::vector<const ComponentInfo*> components() const;
    const ComponentInfo* find(chm_kind kind, const std::string& name) const;
    // Components called `name`, of any kind (an encoder and a generator may share a name).
    std::vector<const ComponentInfo*> find_named(const std::string& name) const;
    // Like find, but throws a PluginError listing what there is and where the host looked.
    const ComponentInfo& require(chm_kind kind, const std::string& name) const;

private:
    void add_library(std::shared_ptr<PluginLibrary> library, const std::string& origin);

    const Logger& logger_;
    SearchPath searched_;
    std::vector<std::shared_ptr<PluginLibrary>> libraries_;
    std::map<std::pair<chm_kind, std::string>, const ComponentInfo*> by_key_;
    std::set<std::filesystem::path> seen_files_;
    std::map<std::filesystem::path, std::string> origins_;  // each library file's origin
    std::vector<PluginProblem> problems_;
};

}  // namespace chimera

// The host's definition of the ABI's opaque `chm_config`: a YAML node plus where it came from,
// so plugins can read their options and point errors at file:line:column. Children and strings
// handed to plugins are cached inside their parent and live exactly as long as the root.
// Not validation: that happens before a plugin sees the node (see component_config).
#pragma once

#include <chimera/abi.h>

#include <yaml-cpp/yaml.h>

#include <deque>
#include <map>
#include <memory>
#include <string>

struct chm_config {
public:
    // `file` names the YAML file ("" for values built in code); `path` is the dotted YAML path
    // of this node ("nodes.encoder"); `from_default` marks values filled in from a schema.
    chm_config(YAML::Node node, std::string file, std::string path, bool from_default = false);
    chm_config(const chm_config&) = delete;
    chm_config& operator=(const chm_config&) = delete;

    const YAML::Node& node() const { return node_; }
    const std::string& path() const { return path_; }

    // Adds member `key` from the schema's default, for a key the user did not write. Kept
    // beside the user's node rather than merged into it, so the user's marks stay intact.
    void add_default(const std::string& key, YAML::Node value) { defaults_[key] = std::move(value); }

    // The member `key` (NULL: this node) or nullptr when absent. Cached; lives as long as this.
    const chm_config* member(const char* key) const;
    const chm_config* element(std::size_t index) const;
    // "file:line:col (path)" or "(default) path".
    const std::string& where() const;
    const std::string& scalar() const { return scalar_; }
    bool is_map() const { return node_.IsMap() || !defaults_.empty(); }
    // Elements of a list, or members of a map (defaults included); 0 for a scalar.
    std::size_t size() const;

private:
    YAML::Node node_;
    std::string file_;
    std::string path_;
    bool from_default_;
    std::string scalar_;
    std::map<std::string, YAML::Node> defaults_;
    mutable std::string where_;
    mutable std::map<std::string, std::unique_ptr<chm_config>> members_;
    mutable std::map<std::size_t, std::unique_ptr<chm_config>> elements_;
};

namespace chimera {

// The config_* members of the host table, implemented on chm_config.
void install_config_functions(chm_host& table);

}  // namespace chimera

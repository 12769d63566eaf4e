// The host's own copy of what a plugin declared: components, their kinds, parameter schemas and
// ports.
// Copied out of the plugin's C descriptors once they have been checked, so the rest of the host
// works with std::string and std::optional rather than raw ABI structs. Not the checking itself
// (descriptor_reader) nor value validation (param_schema).
#pragma once

#include <chimera/abi.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace chimera {

class PluginLibrary;

struct ParamInfo {
    std::string name;
    chm_param_type type = 0;
    std::optional<std::string> default_text;  // YAML text; empty optional = required
    std::string doc;
    std::vector<std::string> choices;  // empty = any value
    std::optional<double> min, max;
};

// One declared port (ABI 1.4), as the descriptor reader checked it. `name` is as declared: plain
// ("x"), a family ("mu_<m>": `prefix` and `suffix` around the part in angle brackets) or an
// option's ("{input}": `option` names the string parameter whose value names the port).
struct PortInfo {
    enum class Form { plain, family, option };
    std::string name;
    Form form = Form::plain;
    std::string prefix, suffix;  // family only
    std::string option;          // option only
    chm_dtype dtype = CHM_DTYPE_ANY;
    bool optional = false;       // declared CHM_PORT_OPTIONAL, or a family (optional by nature)
    std::string shape;           // the pattern's text; "" : any shape
    std::string doc;

    // A family's member: `key` is prefix + one or more of [a-z0-9_] + suffix.
    bool in_family(const std::string& key) const;
};

// "f32", "i32" or "any" for a port's dtype code.
std::string port_dtype_name(chm_dtype dtype);

struct LibraryInfo {
    std::string name;
    std::string version;
    std::string description;
    std::filesystem::path file;
    uint32_t abi_major = 0, abi_minor = 0;
    uint32_t opset_version = 1;  // CHM_OPSET_VERSION it was built against (1 before ABI 1.4)
};

struct ComponentInfo {
    chm_kind kind = 0;
    std::string name;
    std::string version;
    std::string description;
    std::vector<ParamInfo> params;
    const LibraryInfo* library = nullptr;        // owned by the registry's loaded library
    const chm_component_desc* desc = nullptr;    // for create/destroy; lives as long as the library
    const chm_host* host = nullptr;              // the table its library was handed
    const chm_module_methods* module = nullptr;  // forward, for encoders/generators/losses (1.1+)
    const chm_loader_methods* loader = nullptr;        // loaders (1.2+)
    uint32_t loader_methods_size = 0;                  // its struct_size: which 1.3 members exist
    const chm_optimizer_methods* optimizer = nullptr;  // optimizers (1.2+)
    std::weak_ptr<PluginLibrary> owner;          // instances hold it, so it outlives them
    // Ports (ABI 1.4). A component that declares none (a 1.3 plugin, or both counts 0) is
    // checked only by what its forward reads and writes.
    std::vector<PortInfo> inputs, outputs;
    bool declares_ports() const { return !inputs.empty() || !outputs.empty(); }

    const ParamInfo* find_param(const std::string& param_name) const;
    std::vector<std::string> param_names() const;
};

// "encoder", "loss", ... or "kind 7" for a kind this host does not know.
std::string kind_name(chm_kind kind);
// The kind called `name`, or nullopt.
std::optional<chm_kind> kind_from_name(const std::string& name);
bool is_known_kind(chm_kind kind);
std::vector<std::string> kind_names();

// "int", "float list", ... or "type 12" for an unknown code.
std::string param_type_name(chm_param_type type);
bool is_known_param_type(chm_param_type type);

}  // namespace chimera

#include "plugin/descriptor_reader.hpp"

#include "core/host_error.hpp"
#include "plugin/param_schema.hpp"
#include "plugin/shape_pattern.hpp"

#include <chimera/opset.h>
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cstddef>
#include <set>

namespace chimera {

namespace {

// The size each struct had in ABI 1.0: the least a plugin may declare.
constexpr std::size_t library_v1_0 = offsetof(chm_library_desc, shutdown) + sizeof(void*);
constexpr std::size_t component_v1_0 = offsetof(chm_component_desc, destroy) + sizeof(void*);
constexpr std::size_t component_v1_1 = offsetof(chm_component_desc, methods) + sizeof(void*);
constexpr std::size_t library_v1_4 = offsetof(chm_library_desc, reserved1) + sizeof(uint32_t);
constexpr std::size_t component_v1_4 = offsetof(chm_component_desc, outputs) + sizeof(void*);
constexpr std::size_t param_v1_0 = offsetof(chm_param_desc, choices) + sizeof(void*);
constexpr std::size_t port_v1_4 = offsetof(chm_port_desc, doc) + sizeof(void*);
constexpr uint32_t max_components = 4096;
constexpr uint32_t max_params = 4096;
constexpr uint32_t max_ports = 1024;

std::string abi_text(uint32_t major, uint32_t minor) {
    return std::to_string(major) + "." + std::to_string(minor);
}

// Names appear in YAML and on the command line: lower-case identifiers only.
bool valid_name(const char* name) {
    if (!name || !std::islower(static_cast<unsigned char>(name[0]))) return false;
    for (const char* c = name; *c; ++c)
        if (!std::islower(static_cast<unsigned char>(*c)) &&
            !std::isdigit(static_cast<unsigned char>(*c)) && *c != '_')
            return false;
    return true;
}

std::string quoted(const char* text) { return text ? "'" + std::string(text) + "'" : "NULL"; }

class Checker {
public:
    explicit Checker(std::string file) : file_(std::move(file)) {}

    [[noreturn]] void fail(const std::string& what) const {
        throw PluginError(file_ + ": malformed plugin descriptor: " + what + "; fix the plugin's descriptor");
    }

    void check_version(const chm_library_desc* desc) const {
        if (!desc->struct_size || desc->struct_size < offsetof(chm_library_desc, component_count))
            fail("library struct_size " + std::to_string(desc->struct_size) + " is too small");
        if (desc->abi_major != CHM_ABI_VERSION_MAJOR)
            throw PluginError(file_ + ": built for Chimera ABI " +
                              abi_text(desc->abi_major, desc->abi_minor) +
                              ", but this host speaks ABI " +
                              abi_text(CHM_ABI_VERSION_MAJOR, CHM_ABI_VERSION_MINOR) +
                              "; rebuild the plugin against Chimera SDK " +
                              std::to_string(CHM_ABI_VERSION_MAJOR) + ".x");
        if (desc->abi_minor > CHM_ABI_VERSION_MINOR)
            throw PluginError(file_ + ": built against Chimera ABI " +
                              abi_text(desc->abi_major, desc->abi_minor) +
                              ", newer than this host's ABI " +
                              abi_text(CHM_ABI_VERSION_MAJOR, CHM_ABI_VERSION_MINOR) +
                              "; upgrade Chimera, or rebuild the plugin against SDK " +
                              abi_text(CHM_ABI_VERSION_MAJOR, CHM_ABI_VERSION_MINOR));
        if (desc->struct_size < library_v1_0)
            fail("library struct_size " + std::to_string(desc->struct_size) +
                 " is smaller than ABI 1.0's " + std::to_string(library_v1_0));
        const uint32_t opset = opset_version(desc);
        if (opset > CHM_OPSET_VERSION)
            throw PluginError(file_ + ": built against op set " + std::to_string(opset) + ", newer than this host's op set " +
                              std::to_string(CHM_OPSET_VERSION) + "; upgrade Chimera, or rebuild the plugin against this "
                              "host's SDK");
    }

    // The op set a library was built against: 1 (ABI 1.3's ops) for a descriptor without one.
    static uint32_t opset_version(const chm_library_desc* desc) {
        return desc->struct_size >= library_v1_4 && desc->opset_version ? desc->opset_version : 1;
    }

    LibraryInfo library(const chm_library_desc* desc) const {
        if (!valid_name(desc->name))
            fail("library name " + quoted(desc->name) + " is not a lower-case identifier");
        if (!desc->version || !*desc->version) fail("library version is missing");
        if (!desc->description) fail("library description is NULL");
        if (desc->component_count > max_components)
            fail(std::to_string(desc->component_count) + " components is implausibly many");
        if (desc->component_count && !desc->components)
            fail("component_count is " + std::to_string(desc->component_count) +
                 " but components is NULL");
        LibraryInfo info;
        info.name = desc->name;
        info.version = desc->version;
        info.description = desc->description;
        info.file = file_;
        info.abi_major = desc->abi_major;
        info.abi_minor = desc->abi_minor;
        info.opset_version = opset_version(desc);
        return info;
    }

    ComponentInfo component(const chm_component_desc* c, uint32_t index) const {
        std::string at = "component #" + std::to_string(index);
        if (!c) fail(at + " is NULL");
        if (c->struct_size < component_v1_0)
            fail(at + ": struct_size " + std::to_string(c->struct_size) +
                 " is smaller than ABI 1.0's " + std::to_string(component_v1_0));
        if (!valid_name(c->name))
            fail(at + ": name " + quoted(c->name) + " is not a lower-case identifier");
        at = "component '" + std::string(c->name) + "'";
        if (!c->version || !*c->version) fail(at + ": version is missing");
        if (!c->description) fail(at + ": description is NULL");
        if (!c->create || !c->destroy) fail(at + ": create or destroy is NULL");
        if (c->param_count > max_params) fail(at + ": implausibly many parameters");
        if (c->param_count && !c->params)
            fail(at + ": param_count is " + std::to_string(c->param_count) + " but params is NULL");

        ComponentInfo info;
        info.kind = c->kind;
        info.name = c->name;
        info.version = c->version;
        info.description = c->description;
        info.desc = c;
        read_methods(c, at, info);
        std::set<std::string> seen;
        for (uint32_t i = 0; i < c->param_count; ++i) {
            ParamInfo p = param(c, i, at);
            if (!seen.insert(p.name).second) fail(at + ": parameter '" + p.name + "' is declared twice");
            info.params.push_back(std::move(p));
        }
        // A 1.3 component's struct ends before the ports: it is read exactly as before.
        if (c->struct_size >= component_v1_4) read_ports(c, at, info);
        return info;
    }

private:
    // The kind's methods, read only from a descriptor recent enough to have them, and only as
    // far as the plugin's own struct_size reaches.
    void read_methods(const chm_component_desc* c, const std::string& at, ComponentInfo& info) const {
        if (c->struct_size < component_v1_1 || !c->methods) return;
        const auto size = *static_cast<const uint32_t*>(c->methods);  // every methods struct starts so
        auto need = [&](std::size_t minimum, const char* what) {
            if (size < minimum)
                fail(at + ": " + what + " methods struct_size " + std::to_string(size) + " is too small");
        };
        switch (c->kind) {
        case CHM_KIND_ENCODER:
        case CHM_KIND_GENERATOR:
        case CHM_KIND_LOSS:
            need(offsetof(chm_module_methods, forward) + sizeof(void*), "module");
            info.module = static_cast<const chm_module_methods*>(c->methods);
            if (!info.module->forward) fail(at + ": module methods have no forward");
            break;
        case CHM_KIND_LOADER:
            need(offsetof(chm_loader_methods, read) + sizeof(void*), "loader");
            info.loader = static_cast<const chm_loader_methods*>(c->methods);
            info.loader_methods_size = size;
            if (!info.loader->size || !info.loader->fields || !info.loader->read)
                fail(at + ": loader methods need size, fields and read");
            break;
        case CHM_KIND_OPTIMIZER:
            need(offsetof(chm_optimizer_methods, load_state) + sizeof(void*), "optimizer");
            info.optimizer = static_cast<const chm_optimizer_methods*>(c->methods);
            if (!info.optimizer->attach || !info.optimizer->step || !info.optimizer->save_state ||
                !info.optimizer->load_state)
                fail(at + ": optimizer methods need attach, step, save_state and load_state");
            break;
        default:
            break;
        }
    }

    void read_ports(const chm_component_desc* c, const std::string& at, ComponentInfo& info) const {
        if (!c->input_count && !c->output_count) return;
        if (c->kind != CHM_KIND_ENCODER && c->kind != CHM_KIND_GENERATOR && c->kind != CHM_KIND_LOSS)
            fail(at + ": declares ports, but only encoders, generators and losses have them");
        if (c->input_count > max_ports || c->output_count > max_ports) fail(at + ": implausibly many ports");
        if ((c->input_count && !c->inputs) || (c->output_count && !c->outputs))
            fail(at + ": a port count is not 0 but its array is NULL");
        SymbolTable symbols;  // only to parse; instances number their own
        for (uint32_t i = 0; i < c->input_count; ++i) info.inputs.push_back(port(c->inputs, i, at + ", input", info, symbols));
        for (uint32_t i = 0; i < c->output_count; ++i)
            info.outputs.push_back(port(c->outputs, i, at + ", output", info, symbols));
        for (const auto* list : {&info.inputs, &info.outputs})
            for (std::size_t i = 0; i < list->size(); ++i)
                for (std::size_t j = 0; j < i; ++j)
                    if ((*list)[i].name == (*list)[j].name) fail(at + ": port '" + (*list)[i].name + "' is declared twice");
    }

    // One port, stepped like parameters; its name's form is worked out here, once.
    PortInfo port(const chm_port_desc* ports, uint32_t index, const std::string& at, const ComponentInfo& info,
                  SymbolTable& symbols) const {
        const uint32_t stride = ports[0].struct_size;
        if (stride < port_v1_4)
            fail(at + " ports: struct_size " + std::to_string(stride) + " is smaller than ABI 1.4's " + std::to_string(port_v1_4));
        const auto* d = reinterpret_cast<const chm_port_desc*>(reinterpret_cast<const char*>(ports) + std::size_t(index) * stride);
        std::string where = at + " #" + std::to_string(index);
        if (d->struct_size != stride) fail(where + ": struct_size differs from the first port's");
        if (!d->name) fail(where + ": name is NULL");
        where = at + " '" + std::string(d->name) + "'";
        PortInfo p;
        p.name = d->name;
        read_port_name(p, where, info);
        if (d->dtype != CHM_DTYPE_F32 && d->dtype != CHM_DTYPE_I32 && d->dtype != CHM_DTYPE_ANY)
            fail(where + ": unknown dtype code " + std::to_string(d->dtype));
        if (!d->doc) fail(where + ": doc is NULL");
        // Unknown flags and reserved bits are refused, so a later ABI can give them a meaning.
        if (d->flags & ~uint32_t(CHM_PORT_OPTIONAL)) fail(where + ": unknown flags " + std::to_string(d->flags));
        if (d->reserved0 != 0) fail(where + ": reserved0 must be zero");
        p.dtype = d->dtype;
        p.doc = d->doc;
        p.optional = (d->flags & CHM_PORT_OPTIONAL) != 0 || p.form == PortInfo::Form::family;
        if (d->shape) {
            try {
                p.shape = ShapePattern::parse(d->shape, symbols).text();
            } catch (const PatternError& e) {
                fail(where + ": " + e.what());
            }
        }
        return p;
    }

    // "x", "mu_<m>" or "{option}", the option being a declared string parameter.
    void read_port_name(PortInfo& p, const std::string& where, const ComponentInfo& info) const {
        const std::string& n = p.name;
        if (n.size() > 2 && n.front() == '{' && n.back() == '}') {
            p.form = PortInfo::Form::option;
            p.option = n.substr(1, n.size() - 2);
            const ParamInfo* param = info.find_param(p.option);
            if (!param || param->type != CHM_PARAM_STRING)
                fail(where + ": '{" + p.option + "}' names no string parameter of the component (its parameters: " +
                     join_names(info.param_names()) + ")");
            return;
        }
        const std::size_t open = n.find('<'), close = n.find('>');
        if (open == std::string::npos && close == std::string::npos) {
            if (!valid_name(n.c_str())) fail(where + ": name is not a lower-case identifier, a family (mu_<m>) or {option}");
            return;
        }
        const std::string label = open < close ? n.substr(open + 1, close - open - 1) : "";
        p.form = PortInfo::Form::family;
        p.prefix = n.substr(0, open);
        p.suffix = close == std::string::npos ? "" : n.substr(close + 1);
        const std::string joined = p.prefix + "m" + p.suffix;
        if (open > close || close == std::string::npos || !valid_name(label.c_str()) || n.find('<', open + 1) != std::string::npos ||
            n.find('>', close + 1) != std::string::npos || (p.prefix.empty() && p.suffix.empty()) || !valid_name(joined.c_str()))
            fail(where + ": a family name has one <part> among lower-case letters, digits and _, as in mu_<m>");
    }

    static std::string join_names(const std::vector<std::string>& names) {
        std::string out;
        for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
        return out.empty() ? "none" : out;
    }

    // Elements are stepped by the first one's struct_size, which later ABIs may make larger.
    ParamInfo param(const chm_component_desc* c, uint32_t index, const std::string& at) const {
        uint32_t stride = c->params[0].struct_size;
        if (stride < param_v1_0)
            fail(at + ": parameter struct_size " + std::to_string(stride) +
                 " is smaller than ABI 1.0's " + std::to_string(param_v1_0));
        const auto* d = reinterpret_cast<const chm_param_desc*>(
            reinterpret_cast<const char*>(c->params) + std::size_t(index) * stride);
        std::string where = at + ", parameter #" + std::to_string(index);
        if (d->struct_size != stride)
            fail(where + ": struct_size differs from the first parameter's");
        if (!valid_name(d->name))
            fail(where + ": name " + quoted(d->name) + " is not a lower-case identifier");
        where = at + ", parameter '" + std::string(d->name) + "'";
        if (!is_known_param_type(d->type)) fail(where + ": unknown type code " + std::to_string(d->type));
        if (!d->doc) fail(where + ": doc is NULL");

        ParamInfo p;
        p.name = d->name;
        p.type = d->type;
        p.doc = d->doc;
        if (d->flags & CHM_PARAM_HAS_MIN) p.min = d->min_value;
        if (d->flags & CHM_PARAM_HAS_MAX) p.max = d->max_value;
        if (p.min && p.max && *p.min > *p.max) fail(where + ": minimum is above maximum");
        if (d->choices) p.choices = split_choices(d->choices, where);
        if (d->default_value) {
            p.default_text = d->default_value;
            check_default(p, where);
        }
        return p;
    }

    std::vector<std::string> split_choices(const std::string& text, const std::string& where) const {
        std::vector<std::string> out;
        std::size_t start = 0;
        while (true) {
            std::size_t bar = text.find('|', start);
            std::string item = text.substr(start, bar == std::string::npos ? bar : bar - start);
            if (item.empty()) fail(where + ": choices '" + text + "' has an empty entry");
            out.push_back(item);
            if (bar == std::string::npos) return out;
            start = bar + 1;
        }
    }

    void check_default(const ParamInfo& p, const std::string& where) const {
        YAML::Node value;
        try {
            value = YAML::Load(*p.default_text);
        } catch (const YAML::Exception& e) {
            fail(where + ": default " + quoted(p.default_text->c_str()) + " is not YAML (" + e.msg + ")");
        }
        if (auto why = check_param_value(p, value))
            fail(where + ": default " + quoted(p.default_text->c_str()) + " does not fit: " + *why);
    }

    std::string file_;
};

}  // namespace

LibraryContents read_library_descriptor(const chm_library_desc* desc, const std::string& file) {
    Checker check(file);
    if (!desc) check.fail("entry returned NULL");
    check.check_version(desc);
    LibraryContents out;
    out.library = check.library(desc);
    for (uint32_t i = 0; i < desc->component_count; ++i) {
        ComponentInfo c = check.component(desc->components[i], i);
        if (!is_known_kind(c.kind)) {
            out.warnings.push_back(file + ": skipping component '" + c.name + "' of " +
                                   kind_name(c.kind) + ", which this host does not know; "
                                   "a newer Chimera may support it");
            continue;
        }
        out.components.push_back(std::move(c));
    }
    return out;
}

bool can_call_shutdown(const chm_library_desc* desc) {
    return desc && desc->abi_major == CHM_ABI_VERSION_MAJOR && desc->struct_size >= library_v1_0;
}

}  // namespace chimera

#include "plugin/component_info.hpp"

#include <array>
#include <utility>

namespace chimera {

namespace {

const std::array<std::pair<chm_kind, const char*>, 5> kinds = {{
    {CHM_KIND_LOADER, "loader"},
    {CHM_KIND_ENCODER, "encoder"},
    {CHM_KIND_GENERATOR, "generator"},
    {CHM_KIND_LOSS, "loss"},
    {CHM_KIND_OPTIMIZER, "optimizer"},
}};

const std::array<std::pair<chm_param_type, const char*>, 8> param_types = {{
    {CHM_PARAM_BOOL, "bool"},
    {CHM_PARAM_INT, "int"},
    {CHM_PARAM_FLOAT, "float"},
    {CHM_PARAM_STRING, "string"},
    {CHM_PARAM_INT_LIST, "int list"},
    {CHM_PARAM_FLOAT_LIST, "float list"},
    {CHM_PARAM_STRING_LIST, "string list"},
    {CHM_PARAM_NODE, "yaml"},
}};

}  // namespace

const ParamInfo* ComponentInfo::find_param(const std::string& param_name) const {
    for (const auto& p : params)
        if (p.name == param_name) return &p;
    return nullptr;
}

std::vector<std::string> ComponentInfo::param_names() const {
    std::vector<std::string> out;
    for (const auto& p : params) out.push_back(p.name);
    return out;
}

bool PortInfo::in_family(const std::string& key) const {
    if (form != Form::family || key.size() <= prefix.size() + suffix.size()) return false;
    if (key.compare(0, prefix.size(), prefix) != 0 || key.compare(key.size() - suffix.size(), suffix.size(), suffix) != 0)
        return false;
    for (std::size_t i = prefix.size(); i < key.size() - suffix.size(); ++i) {
        const char c = key[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
    }
    return true;
}

std::string port_dtype_name(chm_dtype dtype) {
    switch (dtype) {
    case CHM_DTYPE_F32: return "f32";
    case CHM_DTYPE_I32: return "i32";
    case CHM_DTYPE_ANY: return "any";
    default: return "dtype " + std::to_string(dtype);
    }
}

std::string kind_name(chm_kind kind) {
    for (const auto& [code, name] : kinds)
        if (code == kind) return name;
    return "kind " + std::to_string(kind);
}

std::optional<chm_kind> kind_from_name(const std::string& name) {
    for (const auto& [code, known] : kinds)
        if (name == known) return code;
    return std::nullopt;
}

bool is_known_kind(chm_kind kind) { return kind_from_name(kind_name(kind)).has_value(); }

std::vector<std::string> kind_names() {
    std::vector<std::string> out;
    for (const auto& entry : kinds) out.push_back(entry.second);
    return out;
}

std::string param_type_name(chm_param_type type) {
    for (const auto& [code, name] : param_types)
        if (code == type) return name;
    return "type " + std::to_string(type);
}

bool is_known_param_type(chm_param_type type) {
    for (const auto& entry : param_types)
        if (entry.first == type) return true;
    return false;
}

}  // namespace chimera

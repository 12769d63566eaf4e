#include "plugin/config_node.hpp"

#include "plugin/host_table.hpp"
#include "plugin/param_schema.hpp"

chm_config::chm_config(YAML::Node node, std::string file, std::string path, bool from_default)
    : node_(std::move(node)), file_(std::move(file)), path_(std::move(path)),
      from_default_(from_default) {
    if (node_.IsScalar()) scalar_ = node_.Scalar();
}

const chm_config* chm_config::member(const char* key) const {
    if (!key) return this;
    if (!is_map()) return nullptr;
    auto cached = members_.find(key);
    if (cached != members_.end()) return cached->second.get();
    std::string child_path = path_.empty() ? key : path_ + "." + key;
    std::unique_ptr<chm_config> made;
    const YAML::Node& self = node_;  // const: looking a key up must not insert it
    if (node_.IsMap() && self[std::string(key)].IsDefined()) {
        made = std::make_unique<chm_config>(self[std::string(key)], file_, child_path, from_default_);
    } else {
        auto fallback = defaults_.find(key);
        if (fallback == defaults_.end()) return nullptr;
        made = std::make_unique<chm_config>(fallback->second, file_, child_path, true);
    }
    return members_.emplace(key, std::move(made)).first->second.get();
}

std::size_t chm_config::size() const {
    if (node_.IsScalar()) return 0;
    return (node_.IsDefined() && !node_.IsNull() ? node_.size() : 0) + defaults_.size();
}

const chm_config* chm_config::element(std::size_t index) const {
    if (!node_.IsSequence() || index >= node_.size()) return nullptr;
    auto cached = elements_.find(index);
    if (cached != elements_.end()) return cached->second.get();
    std::string child_path = path_ + "[" + std::to_string(index) + "]";
    auto made = std::make_unique<chm_config>(node_[index], file_, child_path, from_default_);
    return elements_.emplace(index, std::move(made)).first->second.get();
}

const std::string& chm_config::where() const {
    if (!where_.empty()) return where_;
    YAML::Mark mark = node_.Mark();
    if (from_default_ || file_.empty() || mark.is_null())
        where_ = (from_default_ ? "(default) " : "") + path_;
    else
        where_ = file_ + ":" + std::to_string(mark.line + 1) + ":" +
                 std::to_string(mark.column + 1) + " (" + path_ + ")";
    return where_;
}

namespace chimera {

namespace {

// Finds `key` in `node` or records why not. Shared by every look-up below.
const chm_config* look_up(const chm_config* node, const char* key) {
    if (!node) {
        record_host_error("configuration handle is NULL");
        return nullptr;
    }
    if (key && !node->is_map()) {
        record_host_error(node->where() + " is not a map, so it has no key '" + key + "'");
        return nullptr;
    }
    const chm_config* found = node->member(key);
    if (!found) record_host_error(node->where() + " has no key '" + key + "'");
    return found;
}

template <class T, class Parse>
chm_status read_scalar(const chm_config* node, const char* key, T* out, const char* what,
                       Parse parse) {
    if (!out) return record_host_error("output pointer is NULL", CHM_ERR_INVALID_ARGUMENT);
    const chm_config* found = look_up(node, key);
    if (!found) return node ? CHM_ERR_NOT_FOUND : CHM_ERR_INVALID_ARGUMENT;
    auto value = parse(found->node());
    if (!value) return record_host_error(found->where() + " is not " + what, CHM_ERR_TYPE);
    *out = static_cast<T>(*value);
    return CHM_OK;
}

chm_status config_has(const chm_host*, const chm_config* node, const char* key, int32_t* out) {
    return host_call("configuration look-up", [&]() -> chm_status {
        if (!node || !key || !out)
            return record_host_error("config_has: NULL argument", CHM_ERR_INVALID_ARGUMENT);
        *out = node->member(key) ? 1 : 0;
        return CHM_OK;
    });
}

chm_status config_get_bool(const chm_host*, const chm_config* n, const char* k, int32_t* out) {
    return host_call("configuration look-up", [&]() -> chm_status {
        return read_scalar(n, k, out, "true or false", parse_bool);
    });
}

chm_status config_get_int(const chm_host*, const chm_config* n, const char* k, int64_t* out) {
    return host_call("configuration look-up", [&]() -> chm_status {
        return read_scalar(n, k, out, "an integer", parse_int);
    });
}

chm_status config_get_float(const chm_host*, const chm_config* n, const char* k, double* out) {
    return host_call("configuration look-up", [&]() -> chm_status {
        return read_scalar(n, k, out, "a number", parse_float);
    });
}

chm_status config_get_string(const chm_host*, const chm_config* node, const char* key,
                             const char** out) {
    return host_call("configuration look-up", [&]() -> chm_status {
        if (!out) return record_host_error("output pointer is NULL", CHM_ERR_INVALID_ARGUMENT);
        const chm_config* found = look_up(node, key);
        if (!found) return node ? CHM_ERR_NOT_FOUND : CHM_ERR_INVALID_ARGUMENT;
        if (!found->node().IsScalar())
            return record_host_error(found->where() + " is not a single value", CHM_ERR_TYPE);
        *out = found->scalar().c_str();
        return CHM_OK;
    });
}

chm_status config_child(const chm_host*, const chm_config* node, const char* key,
                        const chm_config** out) {
    return host_call("configuration look-up", [&]() -> chm_status {
        if (!out || !key)
            return record_host_error("config_child: NULL argument", CHM_ERR_INVALID_ARGUMENT);
        const chm_config* found = look_up(node, key);
        if (!found) return node ? CHM_ERR_NOT_FOUND : CHM_ERR_INVALID_ARGUMENT;
        *out = found;
        return CHM_OK;
    });
}

chm_status config_size(const chm_host*, const chm_config* node, int64_t* out) {
    return host_call("configuration look-up", [&]() -> chm_status {
        if (!node || !out)
            return record_host_error("config_size: NULL argument", CHM_ERR_INVALID_ARGUMENT);
        *out = static_cast<int64_t>(node->size());
        return CHM_OK;
    });
}

chm_status config_element(const chm_host*, const chm_config* node, int64_t index,
                          const chm_config** out) {
    return host_call("configuration look-up", [&]() -> chm_status {
        if (!node || !out)
            return record_host_error("config_element: NULL argument", CHM_ERR_INVALID_ARGUMENT);
        if (!node->node().IsSequence())
            return record_host_error(node->where() + " is not a list", CHM_ERR_TYPE);
        const chm_config* found = index < 0 ? nullptr : node->element(static_cast<std::size_t>(index));
        if (!found)
            return record_host_error(node->where() + " has no element " + std::to_string(index) +
                                         " (it has " + std::to_string(node->node().size()) + ")",
                                     CHM_ERR_NOT_FOUND);
        *out = found;
        return CHM_OK;
    });
}

chm_status config_where(const chm_host*, const chm_config* node, const char* key,
                        const char** out) {
    return host_call("configuration look-up", [&]() -> chm_status {
        if (!out) return record_host_error("output pointer is NULL", CHM_ERR_INVALID_ARGUMENT);
        const chm_config* found = look_up(node, key);
        if (!found) return node ? CHM_ERR_NOT_FOUND : CHM_ERR_INVALID_ARGUMENT;
        *out = found->where().c_str();
        return CHM_OK;
    });
}

}  // namespace

void install_config_functions(chm_host& table) {
    table.config_has = config_has;
    table.config_get_bool = config_get_bool;
    table.config_get_int = config_get_int;
    table.config_get_float = config_get_float;
    table.config_get_string = config_get_string;
    table.config_child = config_child;
    table.config_size = config_size;
    table.config_element = config_element;
    table.config_where = config_where;
}

}  // namespace chimera

#include "plugin/component_config.hpp"

#include "core/host_error.hpp"
#include "io/yaml_file.hpp"
#include "core/suggest.hpp"
#include "plugin/param_schema.hpp"

namespace chimera {

namespace {

std::string who(const ComponentInfo& c) { return kind_name(c.kind) + " '" + c.name + "'"; }

}  // namespace

std::unique_ptr<chm_config> make_component_config(const ComponentInfo& component,
                                                  const YAML::Node& options,
                                                  const std::string& file,
                                                  const std::string& path) {
    if (options.IsDefined() && !options.IsNull() && !options.IsMap())
        yaml_fail(options, {file, path}, "the options of " + who(component) + " must be a map of key: value");

    if (options.IsMap()) {
        for (const auto& entry : options) {
            std::string key = entry.first.Scalar();
            std::string key_path = path.empty() ? key : path + "." + key;
            const ParamInfo* param = component.find_param(key);
            if (!param)
                yaml_fail(entry.first, {file, key_path},
                          "unknown key '" + key + "' for " + who(component) + "." + did_you_mean(key, component.param_names()) +
                              " Accepted keys: " + join(component.param_names()));
            if (auto why = check_param_value(*param, entry.second)) yaml_fail(entry.second, {file, key_path}, *why);
        }
    }

    YAML::Node user = options.IsMap() ? options : YAML::Node(YAML::NodeType::Map);
    auto config = std::make_unique<chm_config>(user, file, path);
    for (const auto& param : component.params) {
        if (options.IsMap() && options[param.name].IsDefined()) continue;
        if (!param.default_text)
            yaml_fail(options, {file, path},
                      who(component) + " needs '" + param.name + "' (" + param_type_name(param.type) + ": " + param.doc + ")");
        config->add_default(param.name, YAML::Load(*param.default_text));
    }
    return config;
}

}  // namespace chimera

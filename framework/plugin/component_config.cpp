#include "plugin/component_config.hpp"

#include "core/host_error.hpp"
#include "core/suggest.hpp"
#include "plugin/param_schema.hpp"

namespace chimera {

namespace {

std::string locate(const YAML::Node& node, const std::string& file, const std::string& path) {
    YAML::Mark mark = node.Mark();
    if (file.empty() || mark.is_null()) return path;
    return file + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1) +
           " (" + path + ")";
}

std::string who(const ComponentInfo& c) { return kind_name(c.kind) + " '" + c.name + "'"; }

}  // namespace

std::unique_ptr<chm_config> make_component_config(const ComponentInfo& component,
                                                  const YAML::Node& options,
                                                  const std::string& file,
                                                  const std::string& path) {
    if (options.IsDefined() && !options.IsNull() && !options.IsMap())
        throw ConfigError(locate(options, file, path) + ": the options of " + who(component) +
                          " must be a map of key: value");
    YAML::Node filled = options.IsMap() ? YAML::Clone(options) : YAML::Node(YAML::NodeType::Map);

    if (options.IsMap()) {
        for (const auto& entry : options) {
            std::string key = entry.first.Scalar();
            std::string key_path = path.empty() ? key : path + "." + key;
            const ParamInfo* param = component.find_param(key);
            if (!param)
                throw ConfigError(locate(entry.first, file, key_path) + ": unknown key '" + key +
                                  "' for " + who(component) + "." +
                                  did_you_mean(key, component.param_names()) +
                                  " Accepted keys: " + join(component.param_names()));
            if (auto why = check_param_value(*param, entry.second))
                throw ConfigError(locate(entry.second, file, key_path) + ": " + *why);
        }
    }

    std::vector<std::string> defaulted;
    for (const auto& param : component.params) {
        if (filled[param.name].IsDefined()) continue;
        if (!param.default_text)
            throw ConfigError(locate(options, file, path) + ": " + who(component) +
                              " needs '" + param.name + "' (" + param_type_name(param.type) +
                              ": " + param.doc + ")");
        filled[param.name] = YAML::Load(*param.default_text);
        defaulted.push_back(param.name);
    }

    // The clone keeps the user's marks, so plugins' where() still points into their file.
    auto config = std::make_unique<chm_config>(filled, file, path);
    for (const auto& key : defaulted) config->mark_default(key);
    return config;
}

}  // namespace chimera

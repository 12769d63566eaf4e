// A live instance of a plugin component, created from a checked configuration and destroyed
// through the plugin when it goes away. Turns failures inside the plugin into PluginErrors that
// name the plugin, its file and the component. Parameters the instance makes while being created
// are registered under its instance name ("encoder.fc1.weight").
#pragma once

#include "plugin/component_info.hpp"
#include "plugin/config_node.hpp"
#include "tensor/tensor.hpp"

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace chimera {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

class ComponentInstance {
public:
    // Calls the component's create with `config`. `name` scopes its parameters; it defaults to
    // the component's name. Throws PluginError with the plugin's own message.
    ComponentInstance(const ComponentInfo& component, const chm_config& config, std::string name = "");
    ~ComponentInstance();
    ComponentInstance(const ComponentInstance&) = delete;
    ComponentInstance& operator=(const ComponentInstance&) = delete;

    const ComponentInfo& component() const { return component_; }
    const std::string& name() const { return name_; }
    void* handle() const { return handle_; }

    // Runs the module's forward (encoders, generators, losses). Throws PluginError when the
    // component has no forward or its forward fails.
    NamedTensors forward(const NamedTensors& inputs) const;

private:
    std::string who() const;

    std::shared_ptr<PluginLibrary> library_;  // first: the library outlives the instance
    const ComponentInfo& component_;
    std::string name_;
    void* handle_ = nullptr;
};

}  // namespace chimera

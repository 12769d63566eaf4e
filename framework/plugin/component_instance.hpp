// A live instance of a plugin component, created from a checked configuration and destroyed
// through the plugin when it goes away. Turns a failed create into a PluginError that names the
// plugin, its file and the component. Not the component's kind-specific calls (later ABIs).
#pragma once

#include "plugin/component_info.hpp"
#include "plugin/config_node.hpp"

namespace chimera {

// A live component instance; destroys it through the plugin when it goes away. Must not outlive
// the registry (and so the library) it came from.
class ComponentInstance {
public:
    // Calls the component's create with `config`. Throws PluginError naming the plugin, its
    // file, the component and the plugin's own message.
    ComponentInstance(const ComponentInfo& component, const chm_config& config);
    ~ComponentInstance();
    ComponentInstance(const ComponentInstance&) = delete;
    ComponentInstance& operator=(const ComponentInstance&) = delete;

    const ComponentInfo& component() const { return component_; }
    void* handle() const { return handle_; }

private:
    const ComponentInfo& component_;
    void* handle_ = nullptr;
};

}  // namespace chimera

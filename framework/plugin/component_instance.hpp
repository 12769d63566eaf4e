// A live instance of a plugin component, created from a checked configuration and destroyed
// through the plugin when it goes away. Turns failures inside the plugin into PluginErrors that
// name the plugin, its file and the component. Parameters the instance makes while being created
// are registered under its instance name ("encoder.fc1.weight").
#pragma once

#include "plugin/component_info.hpp"
#include "plugin/config_node.hpp"
#include "plugin/port_check.hpp"
#include "tensor/tensor.hpp"

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace chimera {

// One field of a loader's examples, as the host keeps it.
struct FieldInfo {
    std::string name;
    DType dtype = DType::f32;
    Shape shape;  // of one example
};

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
    // component has no forward or its forward fails, or writes outputs it does not declare;
    // PortError (before the call) when an input, or (after it) an output, does not fit its port.
    NamedTensors forward(const NamedTensors& inputs) const;
    // The instance's ports, or nullptr for a component that declares none (ABI 1.3).
    const PortCheck* ports() const { return ports_.get(); }

    // Loaders. Throw PluginError when the component is not a loader or the call fails.
    int64_t size() const;
    std::vector<FieldInfo> fields() const;
    // Fills row k of batch[f] with field f of example indices[k]; batch tensors come from the
    // host, shaped [indices.size(), field shape...].
    void read(const std::vector<int64_t>& indices, const std::vector<Tensor>& batch) const;
    // ABI 1.3 loaders; each does nothing (or returns false) when the loader lacks the method.
    // save/restore: what the loader derived from its data, as files in `directory`.
    void save(const std::string& directory) const;
    void restore(const std::string& directory) const;
    // Fills `example` (one [1, field shape] zeroed tensor per field) from a person's `value`
    // for `field`; false when the loader cannot make that field from a value.
    bool encode(const std::string& field, const std::string& value, const std::vector<Tensor>& example) const;
    // One example's `value` of `field` as a file: false when the loader cannot decode it.
    struct Decoded {
        std::string media_type;
        std::string bytes;
    };
    bool decode(const std::string& field, const Tensor& value, Decoded& out) const;

    // Optimizers. Throw PluginError when the component is not an optimizer or the call fails.
    void attach(const NamedTensors& params) const;
    void step(double lr_scale, int64_t step) const;
    NamedTensors save_state() const;
    void load_state(const NamedTensors& state) const;

private:
    std::string who() const;
    // Runs one plugin call, turning a failure status or a stray exception into a PluginError.
    template <class Call>
    void invoke(const char* method, Call&& call) const;
    const chm_loader_methods& loader() const;
    // The loader's 1.3 method at `offset` (offsetof in chm_loader_methods) when it has one.
    template <class Fn>
    Fn loader_method(std::size_t offset) const;
    const chm_optimizer_methods& optimizer() const;

    std::shared_ptr<PluginLibrary> library_;  // first: the library outlives the instance
    const ComponentInfo& component_;
    std::string name_;
    void* handle_ = nullptr;
    std::unique_ptr<PortCheck> ports_;
    mutable bool built_ = false;  // a forward has succeeded: parameters can no longer be made
};

}  // namespace chimera

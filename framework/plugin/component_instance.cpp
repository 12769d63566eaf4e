#include "plugin/component_instance.hpp"

#include "autograd/parameter_store.hpp"
#include "core/host_error.hpp"
#include "plugin/host_services.hpp"
#include "plugin/host_table.hpp"

namespace chimera {

namespace {

HostServices* services_of(const ComponentInfo& c) {
    return static_cast<const HostTable*>(c.host->host_data)->services();
}

// Sets the name parameters are registered under for the duration of a create call.
class CreatingScope {
public:
    CreatingScope(HostServices* services, const std::string& name) : services_(services) {
        if (services_) services_->creating = name;
    }
    ~CreatingScope() {
        if (services_) services_->creating.clear();
    }

private:
    HostServices* services_;
};

}  // namespace

ComponentInstance::ComponentInstance(const ComponentInfo& component, const chm_config& config,
                                     std::string name)
    : library_(component.owner.lock()), component_(component),
      name_(name.empty() ? component.name : std::move(name)) {
    clear_plugin_error();
    void* made = nullptr;
    chm_status status = CHM_ERR_RUNTIME;
    {
        CreatingScope scope(services_of(component), name_);
        try {
            status = component.desc->create(component.host, &config, &made);
        } catch (...) {
            status = record_host_error("create threw a C++ exception across the C ABI");
        }
    }
    if (status != CHM_OK) {
        std::string why = take_plugin_error("no message given");
        // Parameters made before the failure would otherwise be found by optimizers and
        // checkpoints, and block a retry under the same name.
        if (HostServices* services = services_of(component)) services->context.parameters().remove_under(name_);
        throw PluginError(who() + ": create failed (" + status_name(status) + "): " + why);
    }
    handle_ = made;
}

ComponentInstance::~ComponentInstance() { component_.desc->destroy(handle_); }

std::string ComponentInstance::who() const {
    return "plugin '" + component_.library->name + "' (" + component_.library->file.string() +
           "), " + kind_name(component_.kind) + " '" + component_.name + "'";
}

NamedTensors ComponentInstance::forward(const NamedTensors& inputs) const {
    if (!component_.module)
        throw PluginError(who() + ": has no forward (built against ABI " +
                          std::to_string(component_.library->abi_major) + "." +
                          std::to_string(component_.library->abi_minor) + ", or not a module)");
    // Borrowed views of the inputs: valid for the call, as the ABI promises.
    std::vector<chm_tensor> handles;
    handles.reserve(inputs.size());
    for (const auto& input : inputs) handles.push_back(chm_tensor{input.second});
    std::vector<chm_named_tensor> named;
    for (std::size_t i = 0; i < inputs.size(); ++i)
        named.push_back({sizeof(chm_named_tensor), 0, inputs[i].first.c_str(), &handles[i]});
    chm_outputs outputs;
    clear_plugin_error();
    chm_status status = CHM_ERR_RUNTIME;
    try {
        status = component_.module->forward(handle_, named.data(), static_cast<uint32_t>(named.size()),
                                            &outputs);
    } catch (...) {
        status = record_host_error("forward threw a C++ exception across the C ABI");
    }
    if (status != CHM_OK)
        throw PluginError(who() + ": forward failed (" + status_name(status) +
                          "): " + take_plugin_error("no message given"));
    return std::move(outputs.items);
}

}  // namespace chimera

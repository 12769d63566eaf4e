#include "plugin/component_instance.hpp"

#include "core/host_error.hpp"
#include "plugin/host_table.hpp"

namespace chimera {

ComponentInstance::ComponentInstance(const ComponentInfo& component, const chm_config& config)
    : component_(component) {
    clear_plugin_error();
    void* made = nullptr;
    chm_status status = CHM_ERR_RUNTIME;
    try {
        status = component.desc->create(component.host, &config, &made);
    } catch (...) {
        status = record_host_error("create threw a C++ exception across the C ABI");
    }
    if (status != CHM_OK)
        throw PluginError("plugin '" + component.library->name + "' (" +
                          component.library->file.string() + "), " + kind_name(component.kind) +
                          " '" + component.name + "': create failed (" + status_name(status) +
                          "): " + take_plugin_error("no message given"));
    handle_ = made;
}

ComponentInstance::~ComponentInstance() { component_.desc->destroy(handle_); }

}  // namespace chimera

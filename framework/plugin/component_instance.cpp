#include "plugin/component_instance.hpp"

#include "autograd/parameter_store.hpp"
#include "core/host_error.hpp"
#include "plugin/host_services.hpp"
#include "plugin/host_table.hpp"

#include <cstddef>
#include <cstring>

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
    if (component.declares_ports()) ports_ = std::make_unique<PortCheck>(component, config);
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
        throw PluginError(who(), "create", status, why);
    }
    handle_ = made;
}

ComponentInstance::~ComponentInstance() { component_.desc->destroy(handle_); }

std::string ComponentInstance::who() const {
    return "plugin '" + component_.library->name + "' (" + component_.library->file.string() +
           "), " + kind_name(component_.kind) + " '" + component_.name + "'";
}

template <class Call>
void ComponentInstance::invoke(const char* method, Call&& call) const {
    clear_plugin_error();
    chm_status status = CHM_ERR_RUNTIME;
    try {
        status = call();
    } catch (...) {
        status = record_host_error(std::string(method) + " threw a C++ exception across the C ABI");
    }
    if (status != CHM_OK)
        throw PluginError(who(), method, status, take_plugin_error("no message given"));
}

namespace {

// Borrowed named views of host tensors, valid while `handles` and `names` live.
struct BorrowedNames {
    std::vector<chm_tensor> handles;
    std::vector<chm_named_tensor> named;
    explicit BorrowedNames(const NamedTensors& tensors) {
        handles.reserve(tensors.size());
        for (const auto& t : tensors) handles.push_back(chm_tensor{t.second});
        for (std::size_t i = 0; i < tensors.size(); ++i)
            named.push_back({sizeof(chm_named_tensor), 0, tensors[i].first.c_str(), &handles[i]});
    }
    uint32_t size() const { return static_cast<uint32_t>(named.size()); }
};

}  // namespace

NamedTensors ComponentInstance::forward(const NamedTensors& inputs) const {
    if (!component_.module)
        throw PluginError(who() + ": has no forward (built against ABI " +
                          std::to_string(component_.library->abi_major) + "." +
                          std::to_string(component_.library->abi_minor) + ", or not a module)");
    if (ports_) ports_->check_inputs(inputs);
    BorrowedNames in(inputs);
    chm_outputs outputs;
    {
        // Until a forward succeeds, the instance may still make parameters sized from its inputs.
        std::unique_ptr<CreatingScope> building;
        if (!built_) building = std::make_unique<CreatingScope>(services_of(component_), name_);
        invoke("forward", [&] { return component_.module->forward(handle_, in.named.data(), in.size(), &outputs); });
    }
    built_ = true;
    if (ports_) {
        const std::string broken = ports_->check_outputs(inputs, outputs.items);
        if (!broken.empty()) throw PluginError(who() + ": forward " + broken + "; fix the plugin's ports or its forward");
    }
    return std::move(outputs.items);
}

const chm_loader_methods& ComponentInstance::loader() const {
    if (!component_.loader) throw PluginError(who() + ": is not a loader built against ABI 1.2 or later");
    return *component_.loader;
}

const chm_optimizer_methods& ComponentInstance::optimizer() const {
    if (!component_.optimizer) throw PluginError(who() + ": is not an optimizer built against ABI 1.2 or later");
    return *component_.optimizer;
}

int64_t ComponentInstance::size() const {
    int64_t n = -1;
    invoke("size", [&] { return loader().size(handle_, &n); });
    if (n < 0) throw PluginError(who() + ": size returned " + std::to_string(n));
    return n;
}

std::vector<FieldInfo> ComponentInstance::fields() const {
    const chm_field_desc* raw = nullptr;
    uint32_t n = 0;
    invoke("fields", [&] { return loader().fields(handle_, &raw, &n); });
    if (n && !raw) throw PluginError(who() + ": fields returned NULL for " + std::to_string(n) + " fields");
    std::vector<FieldInfo> out;
    for (uint32_t i = 0; i < n; ++i) {
        const auto& f = *reinterpret_cast<const chm_field_desc*>(reinterpret_cast<const char*>(raw) +
                                                                 std::size_t(i) * raw[0].struct_size);
        if (!f.name || (f.dtype != CHM_DTYPE_F32 && f.dtype != CHM_DTYPE_I32) || f.rank < 0 ||
            f.rank > CHM_MAX_RANK - 1 || (f.rank && !f.shape))
            throw PluginError(who() + ": field #" + std::to_string(i) + " is malformed");
        out.push_back({f.name, static_cast<DType>(f.dtype), Shape(f.shape, f.shape + f.rank)});
    }
    return out;
}

void ComponentInstance::read(const std::vector<int64_t>& indices, const std::vector<Tensor>& batch) const {
    std::vector<chm_tensor> handles;
    handles.reserve(batch.size());
    for (const Tensor& t : batch) handles.push_back(chm_tensor{t});
    std::vector<chm_tensor*> pointers;
    for (auto& h : handles) pointers.push_back(&h);
    invoke("read", [&] {
        return loader().read(handle_, indices.data(), static_cast<uint32_t>(indices.size()), pointers.data(),
                             static_cast<uint32_t>(pointers.size()));
    });
}

template <class Fn>
Fn ComponentInstance::loader_method(std::size_t offset) const {
    const chm_loader_methods& m = loader();
    if (component_.loader_methods_size < offset + sizeof(Fn)) return nullptr;
    Fn fn = nullptr;
    std::memcpy(&fn, reinterpret_cast<const char*>(&m) + offset, sizeof fn);
    return fn;
}

void ComponentInstance::save(const std::string& directory) const {
    using Fn = decltype(chm_loader_methods::save);
    if (Fn fn = loader_method<Fn>(offsetof(chm_loader_methods, save)))
        invoke("save", [&] { return fn(handle_, directory.c_str()); });
}

void ComponentInstance::restore(const std::string& directory) const {
    using Fn = decltype(chm_loader_methods::restore);
    if (Fn fn = loader_method<Fn>(offsetof(chm_loader_methods, restore)))
        invoke("restore", [&] { return fn(handle_, directory.c_str()); });
}

bool ComponentInstance::encode(const std::string& field, const std::string& value, const std::vector<Tensor>& example) const {
    using Fn = decltype(chm_loader_methods::encode);
    Fn fn = loader_method<Fn>(offsetof(chm_loader_methods, encode));
    if (!fn) return false;
    std::vector<chm_tensor> handles;
    handles.reserve(example.size());
    for (const Tensor& t : example) handles.push_back(chm_tensor{t});
    std::vector<chm_tensor*> pointers;
    for (auto& h : handles) pointers.push_back(&h);
    bool supported = true;
    invoke("encode", [&] {
        chm_status s = fn(handle_, field.c_str(), value.c_str(), pointers.data(), static_cast<uint32_t>(pointers.size()));
        if (s == CHM_ERR_UNSUPPORTED) supported = false;
        return s == CHM_ERR_UNSUPPORTED ? CHM_OK : s;
    });
    return supported;
}

namespace {

// Called from plugin code: nothing may be thrown back through it.
chm_status append_bytes(void* context, const void* bytes, uint64_t size) noexcept {
    if (size && !bytes) return CHM_ERR_INVALID_ARGUMENT;
    try {
        static_cast<std::string*>(context)->append(static_cast<const char*>(bytes), size);
    } catch (...) {
        return CHM_ERR_IO;
    }
    return CHM_OK;
}

}  // namespace

bool ComponentInstance::decode(const std::string& field, const Tensor& value, Decoded& out) const {
    using Fn = decltype(chm_loader_methods::decode);
    Fn fn = loader_method<Fn>(offsetof(chm_loader_methods, decode));
    if (!fn) return false;
    std::string bytes;
    chm_byte_sink sink{sizeof(chm_byte_sink), 0, &bytes, &append_bytes};
    chm_tensor handle{value};
    const char* media_type = nullptr;
    bool supported = true;
    invoke("decode", [&] {
        chm_status s = fn(handle_, field.c_str(), &handle, &sink, &media_type);
        if (s == CHM_ERR_UNSUPPORTED) supported = false;
        return s == CHM_ERR_UNSUPPORTED ? CHM_OK : s;
    });
    if (!supported) return false;
    if (!media_type) throw PluginError(who() + ": decode gave no media type for field '" + field + "'");
    out.media_type = media_type;
    out.bytes = std::move(bytes);
    return true;
}

void ComponentInstance::attach(const NamedTensors& params) const {
    BorrowedNames in(params);
    invoke("attach", [&] { return optimizer().attach(handle_, in.named.data(), in.size()); });
}

void ComponentInstance::step(double lr_scale, int64_t step) const {
    invoke("step", [&] { return optimizer().step(handle_, lr_scale, step); });
}

NamedTensors ComponentInstance::save_state() const {
    chm_outputs state;
    invoke("save_state", [&] { return optimizer().save_state(handle_, &state); });
    return std::move(state.items);
}

void ComponentInstance::load_state(const NamedTensors& state) const {
    BorrowedNames in(state);
    invoke("load_state", [&] { return optimizer().load_state(handle_, in.named.data(), in.size()); });
}

}  // namespace chimera

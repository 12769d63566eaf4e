// Part of the C++ wrapper (include <chimera/chimera.hpp>): what CHIMERA_PLUGIN expands to —
// descriptors built from each component class, the trampolines that fill the C tables, the entry.
#ifndef CHIMERA_CPP_PLUGIN_HPP
#define CHIMERA_CPP_PLUGIN_HPP

#include <chimera/cpp/components.hpp>

namespace chimera {

namespace detail {

// Owns a component's descriptor and the strings it points to, for the library's lifetime.
template <class T>
struct ComponentHolder {
    Description info = T::describe();
    std::vector<chm_param_desc> params;
    std::vector<chm_port_desc> inputs, outputs;
    chm_component_desc desc{};

    ComponentHolder() {
        for (const Param& p : info.params) params.push_back(p.describe());
        for (const Port& p : info.inputs) inputs.push_back(p.describe());
        for (const Port& p : info.outputs) outputs.push_back(p.describe());
        // A port put in the wrong list would be checked the wrong way round: refuse to describe it.
        for (const Port& p : info.inputs)
            if (!p.is_input()) throw Error(info.name + ": port '" + p.name() + "' is an output listed among the inputs");
        for (const Port& p : info.outputs)
            if (p.is_input()) throw Error(info.name + ": port '" + p.name() + "' is an input listed among the outputs");
        desc.input_count = static_cast<uint32_t>(inputs.size());
        desc.output_count = static_cast<uint32_t>(outputs.size());
        desc.inputs = inputs.empty() ? nullptr : inputs.data();
        desc.outputs = outputs.empty() ? nullptr : outputs.data();
        desc.struct_size = sizeof(chm_component_desc);
        desc.kind = T::kind;
        desc.param_count = static_cast<uint32_t>(params.size());
        desc.name = info.name.c_str();
        desc.version = info.version.c_str();
        desc.description = info.description.c_str();
        desc.params = params.empty() ? nullptr : params.data();
        desc.create = &create;
        desc.destroy = &destroy;
        if constexpr (std::is_base_of_v<Module, T>) {
            methods.struct_size = sizeof(chm_module_methods);
            methods.forward = &forward;
            desc.methods = &methods;
        } else if constexpr (std::is_base_of_v<Loader, T>) {
            loader_methods.struct_size = sizeof(chm_loader_methods);
            loader_methods.size = &loader_size;
            loader_methods.fields = &loader_fields;
            loader_methods.read = &loader_read;
            loader_methods.save = &loader_save;
            loader_methods.restore = &loader_restore;
            loader_methods.encode = &loader_encode;
            loader_methods.decode = &loader_decode;
            desc.methods = &loader_methods;
        } else if constexpr (std::is_base_of_v<Optimizer, T>) {
            optimizer_methods.struct_size = sizeof(chm_optimizer_methods);
            optimizer_methods.attach = &optimizer_attach;
            optimizer_methods.step = &optimizer_step;
            optimizer_methods.save_state = &optimizer_save;
            optimizer_methods.load_state = &optimizer_load;
            desc.methods = &optimizer_methods;
        }
    }

    chm_module_methods methods{};
    chm_loader_methods loader_methods{};
    chm_optimizer_methods optimizer_methods{};

    template <class Kind, class Body>
    static chm_status call(void* instance, Body&& body) {
        Component* self = static_cast<Component*>(instance);
        return guard(self->host().raw(), [&] { body(*static_cast<Kind*>(self)); });
    }
    static chm_status loader_size(void* instance, int64_t* n) {
        return call<Loader>(instance, [&](Loader& l) { *n = l.size(); });
    }
    static chm_status loader_fields(void* instance, const chm_field_desc** out, uint32_t* n) {
        return call<Loader>(instance, [&](Loader& l) {
            l.abi_fields_ = l.fields();
            l.abi_field_descs_.clear();
            for (const Field& f : l.abi_fields_) {
                chm_field_desc d{};
                d.struct_size = sizeof d;
                d.dtype = f.dtype;
                d.rank = static_cast<int32_t>(f.shape.size());
                d.name = f.name.c_str();
                d.shape = f.shape.empty() ? nullptr : f.shape.data();
                l.abi_field_descs_.push_back(d);
            }
            *out = l.abi_field_descs_.data();
            *n = static_cast<uint32_t>(l.abi_field_descs_.size());
        });
    }
    static chm_status loader_read(void* instance, const int64_t* indices, uint32_t n_indices,
                                  chm_tensor* const* batch, uint32_t n_fields) {
        return call<Loader>(instance, [&](Loader& l) {
            const chm_host* h = l.host().raw();
            std::vector<Tensor> tensors;
            for (uint32_t f = 0; f < n_fields; ++f) {
                chm_tensor* t = nullptr;
                l.host().check(h->tensor_retain(h, batch[f], &t));
                tensors.emplace_back(h, t);
            }
            l.read(std::vector<int64_t>(indices, indices + n_indices), tensors);
        });
    }
    static chm_status loader_save(void* instance, const char* directory) {
        return call<Loader>(instance, [&](Loader& l) { l.save(directory); });
    }
    static chm_status loader_restore(void* instance, const char* directory) {
        return call<Loader>(instance, [&](Loader& l) { l.restore(directory); });
    }
    static chm_status loader_encode(void* instance, const char* field, const char* value, chm_tensor* const* example,
                                    uint32_t n_fields) {
        return call<Loader>(instance, [&](Loader& l) {
            const chm_host* h = l.host().raw();
            if (n_fields != l.fields().size())
                throw Error("encode: the host gave " + std::to_string(n_fields) + " field tensors for " +
                                std::to_string(l.fields().size()) + " fields", CHM_ERR_INVALID_ARGUMENT);
            std::vector<Tensor> tensors;
            for (uint32_t f = 0; f < n_fields; ++f) {
                chm_tensor* t = nullptr;
                l.host().check(h->tensor_retain(h, example[f], &t));
                tensors.emplace_back(h, t);
            }
            if (!l.encode(field, value, tensors))
                throw Error(std::string("this loader cannot make field '") + field + "' from a value", CHM_ERR_UNSUPPORTED);
        });
    }
    static chm_status loader_decode(void* instance, const char* field, const chm_tensor* value, const chm_byte_sink* sink,
                                    const char** media_type) {
        return call<Loader>(instance, [&](Loader& l) {
            const chm_host* h = l.host().raw();
            chm_tensor* t = nullptr;
            l.host().check(h->tensor_retain(h, value, &t));
            Loader::Decoded out;
            if (!l.decode(field, Tensor(h, t), out))
                throw Error(std::string("this loader cannot decode field '") + field + "'", CHM_ERR_UNSUPPORTED);
            l.host().check(sink->write(sink->context, out.bytes.data(), out.bytes.size()));
            l.abi_media_type_ = out.media_type;
            *media_type = l.abi_media_type_.c_str();
        });
    }
    static chm_status optimizer_attach(void* instance, const chm_named_tensor* params, uint32_t n) {
        return call<Optimizer>(instance, [&](Optimizer& o) {
            Inputs in(o.host().raw(), params, n);
            std::vector<std::pair<std::string, Tensor>> group;
            for (uint32_t i = 0; i < n; ++i) group.emplace_back(in.name(i), in.get(i));
            o.attach(group);
        });
    }
    static chm_status optimizer_step(void* instance, double lr_scale, int64_t step) {
        return call<Optimizer>(instance, [&](Optimizer& o) { o.step(lr_scale, step); });
    }
    static chm_status optimizer_save(void* instance, chm_outputs* state) {
        return call<Optimizer>(instance, [&](Optimizer& o) {
            Outputs out(o.host().raw(), state);
            for (const auto& [name, t] : o.save_state()) out.set(name, t);
        });
    }
    static chm_status optimizer_load(void* instance, const chm_named_tensor* state, uint32_t n) {
        return call<Optimizer>(instance, [&](Optimizer& o) { o.load_state(Inputs(o.host().raw(), state, n)); });
    }

    static chm_status forward(void* instance, const chm_named_tensor* inputs, uint32_t n_inputs,
                              chm_outputs* outputs) {
        Component* self = static_cast<Component*>(instance);
        const chm_host* host = self->host().raw();
        return guard(host, [&] {
            Outputs out(host, outputs);
            static_cast<Module*>(self)->forward(Inputs(host, inputs, n_inputs), out);
        });
    }

    static chm_status create(const chm_host* host, const chm_config* config, void** out) {
        return guard(host, [&] {
            Host h(host);
            std::unique_ptr<Component> made(new T(h, Config(h, config)));
            *out = made.release();
        });
    }
    static void destroy(void* instance) { delete static_cast<Component*>(instance); }
};

// Built on the first entry call (not by a static initialiser) and kept until unload.
template <class... Ts>
struct LibraryHolder {
    std::string name, version, description;
    std::vector<const chm_component_desc*> components;
    chm_library_desc desc{};

    LibraryHolder(const char* n, const char* v, const char* d)
        : name(n), version(v), description(d) {
        components = {&component<Ts>()->desc...};
        desc.struct_size = sizeof(chm_library_desc);
        desc.abi_major = CHM_ABI_VERSION_MAJOR;
        desc.abi_minor = CHM_ABI_VERSION_MINOR;
        desc.component_count = static_cast<uint32_t>(components.size());
        desc.name = name.c_str();
        desc.version = version.c_str();
        desc.description = description.c_str();
        desc.components = components.data();
        desc.shutdown = nullptr;
        desc.opset_version = CHM_OPSET_VERSION;
    }
    template <class T>
    static ComponentHolder<T>* component() {
        static ComponentHolder<T> holder;
        return &holder;
    }
};

template <class... Ts>
const chm_library_desc* library_entry(const chm_host* host, const char* name,
                                      const char* version, const char* description) {
    if (!host) return nullptr;
    const chm_library_desc* result = nullptr;
    chm_status status = guard(host, [&] {
        if (host->abi_major != CHM_ABI_VERSION_MAJOR)
            throw Error("this plugin speaks Chimera ABI " +
                            std::to_string(CHM_ABI_VERSION_MAJOR) + ".x, the host " +
                            std::to_string(host->abi_major) + ".x",
                        CHM_ERR_UNSUPPORTED);
        static LibraryHolder<Ts...> library(name, version, description);
        result = &library.desc;
    });
    return status == CHM_OK ? result : nullptr;
}

}  // namespace detail
}  // namespace chimera

// Defines the library's entry symbol. List every component class of the library:
//     CHIMERA_PLUGIN("my_models", "1.0.0", "Encoders for my experiments", MyEncoder, MyLoss)
#define CHIMERA_PLUGIN(NAME, VERSION, DESCRIPTION, ...)                                  \
    CHM_PLUGIN_ENTRY(chimera_host_) {                                                    \
        return ::chimera::detail::library_entry<__VA_ARGS__>(chimera_host_, NAME, VERSION, \
                                                             DESCRIPTION);               \
    }

#endif  // CHIMERA_CPP_PLUGIN_HPP

// The ABI 1.1 host functions: tensors, parameters, ops, gradient mode and module outputs, each
// a thin, exception-proof bridge from the C ABI to the host's Context and OpRegistry. The maths
// is in the ops; the bookkeeping of who owns which reference is here.
#include "plugin/host_services.hpp"
#include "plugin/host_table.hpp"

#include "autograd/parameter_store.hpp"
#include "core/host_error.hpp"
#include "tensor/shape_error.hpp"

#include <chimera/opset.h>

#include <memory>
#include <new>

namespace chimera {

namespace {

const OpDef* as_def(const chm_op* op) { return reinterpret_cast<const OpDef*>(op); }
const chm_op* as_op(const OpDef* def) { return reinterpret_cast<const chm_op*>(def); }

// Runs body with the services attached to this library, turning every exception into a status
// and a message; nothing escapes into plugin code.
// Runs body with the services attached to this library; nothing escapes into plugin code.
template <class Body>
chm_status with_services(const chm_host* host, const char* what, Body&& body) noexcept {
    return host_call(what, [&]() -> chm_status {
        if (!host) return record_host_error(std::string(what) + ": host is NULL", CHM_ERR_INVALID_ARGUMENT);
        HostServices* services = static_cast<const HostTable*>(host->host_data)->services();
        if (!services)
            return record_host_error(std::string(what) + ": no compute context is attached; tensors "
                                     "and ops are available while a pipeline is built or run",
                                     CHM_ERR_UNSUPPORTED);
        return body(*services);
    });
}

Shape shape_of(int32_t rank, const int64_t* dims) {
    if (rank < 0 || rank > CHM_MAX_RANK)
        throw ShapeError("rank " + std::to_string(rank) + " is outside 0.." + std::to_string(CHM_MAX_RANK));
    if (rank > 0 && !dims) throw ShapeError("shape pointer is NULL for rank " + std::to_string(rank));
    return Shape(dims, dims + rank);
}

chm_status tensor_create(const chm_host* host, chm_dtype dtype, int32_t rank, const int64_t* shape,
                         chm_tensor** out) {
    return with_services(host, "tensor_create", [&](HostServices& s) {
        if (!out) return record_host_error("tensor_create: out is NULL", CHM_ERR_INVALID_ARGUMENT);
        if (dtype != CHM_DTYPE_F32 && dtype != CHM_DTYPE_I32)
            return record_host_error("tensor_create: unknown dtype " + std::to_string(dtype),
                                     CHM_ERR_INVALID_ARGUMENT);
        Tensor t = s.context.zeros(static_cast<DType>(dtype), shape_of(rank, shape));
        *out = new chm_tensor{t};
        return CHM_OK;
    });
}

chm_status tensor_retain(const chm_host* host, const chm_tensor* tensor, chm_tensor** out) {
    return with_services(host, "tensor_retain", [&](HostServices&) {
        if (!tensor || !out) return record_host_error("tensor_retain: NULL argument", CHM_ERR_INVALID_ARGUMENT);
        *out = new chm_tensor{tensor->tensor};
        return CHM_OK;
    });
}

void tensor_release(const chm_host*, chm_tensor* tensor) { delete tensor; }

chm_status tensor_view(const chm_host* host, const chm_tensor* tensor, chm_tensor_view* out) {
    return with_services(host, "tensor_view", [&](HostServices&) {
        if (!tensor || !out) return record_host_error("tensor_view: NULL argument", CHM_ERR_INVALID_ARGUMENT);
        if (out->struct_size < offsetof(chm_tensor_view, numel) + sizeof(int64_t))
            return record_host_error("tensor_view: struct_size too small", CHM_ERR_INVALID_ARGUMENT);
        const Tensor& t = tensor->tensor;
        out->dtype = static_cast<chm_dtype>(t.dtype());
        out->rank = t.rank();
        out->data = t.raw();
        out->shape = t.shape().data();
        out->numel = t.numel();
        return CHM_OK;
    });
}

// Parameters and buffers: made only during create, named under the instance.
chm_status make_state(const chm_host* host, const char* what, bool trainable, const char* name, int32_t rank,
                      const int64_t* shape, chm_init init, double a, double b, chm_tensor** out) {
    return with_services(host, what, [&](HostServices& s) {
        if (!name || !*name || !out)
            return record_host_error(std::string(what) + ": name and out are required", CHM_ERR_INVALID_ARGUMENT);
        if (s.creating.empty())
            return record_host_error(std::string(what) + "('" + name + "'): only while the component is "
                                     "being created", CHM_ERR_INVALID_ARGUMENT);
        std::string full = s.creating + "." + name;
        ParameterStore& store = s.context.parameters();
        Tensor t = trainable ? store.create(full, shape_of(rank, shape), init, a, b)
                             : store.create_buffer(full, shape_of(rank, shape), init, a, b);
        *out = new chm_tensor{t};
        return CHM_OK;
    });
}

chm_status param_create(const chm_host* host, const char* name, int32_t rank, const int64_t* shape,
                        chm_init init, double a, double b, chm_tensor** out) {
    return make_state(host, "param_create", true, name, rank, shape, init, a, b, out);
}

chm_status buffer_create(const chm_host* host, const char* name, int32_t rank, const int64_t* shape,
                         chm_init init, double a, double b, chm_tensor** out) {
    return make_state(host, "buffer_create", false, name, rank, shape, init, a, b, out);
}

chm_status tensor_grad(const chm_host* host, const chm_tensor* param, chm_tensor** out) {
    return with_services(host, "tensor_grad", [&](HostServices&) {
        if (!param || !out) return record_host_error("tensor_grad: NULL argument", CHM_ERR_INVALID_ARGUMENT);
        Tensor g = param->tensor.grad();
        *out = g.defined() ? new chm_tensor{g} : nullptr;
        return CHM_OK;
    });
}

int32_t training(const chm_host* host) {
    HostServices* services = host ? static_cast<const HostTable*>(host->host_data)->services() : nullptr;
    return services && services->context.training() ? 1 : 0;
}

// The op called `name` at `version`: versions 1 up to the host's own are honoured.
chm_status find_op(HostServices& s, const char* name, uint32_t version, const chm_op** out) {
    if (!name || !out) return record_host_error("op_find_version: NULL argument", CHM_ERR_INVALID_ARGUMENT);
    const OpDef* def = s.ops.find(name);
    if (!def) {
        try {
            s.ops.require(name);
        } catch (const ShapeError& e) {  // its message lists the ops there are
            return record_host_error(e.what(), CHM_ERR_NOT_FOUND);
        }
    }
    if (version < 1)
        return record_host_error("op '" + def->name + "': version 0 does not exist; op versions start at 1",
                                 CHM_ERR_INVALID_ARGUMENT);
    if (version > def->version)
        return record_host_error("op '" + def->name + "' version " + std::to_string(version) +
                                     " is not one this host computes (it has versions 1 to " +
                                     std::to_string(def->version) + ", op set " + std::to_string(CHM_OPSET_VERSION) +
                                     "); the plugin was built against a newer Chimera SDK: update Chimera or "
                                     "rebuild the plugin against this host's SDK",
                                 CHM_ERR_UNSUPPORTED);
    *out = as_op(def);
    return CHM_OK;
}

chm_status op_find(const chm_host* host, const char* name, const chm_op** out) {
    return with_services(host, "op_find", [&](HostServices& s) { return find_op(s, name, 1, out); });
}

chm_status op_find_version(const chm_host* host, const char* name, uint32_t version, const chm_op** out) {
    return with_services(host, "op_find_version", [&](HostServices& s) { return find_op(s, name, version, out); });
}

// Runs `def` on the borrowed inputs with positional attributes and hands out the results.
chm_status run_op(HostServices& s, const OpDef& def, const chm_tensor* const* inputs, uint32_t n_inputs,
                  const Attrs& attrs, chm_tensor** outputs, uint32_t n_outputs) {
    if (static_cast<int>(n_outputs) != def.outputs)  // before running: no tape entry, no random stream
        return record_host_error(def.name + ": returns " + std::to_string(def.outputs) +
                                     " outputs, the caller asked for " + std::to_string(n_outputs),
                                 CHM_ERR_INVALID_ARGUMENT);
    std::vector<Tensor> in;
    for (uint32_t i = 0; i < n_inputs; ++i) in.push_back(inputs[i] ? inputs[i]->tensor : Tensor());
    std::vector<Tensor> result = s.ops.call(s.context, def, in, attrs);
    if (s.op_observer) s.op_observer(OpCall{def.name, in, attrs, result});
    // All handles made before any is handed out: a failure leaves `outputs` untouched.
    std::vector<std::unique_ptr<chm_tensor>> made;
    for (const Tensor& t : result) made.push_back(std::make_unique<chm_tensor>(chm_tensor{t}));
    for (uint32_t i = 0; i < n_outputs; ++i) outputs[i] = made[i].release();
    return CHM_OK;
}

chm_status op_call(const chm_host* host, const chm_op* op, const chm_tensor* const* inputs,
                   uint32_t n_inputs, const double* attrs, uint32_t n_attrs, chm_tensor** outputs,
                   uint32_t n_outputs) {
    return with_services(host, "op_call", [&](HostServices& s) {
        if (!op || (n_inputs && !inputs) || (n_attrs && !attrs) || (n_outputs && !outputs))
            return record_host_error("op_call: NULL argument", CHM_ERR_INVALID_ARGUMENT);
        return run_op(s, *as_def(op), inputs, n_inputs, Attrs(attrs, attrs + n_attrs), outputs, n_outputs);
    });
}

chm_status op_call_named(const chm_host* host, const chm_op* op, const chm_tensor* const* inputs,
                         uint32_t n_inputs, const chm_attr* attrs, uint32_t n_attrs, chm_tensor** outputs,
                         uint32_t n_outputs) {
    return with_services(host, "op_call_named", [&](HostServices& s) {
        if (!op || (n_inputs && !inputs) || (n_attrs && !attrs) || (n_outputs && !outputs))
            return record_host_error("op_call_named: NULL argument", CHM_ERR_INVALID_ARGUMENT);
        const OpDef& def = *as_def(op);
        if (n_attrs && attrs[0].struct_size < offsetof(chm_attr, text) + sizeof(const char*))
            return record_host_error(def.name + ": chm_attr struct_size too small", CHM_ERR_INVALID_ARGUMENT);
        std::vector<NamedAttr> named;
        for (uint32_t i = 0; i < n_attrs; ++i) {
            const chm_attr& a = *reinterpret_cast<const chm_attr*>(reinterpret_cast<const char*>(attrs) +
                                                                   std::size_t(i) * attrs[0].struct_size);
            if (a.struct_size != attrs[0].struct_size)
                return record_host_error(def.name + ": attribute " + std::to_string(i) +
                                             "'s struct_size differs from the first attribute's",
                                         CHM_ERR_INVALID_ARGUMENT);
            if (!a.name || (a.count && !a.values))
                return record_host_error(def.name + ": attribute " + std::to_string(i) + " has a NULL name or values",
                                         CHM_ERR_INVALID_ARGUMENT);
            NamedAttr n{a.name, std::vector<double>(a.values, a.values + a.count), a.text ? a.text : "", a.text != nullptr};
            named.push_back(std::move(n));
        }
        return run_op(s, def, inputs, n_inputs, def.attrs.positional(def.name, named), outputs, n_outputs);
    });
}

chm_status grad_mode(const chm_host* host, int32_t enabled, int32_t* previous) {
    return with_services(host, "grad_mode", [&](HostServices& s) {
        if (previous) *previous = s.context.grad_enabled() ? 1 : 0;
        s.context.set_grad_enabled(enabled != 0);
        return CHM_OK;
    });
}

chm_status output_set(const chm_host* host, chm_outputs* outputs, const char* name,
                      const chm_tensor* tensor) {
    return with_services(host, "output_set", [&](HostServices&) {
        if (!outputs || !name || !tensor)
            return record_host_error("output_set: NULL argument", CHM_ERR_INVALID_ARGUMENT);
        for (const auto& item : outputs->items)
            if (item.first == name)
                return record_host_error(std::string("output '") + name + "' is set twice",
                                         CHM_ERR_INVALID_ARGUMENT);
        outputs->items.emplace_back(name, tensor->tensor);
        return CHM_OK;
    });
}

}  // namespace

void install_compute_functions(chm_host& table) {
    table.tensor_create = tensor_create;
    table.tensor_retain = tensor_retain;
    table.tensor_release = tensor_release;
    table.tensor_view = tensor_view;
    table.param_create = param_create;
    table.op_find = op_find;
    table.op_call = op_call;
    table.op_find_version = op_find_version;
    table.op_call_named = op_call_named;
    table.grad_mode = grad_mode;
    table.output_set = output_set;
    table.buffer_create = buffer_create;
    table.tensor_grad = tensor_grad;
    table.training = training;
}

}  // namespace chimera

// Header-only C++17 wrapper over <chimera/abi.h> for plugin authors.
//
// It gives one exception type (chimera::Error), a typed view of the configuration
// (chimera::Config), a parameter-schema builder (chimera::Param), a base class per component kind,
// and one macro (CHIMERA_PLUGIN) that defines the library's entry symbol. It adds no state and no
// ABI of its own: everything it does is expressed through the C structs and the host table, and
// exceptions never cross the boundary (guard() turns them into statuses).
#ifndef CHIMERA_CHIMERA_HPP
#define CHIMERA_CHIMERA_HPP

#include <chimera/abi.h>

#include <cstdint>
#include <cstdio>
#include <exception>
#include <memory>
#include <new>
#include <stdexcept>
#include <type_traits>
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

namespace chimera {

// The one exception type of the wrapper. Thrown by wrapper calls whose host function failed
// (carrying the host's status and message), and by plugin code that wants a specific status.
class Error : public std::runtime_error {
public:
    explicit Error(const std::string& message, chm_status status = CHM_ERR_RUNTIME)
        : std::runtime_error(message), status_(status) {}
    chm_status status() const noexcept { return status_; }

private:
    chm_status status_;
};

// Runs `body` and turns any exception into a status recorded with host->set_error.
// The single place where C++ errors become ABI errors; every trampoline goes through it.
template <class Body>
chm_status guard(const chm_host* host, Body&& body) noexcept {
    auto fail = [host](chm_status status, const char* message) noexcept {
        return host ? host->set_error(host, status, message) : status;
    };
    try {
        body();
        return CHM_OK;
    } catch (const Error& e) {
        return fail(e.status(), e.what());
    } catch (const std::bad_alloc&) {
        return fail(CHM_ERR_OUT_OF_MEMORY, "out of memory");
    } catch (const std::exception& e) {
        return fail(CHM_ERR_RUNTIME, e.what());
    } catch (...) {
        return fail(CHM_ERR_RUNTIME, "unknown exception");
    }
}

// A non-owning view of the host table. Cheap to copy; valid while the library is loaded.
class Host {
public:
    explicit Host(const chm_host* host) : host_(host) {
        if (!host) throw Error("no host: this object was not made by the host", CHM_ERR_INVALID_ARGUMENT);
    }
    const chm_host* raw() const noexcept { return host_; }

    void log(chm_log_level level, const std::string& message) const {
        host_->log(host_, level, message.c_str());
    }
    void debug(const std::string& m) const { log(CHM_LOG_DEBUG, m); }
    void info(const std::string& m) const { log(CHM_LOG_INFO, m); }
    void warning(const std::string& m) const { log(CHM_LOG_WARNING, m); }

    // Throws Error carrying the host's message when a host call failed.
    void check(chm_status status) const {
        if (status != CHM_OK) throw Error(host_->last_error(host_), status);
    }

private:
    const chm_host* host_;
};

// A reference to a host-owned tensor. Copies share the tensor (each holds its own reference);
// the reference is released when the handle goes away. Dense, row-major (images NCHW).
class Tensor {
public:
    Tensor() = default;
    // Takes over `owned`, a reference a host function handed out.
    Tensor(const chm_host* host, chm_tensor* owned) : host_(host), t_(owned) {}
    Tensor(const Tensor& other) : host_(other.host_) {
        if (other.t_) Host(host_).check(host_->tensor_retain(host_, other.t_, &t_));
    }
    Tensor(Tensor&& other) noexcept : host_(other.host_), t_(other.t_) { other.t_ = nullptr; }
    Tensor& operator=(Tensor other) noexcept {
        std::swap(host_, other.host_);
        std::swap(t_, other.t_);
        return *this;
    }
    ~Tensor() {
        if (t_) host_->tensor_release(host_, t_);
    }

    // A zero-filled tensor of `shape`.
    static Tensor zeros(Host host, const std::vector<int64_t>& shape, chm_dtype dtype = CHM_DTYPE_F32) {
        chm_tensor* t = nullptr;
        host.check(host.raw()->tensor_create(host.raw(), dtype, static_cast<int32_t>(shape.size()),
                                             shape.data(), &t));
        return Tensor(host.raw(), t);
    }
    // A float32 tensor holding `values` (row-major), shaped `shape`.
    static Tensor from(Host host, const std::vector<int64_t>& shape, const std::vector<float>& values) {
        Tensor t = zeros(host, shape);
        if (static_cast<int64_t>(values.size()) != t.numel())
            throw Error(std::to_string(values.size()) + " values do not fill a tensor of " +
                            std::to_string(t.numel()) + " elements",
                        CHM_ERR_INVALID_ARGUMENT);
        std::copy(values.begin(), values.end(), t.data());
        return t;
    }

    bool defined() const noexcept { return t_ != nullptr; }
    chm_dtype dtype() const { return view().dtype; }
    int rank() const { return view().rank; }
    std::vector<int64_t> shape() const {
        chm_tensor_view v = view();
        return std::vector<int64_t>(v.shape, v.shape + v.rank);
    }
    int64_t dim(int i) const {
        chm_tensor_view v = view();
        int k = i < 0 ? i + v.rank : i;
        if (k < 0 || k >= v.rank) throw Error("tensor has no dimension " + std::to_string(i), CHM_ERR_INVALID_ARGUMENT);
        return v.shape[k];
    }
    int64_t numel() const { return view().numel; }
    // Element data. Write only to tensors you made with zeros/from and not yet passed to an op.
    float* data() const { return static_cast<float*>(typed_view(CHM_DTYPE_F32).data); }
    int32_t* data_i32() const { return static_cast<int32_t*>(typed_view(CHM_DTYPE_I32).data); }
    // The single value of a one-element float32 tensor.
    float item() const {
        if (numel() != 1) throw Error("item() needs a one-element tensor", CHM_ERR_INVALID_ARGUMENT);
        return data()[0];
    }

    const chm_tensor* raw() const noexcept { return t_; }
    const chm_host* host() const noexcept { return host_; }

private:
    chm_tensor_view view() const {
        if (!t_) throw Error("tensor is empty", CHM_ERR_INVALID_ARGUMENT);
        chm_tensor_view v{};
        v.struct_size = sizeof v;
        Host(host_).check(host_->tensor_view(host_, t_, &v));
        return v;
    }
    chm_tensor_view typed_view(chm_dtype want) const {
        chm_tensor_view v = view();
        if (v.dtype != want)
            throw Error(std::string("tensor is ") + (v.dtype == CHM_DTYPE_F32 ? "float32" : "int32") +
                            ", not " + (want == CHM_DTYPE_F32 ? "float32" : "int32"),
                        CHM_ERR_TYPE);
        return v;
    }

    const chm_host* host_ = nullptr;
    chm_tensor* t_ = nullptr;
};

// Turns gradient recording off for its scope (evaluation, sampling), restoring it afterwards.
class NoGrad {
public:
    explicit NoGrad(Host host) : host_(host) { host.check(host.raw()->grad_mode(host.raw(), 0, &previous_)); }
    ~NoGrad() { host_.raw()->grad_mode(host_.raw(), previous_, nullptr); }
    NoGrad(const NoGrad&) = delete;
    NoGrad& operator=(const NoGrad&) = delete;

private:
    Host host_;
    int32_t previous_ = 1;
};

// The host's ops. Each records itself for backward when an input requires gradients.
// `chimera ops` lists them with their inputs and attributes.
namespace ops {

// Calls op `name` through `host` with `inputs` (an empty Tensor for an absent optional input)
// and numeric `attrs`, returning `n_outputs` new tensors.
inline std::vector<Tensor> call(Host h, const char* name, const std::vector<const Tensor*>& inputs,
                                const std::vector<double>& attrs = {}, uint32_t n_outputs = 1) {
    const chm_host* host = h.raw();
    const chm_op* op = nullptr;
    h.check(host->op_find(host, name, &op));
    std::vector<const chm_tensor*> raw;
    for (const Tensor* t : inputs) raw.push_back(t && t->defined() ? t->raw() : nullptr);
    std::vector<chm_tensor*> out(n_outputs, nullptr);
    std::vector<Tensor> result;
    result.reserve(n_outputs);  // so taking over the references below cannot throw
    h.check(host->op_call(host, op, raw.data(), static_cast<uint32_t>(raw.size()), attrs.data(),
                          static_cast<uint32_t>(attrs.size()), out.data(), n_outputs));
    for (chm_tensor* t : out) result.emplace_back(host, t);
    return result;
}
// The same, finding the host through the first defined input.
inline std::vector<Tensor> call(const char* name, const std::vector<const Tensor*>& inputs,
                                const std::vector<double>& attrs = {}, uint32_t n_outputs = 1) {
    for (const Tensor* t : inputs)
        if (t && t->defined()) return call(Host(t->host()), name, inputs, attrs, n_outputs);
    throw Error(std::string(name) + ": needs at least one defined input tensor", CHM_ERR_INVALID_ARGUMENT);
}
inline Tensor call1(const char* name, const std::vector<const Tensor*>& inputs,
                    const std::vector<double>& attrs = {}) {
    return std::move(call(name, inputs, attrs)[0]);
}

// Activations linear can apply inside its primitive (a oneDNN post-op): cheaper than a separate op.
struct Act {
    static constexpr int none = 0, relu = 1, leaky_relu = 2, tanh = 3, sigmoid = 4, elu = 5;
};
// act(x w^T + b); `alpha` is leaky_relu's slope or elu's alpha (negative: the op's default).
inline Tensor linear(const Tensor& x, const Tensor& w, const Tensor& b = Tensor(), int activation = Act::none,
                     double alpha = -1) {
    if (activation == Act::none) return call1("linear", {&x, &w, &b});
    if (alpha < 0) return call1("linear", {&x, &w, &b}, {double(activation)});
    return call1("linear", {&x, &w, &b}, {double(activation), alpha});
}
inline Tensor matmul(const Tensor& a, const Tensor& b) { return call1("matmul", {&a, &b}); }
inline Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& b, int stride = 1, int padding = 0,
                     int dilation = 1, int groups = 1) {
    return call1("conv2d", {&x, &w, &b}, {double(stride), double(stride), double(padding),
                                          double(padding), double(dilation), double(dilation), double(groups)});
}
inline Tensor conv_transpose2d(const Tensor& x, const Tensor& w, const Tensor& b, int stride = 1,
                               int padding = 0, int output_padding = 0, int groups = 1, int dilation = 1) {
    return call1("conv_transpose2d", {&x, &w, &b},
                 {double(stride), double(stride), double(padding), double(padding), double(output_padding),
                  double(output_padding), double(groups), double(dilation), double(dilation)});
}
inline Tensor max_pool2d(const Tensor& x, int kernel, int stride = 0, int padding = 0) {
    int s = stride ? stride : kernel;
    return call1("max_pool2d", {&x}, {double(kernel), double(kernel), double(s), double(s), double(padding), double(padding)});
}
inline Tensor avg_pool2d(const Tensor& x, int kernel, int stride = 0, int padding = 0) {
    int s = stride ? stride : kernel;
    return call1("avg_pool2d", {&x}, {double(kernel), double(kernel), double(s), double(s), double(padding), double(padding)});
}
inline Tensor batch_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& running_mean,
                         const Tensor& running_var, bool training, double momentum = 0.1, double eps = 1e-5) {
    return call1("batch_norm", {&x, &gamma, &beta, &running_mean, &running_var},
                 {training ? 1.0 : 0.0, momentum, eps});
}
inline Tensor layer_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, double eps = 1e-5) {
    return call1("layer_norm", {&x, &gamma, &beta}, {eps});
}
inline Tensor softmax(const Tensor& x, int axis = -1) { return call1("softmax", {&x}, {double(axis)}); }
inline Tensor log_softmax(const Tensor& x, int axis = -1) { return call1("log_softmax", {&x}, {double(axis)}); }
inline Tensor dropout(const Tensor& x, double p, bool training) {
    return call1("dropout", {&x}, {p, training ? 1.0 : 0.0});
}
inline Tensor relu(const Tensor& x) { return call1("relu", {&x}); }
inline Tensor leaky_relu(const Tensor& x, double slope = 0.01) { return call1("leaky_relu", {&x}, {slope}); }
inline Tensor elu(const Tensor& x, double alpha = 1.0) { return call1("elu", {&x}, {alpha}); }
inline Tensor gelu(const Tensor& x) { return call1("gelu", {&x}); }
inline Tensor tanh(const Tensor& x) { return call1("tanh", {&x}); }
inline Tensor sigmoid(const Tensor& x) { return call1("sigmoid", {&x}); }
inline Tensor softplus(const Tensor& x) { return call1("softplus", {&x}); }
inline Tensor exp(const Tensor& x) { return call1("exp", {&x}); }
inline Tensor log(const Tensor& x) { return call1("log", {&x}); }
inline Tensor sqrt(const Tensor& x) { return call1("sqrt", {&x}); }
inline Tensor square(const Tensor& x) { return call1("square", {&x}); }
inline Tensor abs(const Tensor& x) { return call1("abs", {&x}); }
inline Tensor add(const Tensor& a, const Tensor& b) { return call1("add", {&a, &b}); }
inline Tensor sub(const Tensor& a, const Tensor& b) { return call1("sub", {&a, &b}); }
inline Tensor mul(const Tensor& a, const Tensor& b) { return call1("mul", {&a, &b}); }
inline Tensor div(const Tensor& a, const Tensor& b) { return call1("div", {&a, &b}); }
inline Tensor add_scalar(const Tensor& x, double c) { return call1("add_scalar", {&x}, {c}); }
inline Tensor mul_scalar(const Tensor& x, double c) { return call1("mul_scalar", {&x}, {c}); }
inline Tensor pow_scalar(const Tensor& x, double p) { return call1("pow_scalar", {&x}, {p}); }
// sum / mean over `axes` (all when empty).
inline Tensor sum(const Tensor& x, const std::vector<int>& axes = {}, bool keepdim = false) {
    std::vector<double> a{keepdim ? 1.0 : 0.0};
    for (int ax : axes) a.push_back(ax);
    return call1("sum", {&x}, a);
}
inline Tensor mean(const Tensor& x, const std::vector<int>& axes = {}, bool keepdim = false) {
    std::vector<double> a{keepdim ? 1.0 : 0.0};
    for (int ax : axes) a.push_back(ax);
    return call1("mean", {&x}, a);
}
inline Tensor reshape(const Tensor& x, const std::vector<int64_t>& dims) {
    return call1("reshape", {&x}, std::vector<double>(dims.begin(), dims.end()));
}
inline Tensor flatten(const Tensor& x, int start_axis = 1) { return call1("flatten", {&x}, {double(start_axis)}); }
inline Tensor rsub_scalar(const Tensor& x, double c) { return call1("rsub_scalar", {&x}, {c}); }
inline Tensor clamp(const Tensor& x, double lo, double hi) { return call1("clamp", {&x}, {lo, hi}); }
inline Tensor permute(const Tensor& x, const std::vector<int>& axes) {
    return call1("permute", {&x}, std::vector<double>(axes.begin(), axes.end()));
}
inline Tensor transpose(const Tensor& x, int axis0 = -2, int axis1 = -1) {
    return call1("transpose", {&x}, {double(axis0), double(axis1)});
}
inline Tensor concat(const std::vector<Tensor>& xs, int axis) {
    std::vector<const Tensor*> in;
    for (const Tensor& x : xs) in.push_back(&x);
    return call1("concat", in, {double(axis)});
}
inline Tensor slice(const Tensor& x, int axis, int64_t start, int64_t stop, int64_t step = 1) {
    return call1("slice", {&x}, {double(axis), double(start), double(stop), double(step)});
}
// table[indices]: int32 indices of any shape, float32 table [V, D] -> [..., D].
inline Tensor embedding(const Tensor& indices, const Tensor& table) { return call1("embedding", {&indices, &table}); }
// logits[i, labels[i]] for float32 logits [N, C] and int32 labels [N].
inline Tensor gather_classes(const Tensor& logits, const Tensor& labels) {
    return call1("gather_classes", {&logits, &labels});
}
// Random tensors: each call draws a fresh stream of the run's counter-based generator, so
// results depend on the seed and the order of calls, never on the thread count.
inline Tensor random_uniform(Host host, const std::vector<int64_t>& shape, double lo = 0, double hi = 1) {
    std::vector<double> a{lo, hi};
    a.insert(a.end(), shape.begin(), shape.end());
    return std::move(call(host, "random_uniform", {}, a)[0]);
}
inline Tensor random_normal(Host host, const std::vector<int64_t>& shape, double mean = 0, double std = 1) {
    std::vector<double> a{mean, std};
    a.insert(a.end(), shape.begin(), shape.end());
    return std::move(call(host, "random_normal", {}, a)[0]);
}
// 1 with probability p (elementwise), else 0.
inline Tensor bernoulli(const Tensor& p) { return call1("bernoulli", {&p}); }

}  // namespace ops

// A node of a component's configuration (map, list or scalar), read through the host.
// Valid only during the component's constructor: copy out what you keep.
class Config {
public:
    Config(Host host, const chm_config* node) : host_(host), node_(node) {}

    bool has(const char* key) const {
        int32_t out = 0;
        host_.check(raw_host()->config_has(raw_host(), node_, key, &out));
        return out != 0;
    }
    // get<T>(key) for bool, int64_t, int, double, float, std::string and std::vector of those;
    // get<T>() reads the node itself.
    template <class T>
    T get(const char* key = nullptr) const {
        return read(key, static_cast<T*>(nullptr));
    }
    Config child(const char* key) const {
        const chm_config* out = nullptr;
        host_.check(raw_host()->config_child(raw_host(), node_, key, &out));
        return Config(host_, out);
    }
    std::size_t size() const {
        int64_t out = 0;
        host_.check(raw_host()->config_size(raw_host(), node_, &out));
        return static_cast<std::size_t>(out);
    }
    Config operator[](std::size_t index) const {
        const chm_config* out = nullptr;
        host_.check(raw_host()->config_element(raw_host(), node_, static_cast<int64_t>(index), &out));
        return Config(host_, out);
    }
    // "file:line:column (yaml.path)" of `key`, for error messages that point at the YAML.
    std::string where(const char* key = nullptr) const {
        const char* out = "";
        host_.check(raw_host()->config_where(raw_host(), node_, key, &out));
        return out;
    }
    const chm_config* raw() const noexcept { return node_; }

private:
    const chm_host* raw_host() const noexcept { return host_.raw(); }

    bool read(const char* key, bool*) const {
        int32_t v = 0;
        host_.check(raw_host()->config_get_bool(raw_host(), node_, key, &v));
        return v != 0;
    }
    int64_t read(const char* key, int64_t*) const {
        int64_t v = 0;
        host_.check(raw_host()->config_get_int(raw_host(), node_, key, &v));
        return v;
    }
    int read(const char* key, int*) const {
        int64_t v = read(key, static_cast<int64_t*>(nullptr));
        if (v < INT32_MIN || v > INT32_MAX)
            throw Error(where(key) + ": " + std::to_string(v) + " does not fit in 32 bits",
                        CHM_ERR_INVALID_ARGUMENT);
        return static_cast<int>(v);
    }
    double read(const char* key, double*) const {
        double v = 0;
        host_.check(raw_host()->config_get_float(raw_host(), node_, key, &v));
        return v;
    }
    float read(const char* key, float*) const {
        return static_cast<float>(read(key, static_cast<double*>(nullptr)));
    }
    std::string read(const char* key, std::string*) const {
        const char* v = "";
        host_.check(raw_host()->config_get_string(raw_host(), node_, key, &v));
        return v;
    }
    template <class T>
    std::vector<T> read(const char* key, std::vector<T>*) const {
        Config list = key ? child(key) : *this;
        std::vector<T> out;
        out.reserve(list.size());
        for (std::size_t i = 0; i < list.size(); ++i) out.push_back(list[i].template get<T>());
        return out;
    }

    Host host_;
    const chm_config* node_;
};

// One declared parameter, built fluently: Param::integer("units", 64, "width").range(1, 4096).
class Param {
public:
    static Param boolean(std::string name, bool def, std::string doc) {
        return Param(std::move(name), CHM_PARAM_BOOL, def ? "true" : "false", std::move(doc));
    }
    static Param integer(std::string name, int64_t def, std::string doc) {
        return Param(std::move(name), CHM_PARAM_INT, std::to_string(def), std::move(doc));
    }
    static Param real(std::string name, double def, std::string doc) {
        return Param(std::move(name), CHM_PARAM_FLOAT, number(def), std::move(doc));
    }
    static Param string(std::string name, std::string def, std::string doc) {
        return Param(std::move(name), CHM_PARAM_STRING, yaml_string(def), std::move(doc));
    }
    static Param int_list(std::string name, const std::vector<int64_t>& def, std::string doc) {
        std::vector<std::string> items;
        for (int64_t v : def) items.push_back(std::to_string(v));
        return Param(std::move(name), CHM_PARAM_INT_LIST, list(items), std::move(doc));
    }
    static Param float_list(std::string name, const std::vector<double>& def, std::string doc) {
        std::vector<std::string> items;
        for (double v : def) items.push_back(number(v));
        return Param(std::move(name), CHM_PARAM_FLOAT_LIST, list(items), std::move(doc));
    }
    static Param string_list(std::string name, const std::vector<std::string>& def,
                             std::string doc) {
        std::vector<std::string> items;
        for (const auto& item : def) items.push_back(yaml_string(item));
        return Param(std::move(name), CHM_PARAM_STRING_LIST, list(items), std::move(doc));
    }
    // A YAML subtree the component validates itself; `def` is its default as YAML text.
    static Param node(std::string name, std::string def, std::string doc) {
        return Param(std::move(name), CHM_PARAM_NODE, std::move(def), std::move(doc));
    }
    // A parameter with no default: configurations must set it.
    static Param required(std::string name, chm_param_type type, std::string doc) {
        Param p(std::move(name), type, "", std::move(doc));
        p.required_ = true;
        return p;
    }

    Param& min(double v) { flags_ |= CHM_PARAM_HAS_MIN; min_ = v; return *this; }
    Param& max(double v) { flags_ |= CHM_PARAM_HAS_MAX; max_ = v; return *this; }
    Param& range(double lo, double hi) { return min(lo).max(hi); }
    Param& choices(const std::vector<std::string>& allowed) {
        choices_.clear();
        for (const auto& c : allowed) choices_ += (choices_.empty() ? "" : "|") + c;
        has_choices_ = true;
        return *this;
    }

    // The C view; its strings point into this object, which must outlive it.
    chm_param_desc describe() const {
        chm_param_desc d{};
        d.struct_size = sizeof(chm_param_desc);
        d.type = type_;
        d.flags = flags_;
        d.min_value = min_;
        d.max_value = max_;
        d.name = name_.c_str();
        d.default_value = required_ ? nullptr : default_.c_str();
        d.doc = doc_.c_str();
        d.choices = has_choices_ ? choices_.c_str() : nullptr;
        return d;
    }

private:
    Param(std::string name, chm_param_type type, std::string def, std::string doc)
        : name_(std::move(name)), default_(std::move(def)), doc_(std::move(doc)), type_(type) {}

    static std::string number(double v) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.9g", v);
        return buf;
    }
    // `s` as a YAML scalar: plain when YAML would read it back unchanged as a string, else
    // double-quoted with escapes ("", "null", "a: b", "[x]", "#tag", " padded ").
    static std::string yaml_string(const std::string& s) {
        bool plain = !s.empty() && s.front() != ' ' && s.back() != ' ' && s != "null" && s != "Null" &&
                     s != "NULL" && s != "~" && s.find_first_of(":#[]{},&*!|>'\"%@`\\\n\t") == std::string::npos &&
                     s.front() != '-' && s.front() != '?';
        if (plain) return s;
        std::string out = "\"";
        for (char c : s) {
            if (c == '"' || c == '\\') out += '\\';
            if (c == '\n') { out += "\\n"; continue; }
            if (c == '\t') { out += "\\t"; continue; }
            out += c;
        }
        return out + "\"";
    }
    static std::string list(const std::vector<std::string>& items) {
        std::string out = "[";
        for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + items[i];
        return out + "]";
    }

    std::string name_, default_, doc_, choices_;
    chm_param_type type_;
    uint32_t flags_ = 0;
    double min_ = 0, max_ = 0;
    bool required_ = false, has_choices_ = false;
};

// What a component class returns from its static describe().
struct Description {
    std::string name;
    std::string version;
    std::string description;
    std::vector<Param> params;
};

// Base of every component instance. Subclasses take (Host, const Config&) in their constructor
// and read their options there; the constructor may throw chimera::Error.
class Component {
public:
    explicit Component(Host host) : host_(host) {}
    Component(const Component&) = delete;
    Component& operator=(const Component&) = delete;
    virtual ~Component() = default;
    Host host() const { return host_; }
    // True while the run trains; false while it evaluates or generates (dropout, batch norm).
    bool training() const { return host_.raw()->training(host_.raw()) != 0; }

private:
    Host host_;
};

// A module's named inputs, borrowed for one forward call.
class Inputs {
public:
    Inputs(const chm_host* host, const chm_named_tensor* items, uint32_t n) : host_(host), items_(items), n_(n) {}
    // Element i, stepped by the host's struct_size (later ABIs may make elements larger).
    const chm_named_tensor& at(uint32_t i) const {
        const char* base = reinterpret_cast<const char*>(items_);
        return *reinterpret_cast<const chm_named_tensor*>(base + std::size_t(i) * items_[0].struct_size);
    }
    bool has(const std::string& name) const { return find(name) != nullptr; }
    // A new reference to input `name`; throws Error naming the inputs there are.
    Tensor operator[](const std::string& name) const {
        const chm_named_tensor* item = find(name);
        if (!item) {
            std::string names;
            for (uint32_t i = 0; i < n_; ++i) names += (i ? ", " : "") + std::string(at(i).name);
            throw Error("no input named '" + name + "' (inputs: " + (names.empty() ? "none" : names) + ")",
                        CHM_ERR_NOT_FOUND);
        }
        chm_tensor* t = nullptr;
        Host(host_).check(host_->tensor_retain(host_, item->tensor, &t));
        return Tensor(host_, t);
    }
    uint32_t size() const { return n_; }
    std::string name(uint32_t i) const { return at(i).name; }
    // A new reference to element i.
    Tensor get(uint32_t i) const {
        chm_tensor* t = nullptr;
        Host(host_).check(host_->tensor_retain(host_, at(i).tensor, &t));
        return Tensor(host_, t);
    }

private:
    const chm_named_tensor* find(const std::string& name) const {
        for (uint32_t i = 0; i < n_; ++i)
            if (name == at(i).name) return &at(i);
        return nullptr;
    }
    const chm_host* host_;
    const chm_named_tensor* items_;
    uint32_t n_;
};

// Where forward puts its named results.
class Outputs {
public:
    Outputs(const chm_host* host, chm_outputs* outputs) : host_(host), outputs_(outputs) {}
    void set(const std::string& name, const Tensor& t) {
        Host(host_).check(host_->output_set(host_, outputs_, name.c_str(), t.raw()));
    }

private:
    const chm_host* host_;
    chm_outputs* outputs_;
};

// Base of components that compute: encoders, generators, losses.
class Module : public Component {
public:
    using Component::Component;
    // Computes outputs from inputs with chimera::ops; gradients flow through them.
    virtual void forward(const Inputs& inputs, Outputs& outputs) = 0;

protected:
    // Makes a trainable parameter; call from the constructor or the first forward (to size it
    // from the first input, as Keras layers build on first call). `name` is relative to the
    // instance ("fc1.weight"). init is CHM_INIT_* with its arguments a and b.
    Tensor parameter(const std::string& name, const std::vector<int64_t>& shape, chm_init init,
                     double a = 0, double b = 0) {
        chm_tensor* t = nullptr;
        const chm_host* h = host().raw();
        host().check(h->param_create(h, name.c_str(), static_cast<int32_t>(shape.size()), shape.data(),
                                     init, a, b, &t));
        return Tensor(h, t);
    }
    // Makes state that checkpoints keep but optimizers never touch (running statistics).
    Tensor buffer(const std::string& name, const std::vector<int64_t>& shape, chm_init init = CHM_INIT_ZEROS,
                  double a = 0, double b = 0) {
        chm_tensor* t = nullptr;
        const chm_host* h = host().raw();
        host().check(h->buffer_create(h, name.c_str(), static_cast<int32_t>(shape.size()), shape.data(), init,
                                      a, b, &t));
        return Tensor(h, t);
    }
};

// One base class per kind. Kind-specific methods join them as the ABI grows.
// One field of a loader's examples: name, element type and the shape of one example.
struct Field {
    std::string name;
    chm_dtype dtype = CHM_DTYPE_F32;
    std::vector<int64_t> shape;
};

// A random-access dataset. The host shuffles, batches and prefetches; a loader only reads.
class Loader : public Component {
public:
    static constexpr chm_kind kind = CHM_KIND_LOADER;
    using Component::Component;
    virtual int64_t size() const = 0;
    virtual std::vector<Field> fields() const = 0;
    // Fills row k of batch[f] (field f, in the order of fields()) with example indices[k].
    // Called from the host's prefetch thread.
    virtual void read(const std::vector<int64_t>& indices, std::vector<Tensor>& batch) = 0;

    // Storage the ABI needs beyond the fields() call; used by the wrapper only.
    std::vector<Field> abi_fields_;
    std::vector<chm_field_desc> abi_field_descs_;
};
class Encoder : public Module {
public:
    static constexpr chm_kind kind = CHM_KIND_ENCODER;
    using Module::Module;
};
class Generator : public Module {
public:
    static constexpr chm_kind kind = CHM_KIND_GENERATOR;
    using Module::Module;
};
class Loss : public Module {
public:
    static constexpr chm_kind kind = CHM_KIND_LOSS;
    using Module::Module;
};
// Updates one group of parameters from their gradients; the host schedules and clips.
class Optimizer : public Component {
public:
    static constexpr chm_kind kind = CHM_KIND_OPTIMIZER;
    using Component::Component;
    // The group, once, before the first step; make state here.
    virtual void attach(const std::vector<std::pair<std::string, Tensor>>& params) = 0;
    // Updates every parameter in place; lr_scale multiplies the optimizer's learning rate.
    virtual void step(double lr_scale, int64_t step) = 0;
    virtual std::vector<std::pair<std::string, Tensor>> save_state() = 0;
    virtual void load_state(const Inputs& state) = 0;

protected:
    // The gradient the last backward left for `param`, or an empty Tensor.
    Tensor grad(const Tensor& param) const {
        chm_tensor* g = nullptr;
        const chm_host* h = host().raw();
        host().check(h->tensor_grad(h, param.raw(), &g));
        return g ? Tensor(h, g) : Tensor();
    }
};

namespace detail {

// Owns a component's descriptor and the strings it points to, for the library's lifetime.
template <class T>
struct ComponentHolder {
    Description info = T::describe();
    std::vector<chm_param_desc> params;
    chm_component_desc desc{};

    ComponentHolder() {
        for (const Param& p : info.params) params.push_back(p.describe());
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

#endif  // CHIMERA_CHIMERA_HPP

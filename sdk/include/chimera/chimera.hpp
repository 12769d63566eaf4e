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
    explicit Host(const chm_host* host) : host_(host) {}
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
        return Param(std::move(name), CHM_PARAM_STRING, std::move(def), std::move(doc));
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
        return Param(std::move(name), CHM_PARAM_STRING_LIST, list(def), std::move(doc));
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

private:
    Host host_;
};

// One base class per kind. Kind-specific methods join them as the ABI grows.
class Loader : public Component {
public:
    static constexpr chm_kind kind = CHM_KIND_LOADER;
    using Component::Component;
};
class Encoder : public Component {
public:
    static constexpr chm_kind kind = CHM_KIND_ENCODER;
    using Component::Component;
};
class Generator : public Component {
public:
    static constexpr chm_kind kind = CHM_KIND_GENERATOR;
    using Component::Component;
};
class Loss : public Component {
public:
    static constexpr chm_kind kind = CHM_KIND_LOSS;
    using Component::Component;
};
class Optimizer : public Component {
public:
    static constexpr chm_kind kind = CHM_KIND_OPTIMIZER;
    using Component::Component;
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

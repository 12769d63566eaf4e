// Part of the C++ wrapper (include <chimera/chimera.hpp>): Config (a typed view of a component's
// YAML options), Param and Port (the schema and port builders) and Description.
#ifndef CHIMERA_CPP_CONFIG_HPP
#define CHIMERA_CPP_CONFIG_HPP

#include <chimera/cpp/core.hpp>

namespace chimera {

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

// One declared port (ABI 1.4), built fluently:
//     Port::input("x", CHM_DTYPE_F32, "[N, ...]", "the data")
//     Port::input("{condition}", CHM_DTYPE_I32, "[N]", "class labels").optional()
//     Port::output("mu", CHM_DTYPE_F32, "[N, D]", "the posterior mean").optional()
// Names are plain ("x"), a family ("mu_<m>") or "{option}" (named by the string parameter
// `option`; absent when it is ""). `shape` is a pattern such as "[N, D]" ("" : any shape); see
// chm_port_desc in <chimera/abi.h> for both languages. The host checks them, not this class.
class Port {
public:
    static Port input(std::string name, chm_dtype dtype, std::string shape, std::string doc) {
        return Port(std::move(name), dtype, std::move(shape), std::move(doc), true);
    }
    static Port output(std::string name, chm_dtype dtype, std::string shape, std::string doc) {
        return Port(std::move(name), dtype, std::move(shape), std::move(doc), false);
    }
    // An input the component can do without, or an output it writes only in some configurations.
    Port& optional() { flags_ |= CHM_PORT_OPTIONAL; return *this; }

    bool is_input() const noexcept { return input_; }
    const std::string& name() const noexcept { return name_; }

    // The C view; its strings point into this object, which must outlive it.
    chm_port_desc describe() const {
        chm_port_desc d{};
        d.struct_size = sizeof(chm_port_desc);
        d.dtype = dtype_;
        d.flags = flags_;
        d.name = name_.c_str();
        d.shape = shape_.empty() ? nullptr : shape_.c_str();
        d.doc = doc_.c_str();
        return d;
    }

private:
    Port(std::string name, chm_dtype dtype, std::string shape, std::string doc, bool input)
        : name_(std::move(name)), shape_(std::move(shape)), doc_(std::move(doc)), dtype_(dtype), input_(input) {}

    std::string name_, shape_, doc_;
    chm_dtype dtype_;
    uint32_t flags_ = 0;
    bool input_;
};

// What a component class returns from its static describe(). Ports come last, so the
// aggregate {name, version, description, params} of a component without ports still compiles.
struct Description {
    std::string name;
    std::string version;
    std::string description;
    std::vector<Param> params;
    std::vector<Port> inputs = {};   // Port::input(...) each
    std::vector<Port> outputs = {};  // Port::output(...) each
};

}  // namespace chimera

#endif  // CHIMERA_CPP_CONFIG_HPP

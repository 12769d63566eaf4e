// Part of the C++ wrapper (include <chimera/chimera.hpp>): Component and the base class of each
// kind (Loader, Encoder, Generator, Loss, Optimizer), with the Inputs and Outputs of modules.
#ifndef CHIMERA_CPP_COMPONENTS_HPP
#define CHIMERA_CPP_COMPONENTS_HPP

#include <chimera/cpp/config.hpp>
#include <chimera/cpp/ops.hpp>

namespace chimera {

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
        return make_state(host().raw()->param_create, name, shape, init, a, b);
    }
    // Makes state that checkpoints keep but optimizers never touch (running statistics).
    Tensor buffer(const std::string& name, const std::vector<int64_t>& shape, chm_init init = CHM_INIT_ZEROS,
                  double a = 0, double b = 0) {
        return make_state(host().raw()->buffer_create, name, shape, init, a, b);
    }

private:
    // param_create and buffer_create share their signature.
    using StateCreate = chm_status (*)(const chm_host*, const char*, int32_t, const int64_t*, chm_init, double,
                                       double, chm_tensor**);
    Tensor make_state(StateCreate create, const std::string& name, const std::vector<int64_t>& shape, chm_init init,
                      double a, double b) {
        chm_tensor* t = nullptr;
        const chm_host* h = host().raw();
        host().check(create(h, name.c_str(), static_cast<int32_t>(shape.size()), shape.data(), init, a, b, &t));
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

    // Optional (ABI 1.3). Writes into `directory` what this loader derived from its data and
    // later processes must reuse (a vocabulary); restore() reads it back in place of its own.
    virtual void save(const std::string& directory) const { (void)directory; }
    virtual void restore(const std::string& directory) { (void)directory; }
    // Optional (ABI 1.3). Fills, in `example` (one [1, shape] zero-filled tensor per field, in
    // fields() order), what a person's `value` for `field` determines: a caption's tokens, a WAV
    // file's spectrogram. Returns false for a field it cannot make from a value.
    virtual bool encode(const std::string& field, const std::string& value, std::vector<Tensor>& example) {
        (void)field, (void)value, (void)example;
        return false;
    }
    // Optional (ABI 1.3). One example's `value` ([1, shape]) of `field` as a file a person can read
    // or hear: its media type and bytes. Returns false for a field it cannot decode.
    struct Decoded {
        std::string media_type;  // "text/plain; charset=utf-8", "audio/wav"
        std::string bytes;
    };
    virtual bool decode(const std::string& field, const Tensor& value, Decoded& out) {
        (void)field, (void)value, (void)out;
        return false;
    }

    // Storage the ABI needs beyond the fields() and decode() calls; used by the wrapper only.
    std::vector<Field> abi_fields_;
    std::vector<chm_field_desc> abi_field_descs_;
    std::string abi_media_type_;
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

}  // namespace chimera

#endif  // CHIMERA_CPP_COMPONENTS_HPP

// Part of the C++ wrapper (include <chimera/chimera.hpp>): Error, guard (exceptions become
// statuses), Host, Tensor and NoGrad, the pieces everything else is built on.
#ifndef CHIMERA_CPP_CORE_HPP
#define CHIMERA_CPP_CORE_HPP

#include <chimera/abi.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <type_traits>
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

}  // namespace chimera

#endif  // CHIMERA_CPP_CORE_HPP

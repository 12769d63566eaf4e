// The host's tensor: a shared handle to dense, contiguous, 64-byte aligned float32 or int32
// data, plus what autograd needs (requires_grad, the accumulated gradient, a name for
// parameters). Copies of a Tensor share data, like PyTorch's. Not the ops (framework/ops) nor the
// tape (framework/autograd).
#pragma once

#include "tensor/buffer_pool.hpp"
#include "tensor/shape.hpp"

#include <chimera/abi.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace chimera {

enum class DType : int32_t { f32 = CHM_DTYPE_F32, i32 = CHM_DTYPE_I32 };
std::string dtype_name(DType dtype);

// Memory of one tensor, returned to its pool when the last tensor using it goes away.
class Storage {
public:
    Storage(std::shared_ptr<BufferPool> pool, std::size_t bytes, bool zero);
    ~Storage();
    Storage(const Storage&) = delete;
    Storage& operator=(const Storage&) = delete;
    void* data() const { return data_; }
    std::size_t bytes() const { return bytes_; }

private:
    std::shared_ptr<BufferPool> pool_;
    std::size_t bytes_;
    void* data_;
};

struct TensorImpl {
    DType dtype = DType::f32;
    Shape shape;
    std::shared_ptr<Storage> storage;
    bool requires_grad = false;
    bool is_leaf = true;              // made by the user or a parameter, not by a recorded op
    uint64_t tape_id = 0;             // non-leaves: which tape output this is (set when recorded)
    std::shared_ptr<TensorImpl> grad; // accumulated by backward for leaves that require grad
    std::string name;                 // parameters: "node.layer.weight"
};

class Tensor {
public:
    Tensor() = default;  // an empty handle: defined() is false
    explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

    // A new tensor from `pool`, zero-filled unless `zero` is false (for outputs an op overwrites).
    static Tensor empty(const std::shared_ptr<BufferPool>& pool, DType dtype, Shape shape,
                        bool zero = false);
    // The same data seen with another shape of the same element count (no copy).
    Tensor reshaped(Shape shape) const;

    bool defined() const { return impl_ != nullptr; }
    DType dtype() const { return impl_->dtype; }
    const Shape& shape() const { return impl_->shape; }
    int64_t dim(int i) const;  // negative i counts from the end
    int rank() const { return static_cast<int>(impl_->shape.size()); }
    int64_t numel() const { return chimera::numel(impl_->shape); }
    template <class T> T* data() const { return static_cast<T*>(impl_->storage->data()); }
    void* raw() const { return impl_->storage->data(); }

    bool requires_grad() const { return impl_->requires_grad; }
    void set_requires_grad(bool on) { impl_->requires_grad = on; }
    Tensor grad() const { return Tensor(impl_->grad); }
    void zero_grad() { impl_->grad.reset(); }
    const std::string& name() const { return impl_->name; }

    TensorImpl* impl() const { return impl_.get(); }
    const std::shared_ptr<TensorImpl>& shared() const { return impl_; }
    bool same(const Tensor& other) const { return impl_ == other.impl_; }

private:
    std::shared_ptr<TensorImpl> impl_;
};

// Tensors by name, in a meaningful order (a module's outputs, a checkpoint's entries).
using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

// "f32[2, 3]" for messages.
std::string describe(const Tensor& t);

}  // namespace chimera

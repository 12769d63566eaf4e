#include "tensor/tensor.hpp"

#include "tensor/shape_error.hpp"

namespace chimera {

std::string dtype_name(DType dtype) { return dtype == DType::f32 ? "f32" : "i32"; }

Storage::Storage(std::shared_ptr<BufferPool> pool, std::size_t bytes, bool zero)
    : pool_(std::move(pool)), bytes_(bytes), data_(pool_->acquire(bytes, zero)) {}

Storage::~Storage() { pool_->release(data_, bytes_); }

Tensor Tensor::empty(const std::shared_ptr<BufferPool>& pool, DType dtype, Shape shape, bool zero) {
    for (int64_t d : shape)
        if (d < 0) throw ShapeError("tensor: negative size in shape " + shape_text(shape));
    if (shape.size() > CHM_MAX_RANK)
        throw ShapeError("tensor: rank " + std::to_string(shape.size()) + " exceeds the maximum " +
                         std::to_string(CHM_MAX_RANK));
    // Element counts are products of sizes: check them before they can overflow.
    constexpr int64_t max_elements = int64_t(1) << 38;  // 1 TiB of float32
    int64_t elements = 1;
    for (int64_t d : shape) {
        if (d != 0 && elements > max_elements / d)
            throw ShapeError("tensor: shape " + shape_text(shape) + " has more than 2^38 elements");
        elements *= d;
    }
    auto impl = std::make_shared<TensorImpl>();
    impl->dtype = dtype;
    impl->shape = std::move(shape);
    impl->storage = std::make_shared<Storage>(pool, static_cast<std::size_t>(elements) * 4, zero);
    return Tensor(std::move(impl));
}

Tensor Tensor::reshaped(Shape shape) const {
    if (chimera::numel(shape) != numel())
        throw ShapeError("reshape: cannot view " + describe(*this) + " as " + shape_text(shape));
    auto impl = std::make_shared<TensorImpl>();
    impl->dtype = impl_->dtype;
    impl->shape = std::move(shape);
    impl->storage = impl_->storage;
    return Tensor(std::move(impl));
}

int64_t Tensor::dim(int i) const {
    int r = rank();
    int k = i < 0 ? i + r : i;
    if (k < 0 || k >= r)
        throw ShapeError("tensor: no dimension " + std::to_string(i) + " in " + describe(*this));
    return impl_->shape[k];
}

std::string describe(const Tensor& t) {
    if (!t.defined()) return "(none)";
    return dtype_name(t.dtype()) + shape_text(t.shape());
}

}  // namespace chimera

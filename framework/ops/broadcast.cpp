#include "ops/broadcast.hpp"

#include <algorithm>

namespace chimera {

BroadcastIndex::BroadcastIndex(const Shape& out_shape, const Shape& in_shape)
    : out_shape_(out_shape), in_strides_(out_shape.size(), 0), identity_(out_shape == in_shape) {
    std::size_t offset = out_shape.size() - in_shape.size();
    int64_t stride = 1;
    for (std::size_t i = in_shape.size(); i-- > 0;) {
        in_strides_[i + offset] = in_shape[i] == 1 ? 0 : stride;
        stride *= in_shape[i];
    }
}

int64_t BroadcastIndex::operator()(int64_t out_index) const {
    if (identity_) return out_index;
    int64_t in = 0;
    for (std::size_t d = out_shape_.size(); d-- > 0;) {
        int64_t coordinate = out_index % out_shape_[d];
        out_index /= out_shape_[d];
        in += coordinate * in_strides_[d];
    }
    return in;
}

Tensor sum_to_shape(Context& ctx, const Tensor& g, const Shape& shape) {
    if (g.shape() == shape) return g;
    Tensor out = ctx.zeros(DType::f32, shape);
    BroadcastIndex index(g.shape(), shape);
    const float* src = g.data<float>();
    float* dst = out.data<float>();
    for (int64_t i = 0, n = g.numel(); i < n; ++i) dst[index(i)] += src[i];
    return out;
}

Tensor expand_to(Context& ctx, const Tensor& t, const Shape& shape) {
    if (t.shape() == shape) return t;
    Tensor out = ctx.empty(DType::f32, shape);
    BroadcastIndex index(shape, t.shape());
    const float* src = t.data<float>();
    float* dst = out.data<float>();
    const int64_t n = out.numel();
#pragma omp parallel for schedule(static) if (n > 32768)
    for (int64_t i = 0; i < n; ++i) dst[i] = src[index(i)];
    return out;
}

}  // namespace chimera

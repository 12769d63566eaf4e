#include "ops/broadcast.hpp"

#include <algorithm>

namespace chimera {

BroadcastRows::BroadcastRows(const Shape& out_shape, const std::vector<Shape>& in_shapes) {
    // Per input, its element stride along each output dimension (0 where it repeats).
    const std::size_t rank = out_shape.size();
    std::vector<std::vector<int64_t>> full(in_shapes.size(), std::vector<int64_t>(rank, 0));
    for (std::size_t k = 0; k < in_shapes.size(); ++k) {
        const Shape& in = in_shapes[k];
        identity_ = identity_ && in == out_shape;
        int64_t stride = 1;
        for (std::size_t i = in.size(); i-- > 0;) {
            full[k][i + rank - in.size()] = in[i] == 1 ? 0 : stride;
            stride *= in[i];
        }
    }
    // Collapse, innermost first: dimension d joins the block inside it when every input either
    // repeats along both or runs contiguously through both. Size-1 dimensions vanish.
    std::vector<int64_t> sizes;                       // innermost first
    std::vector<std::vector<int64_t>> strides(in_shapes.size());
    for (std::size_t d = rank; d-- > 0;) {
        if (out_shape[d] == 1) continue;
        bool joins = !sizes.empty();
        for (std::size_t k = 0; joins && k < in_shapes.size(); ++k) {
            const int64_t inner = strides[k].back(), here = full[k][d];
            joins = (inner == 0 && here == 0) || (inner != 0 && here == inner * sizes.back());
        }
        if (joins) {
            sizes.back() *= out_shape[d];
            continue;
        }
        sizes.push_back(out_shape[d]);
        for (std::size_t k = 0; k < in_shapes.size(); ++k) strides[k].push_back(full[k][d]);
    }
    steps_.assign(in_shapes.size(), 0);
    strides_.assign(in_shapes.size(), {});
    if (sizes.empty()) return;  // a single element
    length_ = sizes.front();
    for (std::size_t k = 0; k < in_shapes.size(); ++k) {
        steps_[k] = strides[k].front() == 0 ? 0 : 1;  // an input's innermost stride is 1
        strides_[k].assign(strides[k].rbegin(), strides[k].rend() - 1);
    }
    outer_.assign(sizes.rbegin(), sizes.rend() - 1);
    for (int64_t s : outer_) rows_ *= s;
}

int64_t BroadcastRows::offset(std::size_t k, int64_t row) const {
    int64_t in = 0;
    for (std::size_t d = outer_.size(); d-- > 0;) {
        in += (row % outer_[d]) * strides_[k][d];
        row /= outer_[d];
    }
    return in;
}

Tensor sum_to_shape(Context& ctx, const Tensor& g, const Shape& shape) {
    if (g.shape() == shape) return g;
    Tensor out = ctx.zeros(DType::f32, shape);
    BroadcastRows rows(g.shape(), {shape});
    const float* src = g.data<float>();
    float* dst = out.data<float>();
    const int64_t length = rows.length();
    for (int64_t r = 0; r < rows.rows(); ++r) {  // in order: the sums do not depend on threads
        const float* in = src + r * length;
        float* to = dst + rows.offset(0, r);
        if (rows.step(0) == 1) {
            for (int64_t j = 0; j < length; ++j) to[j] += in[j];
        } else {
            float sum = 0;
            for (int64_t j = 0; j < length; ++j) sum += in[j];
            to[0] += sum;
        }
    }
    return out;
}

Tensor expand_to(Context& ctx, const Tensor& t, const Shape& shape) {
    if (t.shape() == shape) return t;
    Tensor out = ctx.empty(DType::f32, shape);
    BroadcastRows rows(shape, {t.shape()});
    const float* src = t.data<float>();
    float* dst = out.data<float>();
    const int64_t length = rows.length();
#pragma omp parallel for schedule(static) if (out.numel() > 32768)
    for (int64_t r = 0; r < rows.rows(); ++r) {
        const float* in = src + rows.offset(0, r);
        float* to = dst + r * length;
        if (rows.step(0) == 1) std::copy(in, in + length, to);
        else std::fill(to, to + length, in[0]);
    }
    return out;
}

}  // namespace chimera

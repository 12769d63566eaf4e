// embedding(indices i32[...], table f32[V, D]) -> y[..., D] with y[i, :] = table[indices[i], :].
// Every index must lie in [0, V). Saves the indices; backward adds each gradient row into row
// indices[i] of a zero table gradient (repeated indices accumulate); indices get no gradient.
// Not padding_idx, max_norm or sparse gradients.
#include "autograd/graph.hpp"
#include "ops/op_registry.hpp"
#include "ops/op_support.hpp"

#include <algorithm>

namespace chimera {

namespace {

void check(const Tensor& indices, const Tensor& table) {
    expect_dtype("embedding", "indices", indices, DType::i32);
    expect_dtype("embedding", "table", table, DType::f32);
    expect_rank("embedding", "table", table, 2);
    const int32_t* idx = indices.data<int32_t>();
    const int64_t v = table.dim(0);
    for (int64_t i = 0, n = indices.numel(); i < n; ++i)
        if (idx[i] < 0 || idx[i] >= v)
            throw ShapeError("embedding: index " + std::to_string(idx[i]) + " (at position " +
                             std::to_string(i) + " of " + describe(indices) +
                             ") is out of range for table " + describe(table) + " with V = " +
                             std::to_string(v));
}

// dtable[indices[i], :] += g[i, :]. Threads split the columns, not the rows, so repeated indices
// never race and every element sums its rows in the same order for any thread count.
Tensor scatter_rows(Context& ctx, const Tensor& indices, const Tensor& g,
                    const Shape& table_shape) {
    Tensor dtable = ctx.zeros(DType::f32, table_shape);
    const int64_t n = indices.numel(), d = table_shape[1];
    constexpr int64_t block = 16;  // one cache line of floats per thread at a time
    const int64_t blocks = (d + block - 1) / block;
    const int32_t* idx = indices.data<int32_t>();
    const float* pg = g.data<float>();
    float* pt = dtable.data<float>();
#pragma omp parallel for schedule(static) if (n * d > 32768 && blocks > 1)
    for (int64_t b = 0; b < blocks; ++b) {
        const int64_t lo = b * block, hi = std::min(d, lo + block);
        for (int64_t i = 0; i < n; ++i) {
            float* row = pt + idx[i] * d;
            const float* src = pg + i * d;
            for (int64_t j = lo; j < hi; ++j) row[j] += src[j];
        }
    }
    return dtable;
}

std::vector<Tensor> embedding(Context& ctx, const std::vector<Tensor>& in, const Attrs&) {
    const Tensor& indices = in[0];
    const Tensor& table = in[1];
    check(indices, table);
    const int64_t n = indices.numel(), d = table.dim(1);
    Shape shape = indices.shape();
    shape.push_back(d);
    Tensor y = ctx.empty(DType::f32, shape);
    const int32_t* idx = indices.data<int32_t>();
    const float* pt = table.data<float>();
    float* py = y.data<float>();
#pragma omp parallel for schedule(static) if (n * d > 32768)
    for (int64_t i = 0; i < n; ++i) std::copy_n(pt + idx[i] * d, d, py + i * d);

    if (needs_grad(ctx, {table})) {
        Shape table_shape = table.shape();
        auto backward = [indices, table_shape](Context& c, const std::vector<Tensor>& g) {
            return std::vector<Tensor>{Tensor(), scatter_rows(c, indices, g[0], table_shape)};
        };
        record_op(ctx, "embedding", {indices, table}, {y}, backward);
    }
    return {y};
}

}  // namespace

void register_embedding(OpRegistry& r) {
    r.add({"embedding", "embedding(indices i32[...], table f32[V, D]) -> y[..., D]", 2, 2, 1, embedding});
}

}  // namespace chimera

// matmul(a[..., M, K], b[..., K, N]) -> y[..., M, N]: y = a b for each batch index, on oneDNN's
//   matmul over [B, M, K] x [B, K, N]. b has a's batch dims, or is [K, N] and shared by every
//   batch: then a is one [B*M, K] matrix, which also sums db over the batch.
//   da = dy b^T,  db = a^T dy, each only when wanted. Saves a and b; the transposes are strided descriptors over their
// data, never copies. Not PyTorch's broadcasting of batch dims nor its rank-1 operands.
#include "autograd/graph.hpp"
#include "ops/op_registry.hpp"
#include "ops/op_support.hpp"

#include <algorithm>

namespace chimera {

namespace {

const char* const name = "matmul";

using dnnl::memory;

// The problem as oneDNN sees it: `batch` products of [m, k] x [k, n].
struct MatmulDims {
    int64_t batch, m, k, n;
    int64_t volume() const { return batch * m * k * n; }
};

struct MatmulPrimitives {
    dnnl::matmul fwd;     // a b -> y
    dnnl::matmul bwd_a;   // dy b^T -> da
    dnnl::matmul bwd_b;   // a^T dy -> db
};

std::string batch_text(const Shape& s) {
    return shape_text(Shape(s.begin(), s.end() - 2));
}

MatmulDims check(const Tensor& a, const Tensor& b) {
    expect_min_rank(name, "a", a, 2);
    expect_min_rank(name, "b", b, 2);
    expect_dtype(name, "a", a, DType::f32);
    expect_dtype(name, "b", b, DType::f32);
    if (a.dim(-1) != b.dim(-2))
        throw ShapeError(std::string(name) + ": a " + describe(a) + " has " +
                         std::to_string(a.dim(-1)) + " columns but b " + describe(b) + " has " +
                         std::to_string(b.dim(-2)) + " rows");
    const bool shared = b.rank() == 2;
    if (!shared && (b.rank() != a.rank() || !std::equal(b.shape().begin(), b.shape().end() - 2,
                                                        a.shape().begin())))
        throw ShapeError(std::string(name) + ": b " + describe(b) + " must have the batch dims " +
                         batch_text(a.shape()) + " of a " + describe(a) + ", or rank 2");
    const int64_t batches = numel(Shape(a.shape().begin(), a.shape().end() - 2));
    if (shared) return {1, batches * a.dim(-2), a.dim(-1), b.dim(-1)};
    return {batches, a.dim(-2), a.dim(-1), b.dim(-1)};
}

// [batch, rows, cols] over row-major data; `transposed`: over data stored as [batch, cols, rows].
memory::desc matrices(int64_t batch, int64_t rows, int64_t cols, bool transposed = false) {
    memory::dims strides = transposed ? memory::dims{rows * cols, 1, rows}
                                      : memory::dims{rows * cols, cols, 1};
    return memory::desc({batch, rows, cols}, memory::data_type::f32, strides);
}

MatmulPrimitives& primitives(Context& ctx, const MatmulDims& d) {
    return ctx.device().primitives().get<MatmulPrimitives>(
        cache_key(name, {{d.batch, d.m, d.k, d.n}}), [&] {
            const int64_t B = d.batch, M = d.m, K = d.k, N = d.n;
            auto e = ctx.device().engine();
            dnnl::matmul::primitive_desc fwd(
                {matrices(B, M, K), matrices(B, K, N), matrices(B, M, N)}, e);
            dnnl::matmul::primitive_desc bwd_a(
                {matrices(B, M, N), matrices(B, N, K, true), matrices(B, M, K)}, e);
            dnnl::matmul::primitive_desc bwd_b(
                {matrices(B, K, M, true), matrices(B, M, N), matrices(B, K, N)}, e);
            return MatmulPrimitives{dnnl::matmul(fwd), dnnl::matmul(bwd_a), dnnl::matmul(bwd_b)};
        });
}

// A result of `shape`: zeros when the product is empty (some dimension 0, K = 0 included), which
// oneDNN is not asked to compute; else uninitialised, for a primitive to fill.
Tensor result(Context& ctx, const Shape& shape, const MatmulDims& d) {
    return d.volume() == 0 ? ctx.zeros(DType::f32, shape) : ctx.empty(DType::f32, shape);
}

// src x weights -> dst with the primitive `p` built for exactly these descriptors.
void run(Context& ctx, dnnl::matmul& p, const Tensor& src, const memory::desc& src_md,
         const Tensor& weights, const memory::desc& weights_md, const Tensor& dst,
         const memory::desc& dst_md) {
    p.execute(ctx.device().stream(), {{DNNL_ARG_SRC, plain_memory(ctx, src, src_md)},
                             {DNNL_ARG_WEIGHTS, plain_memory(ctx, weights, weights_md)},
                             {DNNL_ARG_DST, plain_memory(ctx, dst, dst_md)}});
}

std::vector<Tensor> backward(Context& ctx, const MatmulDims& d, const Tensor& a, const Tensor& b, bool want_a,
                             bool want_b, const Tensor& dy);

std::vector<Tensor> forward(Context& ctx, const std::vector<Tensor>& in, const Attrs&) {
    const Tensor &a = in[0], &b = in[1];
    const MatmulDims d = check(a, b);
    Shape y_shape = a.shape();
    y_shape.back() = b.dim(-1);
    Tensor y = result(ctx, y_shape, d);
    if (d.volume() != 0)
        run(ctx, primitives(ctx, d).fwd, a, matrices(d.batch, d.m, d.k), b,
            matrices(d.batch, d.k, d.n), y, matrices(d.batch, d.m, d.n));
    if (needs_grad(ctx, {a, b})) {
        const bool want_a = a.requires_grad(), want_b = b.requires_grad();
        record_op(ctx, name, {a, b}, {y}, [d, a, b, want_a, want_b](Context& c, const std::vector<Tensor>& g) {
            return backward(c, d, a, b, want_a, want_b, g[0]);
        });
    }
    return {y};
}

std::vector<Tensor> backward(Context& ctx, const MatmulDims& d, const Tensor& a, const Tensor& b, bool want_a,
                             bool want_b, const Tensor& dy) {
    const int64_t B = d.batch, M = d.m, K = d.k, N = d.n;
    Tensor da, db;
    if (want_a) {
        da = result(ctx, a.shape(), d);
        if (d.volume() != 0)
            run(ctx, primitives(ctx, d).bwd_a, dy, matrices(B, M, N), b, matrices(B, N, K, true), da,
                matrices(B, M, K));
    }
    if (want_b) {
        db = result(ctx, b.shape(), d);
        if (d.volume() != 0)
            run(ctx, primitives(ctx, d).bwd_b, a, matrices(B, K, M, true), dy, matrices(B, M, N), db,
                matrices(B, K, N));
    }
    return {da, db};
}

}  // namespace

void register_matmul(OpRegistry& r) {
    r.add({name, "matmul(a[..., M, K], b[..., K, N] or b[K, N]) -> y[..., M, N]", 2, 2, 1, forward});
}

}  // namespace chimera

// Micro benchmarks of the heavy ops at the shapes of the reference models (784-512-256 MLPs,
// the 28x28 conv stacks of the convolutional autoencoder and DCGAN, the MMVAEs' attention),
// forward and forward + backward, reporting GFLOP/s; and the machine's ceiling, a oneDNN f32
// matmul of 2048x2048.
// Run: build/bin/chimera_op_benchmarks [--benchmark_filter=...]. Never part of the test suite.
#include "autograd/graph.hpp"
#include "ops/op_registry.hpp"
#include "ops/op_support.hpp"
#include "autograd/context.hpp"
#include "runtime/philox.hpp"

#include <benchmark/benchmark.h>

#include <oneapi/dnnl/dnnl.hpp>

using namespace chimera;

namespace {

Tensor random(Context& ctx, const Shape& shape, uint64_t seed, bool grad = false) {
    Tensor t = ctx.empty(DType::f32, shape);
    philox_normal(philox_key(seed, 1), t.data<float>(), t.numel());
    t.set_requires_grad(grad);
    return t;
}

void report(benchmark::State& state, double flops_per_iteration) {
    state.counters["GFLOP/s"] = benchmark::Counter(flops_per_iteration * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

// state.range: 0 batch, 1 threads, 2 backward (0|1)
void run_op(benchmark::State& state, const std::string& op, const std::vector<Shape>& shapes,
            const Attrs& attrs, double forward_flops) {
    Context ctx(static_cast<int>(state.range(1)), 1);
    OpRegistry ops;
    register_builtin_ops(ops);
    bool backward = state.range(2) != 0;
    std::vector<Tensor> inputs;
    for (std::size_t i = 0; i < shapes.size(); ++i) inputs.push_back(random(ctx, shapes[i], i, backward));
    for (auto _ : state) {
        Tensor y = ops.call(ctx, op, inputs, attrs)[0];
        if (backward) {
            backward_seeded(ctx, {y}, {y});
            for (auto& t : inputs) t.zero_grad();
        }
        benchmark::DoNotOptimize(y.raw());
    }
    report(state, forward_flops * (backward ? 3.0 : 1.0));  // backward: data + weights grads
}

void linear(benchmark::State& state, int64_t in, int64_t out) {
    int64_t n = state.range(0);
    run_op(state, "linear", {{n, in}, {out, in}, {out}}, {}, 2.0 * n * in * out);
}

// Square kernel k, stride s, padding p; in [N, C, H, W] to O channels.
void conv(benchmark::State& state, int64_t c, int64_t hw, int64_t o, int64_t k, int64_t s, int64_t p) {
    int64_t n = state.range(0);
    int64_t out_hw = (hw + 2 * p - k) / s + 1;
    run_op(state, "conv2d", {{n, c, hw, hw}, {o, c, k, k}, {o}}, {double(s), double(s), double(p), double(p)},
           2.0 * n * o * out_hw * out_hw * c * k * k);
}

void deconv(benchmark::State& state, int64_t c, int64_t hw, int64_t o, int64_t k, int64_t s, int64_t p) {
    int64_t n = state.range(0);
    run_op(state, "conv_transpose2d", {{n, c, hw, hw}, {c, o, k, k}, {o}}, {double(s), double(s), double(p), double(p)},
           2.0 * n * c * hw * hw * o * k * k);
}

// linear then relu: fused into one primitive (post-op) or as two ops. state.range(3): fused.
void linear_relu(benchmark::State& state) {
    int64_t n = state.range(0), in = 784, out = 512;
    Context ctx(static_cast<int>(state.range(1)), 1);
    OpRegistry ops;
    register_builtin_ops(ops);
    bool backward = state.range(2) != 0, fuse = state.range(3) != 0;
    std::vector<Tensor> inputs{random(ctx, {n, in}, 0, backward), random(ctx, {out, in}, 1, backward),
                               random(ctx, {out}, 2, backward)};
    for (auto _ : state) {
        Tensor y = fuse ? ops.call(ctx, "linear", inputs, {1})[0]
                        : ops.call(ctx, "relu", {ops.call(ctx, "linear", inputs)[0]})[0];
        if (backward) {
            backward_seeded(ctx, {y}, {y});
            for (auto& t : inputs) t.zero_grad();
        }
        benchmark::DoNotOptimize(y.raw());
    }
    report(state, 2.0 * n * in * out * (backward ? 3.0 : 1.0));
}

// The fused attention op at the sequence plugin's shapes in the MMVAE configs: q, k, v
// [N, 4 heads, 10 positions, 16], as the text encoder calls it (padding keys masked, mask
// [N, 1, 1, 10] with the last three keys of every row hidden) or the text decoder (causal).
// bench/reference/attention_speed.py times PyTorch on the same shapes.
void attention(benchmark::State& state, bool causal) {
    const int64_t n = state.range(0), heads = 4, t = 10, d = 16;
    Context ctx(static_cast<int>(state.range(1)), 1);
    OpRegistry ops;
    register_builtin_ops(ops);
    const bool backward = state.range(2) != 0;
    std::vector<Tensor> inputs;
    for (uint64_t i = 0; i < 3; ++i) inputs.push_back(random(ctx, {n, heads, t, d}, i, backward));
    if (!causal) {
        Tensor mask = ctx.zeros(DType::f32, {n, 1, 1, t});
        for (int64_t i = 0; i < n; ++i)
            for (int64_t j = t - 3; j < t; ++j) mask.data<float>()[i * t + j] = -1e9f;
        inputs.push_back(mask);
    }
    const Attrs attrs{0, causal ? 1.0 : 0.0};
    for (auto _ : state) {
        Tensor y = ops.call(ctx, "attention", inputs, attrs)[0];
        if (backward) {
            backward_seeded(ctx, {y}, {y});
            for (std::size_t i = 0; i < 3; ++i) inputs[i].zero_grad();
        }
        benchmark::DoNotOptimize(y.raw());
    }
    // q k^T and p v: 2 n h t t d multiply-adds, counted over every key (as PyTorch computes them).
    report(state, 4.0 * n * heads * t * t * d * (backward ? 3.0 : 1.0));
}

void matmul_ceiling(benchmark::State& state) {
    const int64_t n = 2048;
    Context ctx(static_cast<int>(state.range(0)), 1);
    using namespace dnnl;
    memory::desc md({n, n}, memory::data_type::f32, memory::format_tag::ab);
    matmul::primitive_desc pd(matmul::desc(md, md, md), ctx.device().engine());
    matmul prim(pd);
    Tensor a = random(ctx, {n, n}, 1), b = random(ctx, {n, n}, 2), c = ctx.empty(DType::f32, {n, n});
    memory ma(md, ctx.device().engine(), a.raw()), mb(md, ctx.device().engine(), b.raw()), mc(md, ctx.device().engine(), c.raw());
    for (auto _ : state) {
        prim.execute(ctx.device().stream(), {{DNNL_ARG_SRC, ma}, {DNNL_ARG_WEIGHTS, mb}, {DNNL_ARG_DST, mc}});
        ctx.device().stream().wait();
    }
    report(state, 2.0 * n * n * n);
}

void shapes(benchmark::internal::Benchmark* b) {
    for (int64_t batch : {64, 256})
        for (int64_t threads : {1, 2})
            for (int64_t backward : {0, 1}) b->Args({batch, threads, backward});
    b->ArgNames({"batch", "threads", "backward"})->UseRealTime()->MinTime(0.3);
}

}  // namespace

BENCHMARK(matmul_ceiling)->Arg(1)->Arg(2)->ArgName("threads")->UseRealTime()->MinTime(1.0);
// MLP layers: 784-512-256 encoders and their mirrored decoders.
BENCHMARK_CAPTURE(linear, 784_512, 784, 512)->Apply(shapes);
BENCHMARK_CAPTURE(linear, 512_256, 512, 256)->Apply(shapes);
BENCHMARK_CAPTURE(linear, 256_512, 256, 512)->Apply(shapes);
BENCHMARK_CAPTURE(linear, 512_784, 512, 784)->Apply(shapes);
BENCHMARK(linear_relu)
    ->ArgsProduct({{64, 256}, {1, 2}, {0, 1}, {0, 1}})
    ->ArgNames({"batch", "threads", "backward", "fused"})
    ->UseRealTime()
    ->MinTime(0.3);
// Convolutional autoencoder encoder: 3x3 same convs 1->32 @28, 32->64 @14, 64->128 @7.
BENCHMARK_CAPTURE(conv, ae_1_32_28, 1, 28, 32, 3, 1, 1)->Apply(shapes);
BENCHMARK_CAPTURE(conv, ae_32_64_14, 32, 14, 64, 3, 1, 1)->Apply(shapes);
BENCHMARK_CAPTURE(conv, ae_64_128_7, 64, 7, 128, 3, 1, 1)->Apply(shapes);
// DCGAN discriminator: 4x4 stride 2 convs 1->64 @28, 64->128 @14.
BENCHMARK_CAPTURE(conv, dcgan_1_64_28, 1, 28, 64, 4, 2, 1)->Apply(shapes);
BENCHMARK_CAPTURE(conv, dcgan_64_128_14, 64, 14, 128, 4, 2, 1)->Apply(shapes);
// Generators: 4x4 stride 2 transposed convs 128->64 @7->14 and 64->1 @14->28.
BENCHMARK_CAPTURE(deconv, dcgan_128_64_7, 128, 7, 64, 4, 2, 1)->Apply(shapes);
BENCHMARK_CAPTURE(deconv, dcgan_64_1_14, 64, 14, 1, 4, 2, 1)->Apply(shapes);
// MMVAE text encoder and decoder: attention over 10 positions, 4 heads of 16.
BENCHMARK_CAPTURE(attention, padding_mask, false)->Apply(shapes);
BENCHMARK_CAPTURE(attention, causal, true)->Apply(shapes);

BENCHMARK_MAIN();

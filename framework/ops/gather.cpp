// gather_classes(logits f32[N, C], labels i32[N]) -> y f32[N] with y[i] = logits[i, labels[i]]:
// the class-logit pick a cross-entropy needs. Every label must lie in [0, C). Saves the labels;
// backward scatters g[i] into column labels[i] of a zero [N, C] gradient; labels get none.
// Not a general gather along an arbitrary axis.
#include "autograd/graph.hpp"
#include "ops/op_registry.hpp"
#include "ops/op_support.hpp"

namespace chimera {

namespace {

void check(const Tensor& logits, const Tensor& labels) {
    const char* op = "gather_classes";
    expect_dtype(op, "logits", logits, DType::f32);
    expect_rank(op, "logits", logits, 2);
    expect_dtype(op, "labels", labels, DType::i32);
    expect_rank(op, "labels", labels, 1);
    if (labels.dim(0) != logits.dim(0))
        throw ShapeError(std::string(op) + ": labels " + describe(labels) +
                         " must have one label per row of logits " + describe(logits));
    const int32_t* lab = labels.data<int32_t>();
    const int64_t c = logits.dim(1);
    for (int64_t i = 0, n = labels.numel(); i < n; ++i)
        if (lab[i] < 0 || lab[i] >= c)
            throw ShapeError(std::string(op) + ": label " + std::to_string(lab[i]) + " at row " +
                             std::to_string(i) + " is out of range for logits " + describe(logits) +
                             " with C = " + std::to_string(c));
}

std::vector<Tensor> gather_classes(Context& ctx, const std::vector<Tensor>& in, const Attrs&) {
    const Tensor& logits = in[0];
    const Tensor& labels = in[1];
    check(logits, labels);
    const int64_t n = logits.dim(0), c = logits.dim(1);
    Tensor y = ctx.empty(DType::f32, {n});
    const float* pl = logits.data<float>();
    const int32_t* lab = labels.data<int32_t>();
    float* py = y.data<float>();
#pragma omp parallel for schedule(static) if (n > 32768)
    for (int64_t i = 0; i < n; ++i) py[i] = pl[i * c + lab[i]];

    if (needs_grad(ctx, {logits})) {
        record_op(ctx, "gather_classes", {logits, labels}, {y},
                  [labels, n, c](Context& cx, const std::vector<Tensor>& g) {
                      Tensor dl = cx.zeros(DType::f32, {n, c});
                      const int32_t* lb = labels.data<int32_t>();
                      const float* pg = g[0].data<float>();
                      float* pd = dl.data<float>();
                      for (int64_t i = 0; i < n; ++i) pd[i * c + lb[i]] = pg[i];
                      return std::vector<Tensor>{dl, Tensor()};
                  });
    }
    return {y};
}

}  // namespace

void register_gather(OpRegistry& r) {
    r.add({"gather_classes", "gather_classes(logits f32[N, C], labels i32[N]) -> y[N]", 2, 2, 1, gather_classes});
}

}  // namespace chimera

// What every op file shares: argument checks whose messages name the op and the shapes, reading
// integer attributes, and wrapping tensors as oneDNN memory (with cached reorders when a
// primitive prefers another layout). Not any op's maths.
#pragma once

#include "autograd/context.hpp"
#include "tensor/shape_error.hpp"
#include "tensor/tensor.hpp"

#include <oneapi/dnnl/dnnl.hpp>

#include <string>
#include <vector>

namespace chimera {

// Throws ShapeError("<op>: <what> must be ..., got f32[...]") unless the check holds.
void expect_rank(const std::string& op, const std::string& what, const Tensor& t, int rank);
void expect_min_rank(const std::string& op, const std::string& what, const Tensor& t, int rank);
void expect_dtype(const std::string& op, const std::string& what, const Tensor& t, DType dtype);
void expect_same_shape(const std::string& op, const Tensor& a, const Tensor& b);
// Attribute `index` as an integer within [lo, hi], named `what` in errors.
int64_t int_attr(const std::string& op, const std::vector<double>& attrs, std::size_t index,
                 const std::string& what, int64_t lo, int64_t hi);
// The same, or `fallback` when the call gave fewer than index + 1 attributes.
int64_t int_attr_or(const std::string& op, const std::vector<double>& attrs, std::size_t index,
                    const std::string& what, int64_t fallback, int64_t lo, int64_t hi);
// The bound on the strides, paddings, dilations, kernels and groups of windowed ops.
constexpr int64_t max_geometry = 1 << 20;
// "3x5": a pair of window sizes as messages show them.
std::string pair_text(int64_t a, int64_t b);
// An axis attribute, negative counting from the end, checked against `rank`.
int normalise_axis(const std::string& op, int64_t axis, int rank);

// A key for PrimitiveCache from the op name and any printable parts.
std::string cache_key(const std::string& op, const std::vector<Shape>& shapes,
                      const std::vector<double>& attrs = {});

// Plain row-major oneDNN descriptors and memories over tensor data (no copy).
dnnl::memory::desc plain_desc(const Shape& shape, DType dtype = DType::f32);
dnnl::memory plain_memory(Context& ctx, const Tensor& t);
dnnl::memory plain_memory(Context& ctx, const Tensor& t, const dnnl::memory::desc& desc);

// Memory in the layout `want`: `user` itself when the layouts match, else a pool-backed scratch
// copy made by a cached reorder. `scratch` keeps the copy alive until the primitive has run.
dnnl::memory in_layout(Context& ctx, const dnnl::memory& user, const dnnl::memory::desc& want,
                       std::vector<Tensor>& scratch);
// Memory in layout `have` to compute into; after execution call `finish_out` to copy a scratch
// result back to `user`. Returns `user` itself when layouts match.
dnnl::memory out_layout(Context& ctx, const dnnl::memory& user, const dnnl::memory::desc& have,
                        std::vector<Tensor>& scratch);
void finish_out(Context& ctx, const dnnl::memory& computed, const dnnl::memory& user);

// A float32 tensor of at least `bytes`, from the pool, for oneDNN workspaces and scratch copies.
Tensor scratch_tensor(Context& ctx, std::size_t bytes);

}  // namespace chimera

// What max_pool2d and avg_pool2d share: the geometry (their first six attributes, kernel_h,
// kernel_w, stride_h, stride_w, pad_h, pad_w, read with PyTorch's defaults, checked against the
// input, and the output shape) and the oneDNN pooling primitives built from it. Not the pooling
// itself, which each op's own file runs.
#pragma once

#include "ops/op_registry.hpp"

#include <oneapi/dnnl/dnnl.hpp>

#include <string>
#include <vector>

namespace chimera {

struct Pool2dShape {
    Shape x, y;  // [N,C,H,W] -> [N,C,OH,OW]
    int64_t kh = 1, kw = 1, sh = 1, sw = 1, ph = 0, pw = 0;

    dnnl::memory::dims kernel() const { return {kh, kw}; }
    dnnl::memory::dims strides() const { return {sh, sw}; }
    dnnl::memory::dims padding() const { return {ph, pw}; }
    std::vector<double> attrs() const;
};

// Reads attributes 0-5 (stride defaults to the kernel, padding to 0), checks x is a float32
// [N,C,H,W] that the padded window fits, and computes OH = (H + 2 ph - kh) / sh + 1 rounded down.
// Throws ShapeError naming `op`.
Pool2dShape pool2d_shape(const std::string& op, const Tensor& x, const Attrs& attrs);

struct Pool2dPrimitives {
    dnnl::pooling_forward::primitive_desc fwd_pd;  // its workspace_desc() for max pooling
    dnnl::pooling_forward fwd;
    dnnl::pooling_backward bwd;
};

// The forward and backward pooling of `s` with `alg`, on plain layouts, built once per op,
// shape and algorithm and kept in the device's primitive cache.
Pool2dPrimitives& pool2d_primitives(Context& ctx, const std::string& op, const Pool2dShape& s, dnnl::algorithm alg);

}  // namespace chimera

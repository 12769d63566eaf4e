#include "ops/op_support.hpp"

#include <cmath>
#include <sstream>

namespace chimera {

void expect_rank(const std::string& op, const std::string& what, const Tensor& t, int rank) {
    if (t.rank() != rank)
        throw ShapeError(op + ": " + what + " must have rank " + std::to_string(rank) + ", got " +
                         describe(t));
}

void expect_min_rank(const std::string& op, const std::string& what, const Tensor& t, int rank) {
    if (t.rank() < rank)
        throw ShapeError(op + ": " + what + " must have rank >= " + std::to_string(rank) +
                         ", got " + describe(t));
}

void expect_dtype(const std::string& op, const std::string& what, const Tensor& t, DType dtype) {
    if (t.dtype() != dtype)
        throw ShapeError(op + ": " + what + " must be " + dtype_name(dtype) + ", got " + describe(t));
}

void expect_same_shape(const std::string& op, const Tensor& a, const Tensor& b) {
    if (a.shape() != b.shape())
        throw ShapeError(op + ": shapes must match, got " + describe(a) + " and " + describe(b));
}

int64_t int_attr(const std::string& op, const std::vector<double>& attrs, std::size_t index,
                 const std::string& what, int64_t lo, int64_t hi) {
    double v = attrs.at(index);
    if (v != std::floor(v) || v < static_cast<double>(lo) || v > static_cast<double>(hi)) {
        std::ostringstream s;
        s << op << ": " << what << " must be an integer in [" << lo << ", " << hi << "], got " << v;
        throw ShapeError(s.str());
    }
    return static_cast<int64_t>(v);
}

int64_t int_attr_or(const std::string& op, const std::vector<double>& attrs, std::size_t index,
                    const std::string& what, int64_t fallback, int64_t lo, int64_t hi) {
    return index < attrs.size() ? int_attr(op, attrs, index, what, lo, hi) : fallback;
}

std::string pair_text(int64_t a, int64_t b) { return std::to_string(a) + "x" + std::to_string(b); }

int normalise_axis(const std::string& op, int64_t axis, int rank) {
    int64_t a = axis < 0 ? axis + rank : axis;
    if (a < 0 || a >= rank)
        throw ShapeError(op + ": axis " + std::to_string(axis) + " is out of range for rank " +
                         std::to_string(rank));
    return static_cast<int>(a);
}

std::string cache_key(const std::string& op, const std::vector<Shape>& shapes,
                      const std::vector<double>& attrs) {
    std::ostringstream s;
    s << op;
    for (const auto& shape : shapes) s << '|' << shape_text(shape);
    for (double a : attrs) s << ',' << a;
    return s.str();
}

dnnl::memory::desc plain_desc(const Shape& shape, DType dtype) {
    // A scalar (rank 0) is one element to oneDNN.
    dnnl::memory::dims dims = shape.empty() ? dnnl::memory::dims{1}
                                            : dnnl::memory::dims(shape.begin(), shape.end());
    auto type = dtype == DType::f32 ? dnnl::memory::data_type::f32 : dnnl::memory::data_type::s32;
    dnnl::memory::dims strides(dims.size());
    int64_t s = 1;
    for (std::size_t i = dims.size(); i-- > 0;) {
        strides[i] = s;
        s *= dims[i];
    }
    return dnnl::memory::desc(dims, type, strides);
}

dnnl::memory plain_memory(Context& ctx, const Tensor& t) {
    return dnnl::memory(plain_desc(t.shape(), t.dtype()), ctx.device().engine(), t.raw());
}

dnnl::memory plain_memory(Context& ctx, const Tensor& t, const dnnl::memory::desc& desc) {
    return dnnl::memory(desc, ctx.device().engine(), t.raw());
}

Tensor scratch_tensor(Context& ctx, std::size_t bytes) {
    return ctx.empty(DType::f32, {static_cast<int64_t>((bytes + 3) / 4)});
}

namespace {

dnnl::reorder& cached_reorder(Context& ctx, const dnnl::memory::desc& from, const dnnl::memory::desc& to) {
    // Descriptors have no printable form in 2.6; their C structs are plain data, so their bytes
    // identify them.
    std::string key = "reorder|";
    key.append(reinterpret_cast<const char*>(&from.data), sizeof(from.data));
    key.append(reinterpret_cast<const char*>(&to.data), sizeof(to.data));
    return ctx.device().primitives().get<dnnl::reorder>(key, [&] {
        return dnnl::reorder(dnnl::reorder::primitive_desc(ctx.device().engine(), from, ctx.device().engine(), to));
    });
}

}  // namespace

dnnl::memory in_layout(Context& ctx, const dnnl::memory& user, const dnnl::memory::desc& want,
                       std::vector<Tensor>& scratch) {
    if (user.get_desc() == want) return user;
    Tensor buffer = scratch_tensor(ctx, want.get_size());
    scratch.push_back(buffer);
    dnnl::memory converted(want, ctx.device().engine(), buffer.raw());
    dnnl::memory source = user;  // execute() takes non-const handles
    cached_reorder(ctx, user.get_desc(), want).execute(ctx.device().stream(), source, converted);
    return converted;
}

dnnl::memory out_layout(Context& ctx, const dnnl::memory& user, const dnnl::memory::desc& have,
                        std::vector<Tensor>& scratch) {
    if (user.get_desc() == have) return user;
    Tensor buffer = scratch_tensor(ctx, have.get_size());
    scratch.push_back(buffer);
    return dnnl::memory(have, ctx.device().engine(), buffer.raw());
}

void finish_out(Context& ctx, const dnnl::memory& computed, const dnnl::memory& user) {
    if (computed.get_data_handle() == user.get_data_handle()) return;
    dnnl::memory source = computed, target = user;  // execute() takes non-const handles
    cached_reorder(ctx, computed.get_desc(), user.get_desc()).execute(ctx.device().stream(), source, target);
}

}  // namespace chimera

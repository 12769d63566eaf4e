#include "io/npy.hpp"

#include "tensor/shape_error.hpp"

#include <string>

namespace chimera {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "write_npy writes the machine's bytes as little-endian ('<f4')");

namespace {

// The magic, version, header length and header of an array of `shape`.
std::string npy_prefix(DType dtype, const Shape& shape) {
    std::string dims;
    for (int64_t d : shape) dims += std::to_string(d) + ", ";
    // As NumPy writes them: (5,) keeps its comma, (5, 3) has none at the end, () is a scalar.
    if (!dims.empty()) dims.erase(dims.size() - (shape.size() > 1 ? 2 : 1));
    std::string header = std::string("{'descr': '") + (dtype == DType::i32 ? "<i4" : "<f4") + "', 'fortran_order': False, 'shape': (" +
                         dims + "), }";
    // The magic, version and length take 10 bytes; the header ends in '\n' at a multiple of 64.
    while ((10 + header.size() + 1) % 64 != 0) header += ' ';
    header += '\n';
    std::string prefix("\x93NUMPY\x01\x00", 8);
    prefix += static_cast<char>(header.size() & 0xFF);
    prefix += static_cast<char>((header.size() >> 8) & 0xFF);
    return prefix + header;
}

std::string_view bytes_of(const Tensor& t) {
    return {static_cast<const char*>(t.raw()), static_cast<std::size_t>(t.numel()) * 4};
}

}  // namespace

void write_npy(const std::filesystem::path& path, const Tensor& t) {
    const std::string prefix = npy_prefix(t.dtype(), t.shape());
    write_file_atomically(path, {std::string_view(prefix), bytes_of(t)});
}

NpyWriter::NpyWriter(const std::filesystem::path& path, DType dtype, const Shape& shape)
    : path_(path), dtype_(dtype), shape_(shape), file_(path) {
    if (shape_.empty()) throw ShapeError("an array written in rows needs a shape [rows, ...], not a scalar");
    file_.append(npy_prefix(dtype_, shape_));
}

void NpyWriter::append(const Tensor& block) {
    const Shape row(shape_.begin() + 1, shape_.end());
    if (block.dtype() != dtype_ || block.rank() != static_cast<int>(shape_.size()) || Shape(block.shape().begin() + 1, block.shape().end()) != row)
        throw ShapeError(path_.string() + ": rows of " + describe(block) + " do not fit an array of shape " + shape_text(shape_));
    if (rows_ + block.dim(0) > shape_[0])
        throw ShapeError(path_.string() + ": " + std::to_string(rows_ + block.dim(0)) + " rows, more than the " + std::to_string(shape_[0]) +
                         " of the array");
    file_.append(bytes_of(block));
    rows_ += block.dim(0);
}

void NpyWriter::commit() {
    if (rows_ != shape_[0])
        throw ShapeError(path_.string() + ": " + std::to_string(rows_) + " rows written of the " + std::to_string(shape_[0]) + " promised");
    file_.commit();
}

std::filesystem::path labels_beside(const std::filesystem::path& images) {
    std::filesystem::path labels = images;
    labels.replace_extension();
    labels += ".labels.npy";
    return labels;
}

}  // namespace chimera

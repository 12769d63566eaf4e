// A tensor as a NumPy .npy file (format 1.0, little-endian float32 or int32, C order), for tools
// that read arrays: numpy.load, and the checks of an exported model by another runtime. Whole
// tensors at once, or an array too large to hold written row block by row block (NpyWriter).
// Not a reader, and not .npz.
#pragma once

#include "io/atomic_file.hpp"
#include "tensor/tensor.hpp"

#include <filesystem>

namespace chimera {

// Writes `t` to `path`, atomically. Throws DataError naming the file.
void write_npy(const std::filesystem::path& path, const Tensor& t);

// An array of a shape known in advance, [rows, ...], written as its rows are made: append blocks
// of rows in order, then commit. Atomic like write_npy: nothing is at `path` until commit, and a
// writer destroyed before it leaves the old file as it was.
class NpyWriter {
public:
    NpyWriter(const std::filesystem::path& path, DType dtype, const Shape& shape);

    // `block` holds whole rows of the array ([k, ...] with the array's row shape and dtype).
    // Throws ShapeError for another shape or dtype, or more rows than the array has.
    void append(const Tensor& block);
    // Throws ShapeError when rows are missing; DataError when the file cannot be written.
    void commit();

private:
    std::filesystem::path path_;
    DType dtype_;
    Shape shape_;
    int64_t rows_ = 0;
    AtomicFile file_;
};

// The labels file beside an array of images: "samples.npy" -> "samples.labels.npy".
std::filesystem::path labels_beside(const std::filesystem::path& images);

}  // namespace chimera

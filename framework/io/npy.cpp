#include "io/npy.hpp"

#include "io/atomic_file.hpp"

#include <string>

namespace chimera {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "write_npy writes the machine's bytes as little-endian ('<f4')");

void write_npy(const std::filesystem::path& path, const Tensor& t) {
    std::string shape;
    for (int64_t d : t.shape()) shape += std::to_string(d) + ", ";
    if (t.shape().size() > 1) shape.erase(shape.size() - 2);  // (5,) keeps its comma; (5, 3) has none at the end
    else if (t.shape().empty()) shape.clear();
    std::string header = std::string("{'descr': '") + (t.dtype() == DType::i32 ? "<i4" : "<f4") + "', 'fortran_order': False, 'shape': (" +
                         shape + "), }";
    // The magic, version and length take 10 bytes; the header ends in '\n' at a multiple of 64.
    while ((10 + header.size() + 1) % 64 != 0) header += ' ';
    header += '\n';
    std::string prefix("\x93NUMPY\x01\x00", 8);
    prefix += static_cast<char>(header.size() & 0xFF);
    prefix += static_cast<char>((header.size() >> 8) & 0xFF);
    const std::string_view data(static_cast<const char*>(t.raw()), static_cast<std::size_t>(t.numel()) * 4);
    write_file_atomically(path, {std::string_view(prefix), std::string_view(header), data});
}

}  // namespace chimera

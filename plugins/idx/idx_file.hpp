// Reads MNIST-format IDX files (the format Fashion-MNIST ships in), gzipped or raw: a 4-byte
// magic (0, 0, type, rank), big-endian 32-bit sizes, then the data. Only unsigned bytes (type
// 0x08), which is what image and label files hold. Part of the `idx` loader plugin; it knows
// nothing of tensors or the host.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace chimera_idx {

struct IdxArray {
    std::vector<int64_t> dims;  // e.g. [60000, 28, 28] or [60000]
    std::vector<uint8_t> data;  // row-major, product(dims) bytes
};

// Throws std::runtime_error("<path>: <what>") for an unreadable, truncated or malformed file;
// positions are bytes of the decompressed content.
IdxArray read_idx(const std::string& path);

}  // namespace chimera_idx

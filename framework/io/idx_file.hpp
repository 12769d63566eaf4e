// Arrays of unsigned bytes as MNIST's IDX files (magic 0 0 0x08 rank, big-endian 32-bit sizes,
// then the bytes), the format the idx loader reads: images [N, H, W] and labels [N]. Written
// atomically, uncompressed. Not a reader: the idx plugin has that.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

namespace chimera {

// Writes `bytes` as an IDX array of `dims` (1 to 4 of them, each 1 .. 2^32-1, whose product is
// bytes.size()). Throws std::invalid_argument for sizes that do not fit, DataError naming the file.
void write_idx(const std::filesystem::path& path, const std::vector<uint8_t>& bytes, const std::vector<int64_t>& dims);

}  // namespace chimera

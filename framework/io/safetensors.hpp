// Tensors in the safetensors format (an 8-byte little-endian header length, a JSON header of
// names, dtypes, shapes and byte ranges, then the raw little-endian data), so checkpoints can be
// read by Python tools. Writing is atomic. Reading checks every field and names the file and
// the byte offset of what is wrong. Only F32 and I32, the host's dtypes.
#pragma once

#include "tensor/tensor.hpp"

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace chimera {

struct SafetensorsContent {
    std::map<std::string, std::string> metadata;  // the header's "__metadata__"
    NamedTensors tensors;                      // in file order
};

// Throws DataError (via write_file_atomically) when the file cannot be written, and
// std::invalid_argument for duplicate or empty names.
void write_safetensors(const std::filesystem::path& path, const NamedTensors& tensors,
                       const std::map<std::string, std::string>& metadata = {});

// Throws DataError("<file>: byte N: ...") for a truncated or malformed file.
SafetensorsContent read_safetensors(const std::filesystem::path& path,
                                    const std::shared_ptr<BufferPool>& pool);

}  // namespace chimera

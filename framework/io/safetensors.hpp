// Tensors in the safetensors format (an 8-byte little-endian header length, a JSON header of
// names, dtypes, shapes and byte ranges, then the raw little-endian data), so checkpoints can be
// read by Python tools. Writing is atomic. Reading checks every field and names the file and
// the byte offset of what is wrong. Chimera writes F32 and I32, the host's dtypes; files from
// elsewhere (PyTorch's state_dict) may be read with other dtypes converted.
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
    NamedTensors tensors;                         // in the order of their data
    // With SafetensorsDTypes::convert, the tensors that could not be converted: name and dtype.
    std::vector<std::pair<std::string, std::string>> unreadable;
};

// What read_safetensors does with a dtype other than F32 and I32. `host`: the file is refused
// (Chimera's own files hold no other). `convert`: F64, F16 and BF16 become F32, I64 becomes I32
// when every value fits; any other dtype (BOOL, U8, ...) is listed in `unreadable`.
enum class SafetensorsDTypes { host, convert };

// Throws DataError (via write_file_atomically) when the file cannot be written, and
// std::invalid_argument for duplicate or empty names.
void write_safetensors(const std::filesystem::path& path, const NamedTensors& tensors,
                       const std::map<std::string, std::string>& metadata = {});

// Throws DataError("<file>: byte N: ...") for a truncated or malformed file.
SafetensorsContent read_safetensors(const std::filesystem::path& path, const std::shared_ptr<BufferPool>& pool,
                                    SafetensorsDTypes dtypes = SafetensorsDTypes::host);

// A tensor's checksum as Chimera records it beside the file: "crc32:" and eight hex digits of
// the CRC-32 (zlib's) of its little-endian bytes.
std::string tensor_checksum(const Tensor& t);

// What read_safetensors gave from `path`, checked before anyone trusts it: each tensor against
// its checksum in `checksums` (name to tensor_checksum; `recorded_in` names where they were kept,
// for the message), the same names in both, and every F32 value finite. Empty `checksums` (a
// file from before Chimera kept them) skips the first two. Throws DataError naming the file and
// the tensor.
void verify_tensors(const SafetensorsContent& content, const std::map<std::string, std::string>& checksums,
                    const std::filesystem::path& path, const std::string& recorded_in);

}  // namespace chimera

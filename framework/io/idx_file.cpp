#include "io/idx_file.hpp"

#include "io/atomic_file.hpp"

#include <stdexcept>
#include <string>
#include <string_view>

namespace chimera {

void write_idx(const std::filesystem::path& path, const std::vector<uint8_t>& bytes, const std::vector<int64_t>& dims) {
    if (dims.empty() || dims.size() > 4) throw std::invalid_argument("an IDX array has 1 to 4 dimensions, not " + std::to_string(dims.size()));
    std::string header{'\0', '\0', '\x08', static_cast<char>(dims.size())};
    int64_t count = 1;
    for (int64_t d : dims) {
        if (d < 1 || d > 0xFFFFFFFFLL) throw std::invalid_argument("an IDX dimension is 1 to 2^32-1, not " + std::to_string(d));
        count *= d;
        for (int shift = 24; shift >= 0; shift -= 8) header += static_cast<char>((d >> shift) & 0xFF);
    }
    if (static_cast<uint64_t>(count) != bytes.size())
        throw std::invalid_argument("IDX sizes promise " + std::to_string(count) + " bytes, not the " + std::to_string(bytes.size()) + " given");
    write_file_atomically(path, {std::string_view(header), std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size())});
}

}  // namespace chimera

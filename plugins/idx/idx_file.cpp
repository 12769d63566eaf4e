#include "idx_file.hpp"

#include <zlib.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace chimera_idx {

namespace {

[[noreturn]] void bad(const std::string& path, const std::string& what) {
    throw std::runtime_error(path + ": " + what);
}

// The whole (decompressed) content. gzread passes non-gzip files through unchanged.
// The bytes the header at the start of `bytes` promises in all (header and data), once the
// header is there; 0 while it is not; UINT64_MAX when it promises more than can be counted.
uint64_t promised(const std::vector<uint8_t>& bytes) {
    if (bytes.size() < 4 || bytes[3] < 1 || bytes[3] > 4 || bytes.size() < 4 + 4 * std::size_t{bytes[3]}) return 0;
    uint64_t total = 1;
    for (int d = 0; d < bytes[3]; ++d) {
        const uint8_t* p = &bytes[4 + 4 * static_cast<std::size_t>(d)];
        const uint64_t size = (uint64_t{p[0]} << 24) | (uint64_t{p[1]} << 16) | (uint64_t{p[2]} << 8) | p[3];
        if (size != 0 && total > UINT64_MAX / size) return UINT64_MAX;
        total *= size;
    }
    return total > UINT64_MAX - 20 ? UINT64_MAX : total + 4 + 4 * uint64_t{bytes[3]};
}

// The file's bytes, decompressed, but no further than a little past what its header promises:
// a small compressed file that expands without end (a "zip bomb") costs no more than that.
std::vector<uint8_t> slurp(const std::string& path) {
    gzFile f = gzopen(path.c_str(), "rb");
    if (!f) bad(path, std::string("cannot open: ") + std::strerror(errno));
    std::vector<uint8_t> out;
    uint8_t buf[1 << 16];
    while (true) {
        int n = gzread(f, buf, sizeof buf);
        if (n < 0) {
            int code = 0;
            std::string why = gzerror(f, &code);
            gzclose(f);
            bad(path, "corrupt compressed data after " + std::to_string(out.size()) + " bytes: " + why);
        }
        if (n == 0) break;
        out.insert(out.end(), buf, buf + n);
        const uint64_t limit = promised(out);
        if (limit != 0 && out.size() > limit) break;  // trailing bytes, or sizes past counting: read_idx says so
    }
    int code = Z_OK;
    gzerror(f, &code);
    gzclose(f);
    if (code == Z_BUF_ERROR)  // zlib's word for a compressed stream that stops early
        bad(path, "compressed data ends unexpectedly after " + std::to_string(out.size()) +
                      " bytes (truncated download?)");
    return out;
}

}  // namespace

IdxArray read_idx(const std::string& path) {
    std::vector<uint8_t> bytes = slurp(path);
    if (bytes.size() < 4) bad(path, "byte 0: " + std::to_string(bytes.size()) + " bytes is too short for an IDX header");
    if (bytes[0] != 0 || bytes[1] != 0)
        bad(path, "byte 0: not an IDX file (magic starts " + std::to_string(bytes[0]) + ", " +
                      std::to_string(bytes[1]) + " instead of 0, 0)");
    if (bytes[2] != 0x08) {
        char code[8];
        std::snprintf(code, sizeof code, "0x%02x", bytes[2]);
        bad(path, std::string("byte 2: element type ") + code +
                      " is not supported; only unsigned bytes (0x08), as in MNIST files");
    }
    const int rank = bytes[3];
    if (rank < 1 || rank > 4) bad(path, "byte 3: rank " + std::to_string(rank) + " is outside 1..4");
    const std::size_t header = 4 + 4 * static_cast<std::size_t>(rank);
    if (bytes.size() < header)
        bad(path, "byte " + std::to_string(bytes.size()) + ": file ends inside the header of " +
                      std::to_string(header) + " bytes");
    IdxArray out;
    uint64_t count = 1;
    bool overflows = false;  // the product exceeds 64 bits: 2^31 * 2^16 * 2^17 would wrap to 0
    std::string sizes;
    for (int d = 0; d < rank; ++d) {
        const uint8_t* p = &bytes[4 + 4 * d];
        uint32_t size = (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3];
        if (size == 0) bad(path, "byte " + std::to_string(4 + 4 * d) + ": dimension " + std::to_string(d) + " is 0");
        out.dims.push_back(size);
        sizes += (d ? " x " : "") + std::to_string(size);
        overflows = overflows || count > UINT64_MAX / size;
        if (!overflows) count *= size;
    }
    const uint64_t held = bytes.size() - header;
    if (overflows)
        bad(path, "byte 4: sizes " + sizes + " promise more than 2^64 bytes of data but the file holds " +
                      std::to_string(held) + " (corrupt header?)");
    if (held != count)
        bad(path, "byte " + std::to_string(std::min<uint64_t>(bytes.size(), header + count)) + ": sizes promise " +
                      std::to_string(count) + " bytes of data but the file holds " + std::to_string(held) +
                      (held < count ? " (truncated?)" : " (trailing bytes)"));
    out.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(header), bytes.end());
    return out;
}

}  // namespace chimera_idx

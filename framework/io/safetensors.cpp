#include "io/safetensors.hpp"

#include "core/host_error.hpp"
#include "io/atomic_file.hpp"

#include <nlohmann/json.hpp>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <tuple>

namespace chimera {

namespace {

using json = nlohmann::ordered_json;
constexpr uint64_t max_header = 100u << 20;  // a header beyond 100 MB is corruption, not data

std::string dtype_code(DType d) { return d == DType::f32 ? "F32" : "I32"; }

void put_u64_le(std::string& out, uint64_t v) {
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t get_u64_le(const unsigned char* p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
    return v;
}

[[noreturn]] void bad(const std::filesystem::path& path, uint64_t offset, const std::string& what) {
    throw DataError(path.string() + ": byte " + std::to_string(offset) + ": " + what +
                    " (not a valid safetensors file; was it truncated or overwritten?)");
}

// One tensor's header entry, checked against the data section's size.
struct Entry {
    std::string name, dtype;
    Shape shape;
    uint64_t begin = 0, end = 0;
};

// Bytes per element of the dtypes the format names; 0 for a name it does not.
uint64_t element_size(const std::string& dtype) {
    static const std::map<std::string, uint64_t> sizes{
        {"F64", 8}, {"F32", 4}, {"F16", 2}, {"BF16", 2}, {"F8_E4M3", 1}, {"F8_E5M2", 1}, {"I64", 8}, {"I32", 4},
        {"I16", 2}, {"I8", 1}, {"U64", 8}, {"U32", 4}, {"U16", 2}, {"U8", 1}, {"BOOL", 1}};
    auto it = sizes.find(dtype);
    return it == sizes.end() ? 0 : it->second;
}

Entry read_entry(const std::filesystem::path& path, const std::string& name, const json& entry, uint64_t data_start,
                 uint64_t data_size, SafetensorsDTypes dtypes) {
    Entry e;
    e.name = name;
    const std::string where = "tensor '" + name + "'";
    if (!entry.is_object() || !entry.contains("dtype") || !entry.contains("shape") || !entry.contains("data_offsets"))
        bad(path, 8, where + " lacks dtype, shape or data_offsets");
    e.dtype = entry["dtype"].is_string() ? entry["dtype"].get<std::string>() : "?";
    const uint64_t size = element_size(e.dtype);
    if (dtypes == SafetensorsDTypes::host && e.dtype != "F32" && e.dtype != "I32")
        bad(path, 8, where + " has dtype " + e.dtype + "; Chimera reads F32 and I32");
    if (size == 0) bad(path, 8, where + " has dtype " + e.dtype + ", which the safetensors format does not define");
    // The element count in 64 bits without wrapping: sizes whose product overflows cannot
    // describe bytes in a file, and must not reach Tensor's own size arithmetic.
    uint64_t elements = 1;
    bool overflows = false;
    if (!entry["shape"].is_array()) bad(path, 8, where + " has a shape that is not a list of sizes");
    for (const auto& d : entry["shape"]) {
        if (!d.is_number_unsigned()) bad(path, 8, where + " has a shape that is not a list of sizes");
        const uint64_t n = d.get<uint64_t>();
        overflows = overflows || n > static_cast<uint64_t>(INT64_MAX) || __builtin_mul_overflow(elements, n, &elements);
        e.shape.push_back(static_cast<int64_t>(n));
    }
    if (overflows) bad(path, 8, where + " has sizes " + entry["shape"].dump() + " whose product overflows 64 bits");
    if (e.shape.size() > CHM_MAX_RANK)
        bad(path, 8, where + " has rank " + std::to_string(e.shape.size()) + ", more than the " + std::to_string(CHM_MAX_RANK) +
                         " dimensions a tensor may have");
    const auto& range = entry["data_offsets"];
    if (!range.is_array() || range.size() != 2 || !range[0].is_number_unsigned() || !range[1].is_number_unsigned())
        bad(path, 8, where + " has malformed data_offsets");
    e.begin = range[0].get<uint64_t>();
    e.end = range[1].get<uint64_t>();
    if (e.end < e.begin || e.end > data_size)
        bad(path, data_start + e.begin, where + " claims bytes " + std::to_string(e.begin) + ".." + std::to_string(e.end) + " of a " +
                                   std::to_string(data_size) + "-byte data section");
    if (elements > data_size / size || e.end - e.begin != elements * size)
        bad(path, data_start + e.begin, where + " has shape " + shape_text(e.shape) + " of " + e.dtype + " but " +
                                   std::to_string(e.end - e.begin) + " bytes");
    return e;
}

float half_to_float(uint16_t h) {
    const uint32_t sign = (h & 0x8000u) << 16, exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
    float magnitude;
    if (exponent == 0) magnitude = std::ldexp(static_cast<float>(mantissa), -24);  // zero and subnormals
    else if (exponent == 31) magnitude = mantissa ? NAN : INFINITY;
    else magnitude = std::ldexp(static_cast<float>(mantissa | 0x400), static_cast<int>(exponent) - 25);
    uint32_t bits;
    std::memcpy(&bits, &magnitude, 4);
    bits |= sign;
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
}

// A tensor of another dtype as one the host holds: F64, F16 and BF16 as F32; I64 as I32 when
// every value fits. nullopt when it cannot be (another dtype, or an I64 beyond 32 bits).
std::optional<Tensor> convert(const Entry& e, const unsigned char* bytes, const std::shared_ptr<BufferPool>& pool) {
    const bool integer = e.dtype == "I64";
    if (!integer && e.dtype != "F64" && e.dtype != "F16" && e.dtype != "BF16") return std::nullopt;
    Tensor t = Tensor::empty(pool, integer ? DType::i32 : DType::f32, e.shape);
    const uint64_t n = static_cast<uint64_t>(t.numel());
    for (uint64_t i = 0; i < n; ++i) {
        if (integer) {
            int64_t v;
            std::memcpy(&v, bytes + 8 * i, 8);
            if (v < INT32_MIN || v > INT32_MAX) return std::nullopt;
            static_cast<int32_t*>(t.raw())[i] = static_cast<int32_t>(v);
        } else if (e.dtype == "F64") {
            double v;
            std::memcpy(&v, bytes + 8 * i, 8);
            static_cast<float*>(t.raw())[i] = static_cast<float>(v);
        } else {
            uint16_t h;
            std::memcpy(&h, bytes + 2 * i, 2);
            float v;
            if (e.dtype == "BF16") {
                const uint32_t bits = static_cast<uint32_t>(h) << 16;
                std::memcpy(&v, &bits, 4);
            } else {
                v = half_to_float(h);
            }
            static_cast<float*>(t.raw())[i] = v;
        }
    }
    return t;
}

// The tensors of `entries` from the data section at `data` (the file's byte `data_start`), which
// must hold their bytes end to end, in whatever order the header lists them.
void read_data(const std::filesystem::path& path, std::vector<Entry>& entries, const unsigned char* data, uint64_t data_start,
               uint64_t data_size, const std::shared_ptr<BufferPool>& pool, SafetensorsContent& out) {
    // (An empty tensor's range is empty: by its start, then its end, it comes before one it shares a start with.)
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return std::tie(a.begin, a.end) < std::tie(b.begin, b.end); });
    uint64_t expected_offset = 0;
    for (const Entry& e : entries) {
        if (e.begin != expected_offset)
            bad(path, data_start + e.begin, "tensor '" + e.name + "' claims bytes " + std::to_string(e.begin) + ".." +
                                                std::to_string(e.end) + " where bytes from " + std::to_string(expected_offset) +
                                                " were expected (a gap or an overlap)");
        expected_offset = e.end;
        if (e.dtype == "F32" || e.dtype == "I32") {
            Tensor t = Tensor::empty(pool, e.dtype == "F32" ? DType::f32 : DType::i32, e.shape);
            std::memcpy(t.raw(), data + e.begin, e.end - e.begin);
            out.tensors.emplace_back(e.name, t);
        } else if (std::optional<Tensor> t = convert(e, data + e.begin, pool)) {
            out.tensors.emplace_back(e.name, *t);
        } else {
            out.unreadable.emplace_back(e.name, e.dtype);
        }
    }
    if (expected_offset != data_size)
        bad(path, data_start + expected_offset, std::to_string(data_size - expected_offset) + " bytes follow the last tensor");
}

}  // namespace

void write_safetensors(const std::filesystem::path& path, const NamedTensors& tensors,
                       const std::map<std::string, std::string>& metadata) {
    json header = json::object();
    if (!metadata.empty()) header["__metadata__"] = metadata;
    std::set<std::string> names;
    uint64_t offset = 0;
    for (const auto& [name, t] : tensors) {
        if (name.empty() || name == "__metadata__" || !names.insert(name).second)
            throw std::invalid_argument("safetensors: bad or duplicate tensor name '" + name + "'");
        uint64_t bytes = static_cast<uint64_t>(t.numel()) * 4;
        header[name] = {{"dtype", dtype_code(t.dtype())}, {"shape", t.shape()}, {"data_offsets", {offset, offset + bytes}}};
        offset += bytes;
    }
    std::string text = header.dump();
    text.append((8 - text.size() % 8) % 8, ' ');  // keep the data 8-byte aligned, as the format advises
    std::string head;
    put_u64_le(head, text.size());
    head += text;
    std::vector<std::string_view> pieces{head};  // the tensors are written from their own memory
    for (const auto& [name, t] : tensors) pieces.emplace_back(static_cast<const char*>(t.raw()), t.numel() * 4);
    write_file_atomically(path, pieces);
}

SafetensorsContent read_safetensors(const std::filesystem::path& path, const std::shared_ptr<BufferPool>& pool,
                                    SafetensorsDTypes dtypes) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) throw DataError(path, "is a directory, not a safetensors file");
    std::ifstream file(path, std::ios::binary);
    if (!file) throw DataError(path.string() + ": cannot open: " + std::strerror(errno));
    std::string bytes;
    try {
        bytes.assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
    } catch (const std::ios_base::failure& e) {  // libstdc++ throws when a read fails
        throw DataError(path, std::string("cannot read: ") + e.what());
    }
    const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
    if (bytes.size() < 8) bad(path, 0, "file has " + std::to_string(bytes.size()) + " bytes, fewer than the 8-byte header length");
    uint64_t header_size = get_u64_le(data);
    if (header_size > max_header || 8 + header_size > bytes.size())
        bad(path, 0, "header length " + std::to_string(header_size) + " exceeds the file's " +
                         std::to_string(bytes.size()) + " bytes");
    json header;
    try {
        header = json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<std::ptrdiff_t>(header_size));
    } catch (const json::parse_error& e) {
        bad(path, 8 + (e.byte > 0 ? e.byte - 1 : 0), "header is not JSON");
    } catch (const json::exception& e) {  // a number too large for a double (found by fuzzing)
        bad(path, 8, std::string("header is not JSON Chimera can read: ") + e.what());
    }
    if (!header.is_object()) bad(path, 8, "header is not a JSON object");

    const uint64_t data_start = 8 + header_size, data_size = bytes.size() - data_start;
    SafetensorsContent out;
    std::vector<Entry> entries;
    for (const auto& [name, entry] : header.items()) {
        if (name == "__metadata__") {
            if (!entry.is_object()) bad(path, 8, "__metadata__ is not an object");
            for (const auto& [k, v] : entry.items()) {
                if (!v.is_string()) bad(path, 8, "__metadata__." + k + " is not a string");
                out.metadata[k] = v.get<std::string>();
            }
            continue;
        }
        entries.push_back(read_entry(path, name, entry, data_start, data_size, dtypes));
    }
    read_data(path, entries, data + data_start, data_start, data_size, pool, out);
    return out;
}

std::string tensor_checksum(const Tensor& t) {
    const auto* p = static_cast<const Bytef*>(t.raw());
    uLong crc = ::crc32(0L, Z_NULL, 0);
    for (std::size_t left = static_cast<std::size_t>(t.numel()) * 4; left > 0;) {  // zlib takes 32-bit lengths
        const uInt n = static_cast<uInt>(std::min<std::size_t>(left, 1u << 30));
        crc = ::crc32(crc, p, n);
        p += n;
        left -= n;
    }
    char text[16];
    std::snprintf(text, sizeof text, "crc32:%08lx", static_cast<unsigned long>(crc));
    return text;
}

void verify_tensors(const SafetensorsContent& content, const std::map<std::string, std::string>& checksums,
                    const std::filesystem::path& path, const std::string& recorded_in) {
    std::set<std::string> seen;
    for (const auto& [name, t] : content.tensors) {
        const std::string where = "tensor '" + name + "'";
        if (!checksums.empty()) {
            auto it = checksums.find(name);
            if (it == checksums.end()) throw DataError(path, where + " has no checksum in " + recorded_in + " (was the file replaced?)");
            const std::string actual = tensor_checksum(t);
            if (actual != it->second)
                throw DataError(path, where + " does not match its checksum in " + recorded_in + " (" + actual + ", recorded " +
                                          it->second + "): the file was damaged or changed after it was written");
            seen.insert(name);
        }
        if (t.dtype() != DType::f32) continue;
        const float* v = t.data<float>();
        for (int64_t i = 0, n = t.numel(); i < n; ++i)
            if (!std::isfinite(v[i]))
                throw DataError(path, where + " holds " + (std::isnan(v[i]) ? "NaN" : v[i] > 0 ? "+Inf" : "-Inf") + " at element " +
                                          std::to_string(i) + "; a model with non-finite parameters or state cannot be used");
    }
    for (const auto& [name, checksum] : checksums)
        if (!seen.count(name)) throw DataError(path, "has no tensor '" + name + "', which " + recorded_in + " records");
}

}  // namespace chimera

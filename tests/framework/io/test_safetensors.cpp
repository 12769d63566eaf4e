// Checkpoint files: safetensors written and read back bit for bit, a file written by an
// independent Python writer read correctly, every kind of corruption reported with the file and
// byte offset, and atomic writes that never leave a half-written target.
#define BOOST_TEST_MODULE framework_io
#include <boost/test/unit_test.hpp>

#include "core/host_error.hpp"
#include "io/atomic_file.hpp"
#include "io/safetensors.hpp"
#include "support/gradient_check.hpp"

#include <cstring>
#include <cmath>
#include <fstream>
#include <map>

using namespace chimera;
using namespace chimera::test;
namespace fs = std::filesystem;

namespace {

struct TempDir {
    fs::path path = fs::temp_directory_path() / ("chimera-io-" + std::to_string(::getpid()));
    TempDir() { fs::create_directories(path); }
    ~TempDir() { fs::remove_all(path); }
};

std::string slurp(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

void spit(const fs::path& p, const std::string& bytes) {
    std::ofstream f(p, std::ios::binary);
    f << bytes;
}

// The DataError message of reading `bytes` as a safetensors file.
std::string read_error(const TempDir& dir, const std::string& bytes) {
    fs::path p = dir.path / "bad.safetensors";
    spit(p, bytes);
    Context ctx(1, 0);
    try {
        read_safetensors(p, ctx.device().pool());
    } catch (const DataError& e) {
        std::string m = e.what();
        return m.substr(m.find(": byte") + 2);  // drop the temporary path
    }
    return "no error";
}

std::string with_header(const std::string& json_text, const std::string& data) {
    std::string out(8, '\0');
    uint64_t n = json_text.size();
    for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
    return out + json_text + data;
}

}  // namespace

BOOST_AUTO_TEST_CASE(round_trip_is_bit_exact_with_metadata) {
    TempDir dir;
    Context ctx(1, 0);
    Tensor w = random_tensor(ctx, {3, 5}, 1);
    Tensor labels = ctx.empty(DType::i32, {4});
    for (int i = 0; i < 4; ++i) labels.data<int32_t>()[i] = i * 1000 - 7;
    Tensor scalar = tensor_of(ctx, {}, {3.25f});
    fs::path p = dir.path / "ckpt.safetensors";
    write_safetensors(p, {{"enc.w", w}, {"labels", labels}, {"step", scalar}}, {{"step", "12"}});
    SafetensorsContent back = read_safetensors(p, ctx.device().pool());
    BOOST_TEST_REQUIRE(back.tensors.size() == 3u);
    BOOST_TEST(back.tensors[0].first == "enc.w");
    BOOST_TEST(back.tensors[0].second.shape() == Shape({3, 5}), boost::test_tools::per_element());
    BOOST_TEST(std::memcmp(back.tensors[0].second.raw(), w.raw(), 60) == 0);
    BOOST_TEST((back.tensors[1].second.dtype() == DType::i32));
    BOOST_TEST(back.tensors[1].second.data<int32_t>()[3] == 2993);
    BOOST_TEST(back.tensors[2].second.rank() == 0);
    BOOST_TEST(back.tensors[2].second.data<float>()[0] == 3.25f);
    BOOST_TEST(back.metadata.at("step") == "12");
    // The data section starts 8-byte aligned, as the format advises.
    std::string bytes = slurp(p);
    uint64_t header = 0;
    std::memcpy(&header, bytes.data(), 8);
    BOOST_TEST(header % 8 == 0u);
}

BOOST_AUTO_TEST_CASE(reads_what_an_independent_python_writer_wrote) {
    Context ctx(1, 0);
    SafetensorsContent f = read_safetensors(CHIMERA_TEST_DATA "/python_written.safetensors", ctx.device().pool());
    BOOST_TEST_REQUIRE(f.tensors.size() == 2u);
    BOOST_TEST(f.metadata.at("written_by") == "python stdlib");
    BOOST_TEST(values_of(f.tensors[0].second) == std::vector<float>({-1, -0.5f, 0, 0.5f, 1, 1.5f}),
               boost::test_tools::per_element());
    const int32_t* steps = f.tensors[1].second.data<int32_t>();
    BOOST_TEST(steps[0] == 7);
    BOOST_TEST(steps[1] == -3);
    BOOST_TEST(steps[2] == 2147483647);
}

BOOST_AUTO_TEST_CASE(corruption_is_reported_with_the_byte_offset) {
    TempDir dir;
    const std::string ok_entry = R"("t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})";
    BOOST_TEST(read_error(dir, "abc").rfind("byte 0: file has 3 bytes, fewer than the 8-byte header length", 0) == 0u);
    BOOST_TEST(read_error(dir, with_header("{" + ok_entry + "}", "1234")).rfind(
                   "byte 62: tensor 't' claims bytes 0..8 of a 4-byte data section", 0) == 0u);
    BOOST_TEST(read_error(dir, std::string("\xff\xff\xff\xff\0\0\0\0", 8) + "{}").rfind(
                   "byte 0: header length 4294967295 exceeds the file's 10 bytes", 0) == 0u);
    BOOST_TEST(read_error(dir, with_header("{\"t\": [1,", "")).rfind("byte 17: header is not JSON", 0) == 0u);
    BOOST_TEST(read_error(dir, with_header(R"({"t":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}})", "12345678"))
                   .rfind("byte 8: tensor 't' has dtype F64; Chimera reads F32 and I32", 0) == 0u);
    BOOST_TEST(read_error(dir, with_header(R"({"t":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", "12345678"))
                   .rfind("byte 62: tensor 't' has shape [3] of F32 but 8 bytes", 0) == 0u);
    BOOST_TEST(read_error(dir, with_header("{" + ok_entry + "}", "12345678XY")).rfind(
                   "byte 70: 2 bytes follow the last tensor", 0) == 0u);
    BOOST_TEST(read_error(dir, with_header(R"({"t":{"dtype":"F32","shape":[1e400],"data_offsets":[0,0]}})", ""))
                   .rfind("byte 8: header is not JSON Chimera can read: [json.exception.out_of_range.406] number overflow", 0) == 0u);
    // Sizes whose product wraps (to 0 here) or exceeds the int64 a Tensor counts in.
    BOOST_TEST(read_error(dir, with_header(R"({"t":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}})", ""))
                   .rfind("byte 8: tensor 't' has sizes [4294967296,4294967296] whose product overflows 64 bits", 0) == 0u);
    BOOST_TEST(read_error(dir, with_header(R"({"t":{"dtype":"F32","shape":[9223372036854775808],"data_offsets":[0,0]}})", ""))
                   .rfind("byte 8: tensor 't' has sizes [9223372036854775808] whose product overflows 64 bits", 0) == 0u);
    BOOST_TEST(read_error(dir, with_header(R"({"t":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,0]}})", ""))
                   .rfind("byte 80: tensor 't' has shape [4611686018427387904] of F32 but 0 bytes", 0) == 0u);
}

// A state_dict from elsewhere: half, bfloat16, double and int64 tensors converted, in any order
// of their data, and a dtype the host cannot hold listed rather than refused.
BOOST_AUTO_TEST_CASE(foreign_dtypes_are_converted_when_asked) {
    TempDir dir;
    std::string data;
    auto put = [&](const void* p, std::size_t n) { data.append(static_cast<const char*>(p), n); };
    const uint16_t half[3] = {0x3c00, 0xc000, 0x0001};      // 1, -2, the smallest subnormal 2^-24
    const uint16_t bf16[2] = {0x3f80, 0x4049};              // 1, 3.140625
    const double f64[2] = {0.1, -1e30};
    const int64_t i64[2] = {7, -2147483648LL};
    const int64_t too_big = 1LL << 40;
    const uint8_t flags[2] = {1, 0};
    put(i64, 16);       // bytes 0..16, listed last below
    put(half, 6);       // 16..22
    put(bf16, 4);       // 22..26
    put(f64, 16);       // 26..42
    put(&too_big, 8);   // 42..50
    put(flags, 2);      // 50..52
    const std::string header = R"({"f16":{"dtype":"F16","shape":[3],"data_offsets":[16,22]},)"
                               R"("bf16":{"dtype":"BF16","shape":[2],"data_offsets":[22,26]},)"
                               R"("f64":{"dtype":"F64","shape":[2],"data_offsets":[26,42]},)"
                               R"("big":{"dtype":"I64","shape":[],"data_offsets":[42,50]},)"
                               R"("mask":{"dtype":"BOOL","shape":[2],"data_offsets":[50,52]},)"
                               R"("steps":{"dtype":"I64","shape":[2],"data_offsets":[0,16]}})";
    const fs::path p = dir.path / "foreign.safetensors";
    spit(p, with_header(header, data));
    Context ctx(1, 0);
    SafetensorsContent c = read_safetensors(p, ctx.device().pool(), SafetensorsDTypes::convert);
    std::map<std::string, Tensor> t(c.tensors.begin(), c.tensors.end());
    auto f = [&](const std::string& name, int i) { return static_cast<const float*>(t.at(name).raw())[i]; };
    BOOST_TEST(c.tensors.front().first == "steps");  // in the order of the data
    BOOST_TEST(t.size() == 4u);
    BOOST_TEST(f("f16", 0) == 1.0f);
    BOOST_TEST(f("f16", 1) == -2.0f);
    BOOST_TEST(f("f16", 2) == std::ldexp(1.0f, -24));
    BOOST_TEST(f("bf16", 1) == 3.140625f);
    BOOST_TEST(f("f64", 0) == 0.1f);
    BOOST_TEST(f("f64", 1) == -1e30f);
    BOOST_TEST((t.at("steps").dtype() == DType::i32));
    BOOST_TEST(static_cast<const int32_t*>(t.at("steps").raw())[1] == INT32_MIN);
    BOOST_TEST(c.unreadable.size() == 2u);  // an int64 beyond 32 bits, and booleans
    BOOST_TEST(c.unreadable[0].first == "big");
    BOOST_TEST(c.unreadable[1].second == "BOOL");
    // Chimera's own files hold F32 and I32 only: the same file is refused when not converting.
    BOOST_CHECK_THROW(read_safetensors(p, ctx.device().pool()), DataError);
    // An empty tensor listed after one that starts where it does (its range is empty) is fine.
    const fs::path q = dir.path / "empty.safetensors";
    spit(q, with_header(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"z":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}})", "1234"));
    BOOST_TEST(read_safetensors(q, ctx.device().pool()).tensors.size() == 2u);
    // A gap between tensors is corruption in any order.
    BOOST_TEST(read_error(dir, with_header(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", "12345678"))
                   .rfind("byte 66: tensor 'a' claims bytes 4..8 where bytes from 0 were expected (a gap or an overlap)", 0) == 0u);
}

BOOST_AUTO_TEST_CASE(an_atomic_write_that_fails_leaves_the_target_alone) {
    TempDir dir;
    fs::path target = dir.path / "state.json";
    write_file_atomically(target, "old");
    write_file_atomically(target, "new");
    BOOST_TEST(slurp(target) == "new");
    BOOST_CHECK_THROW(write_file_atomically(dir.path / "missing" / "x.json", "data"), DataError);
    // No temporary files are left behind.
    int files = 0;
    for (const auto& entry : fs::directory_iterator(dir.path)) files += entry.is_regular_file();
    BOOST_TEST(files == 1);
}

// The idx loader's file reader: raw and gzipped files, every malformation named with the file
// and byte, and the real Fashion-MNIST files from Debian's dataset-fashion-mnist.
#define BOOST_TEST_MODULE plugins_loader_idx
#include <boost/test/unit_test.hpp>

#include "idx_file.hpp"

#include <zlib.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <unistd.h>

using chimera_idx::read_idx;
namespace fs = std::filesystem;

namespace {

const std::string fashion = "/usr/share/datasets/fashion-mnist";

fs::path temp(const std::string& name) {
    return fs::temp_directory_path() / ("idx-" + std::to_string(::getpid()) + "-" + name);
}

void write_raw(const fs::path& p, const std::string& bytes) {
    std::ofstream(p, std::ios::binary) << bytes;
}

void write_gz(const fs::path& p, const std::string& bytes) {
    gzFile f = gzopen(p.c_str(), "wb");
    gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
    gzclose(f);
}

// A [2, 3] unsigned-byte IDX file holding 1..6.
const std::string small = std::string("\0\0\x08\x02\0\0\0\x02\0\0\0\x03", 12) + "\x01\x02\x03\x04\x05\x06";

std::string error_of(const std::string& bytes) {
    fs::path p = temp("bad");
    write_raw(p, bytes);
    try {
        read_idx(p.string());
    } catch (const std::runtime_error& e) {
        fs::remove(p);
        std::string m = e.what();
        return m.substr(p.string().size() + 2);
    }
    fs::remove(p);
    return "no error";
}

}  // namespace

BOOST_AUTO_TEST_CASE(raw_and_gzipped_files_read_the_same) {
    fs::path raw = temp("raw"), gz = temp("gz");
    write_raw(raw, small);
    write_gz(gz, small);
    for (const auto& p : {raw, gz}) {
        auto a = read_idx(p.string());
        BOOST_TEST(a.dims == std::vector<int64_t>({2, 3}), boost::test_tools::per_element());
        BOOST_TEST(a.data == std::vector<uint8_t>({1, 2, 3, 4, 5, 6}), boost::test_tools::per_element());
        fs::remove(p);
    }
}

BOOST_AUTO_TEST_CASE(malformed_files_name_the_byte) {
    BOOST_TEST(error_of("ab") == "byte 0: 2 bytes is too short for an IDX header");
    BOOST_TEST(error_of(std::string("\x89PNG", 4)) == "byte 0: not an IDX file (magic starts 137, 80 instead of 0, 0)");
    BOOST_TEST(error_of(std::string("\0\0\x0d\x01\0\0\0\x01", 8) + "1234") ==
               "byte 2: element type 0x0d is not supported; only unsigned bytes (0x08), as in MNIST files");
    BOOST_TEST(error_of(std::string("\0\0\x08\x02\0\0\0\x02", 8)) == "byte 8: file ends inside the header of 12 bytes");
    BOOST_TEST(error_of(small.substr(0, 15)) == "byte 15: sizes promise 6 bytes of data but the file holds 3 (truncated?)");
    BOOST_TEST(error_of(small + "x") == "byte 18: sizes promise 6 bytes of data but the file holds 7 (trailing bytes)");
}

// A small gzipped file that expands far beyond what its header promises (64 MB of zeros after a
// one-byte image): reading stops a block past the promise instead of holding it all.
BOOST_AUTO_TEST_CASE(a_compressed_file_is_read_no_further_than_its_header_promises) {
    const fs::path p = temp("bomb");
    std::string bytes("\0\0\x08\x02\0\0\0\x01\0\0\0\x01", 12);
    bytes.append(std::size_t{64} << 20, '\0');
    write_gz(p, bytes);
    BOOST_TEST(fs::file_size(p) < bytes.size() / 500);  // a bomb indeed
    std::string message;
    try {
        read_idx(p.string());
    } catch (const std::runtime_error& e) {
        message = e.what();
    }
    fs::remove(p);
    BOOST_TEST(message == p.string() + ": byte 13: sizes promise 1 bytes of data but the file holds 65524 (trailing bytes)");
}

// 2^31 * 2^16 * 2^17 is 2^64, which wraps to 0 in 64 bits: a 16-byte file claiming it once
// passed the size check and the loader then asked for a 2^31-entry index.
BOOST_AUTO_TEST_CASE(sizes_whose_product_overflows_are_refused) {
    const std::string wraps("\0\0\x08\x03\x80\0\0\0\0\x01\0\0\0\x02\0\0", 16);
    BOOST_TEST(error_of(wraps) ==
               "byte 4: sizes 2147483648 x 65536 x 131072 promise more than 2^64 bytes of data but the file holds 0 (corrupt header?)");
    const std::string most("\0\0\x08\x04\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 20);
    BOOST_TEST(error_of(most + "x").rfind("byte 4: sizes 4294967295 x 4294967295 x 4294967295 x 4294967295 promise more than 2^64", 0) == 0u);
}

BOOST_AUTO_TEST_CASE(corrupt_compression_is_reported) {
    fs::path p = temp("corrupt.gz");
    write_gz(p, small + std::string(5000, 'x'));
    std::string bytes;
    {
        std::ifstream in(p, std::ios::binary);
        bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    bytes.resize(bytes.size() / 2);  // cut the compressed stream in the middle
    write_raw(p, bytes);
    try {
        read_idx(p.string());
        BOOST_FAIL("a cut compressed stream should not read");
    } catch (const std::runtime_error& e) {
        BOOST_TEST_MESSAGE(e.what());
        BOOST_TEST(std::string(e.what()).rfind(p.string() + ": compressed data ends unexpectedly after ", 0) == 0u);
    }
    fs::remove(p);
    BOOST_CHECK_THROW(read_idx("/nonexistent/train-images-idx3-ubyte.gz"), std::runtime_error);
}

BOOST_AUTO_TEST_CASE(fashion_mnist_has_its_known_shape_and_balanced_classes) {
    auto images = read_idx(fashion + "/train-images-idx3-ubyte.gz");
    BOOST_TEST(images.dims == std::vector<int64_t>({60000, 28, 28}), boost::test_tools::per_element());
    auto labels = read_idx(fashion + "/t10k-labels-idx1-ubyte.gz");
    BOOST_TEST(labels.dims == std::vector<int64_t>({10000}), boost::test_tools::per_element());
    std::array<int, 10> per_class{};
    for (uint8_t l : labels.data) {
        BOOST_TEST_REQUIRE(l < 10);
        ++per_class[l];
    }
    for (int c : per_class) BOOST_TEST(c == 1000);  // Fashion-MNIST's test split: 1,000 per class
}

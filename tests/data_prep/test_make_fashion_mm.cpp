// scripts/make_fashion_mm.py, the three-modality set's builder, run on small subsets: the
// manifest ties every example to its image index, label, caption and audio; the audio files are
// 16 kHz mono 16-bit WAV with speech in them; a seed gives the same files byte for byte and
// another seed other ones; dropped captions and audio come in the fraction asked for, only in
// the training split; bad options and data are errors naming what is wrong.
#define BOOST_TEST_MODULE data_prep
#include <boost/test/unit_test.hpp>

#include "support/run_process.hpp"

#include <unistd.h>
#include <zlib.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace fs = std::filesystem;
using chimera::test::ProcessResult;
using chimera::test::read_file;
using chimera::test::run_process;

namespace {

struct TempDir {
    fs::path path;
    explicit TempDir(const std::string& tag) {
        path = fs::temp_directory_path() / ("chimera-mm-" + tag + "-" + std::to_string(::getpid()));
        fs::remove_all(path);
    }
    ~TempDir() { fs::remove_all(path); }
};

ProcessResult build(const fs::path& out, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {CHIMERA_PYTHON, CHIMERA_SCRIPT, "--out", out.string(), "--voices", "3", "--test-voices", "1"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run_process(argv);
}

std::vector<std::vector<std::string>> manifest(const fs::path& dir) {
    std::vector<std::vector<std::string>> rows;
    std::istringstream in(read_file(dir / "manifest.tsv"));
    for (std::string line; std::getline(in, line);) {
        std::vector<std::string> fields;
        std::string field;
        std::istringstream l(line);
        while (std::getline(l, field, '\t')) fields.push_back(field);
        if (!line.empty() && line.back() == '\t') fields.push_back("");
        rows.push_back(fields);
    }
    return rows;
}

// The training labels as Debian ships them, read independently of the script.
std::vector<int> idx_labels(const std::string& file) {
    gzFile f = gzopen(file.c_str(), "rb");
    BOOST_TEST_REQUIRE(f != nullptr);
    std::vector<unsigned char> bytes(1 << 20);
    int n = gzread(f, bytes.data(), static_cast<unsigned>(bytes.size()));
    gzclose(f);
    return std::vector<int>(bytes.begin() + 8, bytes.begin() + n);
}

uint32_t u32(const std::string& b, std::size_t at) {
    uint32_t v;
    std::memcpy(&v, b.data() + at, 4);
    return v;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_subset_has_every_modality_tied_by_example_id) {
    TempDir dir("subset");
    ProcessResult r = build(dir.path, {"--subset", "120"});
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out << r.err);
    auto rows = manifest(dir.path);
    BOOST_REQUIRE(rows.size() == 1 + 120 + 20);
    BOOST_TEST(rows[0] == std::vector<std::string>({"id", "split", "index", "label", "caption", "audio"}), boost::test_tools::per_element());
    const std::vector<int> labels = idx_labels(std::string(CHIMERA_FASHION) + "/train-labels-idx1-ubyte.gz");
    std::map<std::string, int> audio_label;
    for (std::size_t i = 1; i < rows.size(); ++i) {
        const auto& row = rows[i];
        BOOST_REQUIRE(row.size() == 6u);
        const int index = std::stoi(row[2]), label = std::stoi(row[3]);
        if (row[1] == "train") BOOST_TEST(label == labels.at(index));  // the image's own label
        BOOST_TEST(!row[4].empty());                                    // nothing dropped
        BOOST_TEST(row[5].rfind("audio/class" + std::to_string(label) + "_", 0) == 0u, row[5]);
        // Of the three versions per class, the last is the test split's only.
        const bool test_voice = row[5].size() > 7 && row[5].substr(row[5].size() - 7) == "002.wav";
        BOOST_TEST(test_voice == (row[1] == "test"), row[0] << " speaks " << row[5]);
        audio_label[row[5]] = label;
    }
    BOOST_TEST(rows[121][0] == "test/00000");
    for (const auto& [file, label] : audio_label) {
        BOOST_TEST_CONTEXT(file) {
            const std::string wav = read_file(dir.path / file);
            BOOST_REQUIRE(wav.size() > 44u);
            BOOST_TEST(wav.substr(0, 4) == "RIFF");
            BOOST_TEST(wav.substr(8, 4) == "WAVE");
            uint16_t channels, bits;
            std::memcpy(&channels, wav.data() + 22, 2);
            std::memcpy(&bits, wav.data() + 34, 2);
            BOOST_TEST(channels == 1);
            BOOST_TEST(u32(wav, 24) == 16000u);
            BOOST_TEST(bits == 16);
            const std::size_t samples = (wav.size() - 44) / 2;
            BOOST_TEST((samples > 16000 / 4 && samples < 16000 * 3));  // a spoken word or two
            int peak = 0;
            for (std::size_t s = 0; s < samples; ++s) {
                int16_t v;
                std::memcpy(&v, wav.data() + 44 + 2 * s, 2);
                peak = std::max(peak, std::abs(static_cast<int>(v)));
            }
            BOOST_TEST(peak > 2000);  // not silence
        }
    }
}

BOOST_AUTO_TEST_CASE(the_same_seed_gives_the_same_files_and_another_seed_others) {
    TempDir a("seed-a"), b("seed-b"), c("seed-c");
    for (auto* d : {&a, &b}) BOOST_REQUIRE_EQUAL(build(d->path, {"--subset", "60", "--seed", "3"}).exit_code, 0);
    BOOST_REQUIRE_EQUAL(build(c.path, {"--subset", "60", "--seed", "4"}).exit_code, 0);
    BOOST_TEST(read_file(a.path / "manifest.tsv") == read_file(b.path / "manifest.tsv"));
    for (const auto& entry : fs::directory_iterator(a.path / "audio"))
        BOOST_TEST(read_file(entry.path()) == read_file(b.path / "audio" / entry.path().filename()), entry.path());
    BOOST_TEST(read_file(a.path / "manifest.tsv") != read_file(c.path / "manifest.tsv"));
}

BOOST_AUTO_TEST_CASE(dropped_modalities_come_in_the_fraction_asked_for_and_only_in_training) {
    TempDir dir("drop");
    ProcessResult r = build(dir.path, {"--subset", "600", "--drop-captions", "0.5", "--drop-audio", "0.25"});
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out << r.err);
    int train = 0, no_caption = 0, no_audio = 0, test_missing = 0;
    for (const auto& row : manifest(dir.path)) {
        if (row[1] == "train") {
            ++train;
            no_caption += row[4].empty();
            no_audio += row[5].empty();
        } else if (row[1] == "test") {
            test_missing += row[4].empty() || row[5].empty();
        }
    }
    BOOST_TEST(train == 600);
    BOOST_TEST((no_caption > 240 && no_caption < 360), no_caption);  // 300 expected
    BOOST_TEST((no_audio > 100 && no_audio < 200), no_audio);        // 150 expected
    BOOST_TEST(test_missing == 0);
}

BOOST_AUTO_TEST_CASE(bad_options_and_bad_data_are_errors_naming_them) {
    TempDir dir("bad");
    fs::create_directories(dir.path / "full");
    std::ofstream(dir.path / "full" / "keep.txt") << "mine";
    ProcessResult busy = build(dir.path / "full", {"--subset", "10"});
    BOOST_TEST(busy.exit_code == 1);
    BOOST_TEST(busy.err.find("full: exists and is not an empty directory") != std::string::npos, busy.err);
    BOOST_TEST(read_file(dir.path / "full" / "keep.txt") == "mine");

    ProcessResult fraction = build(dir.path / "x", {"--drop-captions", "1.5"});
    BOOST_TEST(fraction.exit_code == 2);
    BOOST_TEST(fraction.err.find("--drop-captions must be a fraction in [0, 1], got 1.5") != std::string::npos, fraction.err);

    ProcessResult voices = build(dir.path / "v", {"--test-voices", "3"});
    BOOST_TEST(voices.exit_code == 2);
    BOOST_TEST(voices.err.find("--test-voices must be at least 0 and below --voices (3), got 3") != std::string::npos, voices.err);

    // A labels file that is not one.
    fs::create_directories(dir.path / "source");
    {
        gzFile f = gzopen((dir.path / "source" / "train-labels-idx1-ubyte.gz").c_str(), "wb");
        const unsigned char header[] = {0, 0, 8, 3, 0, 0, 0, 2, 1, 2};
        gzwrite(f, header, sizeof header);
        gzclose(f);
    }
    ProcessResult corrupt = build(dir.path / "y", {"--source", (dir.path / "source").string()});
    BOOST_TEST(corrupt.exit_code == 1);
    BOOST_TEST(corrupt.err.find("train-labels-idx1-ubyte.gz: magic number 2051 is not that of IDX labels (2049)") !=
                   std::string::npos,
               corrupt.err);
}

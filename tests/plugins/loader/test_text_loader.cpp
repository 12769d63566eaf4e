// The text loader on a small hand-written manifest: the vocabulary numbered from the training
// captions (0 pad, 1 unknown, then by frequency, ties alphabetically), padding and truncation,
// the caption's presence as a mask, character tokens, and errors naming the file and line.
#include <boost/test/unit_test.hpp>

#include "core/host_error.hpp"
#include "support/plugin_session.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>

using namespace chimera;
namespace fs = std::filesystem;

namespace {

struct TextSession : chimera::test::PluginSession {
    fs::path manifest = fs::temp_directory_path() / ("chimera-text-" + std::to_string(::getpid()) + ".tsv");
    TextSession() : PluginSession({MULTIMODAL_PLUGIN_FILE}) {}
    ~TextSession() { fs::remove(manifest); }
    void write(const std::string& body) { std::ofstream(manifest) << body; }
    std::unique_ptr<ComponentInstance> loader(const std::string& yaml) {
        return make(CHM_KIND_LOADER, "text", "manifest: " + manifest.string() + "\n" + yaml, "data", "pipe.yaml", "data.train");
    }
    std::string error_of(const std::string& yaml) {
        try {
            loader(yaml);
        } catch (const std::exception& e) {
            return e.what();
        }
        return "no error";
    }
};

const std::string header = "id\tsplit\tindex\tlabel\tcaption\taudio\n";
// Training words: a x3, boot x2 (one "Boot,"), then once each grayscale, of, photo, sandal: so
// a=2, boot=3, grayscale=4, of=5, photo=6, sandal=7.
const std::string body = header + "train/00000\ttrain\t0\t9\ta boot\taudio/class9_000.wav\n" +
                         "train/00001\ttrain\t1\t5\ta photo of a sandal\t\n" +
                         "train/00002\ttrain\t2\t9\tBoot, grayscale?\taudio/class9_001.wav\n" +
                         "train/00003\ttrain\t3\t0\t\taudio/class0_000.wav\n" +
                         "test/00000\ttest\t0\t5\ta sandal shoe\taudio/class5_000.wav\n";

std::vector<int32_t> ints(const Tensor& t) { return std::vector<int32_t>(t.data<int32_t>(), t.data<int32_t>() + t.numel()); }

}  // namespace

BOOST_AUTO_TEST_CASE(captions_become_padded_token_ids_from_the_training_vocabulary) {
    TextSession s;
    s.write(body);
    auto train = s.loader("length: 4");
    BOOST_TEST(train->size() == 4);
    auto fields = train->fields();
    BOOST_TEST_REQUIRE(fields.size() == 4u);
    BOOST_TEST(fields[0].name == "text");
    BOOST_TEST(fields[0].shape == Shape({4}), boost::test_tools::per_element());
    auto b = s.read_batch(*train, {0, 1, 2, 3});
    BOOST_TEST(ints(b[0]) == std::vector<int32_t>({2, 3, 0, 0, 2, 6, 5, 2, 3, 4, 0, 0, 0, 0, 0, 0}), boost::test_tools::per_element());
    BOOST_TEST(ints(b[1]) == std::vector<int32_t>({2, 4, 2, 0}), boost::test_tools::per_element());  // "a photo of a sandal" cut at 4
    BOOST_TEST(b[2].data<float>()[3] == 0.0f);  // the dropped caption
    BOOST_TEST(b[2].data<float>()[0] == 1.0f);
    BOOST_TEST(ints(b[3]) == std::vector<int32_t>({9, 5, 9, 0}), boost::test_tools::per_element());
    // The test split uses the training vocabulary: "shoe" is unknown.
    auto test = s.loader("split: test\nlength: 4");
    BOOST_TEST(ints(s.read_batch(*test, {0})[0]) == std::vector<int32_t>({2, 7, 1, 0}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(character_tokens_and_errors_that_name_the_file_and_line) {
    TextSession s;
    s.write(body);
    auto chars = s.loader("level: char\nlength: 3\nsplit: test");
    auto b = s.read_batch(*chars, {0});  // "a sandal shoe", cut to "a s"
    auto ids = ints(b[0]);
    BOOST_TEST(ids[0] == 2);  // 'a', the commonest training character (7 times, tied with 'o', before it)
    BOOST_TEST(ids[1] != ids[0]);
    BOOST_TEST(ids[2] > 2);   // 's', seen in training
    BOOST_TEST(ints(b[1]) == std::vector<int32_t>({3}), boost::test_tools::per_element());
    s.write(header + "train/00000\ttrain\t0\t12\ta boot\t\n");
    BOOST_TEST(s.error_of("").find(s.manifest.string() + ":2: label '12' is not a class 0-9") != std::string::npos, s.error_of(""));
    s.write(header + "train/00000\ttrain\t0\n");
    BOOST_TEST(s.error_of("").find(":2: expected 6 tab-separated fields, found 3") != std::string::npos, s.error_of(""));
    s.write("something else\n");
    BOOST_TEST(s.error_of("").find(":1: not a Fashion-MNIST-MM manifest") != std::string::npos, s.error_of(""));
    fs::remove(s.manifest);
    BOOST_TEST(s.error_of("").find("pipe.yaml") != std::string::npos, s.error_of(""));
    BOOST_TEST(s.error_of("").find("cannot open") != std::string::npos, s.error_of(""));
}

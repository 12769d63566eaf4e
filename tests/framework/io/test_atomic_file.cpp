// Atomic writes and what they write to: a user's output through its symbolic links (the link
// stays a link, the file it points at gets the bytes), a run directory's own file replacing a link
// planted there, never over a device, fifo or directory, keeping a replaced file's permissions,
// and the temporary names a killed writer leaves, recognised with their process.
#include <boost/test/unit_test.hpp>

#include "core/host_error.hpp"
#include "io/atomic_file.hpp"

#include <algorithm>
#include <fstream>
#include <string>
#include <sys/stat.h>
#include <vector>
#include <unistd.h>

using namespace chimera;
namespace fs = std::filesystem;

namespace {

struct LinkDir {
    fs::path path = fs::temp_directory_path() / ("chimera-atomic-" + std::to_string(::getpid()));
    LinkDir() {
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~LinkDir() { fs::remove_all(path); }
    // Every name in the directory, to see that no temporary file is left.
    std::vector<std::string> names() const {
        std::vector<std::string> out;
        for (const auto& e : fs::directory_iterator(path)) out.push_back(e.path().filename().string());
        std::sort(out.begin(), out.end());
        return out;
    }
};

std::string content(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

// The message of writing `path`, or "no error".
std::string write_error(const fs::path& path) {
    try {
        write_file_atomically(path, "bytes");
    } catch (const DataError& e) {
        return e.what();
    }
    return "no error";
}

}  // namespace

// The message of resolving `path` as an output a user named, or "no error".
std::string output_error(const fs::path& path) {
    try {
        output_file(path);
    } catch (const DataError& e) {
        return e.what();
    }
    return "no error";
}

BOOST_AUTO_TEST_CASE(an_output_the_user_names_is_written_through_its_links_which_stay_links) {
    LinkDir d;
    write_file_atomically(d.path / "real.png", "old");
    fs::create_symlink("real.png", d.path / "link.png");  // relative, as `ln -s` makes them
    fs::create_directories(d.path / "sub");
    fs::create_symlink("../link.png", d.path / "sub" / "chain.png");  // a link to the link
    write_file_atomically(output_file(d.path / "link.png"), "new");
    BOOST_TEST(fs::is_symlink(d.path / "link.png"));
    BOOST_TEST(content(d.path / "real.png") == "new");
    BOOST_TEST(output_file(d.path / "sub" / "chain.png") == d.path / "sub" / ".." / "real.png");
    write_file_atomically(output_file(d.path / "sub" / "chain.png"), "newer");
    BOOST_TEST(fs::is_symlink(d.path / "sub" / "chain.png"));
    BOOST_TEST(fs::is_symlink(d.path / "link.png"));
    BOOST_TEST(content(d.path / "real.png") == "newer");
    // A link to a file not there yet makes that file, as a shell's redirection would.
    fs::create_symlink("made.png", d.path / "dangling.png");
    write_file_atomically(output_file(d.path / "dangling.png"), "made");
    BOOST_TEST(fs::is_symlink(d.path / "dangling.png"));
    BOOST_TEST(content(d.path / "made.png") == "made");
    BOOST_TEST(output_error(d.path / "nowhere" / "x.png") ==
               (d.path / "nowhere" / "x.png").string() + ": there is no directory " + (d.path / "nowhere").string() + " to write it in");
    BOOST_TEST(d.names() == (std::vector<std::string>{"dangling.png", "link.png", "made.png", "real.png", "sub"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_link_among_a_run_directorys_own_files_is_replaced_never_written_through) {
    LinkDir d;
    write_file_atomically(d.path / "precious.txt", "keep me");
    fs::create_symlink("precious.txt", d.path / "checkpoint.json");  // planted in a run directory from elsewhere
    fs::create_symlink("/dev/full", d.path / "metrics.jsonl");
    write_file_atomically(d.path / "checkpoint.json", "state");
    write_file_atomically(d.path / "metrics.jsonl", "lines");
    BOOST_TEST(!fs::is_symlink(d.path / "checkpoint.json"));
    BOOST_TEST(content(d.path / "checkpoint.json") == "state");
    BOOST_TEST(content(d.path / "precious.txt") == "keep me");
    BOOST_TEST(content(d.path / "metrics.jsonl") == "lines");
    BOOST_TEST(fs::is_character_file("/dev/full"));
}

BOOST_AUTO_TEST_CASE(a_device_fifo_or_directory_is_refused_and_left_as_it_was) {
    LinkDir d;
    BOOST_REQUIRE(::mkfifo((d.path / "fifo").c_str(), 0644) == 0);
    fs::create_directories(d.path / "dir.json");
    fs::create_symlink("/dev/full", d.path / "full.png");
    fs::create_symlink("/dev/null", d.path / "null.png");
    BOOST_TEST(write_error(d.path / "fifo") == (d.path / "fifo").string() + ": is a fifo, not a regular file: refusing to replace it");
    BOOST_TEST(write_error(d.path / "dir.json") == (d.path / "dir.json").string() + ": is a directory, not a regular file: refusing to replace it");
    BOOST_TEST(write_error("/dev/full") == "/dev/full: is a character device, not a regular file: refusing to replace it");
    BOOST_TEST(output_error(d.path / "fifo") == (d.path / "fifo").string() + ": is a fifo, not a regular file: refusing to replace it");
    BOOST_TEST(output_error(d.path / "full.png") ==
               (d.path / "full.png").string() + ": is a character device, not a regular file: refusing to replace it");
    BOOST_TEST(output_error(d.path / "null.png").find("a character device") != std::string::npos);
    int pipe_ends[2];
    BOOST_REQUIRE(::pipe(pipe_ends) == 0);  // as `--json /dev/stdout | jq`: a link only the kernel resolves
    const std::string piped = "/proc/self/fd/" + std::to_string(pipe_ends[1]);
    BOOST_TEST(output_error(piped) == piped + ": is a fifo, not a regular file: refusing to replace it");
    ::close(pipe_ends[0]);
    ::close(pipe_ends[1]);
    BOOST_TEST(fs::is_fifo(d.path / "fifo"));
    BOOST_TEST(fs::is_directory(d.path / "dir.json"));
    BOOST_TEST(fs::is_symlink(d.path / "full.png"));
    BOOST_TEST(fs::is_character_file("/dev/full"));
    BOOST_TEST(fs::is_character_file("/dev/null"));
    BOOST_TEST(d.names() == (std::vector<std::string>{"dir.json", "fifo", "full.png", "null.png"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_replaced_file_keeps_its_permissions) {
    LinkDir d;
    const fs::path p = d.path / "private.json";
    write_file_atomically(p, "old");
    fs::permissions(p, fs::perms::owner_read | fs::perms::owner_write);
    write_file_atomically(p, "new");
    BOOST_TEST(content(p) == "new");
    BOOST_TEST((fs::status(p).permissions() == (fs::perms::owner_read | fs::perms::owner_write)));
}

BOOST_AUTO_TEST_CASE(a_temporary_name_tells_its_target_and_its_writer) {
    BOOST_TEST(temporary_name("/r/checkpoint.json", 42) == fs::path("/r/checkpoint.json.tmp-42"));
    std::string target;
    long pid = 0;
    BOOST_TEST(parse_temporary_name("checkpoint-000000010.safetensors.tmp-1234", target, pid));
    BOOST_TEST(target == "checkpoint-000000010.safetensors");
    BOOST_TEST(pid == 1234);
    BOOST_TEST(!parse_temporary_name("notes.tmp-", target, pid));
    BOOST_TEST(!parse_temporary_name("notes.tmp-12a", target, pid));
    BOOST_TEST(!parse_temporary_name(".tmp-12", target, pid));
    BOOST_TEST(!parse_temporary_name("metrics.jsonl", target, pid));
}

// Writes a whole file so that readers see either the old content or the new, never half of one:
// the bytes go to a temporary name beside the target, are flushed to disk, then renamed over it.
// The path itself is replaced: a symbolic link there becomes the file (as rename does), so files
// in a run directory from elsewhere cannot redirect a write; a path that is a device, a fifo or a
// directory is refused, never replaced. Outputs a user names go through output_file first, which
// writes through their links. The writer holds an exclusive flock on its temporary file.
// For checkpoints, run state and anything a crash must not corrupt. Not a general file API.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace chimera {

// Throws DataError naming the file and the system's reason (a full disk is "No space left on
// device"); the target is untouched and no temporary file is left on failure.
void write_file_atomically(const std::filesystem::path& path, const std::string& bytes);
// The same for a file made of `pieces` in order, written without joining them first (a
// checkpoint's tensors are written from where they lie).
void write_file_atomically(const std::filesystem::path& path, const std::vector<std::string_view>& pieces);

// The same for a file written piece by piece as it is made (generated arrays too large to hold):
// open, append, then commit, which flushes and renames. Destroyed before commit (an error, a
// thrown exception), it removes its temporary file and leaves the target untouched.
class AtomicFile {
public:
    // Throws DataError as write_file_atomically.
    explicit AtomicFile(std::filesystem::path path);
    ~AtomicFile();
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;

    void append(std::string_view bytes);
    void commit();

private:
    std::filesystem::path path_, temp_;
    int fd_ = -1;
    bool done_ = false;  // renamed, or cleaned up after a failure
};

// Where an output the user named (--out, --json, --timing) is written, checked before any work:
// through symbolic links to the file at the end of the chain (the links stay links), refusing a
// device, fifo or directory and a directory that is not there. Throws DataError naming `given`.
std::filesystem::path output_file(const std::filesystem::path& given);

// The file a write to `path` replaces: `path` itself, or, for a symbolic link, the file at the
// end of its chain (which need not exist yet). Throws DataError for a loop or an unreadable link.
std::filesystem::path write_target(const std::filesystem::path& path);

// The temporary name write_file_atomically uses beside `target` ("<target>.tmp-<pid>"), and
// whether a file name is one of them and of which process; for removing those a killed writer
// left behind.
std::filesystem::path temporary_name(const std::filesystem::path& target, long pid);
bool parse_temporary_name(const std::string& name, std::string& target_name, long& pid);

// Test hook, not a feature: with CHIMERA_TEST_KILL_AT_WRITE=N in the environment, the process
// raises SIGKILL on itself at the Nth step of writing files, counted across the process (each
// write(), fsync(), rename() and directory fsync of write_file_atomically, and each call here by
// writers outside it, as the metrics log). The crash-consistency test kills a run at every such
// point in turn. Without the variable it does nothing.
void write_step();

}  // namespace chimera

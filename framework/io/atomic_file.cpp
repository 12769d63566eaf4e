#include "io/atomic_file.hpp"

#include "core/host_error.hpp"

#include <atomic>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace chimera {

namespace {

constexpr int kMaxLinks = 40;  // as the kernel's own limit on a chain of symbolic links
const std::string kTemporaryMark = ".tmp-";

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& what, int error) {
    throw DataError(path, what + ": " + std::strerror(error));
}

const char* kind_of(mode_t mode) {
    if (S_ISDIR(mode)) return "a directory";
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    if (S_ISFIFO(mode)) return "a fifo";
    if (S_ISSOCK(mode)) return "a socket";
    return "not a regular file";
}

// Removes the temporary file and throws for `error`, which the clean-up must not overwrite.
[[noreturn]] void abandon(const std::filesystem::path& path, const std::filesystem::path& temp, int fd, const std::string& what,
                          int error) {
    if (fd >= 0) ::close(fd);
    ::unlink(temp.c_str());
    fail(path, what, error);
}

}  // namespace

void write_step() {
    static const long kill_at = [] {
        const char* n = std::getenv("CHIMERA_TEST_KILL_AT_WRITE");
        return n ? std::atol(n) : 0L;
    }();
    static std::atomic<long> steps{0};
    if (kill_at > 0 && ++steps == kill_at) std::raise(SIGKILL);
}

std::filesystem::path write_target(const std::filesystem::path& path) {
    std::filesystem::path p = path;
    for (int hops = 0; hops <= kMaxLinks; ++hops) {
        struct stat st;
        if (::lstat(p.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return p;  // not there yet, or not a link
        std::string link(static_cast<std::size_t>(st.st_size > 0 ? st.st_size : PATH_MAX), '\0');
        const ssize_t n = ::readlink(p.c_str(), link.data(), link.size());
        if (n < 0) fail(path, "cannot read the symbolic link " + p.string(), errno);
        link.resize(static_cast<std::size_t>(n));
        p = std::filesystem::path(link).is_absolute() ? std::filesystem::path(link) : p.parent_path() / link;
    }
    fail(path, "cannot write through the symbolic link", ELOOP);
}

std::filesystem::path temporary_name(const std::filesystem::path& target, long pid) {
    std::filesystem::path temp = target;
    temp += kTemporaryMark + std::to_string(pid);
    return temp;
}

bool parse_temporary_name(const std::string& name, std::string& target_name, long& pid) {
    const std::size_t at = name.rfind(kTemporaryMark);
    if (at == std::string::npos || at == 0) return false;
    const std::string digits = name.substr(at + kTemporaryMark.size());
    if (digits.empty() || digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) return false;
    target_name = name.substr(0, at);
    pid = std::atol(digits.c_str());
    return true;
}

void write_file_atomically(const std::filesystem::path& path, const std::string& bytes) {
    write_file_atomically(path, std::vector<std::string_view>{bytes});
}

std::filesystem::path output_file(const std::filesystem::path& given) {
    struct stat st;
    // Following every link at once first: a link the kernel resolves by itself (/dev/stdout,
    // /proc/self/fd/N) names no path that could be written beside.
    if (::stat(given.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
        throw DataError(given, std::string("is ") + kind_of(st.st_mode) + ", not a regular file: refusing to replace it");
    const std::filesystem::path target = write_target(given);
    const std::filesystem::path dir = target.has_parent_path() ? target.parent_path() : ".";
    if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        throw DataError(given, (target == given ? std::string() : "points at " + target.string() + ", but ") + "there is no directory " +
                                   dir.string() + " to write it in");
    return target;
}

void write_file_atomically(const std::filesystem::path& path, const std::vector<std::string_view>& pieces) {
    AtomicFile file(path);
    for (std::string_view bytes : pieces) file.append(bytes);
    file.commit();
}

AtomicFile::AtomicFile(std::filesystem::path path) : path_(std::move(path)), temp_(temporary_name(path_, ::getpid())) {
    // `path` itself is replaced: a symbolic link there is replaced by the file, never written
    // through (a run directory from elsewhere must not redirect Chimera's writes); output paths
    // a user names are resolved by output_file first.
    struct stat existing;
    const bool exists = ::lstat(path_.c_str(), &existing) == 0;
    if (exists && !S_ISREG(existing.st_mode) && !S_ISLNK(existing.st_mode))
        throw DataError(path_, std::string("is ") + kind_of(existing.st_mode) + ", not a regular file: refusing to replace it");
    const bool keeps_mode = exists && S_ISREG(existing.st_mode);
    const int fd = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) fail(path_, "cannot create " + temp_.string(), errno);
    // Held until the file is closed (or its writer dies): remove_stale_temporaries leaves a
    // temporary file alone while anyone holds it, on this machine or another sharing the disk.
    if (::flock(fd, LOCK_EX) != 0) abandon(path_, temp_, fd, "cannot lock " + temp_.string(), errno);
    if (keeps_mode && ::fchmod(fd, existing.st_mode & 07777) != 0) abandon(path_, temp_, fd, "cannot keep the file's permissions", errno);
    fd_ = fd;
}

AtomicFile::~AtomicFile() {
    if (done_) return;
    if (fd_ >= 0) ::close(fd_);
    ::unlink(temp_.c_str());
}

void AtomicFile::append(std::string_view bytes) {
    std::size_t written = 0;
    while (written < bytes.size()) {
        write_step();
        ssize_t n = ::write(fd_, bytes.data() + written, bytes.size() - written);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            const int error = n == 0 ? ENOSPC : errno;
            done_ = true;  // abandon cleans up; the destructor must not close twice
            abandon(path_, temp_, fd_, "cannot write", error);
        }
        written += static_cast<std::size_t>(n);
    }
}

void AtomicFile::commit() {
    done_ = true;  // from here each failure cleans up after itself
    write_step();
    if (::fsync(fd_) != 0) abandon(path_, temp_, fd_, "cannot flush", errno);
    const int closed = ::close(fd_);
    fd_ = -1;
    if (closed != 0) abandon(path_, temp_, -1, "cannot write", errno);
    write_step();
    if (::rename(temp_.c_str(), path_.c_str()) != 0) abandon(path_, temp_, -1, "cannot replace", errno);
    // The rename itself must reach the disk: flush the directory entry too. A directory that
    // cannot be opened for reading, or a file system that cannot flush one (EINVAL), is left as is.
    write_step();
    const std::filesystem::path dir = path_.has_parent_path() ? path_.parent_path() : ".";
    int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd < 0) return;
    if (::fsync(dir_fd) != 0 && errno != EINVAL) {
        const int error = errno;
        ::close(dir_fd);
        fail(path_, "cannot flush its directory", error);
    }
    ::close(dir_fd);
}

}  // namespace chimera

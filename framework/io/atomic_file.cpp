#include "io/atomic_file.hpp"

#include "core/host_error.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace chimera {

namespace {

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& what) {
    throw DataError(path.string() + ": " + what + ": " + std::strerror(errno));
}

}  // namespace

void write_file_atomically(const std::filesystem::path& path, const std::string& bytes) {
    write_file_atomically(path, std::vector<std::string_view>{bytes});
}

void write_file_atomically(const std::filesystem::path& path, const std::vector<std::string_view>& pieces) {
    std::filesystem::path temp = path;
    temp += ".tmp-" + std::to_string(::getpid());
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) fail(temp, "cannot create");
    for (std::string_view bytes : pieces) {
        std::size_t written = 0;
        while (written < bytes.size()) {
            ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                int saved = errno;
                ::close(fd);
                ::unlink(temp.c_str());
                errno = saved;
                fail(temp, "cannot write");
            }
            written += static_cast<std::size_t>(n);
        }
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        int saved = errno;
        ::unlink(temp.c_str());
        errno = saved;
        fail(temp, "cannot flush");
    }
    if (::rename(temp.c_str(), path.c_str()) != 0) {
        int saved = errno;
        ::unlink(temp.c_str());
        errno = saved;
        fail(path, "cannot replace");
    }
    // The rename itself must reach the disk: flush the directory entry too.
    std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : ".";
    int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd >= 0) {
        ::fsync(dir_fd);
        ::close(dir_fd);
    }
}

}  // namespace chimera

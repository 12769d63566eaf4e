// A fresh directory under the system's temporary directory for one test, removed with everything
// in it when the test ends. Named after `prefix`, the process and a counter, so that test
// processes side by side and several directories in one test never meet.
#pragma once

#include <filesystem>
#include <string>

#include <unistd.h>

namespace chimera::test {

struct TempDir {
    std::filesystem::path path;
    explicit TempDir(const std::string& prefix = "chimera-test") {
        static int made = 0;
        path = std::filesystem::temp_directory_path() / (prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(made++));
        std::filesystem::remove_all(path);
        std::filesystem::create_directories(path);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
};

}  // namespace chimera::test

// What every fuzz target shares. Each parser of outside input is fed bytes through the file it
// would read in real use (written to a per-process scratch file), so nothing is fuzzed that a
// user could not hand Chimera. The oracle, besides ASan and UBSan: a parser may refuse input only
// with the error its contract names (a HostError in the host, std::runtime_error in a plugin's
// own code); any other exception (bad_alloc, length_error, out_of_range...) is a bug and aborts.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <typeinfo>

#include <unistd.h>

namespace chimera_fuzz {

// A directory of this process's own, removed at exit.
inline const std::filesystem::path& scratch() {
    static const std::filesystem::path dir = [] {
        std::filesystem::path d = std::filesystem::temp_directory_path() / ("chimera-fuzz-" + std::to_string(::getpid()));
        std::filesystem::create_directories(d);
        std::atexit([] {
            std::error_code ec;
            std::filesystem::remove_all(std::filesystem::temp_directory_path() / ("chimera-fuzz-" + std::to_string(::getpid())), ec);
        });
        return d;
    }();
    return dir;
}

// Writes `size` bytes to `name` in the scratch directory and returns its path.
inline std::string input_file(const std::string& name, const uint8_t* data, size_t size) {
    const std::filesystem::path path = scratch() / name;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    out.close();
    if (!out) {
        std::fprintf(stderr, "fuzz: cannot write %s\n", path.c_str());
        std::abort();
    }
    return path.string();
}

[[noreturn]] inline void unexpected(const char* what, const char* type) {
    std::fprintf(stderr, "fuzz: the parser threw %s (%s), which its contract does not allow\n", type, what);
    std::abort();
}

}  // namespace chimera_fuzz

// Runs `body`; the exception class `Allowed` is a refusal, anything else aborts the fuzzer.
#define CHIMERA_FUZZ_EXPECT(Allowed, body)                                         \
    do {                                                                           \
        try {                                                                      \
            body;                                                                  \
        } catch (const Allowed&) {                                                 \
        } catch (const std::exception& e) {                                        \
            chimera_fuzz::unexpected(e.what(), typeid(e).name());                  \
        } catch (...) {                                                            \
            chimera_fuzz::unexpected("?", "a non-standard exception");             \
        }                                                                          \
    } while (0)

// Where the host looks for plugin libraries, in order: the sources its caller names (the command
// line, the environment), then the built-in directory beside the binary
// (<exe>/../lib/chimera/plugins, the same layout in the build tree and in an install). Each entry
// is a directory (every shared library in it) or a single library file. Not the loading itself.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace chimera {

// The origin of the built-in directory's entry.
inline const std::string kBuiltinOrigin = "built-in";

struct SearchEntry {
    std::filesystem::path path;
    std::string origin;  // where the caller found it ("CHIMERA_PLUGIN_PATH"), or kBuiltinOrigin
};

// Paths separated by ':' and where they came from, for messages.
struct SearchSource {
    std::string origin;
    std::string paths;
};

struct SearchPath {
    std::vector<SearchEntry> entries;
    // "dir (origin), dir (origin)" for messages that say where the host looked.
    std::string describe() const;
};

// The entries of `sources` in order, then `builtin` unless it is absent (the caller skips it).
SearchPath make_search_path(const std::vector<SearchSource>& sources, const std::optional<std::filesystem::path>& builtin);

// The built-in plugin directory: CHIMERA_BUILTIN_PLUGIN_RELDIR from the binary the host is linked
// into (bin/chimera, or the Python module), else the install prefix's when only that exists.
std::filesystem::path builtin_plugin_dir();

// The shared libraries directly inside `dir`, sorted by name so loading order is stable.
std::vector<std::filesystem::path> plugin_files_in(const std::filesystem::path& dir);

}  // namespace chimera

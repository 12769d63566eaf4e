// Where the host looks for plugin libraries, in order: --plugin-path entries, then
// CHIMERA_PLUGIN_PATH, then the built-in directory beside the binary (<exe>/../lib/chimera/plugins,
// the same layout in the build tree and in an install). Each entry is a directory (every
// shared library in it) or a single library file. Not the loading itself.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace chimera {

struct SearchEntry {
    std::filesystem::path path;
    std::string origin;  // "--plugin-path", "CHIMERA_PLUGIN_PATH" or "built-in"
};

struct SearchPath {
    std::vector<SearchEntry> entries;
    // "dir (origin), dir (origin)" for messages that say where the host looked.
    std::string describe() const;
};

// `cli` entries and `env` may each hold several paths separated by ':'. `builtin` is skipped
// when absent (e.g. --no-builtin-plugins).
SearchPath make_search_path(const std::vector<std::string>& cli, const char* env,
                            const std::optional<std::filesystem::path>& builtin);

// The built-in plugin directory for the running binary.
std::filesystem::path builtin_plugin_dir();

// The shared libraries directly inside `dir`, sorted by name so loading order is stable.
std::vector<std::filesystem::path> plugin_files_in(const std::filesystem::path& dir);

}  // namespace chimera

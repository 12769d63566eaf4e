#include "plugin/search_path.hpp"

#include <boost/dll/runtime_symbol_info.hpp>

#include <algorithm>

namespace chimera {

namespace {

void add_split(SearchPath& out, const std::string& list, const std::string& origin) {
    std::size_t start = 0;
    while (start <= list.size()) {
        std::size_t colon = list.find(':', start);
        if (colon == std::string::npos) colon = list.size();
        if (colon > start) out.entries.push_back({list.substr(start, colon - start), origin});
        start = colon + 1;
    }
}

bool is_shared_library(const std::filesystem::path& p) {
#if defined(_WIN32)
    return p.extension() == ".dll";
#elif defined(__APPLE__)
    return p.extension() == ".dylib" || p.extension() == ".so";
#else
    return p.extension() == ".so";
#endif
}

}  // namespace

std::string SearchPath::describe() const {
    if (entries.empty()) return "nowhere (no plugin path given and no built-in directory)";
    std::string out;
    for (const auto& e : entries)
        out += (out.empty() ? "" : ", ") + e.path.string() + " (" + e.origin + ")";
    return out;
}

SearchPath make_search_path(const std::vector<SearchSource>& sources, const std::optional<std::filesystem::path>& builtin) {
    SearchPath out;
    for (const auto& source : sources) add_split(out, source.paths, source.origin);
    if (builtin) out.entries.push_back({*builtin, kBuiltinOrigin});
    return out;
}

std::filesystem::path builtin_plugin_dir() {
    // The binary this code is linked into: bin/chimera, or the Python module (which python3 loads,
    // so not the program's location). Beside it in the build tree and in an install of the CLI.
    const std::filesystem::path beside =
        (boost::dll::this_line_location().parent_path() / CHIMERA_BUILTIN_PLUGIN_RELDIR).lexically_normal();
#ifdef CHIMERA_INSTALLED_PLUGIN_DIR
    // An installed Python module sits in Python's dist-packages, away from the install prefix.
    if (!std::filesystem::is_directory(beside) && std::filesystem::is_directory(CHIMERA_INSTALLED_PLUGIN_DIR))
        return CHIMERA_INSTALLED_PLUGIN_DIR;
#endif
    return beside;
}

std::vector<std::filesystem::path> plugin_files_in(const std::filesystem::path& dir) {
    std::vector<std::filesystem::path> out;
    for (const auto& entry : std::filesystem::directory_iterator(dir))
        if (entry.is_regular_file() && is_shared_library(entry.path())) out.push_back(entry.path());
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace chimera

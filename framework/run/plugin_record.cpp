#include "run/plugin_record.hpp"

#include "core/host_error.hpp"
#include "io/atomic_file.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fstream>

namespace chimera {

namespace fs = std::filesystem;

std::string library_hash(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw DataError(file, "cannot be read to hash it");
    // FNV-1a over the bytes: enough to tell a rebuilt or replaced library from the one recorded.
    uint64_t h = 14695981039346656037ull;
    char buffer[1 << 16];
    while (in) {
        in.read(buffer, sizeof buffer);
        for (std::streamsize i = 0; i < in.gcount(); ++i) {
            h ^= static_cast<unsigned char>(buffer[i]);
            h *= 1099511628211ull;
        }
    }
    return fmt::format("fnv1a64:{:016x}", h);
}

void save_plugin_record(const RunDirectory& run, const std::vector<UsedLibrary>& libraries) {
    nlohmann::json j = nlohmann::json::array();
    for (const UsedLibrary& l : libraries)
        j.push_back({{"library", l.name}, {"version", l.version}, {"file", l.file.string()}, {"hash", l.hash}, {"components", l.components}});
    write_file_atomically(run.plugins(), j.dump(2) + "\n");
}

std::vector<UsedLibrary> load_plugin_record(const RunDirectory& run) {
    const fs::path file = run.plugins();
    std::ifstream in(file);
    if (!in) return {};
    std::vector<UsedLibrary> out;
    try {
        for (const auto& l : nlohmann::json::parse(in)) {
            UsedLibrary u;
            u.name = l.at("library").get<std::string>();
            u.version = l.at("version").get<std::string>();
            u.file = l.at("file").get<std::string>();
            u.hash = l.at("hash").get<std::string>();
            u.components = l.at("components").get<std::vector<std::string>>();
            out.push_back(std::move(u));
        }
    } catch (const std::exception& e) {
        throw DataError(file, std::string("not a readable plugin record: ") + e.what());
    }
    return out;
}

}  // namespace chimera

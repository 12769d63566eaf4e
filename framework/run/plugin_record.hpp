// Which plugin libraries a run was made with: each library's name, version, file and a hash of
// its contents, and the components the run used from it. `chimera train` writes the record; the
// commands that reopen a run load a library from it when their search path does not provide the
// components, and say which library is missing or has changed when that fails too.
// Not how libraries are found on a search path (plugin/) nor the policy of loading from the
// record (cli/plugin_options.hpp).
#pragma once

#include "run/run_directory.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace chimera {

struct UsedLibrary {
    std::string name, version;
    std::filesystem::path file;            // absolute, as it was loaded
    std::string hash;                      // of the file's bytes: "fnv1a64:<16 hex digits>"
    std::vector<std::string> components;   // "encoder/resmlp", ...
};

// The hash UsedLibrary::hash holds, of `file`'s bytes. Throws DataError when it cannot be read.
std::string library_hash(const std::filesystem::path& file);

// Writes the record into `run` (atomically). Throws DataError.
void save_plugin_record(const RunDirectory& run, const std::vector<UsedLibrary>& libraries);
// The record of `run`; empty for a run made before runs kept one. Throws DataError naming the
// file when it is there but malformed.
std::vector<UsedLibrary> load_plugin_record(const RunDirectory& run);

}  // namespace chimera

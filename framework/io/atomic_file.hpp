// Writes a whole file so that readers see either the old content or the new, never half of one:
// the bytes go to a temporary name beside the target, are flushed to disk, then renamed over it.
// For checkpoints, run state and anything a crash must not corrupt. Not a general file API.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace chimera {

// Throws DataError naming the file and the system's reason; the target is untouched on failure.
void write_file_atomically(const std::filesystem::path& path, const std::string& bytes);
// The same for a file made of `pieces` in order, written without joining them first (a
// checkpoint's tensors are written from where they lie).
void write_file_atomically(const std::filesystem::path& path, const std::vector<std::string_view>& pieces);

}  // namespace chimera

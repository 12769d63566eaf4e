// Reads the manifest.tsv of a Fashion-MNIST-MM directory (scripts/make_fashion_mm.py): one row per
// example tying its id, split, index into the split's IDX file, label, caption and audio clip.
// Part of the `multimodal` loader plugin; knows nothing of tensors or the host.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace chimera_mm {

struct ManifestRow {
    std::string id, split;
    int64_t index = 0;      // into the split's IDX images
    int32_t label = 0;      // class 0-9
    std::string caption;    // empty: dropped
    std::string audio;      // path relative to the manifest's directory; empty: dropped
};

struct Manifest {
    std::string path;       // as given
    std::string directory;  // where relative audio paths start
    std::vector<ManifestRow> rows;

    // The rows of `split`, at most `limit` of them (0: all).
    std::vector<const ManifestRow*> split(const std::string& name, int64_t limit) const;
};

// Throws std::runtime_error("<path>:<line>: <what>") for an unreadable, empty or malformed file.
Manifest read_manifest(const std::string& path);

}  // namespace chimera_mm

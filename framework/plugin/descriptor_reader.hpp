// Reads what a plugin's entry returned and checks it before the host trusts any of it: ABI
// version first (nothing else is read from a library of another major), then every field of
// the library, component and parameter descriptors. Produces the host's own copies.
// Not loading (plugin_library) and not registration or duplicate detection (plugin_registry).
#pragma once

#include "plugin/component_info.hpp"

#include <chimera/abi.h>

#include <string>
#include <vector>

namespace chimera {

struct LibraryContents {
    LibraryInfo library;
    std::vector<ComponentInfo> components;  // `library` pointers are left for the caller to set
    std::vector<std::string> warnings;      // e.g. components of a kind this host does not know
};

// Throws PluginError("<file>: ...") naming what is wrong and what to do.
LibraryContents read_library_descriptor(const chm_library_desc* desc, const std::string& file);

// True when `desc` is far enough along to call its shutdown function safely.
bool can_call_shutdown(const chm_library_desc* desc);

}  // namespace chimera

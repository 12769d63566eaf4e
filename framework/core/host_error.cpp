#include "core/host_error.hpp"

namespace chimera {

std::string SourcePlace::text() const {
    std::string where = file;
    if (!file.empty() && line > 0) where += ":" + std::to_string(line) + ":" + std::to_string(column);
    if (!path.empty()) where += (where.empty() ? "(" : " (") + path + ")";
    return where;
}

ConfigError::ConfigError(SourcePlace place, const std::string& what, std::string setting)
    : HostError(place.text().empty() ? what : place.text() + ": " + what), place_(std::move(place)), setting_(std::move(setting)) {}

PluginError::PluginError(const std::string& who, const std::string& method, chm_status status,
                         const std::string& detail)
    : HostError(who + ": " + method + " failed (" + status_name(status) + "): " + detail), method_(method), status_(status) {}

PluginError::PluginError(const std::string& context, const PluginError& cause)
    : HostError(context + ": " + cause.what()), method_(cause.method_), status_(cause.status_) {}

DataError::DataError(const std::filesystem::path& file, const std::string& what)
    : HostError(file.string() + ": " + what), file_(file) {}

std::string status_name(chm_status status) {
    switch (status) {
    case CHM_OK: return "ok";
    case CHM_ERR_INVALID_ARGUMENT: return "invalid argument";
    case CHM_ERR_NOT_FOUND: return "not found";
    case CHM_ERR_TYPE: return "wrong type";
    case CHM_ERR_OUT_OF_MEMORY: return "out of memory";
    case CHM_ERR_UNSUPPORTED: return "unsupported";
    case CHM_ERR_IO: return "input/output error";
    case CHM_ERR_RUNTIME: return "failed";
    default: return "status " + std::to_string(status);
    }
}

}  // namespace chimera

#include "cli/exit_code.hpp"

#include "core/host_error.hpp"
#include "tensor/shape_error.hpp"

namespace chimera {

ExitCode exit_code(const std::exception& error) noexcept {
    const auto* e = &error;
    if (const auto* peer = dynamic_cast<const PeerError*>(e)) return static_cast<ExitCode>(peer->exit_code());
    if (dynamic_cast<const UsageError*>(e)) return ExitCode::usage;
    if (dynamic_cast<const ConfigError*>(e) || dynamic_cast<const ShapeError*>(e)) return ExitCode::config;
    if (dynamic_cast<const PluginError*>(e)) return ExitCode::plugin;
    if (dynamic_cast<const DataError*>(e)) return ExitCode::data;
    if (dynamic_cast<const DivergedError*>(e)) return ExitCode::diverged;
    return ExitCode::internal;
}

}  // namespace chimera

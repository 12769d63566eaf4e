#include "cli/exit_code.hpp"

#include "comm/communicator.hpp"
#include "core/host_error.hpp"
#include "tensor/shape_error.hpp"

#include <iostream>
#include <string>

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

namespace chimera {

namespace {

// "chimera: error: " or, for a rank of several, "chimera: rank 1 of 2: error: ".
std::string lead(const char* what) {
    const int size = world_size();
    const std::string rank = size > 1 ? "rank " + std::to_string(world_rank()) + " of " + std::to_string(size) + ": " : "";
    return std::string("chimera: ") + rank + what + ": ";
}

bool quiet() {
    if (world_size() > 1) return world_rank() != 0 && failure_shared();
    return launched_as_rank() && launcher_rank() != 0;  // before the world: every rank meets the same error
}

}  // namespace

int report_error(const std::exception& e) {
    const int code = static_cast<int>(exit_code(e));
    if (!quiet()) {
        if (!dynamic_cast<const HostError*>(&e))
            std::cerr << lead("internal error") << e.what() << "\nThis is a bug in Chimera; please report it with the command you ran.\n";
        else {
            std::cerr << lead("error") << e.what();
            if (const auto* c = dynamic_cast<const ConfigError*>(&e); c && !c->setting().empty())
                std::cerr << "; for a run trained before, add --set " << c->setting();
            std::cerr << '\n';
        }
    }
    std::cerr.flush();
    leave_world(code, !failure_shared());
    return code;
}

}  // namespace chimera

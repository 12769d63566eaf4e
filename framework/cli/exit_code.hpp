// The process's exit codes, documented in the README, and which error class maps to which: the
// one place the host's failures become numbers. Stable: scripts depend on them.
#pragma once

#include <exception>

namespace chimera {

enum class ExitCode : int {
    ok = 0,
    internal = 1,  // a bug in Chimera: please report it
    usage = 2,     // bad command line
    config = 3,    // bad pipeline YAML (or shapes it wires together that do not fit)
    plugin = 4,    // a plugin failed to load, describe itself or run
    data = 5,      // unreadable or malformed data, checkpoint or run directory
    diverged = 6,  // training stopped: a loss became NaN or infinite
};

// The code for `error`: its class's, or `internal` for anything that is not a HostError.
ExitCode exit_code(const std::exception& error) noexcept;

// Prints `error` on one line on stderr and returns its exit code, leaving the MPI world on the way
// (cli/main.cpp's catch). Under mpirun, rank 0 alone reports an error every rank met together
// (and a launcher's other ranks say nothing before the world exists); a rank that failed alone
// reports it and stops every rank.
int report_error(const std::exception& error);

}  // namespace chimera

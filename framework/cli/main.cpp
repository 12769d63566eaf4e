// `chimera`: maps the host's error classes to exit codes and prints each error on one line.
// Everything else lives in run_cli and the commands. Under mpirun, rank 0 alone reports an error
// every rank met together; a rank that failed alone reports it and stops the others.
#include "cli/command.hpp"
#include "cli/exit_code.hpp"
#include "comm/communicator.hpp"
#include "core/host_error.hpp"

#include <iostream>
#include <string>

namespace {

// "chimera: error: " or, for a rank of several, "chimera: rank 1 of 2: error: ".
std::string lead(const char* what) {
    const int size = chimera::world_size();
    const std::string rank = size > 1 ? "rank " + std::to_string(chimera::world_rank()) + " of " + std::to_string(size) + ": " : "";
    return std::string("chimera: ") + rank + what + ": ";
}

bool quiet() { return chimera::world_size() > 1 && chimera::world_rank() != 0 && chimera::failure_shared(); }

int report(const std::exception& e, int code) {
    if (!quiet()) {
        if (!dynamic_cast<const chimera::HostError*>(&e))
            std::cerr << lead("internal error") << e.what() << "\nThis is a bug in Chimera; please report it with the command you ran.\n";
        else {
            std::cerr << lead("error") << e.what();
            if (const auto* c = dynamic_cast<const chimera::ConfigError*>(&e); c && !c->setting().empty())
                std::cerr << "; for a run trained before, add --set " << c->setting();
            std::cerr << '\n';
        }
    }
    std::cerr.flush();
    chimera::leave_world(code, !chimera::failure_shared());
    return code;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const int code = chimera::run_cli(std::vector<std::string>(argv + 1, argv + argc));
        chimera::leave_world(code, false);
        return code;
    } catch (const std::exception& e) {
        return report(e, static_cast<int>(chimera::exit_code(e)));
    }
}

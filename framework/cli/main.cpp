// `chimera`: maps the host's error classes to exit codes and prints each error on one line.
// Everything else lives in run_cli and the commands.
#include "cli/command.hpp"
#include "cli/exit_code.hpp"
#include "core/host_error.hpp"

#include <iostream>

int main(int argc, char** argv) {
    try {
        return chimera::run_cli(std::vector<std::string>(argv + 1, argv + argc));
    } catch (const chimera::ConfigError& e) {
        std::cerr << "chimera: error: " << e.what();
        if (!e.setting().empty()) std::cerr << "; for a run trained before, add --set " << e.setting();
        std::cerr << '\n';
        return static_cast<int>(chimera::exit_code(e));
    } catch (const chimera::HostError& e) {
        std::cerr << "chimera: error: " << e.what() << '\n';
        return static_cast<int>(chimera::exit_code(e));
    } catch (const std::exception& e) {
        std::cerr << "chimera: internal error: " << e.what()
                  << "\nThis is a bug in Chimera; please report it with the command you ran.\n";
        return static_cast<int>(chimera::ExitCode::internal);
    }
}

// `chimera`: maps the host's error classes to exit codes and prints each error on one line
// (report_error). Everything else lives in run_cli and the commands.
#include "cli/command.hpp"
#include "cli/exit_code.hpp"
#include "comm/communicator.hpp"

#include <string>
#include <vector>

int main(int argc, char** argv) {
    try {
        const int code = chimera::run_cli(std::vector<std::string>(argv + 1, argv + argc));
        chimera::leave_world(code, false);
        return code;
    } catch (const std::exception& e) {
        return chimera::report_error(e);
    }
}

#include "cli/terminal.hpp"

#include <cstdlib>
#include <string>
#include <unistd.h>

namespace chimera {

bool is_interactive(int fd) {
    const char* ci = std::getenv("CI");
    return ::isatty(fd) == 1 && !(ci && *ci && std::string(ci) != "false");
}

}  // namespace chimera

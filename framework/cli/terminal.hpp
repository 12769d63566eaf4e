// What the command line knows of the terminal it runs in: whether an output stream is an
// interactive terminal (progress bars then redraw in place) or a log (plain lines).
#pragma once

namespace chimera {

// True when `fd` is an interactive terminal and CI is not set.
bool is_interactive(int fd);

}  // namespace chimera

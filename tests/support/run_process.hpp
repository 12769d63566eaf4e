// Runs a program as a child process and captures its exit code, stdout and stderr, for tests of
// the command line. POSIX only; not a general process library.
#pragma once

#include <string>
#include <vector>

namespace chimera::test {

struct ProcessResult {
    int exit_code = -1;  // 128 + signal number when the child was killed by a signal
    std::string out;
    std::string err;
};

// `env` entries ("NAME=value") are added to the inherited environment; "NAME=" with no value
// removes NAME.
ProcessResult run_process(const std::vector<std::string>& argv,
                          const std::vector<std::string>& env = {});

// A file's whole content (what a run wrote), or "" when it cannot be read.
std::string read_file(const std::string& path);

}  // namespace chimera::test

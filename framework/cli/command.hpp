// A `chimera` subcommand: its name, one-line summary, options and what it runs. Commands are
// listed explicitly in all_commands(); adding one means a file and a line there, nothing else.
// Not parsing (cli.cpp does that once for every command).
#pragma once

#include <boost/program_options.hpp>

#include <functional>
#include <string>
#include <vector>

namespace chimera {

struct Command {
    std::string name;
    std::string summary;  // one line for `chimera help`
    std::string usage;    // "chimera plugins [options]"
    std::function<boost::program_options::options_description()> options;
    boost::program_options::positional_options_description positional;
    // Returns the process exit code; throws HostError subclasses for failures.
    std::function<int(const boost::program_options::variables_map&)> run;
};

std::vector<Command> all_commands();

// One per file, each in its own translation unit.
Command ops_command();
Command plugins_command();
Command train_command();
Command validate_command();
Command summary_command();
Command generate_command();
Command reconstruct_command();
Command evaluate_command();
Command report_command();
Command export_command();

// Runs the whole command line; returns the exit code. Throws HostError subclasses.
int run_cli(const std::vector<std::string>& args);
// The items of a comma-separated flag value ("a,b,,c" -> a, b, c: empty items dropped).
std::vector<std::string> split_list(const std::string& text);

// "chimera 0.9.0 (plugin ABI 1.4)".
std::string version_text();
// The command line run_cli is running, quoted as a shell would need it ("chimera train x.yaml").
const std::string& command_line();

}  // namespace chimera

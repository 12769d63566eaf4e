// The command line's front door: picks the subcommand, parses its options with
// Boost.Program_options, and prints help and the version. Unknown commands and options are
// usage errors that list what is valid. Not any command's own work.
#include "cli/command.hpp"
#include "comm/communicator.hpp"
#include "cli/exit_code.hpp"
#include "core/host_error.hpp"
#include "core/suggest.hpp"

#include <chimera/abi.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <iostream>
#include <sstream>

namespace po = boost::program_options;

namespace chimera {

std::vector<std::string> split_list(const std::string& text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t comma = std::min(text.find(',', start), text.size());
        if (comma > start) out.push_back(text.substr(start, comma - start));
        start = comma + 1;
    }
    return out;
}

std::string version_text() {
    return "chimera " CHIMERA_VERSION " (plugin ABI " + std::to_string(CHM_ABI_VERSION_MAJOR) +
           "." + std::to_string(CHM_ABI_VERSION_MINOR) + ")";
}

namespace {

std::vector<std::string> command_names() {
    std::vector<std::string> names{"help"};
    for (const auto& c : all_commands()) names.push_back(c.name);
    return names;
}

std::string general_help() {
    std::ostringstream out;
    out << version_text() << ": train generative models built from plugins, on the CPU.\n\n"
        << "Usage: chimera <command> [options]\n\nCommands:\n"
        << "  help [COMMAND]  Show this help, or the options of one command\n";
    for (const auto& c : all_commands()) out << "  " << c.name << std::string(16 - c.name.size(), ' ')
                                             << c.summary << '\n';
    out << "\nOptions: --help, --version\n"
        << "Run 'chimera help <command>' for a command's options.\n";
    return out.str();
}

std::string command_help(const Command& c) {
    std::ostringstream out;
    out << c.summary << ".\n\nUsage: " << c.usage << "\n\n" << c.options() << '\n';
    return out.str();
}

const Command* find_command(const std::vector<Command>& commands, const std::string& name) {
    for (const auto& c : commands)
        if (c.name == name) return &c;
    return nullptr;
}

[[noreturn]] void unknown_command(const std::string& name) {
    throw UsageError("unknown command '" + name + "'." + did_you_mean(name, command_names()) +
                     " Commands: " + join(command_names()) + ".");
}

std::vector<std::string> option_names(const po::options_description& desc) {
    std::vector<std::string> names;
    for (const auto& option : desc.options()) names.push_back("--" + option->long_name());
    names.push_back("--help");
    return names;
}

po::variables_map parse(const Command& c, const std::vector<std::string>& args) {
    po::options_description desc = c.options();
    po::variables_map vm;
    try {
        // No guessing of abbreviated options: an abbreviation that works today breaks when a
        // later release adds an option with the same prefix.
        auto style = po::command_line_style::default_style &
                     ~po::command_line_style::allow_guessing;
        po::store(po::command_line_parser(args).options(desc).positional(c.positional)
                      .style(style).run(),
                  vm);
        po::notify(vm);
    } catch (const po::unknown_option& e) {
        std::string typed = e.get_option_name();
        throw UsageError("chimera " + c.name + ": unknown option '" + typed + "'." +
                         did_you_mean(typed, option_names(desc)) + " Valid options: " +
                         join(option_names(desc)) + ".");
    } catch (const po::error& e) {
        throw UsageError("chimera " + c.name + ": " + e.what() + ". Run 'chimera help " +
                         c.name + "' for its options.");
    }
    return vm;
}

int help(const std::vector<Command>& commands, const std::vector<std::string>& args) {
    if (args.empty()) {
        std::cout << general_help();
        return 0;
    }
    const Command* c = find_command(commands, args[0]);
    if (!c) unknown_command(args[0]);
    std::cout << command_help(*c);
    return 0;
}

}  // namespace

std::vector<Command> all_commands() {
    return {train_command(),    validate_command(), summary_command(), generate_command(),
            reconstruct_command(), evaluate_command(), report_command(), export_command(), plugins_command(), ops_command()};
}

namespace {

std::string running_command_line;  // set once by run_cli, for run.json

// `arg` as a POSIX shell reads it back: bare when it holds only safe characters, else in single
// quotes, each quote inside written '\''.
std::string shell_quoted(const std::string& arg) {
    const bool bare = !arg.empty() && std::all_of(arg.begin(), arg.end(), [](unsigned char c) {
        return std::isalnum(c) || std::strchr("_-./:=,+@%", c) != nullptr;
    });
    if (bare) return arg;
    std::string quoted = "'";
    for (char c : arg) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return quoted + "'";
}

}  // namespace

const std::string& command_line() { return running_command_line; }

int run_cli(const std::vector<std::string>& args) {
    running_command_line = "chimera";
    for (const std::string& a : args) running_command_line += " " + shell_quoted(a);
    const std::vector<Command> commands = all_commands();
    if (args.empty()) {
        std::cerr << general_help();
        return static_cast<int>(ExitCode::usage);
    }
    const std::string& first = args[0];
    std::vector<std::string> rest(args.begin() + 1, args.end());
    if (first == "--version" || first == "-V" || first == "version") {
        std::cout << version_text() << '\n';
        return 0;
    }
    if (first == "help" || first == "--help" || first == "-h") return help(commands, rest);
    if (!first.empty() && first[0] == '-')
        throw UsageError("unknown option '" + first + "' before the command. Valid here: "
                         "--help, --version. Usage: chimera <command> [options]");

    const Command* c = find_command(commands, first);
    if (!c) unknown_command(first);
    for (const auto& a : rest)
        if (a == "--help" || a == "-h") return help(commands, {c->name});
    if (c->name != "train" && launched_as_rank())
        throw UsageError("chimera " + c->name + " runs in one process; only chimera train runs across the ranks mpirun starts "
                         "(run this command without mpirun)");
    return c->run(parse(*c, rest));
}

}  // namespace chimera

#include "cli/compute_options.hpp"

#include "comm/communicator.hpp"
#include "core/host_error.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <string>
#include <thread>

namespace po = boost::program_options;

namespace chimera {

po::options_description compute_options() {
    po::options_description desc("Compute");
    desc.add_options()
        ("threads", po::value<int>()->value_name("N"),
         "threads for oneDNN and the host's loops (also CHIMERA_THREADS; default: every core)")
        // Checked as soon as the command line is read, before any file is: a bad seed is the
        // command line's fault, whatever the command does with it later.
        ("seed", po::value<std::string>()->value_name("S")->default_value("0")->notifier([](const std::string& s) { parse_seed(s); }),
         "seed of every random number (initialisation, dropout, sampling)");
    return desc;
}

int resolve_threads(int cli_threads, const char* env) {
    const std::string most = std::to_string(kMaxThreads);
    if (cli_threads < 0) throw UsageError("--threads must be a positive integer");
    if (cli_threads > kMaxThreads)
        throw UsageError("--threads " + std::to_string(cli_threads) + ": at most " + most + " threads");
    if (cli_threads > 0) return cli_threads;
    if (!env || !*env) {
        // Ranks sharing a host share its cores: OpenMP threads that outnumber them spin and
        // slow every rank.
        const int here = ranks_on_this_host();
        return here > 1 ? std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / here) : 0;
    }
    char* end = nullptr;
    errno = 0;
    long v = std::strtol(env, &end, 10);
    if (*end != '\0' || errno == ERANGE || v <= 0)
        throw UsageError(std::string("CHIMERA_THREADS='") + env + "' is not a positive thread count");
    if (v > kMaxThreads) throw UsageError(std::string("CHIMERA_THREADS='") + env + "': at most " + most + " threads");
    return static_cast<int>(v);
}

uint64_t parse_seed(const std::string& text) {
    bool ok = !text.empty();
    uint64_t value = 0;
    for (std::size_t i = 0; ok && i < text.size(); ++i) {
        const auto digit = static_cast<uint64_t>(text[i] - '0');
        ok = text[i] >= '0' && text[i] <= '9' && value <= (kMaxSeed - digit) / 10;
        value = value * 10 + digit;
    }
    if (!ok) throw UsageError("--seed '" + text + "': expected a whole number from 0 to " + std::to_string(kMaxSeed));
    return value;
}

uint64_t seed_option(const po::variables_map& vm) {
    return vm.count("seed") ? parse_seed(vm["seed"].as<std::string>()) : 0;
}

ComputeSession::ComputeSession(const po::variables_map& vm, PluginRegistry& registry)
    : registry_(registry),
      context_(resolve_threads(vm.count("threads") ? vm["threads"].as<int>() : 0,
                               std::getenv("CHIMERA_THREADS")),
               seed_option(vm)),
      services_{context_, ops_, ""} {
    register_builtin_ops(ops_);
    registry_.attach(&services_);
}

ComputeSession::~ComputeSession() { registry_.attach(nullptr); }

}  // namespace chimera

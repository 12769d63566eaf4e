#include "cli/compute_options.hpp"

#include "core/host_error.hpp"

#include <cstdlib>
#include <string>

namespace po = boost::program_options;

namespace chimera {

po::options_description compute_options() {
    po::options_description desc("Compute");
    desc.add_options()
        ("threads", po::value<int>()->value_name("N"),
         "threads for oneDNN and the host's loops (also CHIMERA_THREADS; default: every core)")
        ("seed", po::value<uint64_t>()->value_name("S")->default_value(0),
         "seed of every random number (initialisation, dropout, sampling)");
    return desc;
}

int resolve_threads(int cli_threads, const char* env) {
    if (cli_threads > 0) return cli_threads;
    if (cli_threads < 0) throw UsageError("--threads must be a positive integer");
    if (!env || !*env) return 0;
    char* end = nullptr;
    long v = std::strtol(env, &end, 10);
    if (*end != '\0' || v <= 0 || v > 4096)
        throw UsageError(std::string("CHIMERA_THREADS='") + env + "' is not a positive thread count");
    return static_cast<int>(v);
}

ComputeSession::ComputeSession(const po::variables_map& vm, PluginRegistry& registry)
    : registry_(registry),
      context_(resolve_threads(vm.count("threads") ? vm["threads"].as<int>() : 0,
                               std::getenv("CHIMERA_THREADS")),
               vm.count("seed") ? vm["seed"].as<uint64_t>() : 0),
      services_{context_, ops_, ""} {
    register_builtin_ops(ops_);
    registry_.attach(&services_);
}

ComputeSession::~ComputeSession() { registry_.attach(nullptr); }

}  // namespace chimera

#include "cli/compute_options.hpp"

#include <cstdlib>

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

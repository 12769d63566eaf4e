// Options of every command that computes (--threads, --seed) and the one way to turn them into
// a running context with the built-in ops, lent to the loaded plugins for as long as it lives.
#pragma once

#include "ops/op_registry.hpp"
#include "plugin/host_services.hpp"
#include "plugin/plugin_registry.hpp"
#include "autograd/context.hpp"

#include <boost/program_options.hpp>

#include <cstdint>
#include <memory>
#include <string>

namespace chimera {

boost::program_options::options_description compute_options();

// The most threads a run may ask for, by --threads or CHIMERA_THREADS. Why: beyond this OpenMP
// fails to start its team (100000 crashed inside libgomp), and no machine Chimera targets has more.
constexpr int kMaxThreads = 1024;
// The most a seed may be, by --seed or train.seed: a YAML integer is int64, and the two agree.
constexpr uint64_t kMaxSeed = 9223372036854775807ull;

// The thread count a run asks for: --threads, else CHIMERA_THREADS, else 0 (every core).
// Throws UsageError for a value that is not a positive integer up to kMaxThreads.
int resolve_threads(int cli_threads, const char* env);

// The seed `text` (--seed's value) names: decimal digits only, 0 .. kMaxSeed. Throws UsageError
// naming --seed otherwise (Boost would read "-1" as 2^64 - 1).
uint64_t parse_seed(const std::string& text);
// --seed's value in `vm`, parsed by parse_seed (0 when the command has no --seed).
uint64_t seed_option(const boost::program_options::variables_map& vm);

// A context, the op set and the services plugins reach them through. Attaches itself to the
// registry on construction and detaches on destruction.
class ComputeSession {
public:
    ComputeSession(const boost::program_options::variables_map& vm, PluginRegistry& registry);
    ~ComputeSession();
    ComputeSession(const ComputeSession&) = delete;
    ComputeSession& operator=(const ComputeSession&) = delete;

    Context& context() { return context_; }
    HostServices& services() { return services_; }
    // Makes this session the one its plugins compute with. Their libraries are shared by every
    // session in the process: the last to attach decides, and a session closing detaches them.
    // One session computes at a time; a program holding several attaches before each use.
    void attach() { registry_.attach(&services_); }
    const OpRegistry& ops() const { return ops_; }

private:
    PluginRegistry& registry_;
    Context context_;
    OpRegistry ops_;
    HostServices services_;
};

}  // namespace chimera

// Options of every command that computes (--threads, --seed) and the one way to turn them into
// a running context with the built-in ops, lent to the loaded plugins for as long as it lives.
#pragma once

#include "ops/op_registry.hpp"
#include "plugin/host_services.hpp"
#include "plugin/plugin_registry.hpp"
#include "autograd/context.hpp"

#include <boost/program_options.hpp>

#include <memory>

namespace chimera {

boost::program_options::options_description compute_options();

// The thread count a run asks for: --threads, else CHIMERA_THREADS, else 0 (every core).
// Throws UsageError for a value that is not a positive integer.
int resolve_threads(int cli_threads, const char* env);

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
    const OpRegistry& ops() const { return ops_; }

private:
    PluginRegistry& registry_;
    Context context_;
    OpRegistry ops_;
    HostServices services_;
};

}  // namespace chimera

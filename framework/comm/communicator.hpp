// How the ranks of a data-parallel run talk to each other: sums of gradients started while
// backward still runs, the exchange of small records (each rank's status and loss values) and a
// broadcast from rank 0. An interface, so the trainer never sees the engine: MPI is one
// implementation (mpi_communicator.cpp, the only file that includes <mpi.h>); another engine
// (Gloo, NCCL) would be another. Not the sharding or the averaging (train/data_parallel.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>
#include <vector>

namespace chimera {

class Communicator {
public:
    virtual ~Communicator() = default;
    virtual int rank() const = 0;
    virtual int size() const = 0;
    // "OpenMPI 4.1.4: 2 ranks on 1 host", for the console.
    virtual std::string describe() const = 0;

    // Starts summing `count` floats at `data` across ranks, in place. Every rank must start the
    // same sums, of the same sizes, in the same order; `data` must stay put until wait_all().
    virtual void start_sum(float* data, int64_t count) = 0;
    // Lets the sums started advance (an engine without a progress thread moves only when asked).
    virtual void progress() = 0;
    // Waits until every sum started has finished.
    virtual void wait_all() = 0;

    // Every rank's `mine` (of any length), in rank order, on every rank.
    virtual std::vector<std::string> all_gather(const std::string& mine) = 0;
    // Copies rank 0's `bytes` at `data` to every other rank.
    virtual void broadcast(void* data, std::size_t bytes) = 0;
};

// One process alone: sums are its own values, gathers hold one record.
class LocalCommunicator final : public Communicator {
public:
    int rank() const override { return 0; }
    int size() const override { return 1; }
    std::string describe() const override { return "one process"; }
    void start_sum(float*, int64_t) override {}
    void progress() override {}
    void wait_all() override {}
    std::vector<std::string> all_gather(const std::string& mine) override { return {mine}; }
    void broadcast(void*, std::size_t) override {}
};

// all_gather of numbers: every rank's `mine`, in rank order.
std::vector<std::vector<double>> all_gather_values(Communicator& comm, const std::vector<double>& mine);

// The process's communicator, made on first use: the MPI world when a launcher (mpirun, srun)
// started this process, else one process alone. Throws UsageError under a launcher when this
// build has no MPI, naming what to install.
Communicator& world();
// True when a launcher started this process as one of several ranks (its variables are set).
bool launched_as_rank();
// This process's rank as the launcher's variables give it (0 when there are none).
int launcher_rank();
// How many ranks the launcher started on this host (1 when not launched as a rank).
int ranks_on_this_host();
// The rank and size of the world if it has been made, else 0 and 1.
int world_rank();
int world_size();

// Every rank says whether it failed (`failure`, with its exit code and message) and sends
// `payload`; when any failed, every rank throws, marked shared: the first failing rank its own
// error, the others a PeerError with that rank's code and message, naming it. Otherwise returns
// every rank's payload, in rank order. Every rank must call it at the same point.
std::vector<std::string> settle(Communicator& comm, const std::exception_ptr& failure, int code, const std::string& message,
                                const std::string& payload = "");

// Marks the error being thrown as one every rank of the world throws alike (they learned of it
// together): rank 0 alone reports it, and the world closes normally.
void mark_failure_shared();
bool failure_shared();

// At exit, after any error was printed. `failed_alone`: this rank failed where the others cannot
// know (they may be waiting for it), so every rank is stopped now; otherwise the world closes
// normally (every rank reached the same end, failure or not).
void leave_world(int exit_code, bool failed_alone);

}  // namespace chimera

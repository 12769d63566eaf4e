#include "comm/communicator.hpp"
#include "comm/mpi_world.hpp"

#include "core/host_error.hpp"

#include <cstdlib>
#include <cstring>
#include <memory>

namespace chimera {

namespace {

std::unique_ptr<Communicator>& the_world() {
    static std::unique_ptr<Communicator> world;
    return world;
}

int env_int(const char* name) {
    const char* v = std::getenv(name);
    return v ? std::atoi(v) : 0;
}

}  // namespace

bool launched_as_rank() {
    // OpenMPI's mpirun, then PMIx and PMI launchers (srun, MPICH's Hydra).
    for (const char* size : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE"})
        if (env_int(size) > 1) return true;
    return false;
}

int ranks_on_this_host() {
    if (!launched_as_rank()) return 1;
    for (const char* local : {"OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS", "PMIX_LOCAL_SIZE"})
        if (env_int(local) > 0) return env_int(local);
    return 1;
}

int launcher_rank() {
    for (const char* rank : {"OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK"})
        if (std::getenv(rank)) return env_int(rank);
    return 0;
}

Communicator& world() {
    auto& w = the_world();
    if (!w) {
        if (!launched_as_rank()) w = std::make_unique<LocalCommunicator>();
        else if (!mpi_available())
            throw UsageError("this process was started by mpirun as one of several ranks, but this chimera was built without MPI: "
                             "install libopenmpi-dev and openmpi-bin (scripts/setup.sh does) and build again");
        else {
            w = make_mpi_world();
            if (w->size() == 1) {  // every process would think itself rank 0 and write the run
                w.reset();
                throw UsageError("the launcher started several processes but MPI sees each alone: this chimera's MPI (OpenMPI) "
                                 "is not the launcher's; start it with OpenMPI's mpirun");
            }
        }
    }
    return *w;
}

std::vector<std::vector<double>> all_gather_values(Communicator& comm, const std::vector<double>& mine) {
    const std::string bytes(reinterpret_cast<const char*>(mine.data()), mine.size() * sizeof(double));
    std::vector<std::vector<double>> out;
    for (const std::string& theirs : comm.all_gather(bytes)) {
        std::vector<double> values(theirs.size() / sizeof(double));
        std::memcpy(values.data(), theirs.data(), values.size() * sizeof(double));
        out.push_back(std::move(values));
    }
    return out;
}

namespace {
bool shared_failure = false;
}

std::vector<std::string> settle(Communicator& comm, const std::exception_ptr& failure, int code, const std::string& message,
                                const std::string& payload) {
    // A record: the exit code (0: no failure), the payload's size, the payload, the message.
    const uint64_t size = payload.size();
    std::string record(sizeof code + sizeof size, '\0');
    std::memcpy(record.data(), &code, sizeof code);
    std::memcpy(record.data() + sizeof code, &size, sizeof size);
    std::vector<std::string> payloads;
    for (const std::string& theirs : comm.all_gather(record + payload + message)) {
        int their_code = 0;
        uint64_t their_size = 0;
        std::memcpy(&their_code, theirs.data(), sizeof their_code);
        std::memcpy(&their_size, theirs.data() + sizeof their_code, sizeof their_size);
        const std::size_t at = sizeof their_code + sizeof their_size;
        if (their_code != 0) {
            const int r = static_cast<int>(payloads.size());
            shared_failure = true;
            if (r == comm.rank()) std::rethrow_exception(failure);
            throw PeerError(their_code, "rank " + std::to_string(r) + " of " + std::to_string(comm.size()) + " failed: " +
                                            theirs.substr(at + their_size));
        }
        payloads.push_back(theirs.substr(at, their_size));
    }
    return payloads;
}

void mark_failure_shared() { shared_failure = true; }
bool failure_shared() { return shared_failure; }

int world_rank() { return the_world() ? the_world()->rank() : 0; }
int world_size() { return the_world() ? the_world()->size() : 1; }

void leave_world(int exit_code, bool failed_alone) {
    auto& w = the_world();
    if (!w || w->size() == 1) return;
    if (failed_alone) mpi_abort(exit_code);
    w.reset();  // finalizes
}

}  // namespace chimera

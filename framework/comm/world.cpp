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

void settle(Communicator& comm, const std::exception_ptr& failure, int code, const std::string& message) {
    std::string record(sizeof code, '\0');
    std::memcpy(record.data(), &code, sizeof code);
    const std::vector<std::string> all = comm.all_gather(record + message);
    for (std::size_t r = 0; r < all.size(); ++r) {
        int theirs = 0;
        std::memcpy(&theirs, all[r].data(), sizeof theirs);
        if (theirs == 0) continue;
        shared_failure = true;
        if (static_cast<int>(r) == comm.rank()) std::rethrow_exception(failure);
        throw PeerError(theirs, "rank " + std::to_string(r) + " of " + std::to_string(all.size()) + " failed: " + all[r].substr(sizeof theirs));
    }
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

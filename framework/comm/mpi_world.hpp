// The MPI engine behind Communicator, private to this layer: whether the build has it, the world
// communicator, and stopping every rank. Built as stubs without MPI.
#pragma once

#include "comm/communicator.hpp"

#include <memory>

namespace chimera {

bool mpi_available();
// MPI_COMM_WORLD, initialised (one thread calls MPI). Finalizes when destroyed.
std::unique_ptr<Communicator> make_mpi_world();
// Stops every rank of the world with `exit_code` (MPI_Abort); does not return.
[[noreturn]] void mpi_abort(int exit_code);

}  // namespace chimera

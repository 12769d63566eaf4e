// The time of one MPI all-reduce (sum of floats, in place) of each given size, as the gradient
// sums of data-parallel training make it: the median over repeats, every rank entering together.
// Run under mpirun; rank 0 prints "bytes median_seconds" per size. bench/data_parallel.py
// --allreduce drives it over TCP on loopback for docs/SCALING.md's model.
#include <mpi.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

int main(int argc, char** argv) {
    MPI_Init(&argc, &argv);
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    const int repeats = 30;
    for (int a = 1; a < argc; ++a) {
        const long bytes = std::atol(argv[a]);
        std::vector<float> data(static_cast<std::size_t>(bytes / 4), 1.0f);
        std::vector<double> times;
        for (int r = 0; r < repeats + 3; ++r) {  // three warm-ups
            MPI_Barrier(MPI_COMM_WORLD);
            const double t = MPI_Wtime();
            MPI_Allreduce(MPI_IN_PLACE, data.data(), static_cast<int>(data.size()), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
            double elapsed = MPI_Wtime() - t, slowest = 0;
            MPI_Allreduce(&elapsed, &slowest, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
            if (r >= 3) times.push_back(slowest);
        }
        std::nth_element(times.begin(), times.begin() + repeats / 2, times.end());
        if (rank == 0) std::printf("%ld %.6e\n", bytes, times[repeats / 2]);
    }
    MPI_Finalize();
    return 0;
}

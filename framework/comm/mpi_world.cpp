#include "comm/mpi_world.hpp"

#ifdef CHIMERA_WITH_MPI

#include "core/host_error.hpp"

#include <mpi.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <set>

namespace chimera {

namespace {

// Every MPI call's result: MPI's default handler already stops the job on an error, so a code
// that comes back is one this rank cannot go on from.
void check(int code, const char* call) {
    if (code == MPI_SUCCESS) return;
    char text[MPI_MAX_ERROR_STRING];
    int length = 0;
    MPI_Error_string(code, text, &length);
    throw HostError(std::string(call) + " failed: " + std::string(text, static_cast<std::size_t>(length)));
}

class MpiWorld final : public Communicator {
public:
    MpiWorld() {
        // OpenMPI's non-blocking sums: reduce-scatter then all-gather moves 2(N-1)/N of the bytes
        // per rank, the least; libnbc's default picks by size and was slower here (docs/SCALING.md).
        // The user's own setting wins.
        ::setenv("OMPI_MCA_coll_libnbc_iallreduce_algorithm", "3", 0);
        int provided = 0;
        // One thread calls MPI (the loaders' prefetch threads never do).
        check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
        MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
        MPI_Comm_size(MPI_COMM_WORLD, &size_);
        char version[MPI_MAX_LIBRARY_VERSION_STRING];
        int length = 0;
        MPI_Get_library_version(version, &length);
        library_ = std::string(version, static_cast<std::size_t>(length));
        library_ = library_.substr(0, library_.find_first_of(",\n"));
        char host[MPI_MAX_PROCESSOR_NAME];
        MPI_Get_processor_name(host, &length);
        const std::vector<std::string> hosts = all_gather(std::string(host, static_cast<std::size_t>(length)));
        hosts_ = static_cast<int>(std::set<std::string>(hosts.begin(), hosts.end()).size());
    }
    ~MpiWorld() override {
        if (!pending_.empty()) MPI_Waitall(static_cast<int>(pending_.size()), pending_.data(), MPI_STATUSES_IGNORE);
        MPI_Finalize();
    }

    int rank() const override { return rank_; }
    int size() const override { return size_; }
    std::string describe() const override {
        return library_ + ": " + std::to_string(size_) + " ranks on " + std::to_string(hosts_) + (hosts_ == 1 ? " host" : " hosts");
    }

    void start_sum(float* data, int64_t count) override {
        for (int64_t done = 0; done < count;) {  // MPI counts are ints
            const int n = static_cast<int>(std::min<int64_t>(count - done, INT_MAX));
            pending_.emplace_back();
            check(MPI_Iallreduce(MPI_IN_PLACE, data + done, n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD, &pending_.back()), "MPI_Iallreduce");
            done += n;
        }
    }
    void progress() override {
        if (pending_.empty()) return;
        int finished = 0;
        check(MPI_Testall(static_cast<int>(pending_.size()), pending_.data(), &finished, MPI_STATUSES_IGNORE), "MPI_Testall");
        if (finished) pending_.clear();
    }
    void wait_all() override {
        if (pending_.empty()) return;
        check(MPI_Waitall(static_cast<int>(pending_.size()), pending_.data(), MPI_STATUSES_IGNORE), "MPI_Waitall");
        pending_.clear();
    }

    std::vector<std::string> all_gather(const std::string& mine) override {
        if (mine.size() > INT_MAX / static_cast<std::size_t>(size_)) throw HostError("all_gather: a record too large to gather");
        const int length = static_cast<int>(mine.size());
        std::vector<int> lengths(static_cast<std::size_t>(size_)), offsets(static_cast<std::size_t>(size_));
        check(MPI_Allgather(&length, 1, MPI_INT, lengths.data(), 1, MPI_INT, MPI_COMM_WORLD), "MPI_Allgather");
        int total = 0;
        for (int r = 0; r < size_; ++r) {
            offsets[static_cast<std::size_t>(r)] = total;
            total += lengths[static_cast<std::size_t>(r)];
        }
        std::string all(static_cast<std::size_t>(total), '\0');
        check(MPI_Allgatherv(mine.data(), length, MPI_CHAR, all.data(), lengths.data(), offsets.data(), MPI_CHAR, MPI_COMM_WORLD),
              "MPI_Allgatherv");
        std::vector<std::string> out;
        for (int r = 0; r < size_; ++r)
            out.push_back(all.substr(static_cast<std::size_t>(offsets[static_cast<std::size_t>(r)]),
                                     static_cast<std::size_t>(lengths[static_cast<std::size_t>(r)])));
        return out;
    }

    void broadcast(void* data, std::size_t bytes) override {
        char* p = static_cast<char*>(data);
        for (std::size_t done = 0; done < bytes;) {
            const int n = static_cast<int>(std::min<std::size_t>(bytes - done, INT_MAX));
            check(MPI_Bcast(p + done, n, MPI_BYTE, 0, MPI_COMM_WORLD), "MPI_Bcast");
            done += static_cast<std::size_t>(n);
        }
    }

private:
    int rank_ = 0, size_ = 1, hosts_ = 1;
    std::string library_;
    std::vector<MPI_Request> pending_;
};

}  // namespace

bool mpi_available() { return true; }
std::unique_ptr<Communicator> make_mpi_world() { return std::make_unique<MpiWorld>(); }
void mpi_abort(int exit_code) {
    MPI_Abort(MPI_COMM_WORLD, exit_code);
    std::_Exit(exit_code);
}

}  // namespace chimera

#else  // a build without MPI

#include <cstdlib>

namespace chimera {

bool mpi_available() { return false; }
std::unique_ptr<Communicator> make_mpi_world() { return nullptr; }
void mpi_abort(int exit_code) { std::_Exit(exit_code); }

}  // namespace chimera

#endif

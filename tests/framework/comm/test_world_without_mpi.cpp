// The communicator of a build without MPI (this test compiles framework/comm without it): one
// process alone when no launcher started it; started by mpirun as one of several ranks, a usage
// error that says what to install. Also the numbers' all-gather and the launcher's variables.
#define BOOST_TEST_MODULE framework_comm
#include <boost/test/unit_test.hpp>

#include "comm/communicator.hpp"
#include "core/host_error.hpp"

#include <cstdlib>
#include <string>

using namespace chimera;

namespace {

// Sets (or, with nullptr, removes) an environment variable for a scope.
class Env {
public:
    Env(const char* name, const char* value) : name_(name) {
        if (const char* old = std::getenv(name)) old_ = old, had_ = true;
        value ? ::setenv(name, value, 1) : ::unsetenv(name);
    }
    ~Env() { had_ ? ::setenv(name_.c_str(), old_.c_str(), 1) : ::unsetenv(name_.c_str()); }

private:
    std::string name_, old_;
    bool had_ = false;
};

}  // namespace

BOOST_AUTO_TEST_CASE(a_launchers_variables_say_whether_this_is_one_of_several_ranks) {
    const Env size("OMPI_COMM_WORLD_SIZE", nullptr), pmi("PMI_SIZE", nullptr), pmix("PMIX_SIZE", nullptr);
    BOOST_TEST(!launched_as_rank());
    BOOST_TEST(ranks_on_this_host() == 1);
    {
        const Env one("OMPI_COMM_WORLD_SIZE", "1");  // mpirun -np 1: a single process
        BOOST_TEST(!launched_as_rank());
    }
    const Env three("PMI_SIZE", "3"), local("OMPI_COMM_WORLD_LOCAL_SIZE", "2");
    BOOST_TEST(launched_as_rank());
    BOOST_TEST(ranks_on_this_host() == 2);
}

BOOST_AUTO_TEST_CASE(under_mpirun_a_build_without_mpi_says_what_is_missing) {
    const Env size("OMPI_COMM_WORLD_SIZE", "2");
    try {
        world();
        BOOST_FAIL("world() did not refuse");
    } catch (const UsageError& e) {
        const std::string what = e.what();
        BOOST_TEST(what.find("built without MPI") != std::string::npos, what);
        BOOST_TEST(what.find("libopenmpi-dev") != std::string::npos, what);
    }
    BOOST_TEST(world_size() == 1, "no world was made");
}

BOOST_AUTO_TEST_CASE(alone_the_world_is_one_process_and_gathers_hold_its_record) {
    const Env size("OMPI_COMM_WORLD_SIZE", nullptr);
    Communicator& w = world();
    BOOST_TEST(w.rank() == 0);
    BOOST_TEST(w.size() == 1);
    BOOST_TEST(world_size() == 1);
    float v[3] = {1.5f, -2.0f, 3.0f};
    w.start_sum(v, 3);
    w.wait_all();
    BOOST_TEST(v[1] == -2.0f, "a sum over one rank is its own value");
    const auto all = all_gather_values(w, {0.25, -1e300, 7.0});
    BOOST_TEST_REQUIRE(all.size() == 1u);
    BOOST_TEST((all[0] == std::vector<double>{0.25, -1e300, 7.0}));
}

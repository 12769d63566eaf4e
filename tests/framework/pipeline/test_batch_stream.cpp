// The host's data pipeline with real data: every epoch is a permutation of the split, the order
// depends on the seed and the epoch only (not the thread count), an epoch can resume at any
// batch, a partial last batch is kept for evaluation, and a loader failing on the prefetch
// thread surfaces in the caller naming the plugin.
#include <boost/test/unit_test.hpp>

#include "core/host_error.hpp"
#include "plugin/component_config.hpp"
#include "plugin/host_services.hpp"
#include "plugin/plugin_registry.hpp"
#include "support/plugin_session.hpp"
#include "pipeline/batch_stream.hpp"

#include <map>
#include <numeric>
#include <set>

using namespace chimera;

namespace {

struct Session : chimera::test::PluginSession {
    std::unique_ptr<ComponentInstance> loader;

    explicit Session(int threads = 1, uint64_t seed = 5, const std::string& component = "idx",
                     const std::string& yaml = "limit: 100")
        : PluginSession({IDX_PLUGIN_FILE, MLP_PLUGIN_FILE}, threads, seed) {
        loader = make(CHM_KIND_LOADER, component, yaml, "data");
    }
    ~Session() { loader.reset(); }  // before the session detaches the context
};

std::vector<int64_t> all(int64_t n) {
    std::vector<int64_t> v(n);
    std::iota(v.begin(), v.end(), 0);
    return v;
}

// The example index of each image in the epoch, found by its pixels.
std::vector<int64_t> epoch_order(Session& s, BatchStream& stream, int64_t epoch, int64_t first_batch = 0) {
    std::map<std::vector<float>, int64_t> index_of;
    {
        std::vector<Tensor> one{s.ctx.empty(DType::f32, {1, 1, 28, 28}), s.ctx.empty(DType::i32, {1})};
        for (int64_t i = 0; i < 100; ++i) {
            s.loader->read({i}, one);
            index_of[std::vector<float>(one[0].data<float>(), one[0].data<float>() + 784)] = i;
        }
    }
    std::vector<int64_t> order;
    stream.start_epoch(epoch, first_batch);
    NamedTensors batch;
    while (stream.next(batch)) {
        const Tensor& images = batch[0].second;
        for (int64_t k = 0; k < images.dim(0); ++k) {
            const float* p = images.data<float>() + k * 784;
            order.push_back(index_of.at(std::vector<float>(p, p + 784)));
        }
    }
    return order;
}

}  // namespace

BOOST_AUTO_TEST_CASE(an_epoch_is_a_seeded_permutation_of_the_split) {
    Session s;
    BatchStream stream(s.ctx, *s.loader, all(100), {20, true, true});
    BOOST_TEST(stream.batches_per_epoch() == 5);
    auto e0 = epoch_order(s, stream, 0);
    BOOST_TEST(std::set<int64_t>(e0.begin(), e0.end()).size() == 100u);
    BOOST_TEST(e0 != all(100));                          // shuffled
    BOOST_TEST(epoch_order(s, stream, 0) == e0);         // the same epoch again
    BOOST_TEST(epoch_order(s, stream, 1) != e0);         // another epoch, another order
    Session other_seed(1, 6);
    BatchStream other(other_seed.ctx, *other_seed.loader, all(100), {20, true, true});
    BOOST_TEST(epoch_order(other_seed, other, 0) != e0);
}

BOOST_AUTO_TEST_CASE(the_order_does_not_depend_on_threads_and_resumes_at_any_batch) {
    Session one(1), two(2);
    BatchStream a(one.ctx, *one.loader, all(100), {20, true, true});
    BatchStream b(two.ctx, *two.loader, all(100), {20, true, true});
    auto order = epoch_order(one, a, 3);
    BOOST_TEST(epoch_order(two, b, 3) == order);
    auto tail = epoch_order(one, a, 3, 2);  // from batch 2 on
    BOOST_TEST(tail == std::vector<int64_t>(order.begin() + 40, order.end()));
}

BOOST_AUTO_TEST_CASE(evaluation_keeps_the_partial_last_batch_in_order) {
    Session s;
    BatchStream stream(s.ctx, *s.loader, all(100), {32, false, false});
    BOOST_TEST(stream.batches_per_epoch() == 4);
    stream.start_epoch(0);
    NamedTensors batch;
    std::vector<int64_t> sizes;
    while (stream.next(batch)) sizes.push_back(batch[0].second.dim(0));
    BOOST_TEST(sizes == std::vector<int64_t>({32, 32, 32, 4}), boost::test_tools::per_element());
    BOOST_TEST(batch[1].first == "label");
    BOOST_TEST((batch[1].second.dtype() == DType::i32));
}

BOOST_AUTO_TEST_CASE(a_loader_failing_on_the_prefetch_thread_reaches_the_caller) {
    Session s(1, 5, "flaky", "");
    BatchStream stream(s.ctx, *s.loader, all(10), {2, false, true});
    stream.start_epoch(0);
    NamedTensors batch;
    for (int b = 0; b < 3; ++b) BOOST_TEST_REQUIRE(stream.next(batch));  // examples 0..5
    BOOST_TEST(batch[0].second.data<float>()[2] == 5.0f);
    BOOST_CHECK_EXCEPTION(stream.next(batch), PluginError, [](const PluginError& e) {
        return std::string(e.what()).find("loader 'flaky': read failed (input/output error): disk on fire at example 7") !=
               std::string::npos;
    });
}

BOOST_AUTO_TEST_CASE(impossible_batches_are_usage_errors) {
    Session s;
    BOOST_CHECK_THROW(BatchStream(s.ctx, *s.loader, all(100), {128, true, true}), UsageError);
    BOOST_CHECK_THROW(BatchStream(s.ctx, *s.loader, {}, {8, true, true}), UsageError);
}

// Data parallelism's pieces below the process: the rows each rank takes of a batch, random
// tensors drawn for a window of rows equal to those rows of the whole batch's tensor, backward
// reporting each leaf's gradient once it is whole, and the reducer starting one sum per bucket in
// plan order, in place for a large tensor, and putting the sums back.
#include <boost/test/unit_test.hpp>

#include "autograd/graph.hpp"
#include "pipeline/batch_stream.hpp"
#include "runtime/philox.hpp"
#include "train/grad_reducer.hpp"

#include <numeric>

using namespace chimera;

BOOST_AUTO_TEST_CASE(ranks_take_consecutive_rows_larger_first) {
    for (int64_t rows : {1, 2, 7, 64, 65}) {
        for (int ranks : {1, 2, 3, 4}) {
            int64_t next = 0;
            for (int r = 0; r < ranks; ++r) {
                const RowWindow w = rows_of(rows, r, ranks);
                BOOST_TEST(w.rows == rows);
                BOOST_TEST(w.begin == next);
                BOOST_TEST((w.count == (rows + ranks - 1 - r) / ranks || w.count == rows / ranks));
                if (r == 0) BOOST_TEST(w.count >= 1);
                if (r > 0) BOOST_TEST(w.count <= rows_of(rows, r - 1, ranks).count);
                next += w.count;
            }
            BOOST_TEST(next == rows);
        }
    }
    BOOST_TEST(rows_of(64, 0, 3).count == 22);
    BOOST_TEST(rows_of(64, 2, 3).count == 21);
    BOOST_TEST(rows_of(1, 1, 2).count == 0);
}

BOOST_AUTO_TEST_CASE(random_rows_of_a_window_are_those_of_the_whole_batch) {
    const PhiloxKey key = philox_key(7, 3);
    for (int normal = 0; normal < 2; ++normal) {
        std::vector<float> whole(13 * 5);
        normal ? philox_normal(key, whole.data(), 65) : philox_uniform(key, whole.data(), 65);
        for (int ranks : {2, 3}) {
            for (int r = 0; r < ranks; ++r) {
                const RowWindow w = rows_of(13, r, ranks);
                std::vector<float> part(static_cast<std::size_t>(w.count * 5));
                Device device(1, 0);
                device.set_row_window(w);
                const int64_t first = device.random_offset({w.count, 5});
                BOOST_TEST(first == w.begin * 5);
                normal ? philox_normal(key, part.data(), w.count * 5, first) : philox_uniform(key, part.data(), w.count * 5, first);
                for (std::size_t i = 0; i < part.size(); ++i) BOOST_TEST(part[i] == whole[static_cast<std::size_t>(first) + i]);
                BOOST_TEST(device.random_offset({3, 5}) == (w.count == 3 ? first : 0), "only tensors of the window's rows move");
            }
        }
    }
}

namespace {

// y = leaf * c elementwise, recorded by hand: its backward hands c * g to the leaf.
Tensor scaled(Context& ctx, const Tensor& x, float c) {
    Tensor y = ctx.empty(DType::f32, x.shape());
    for (int64_t i = 0; i < x.numel(); ++i) y.data<float>()[i] = x.data<float>()[i] * c;
    record_op(ctx, "scale", {x}, {y}, [c](Context& cx, const std::vector<Tensor>& g) {
        Tensor out = cx.empty(DType::f32, g[0].shape());
        for (int64_t i = 0; i < out.numel(); ++i) out.data<float>()[i] = g[0].data<float>()[i] * c;
        return std::vector<Tensor>{out};
    });
    return y;
}

// z = x + y, recorded by hand.
Tensor added(Context& ctx, const Tensor& x, const Tensor& y) {
    Tensor z = ctx.empty(DType::f32, x.shape());
    for (int64_t i = 0; i < x.numel(); ++i) z.data<float>()[i] = x.data<float>()[i] + y.data<float>()[i];
    record_op(ctx, "add", {x, y}, {z}, [](Context&, const std::vector<Tensor>& g) { return std::vector<Tensor>{g[0], g[0]}; });
    return z;
}

// Two ranks with the same gradients: a sum doubles them. Records each sum's size.
class TwoRanks final : public Communicator {
public:
    int rank() const override { return 0; }
    int size() const override { return 2; }
    std::string describe() const override { return "two ranks"; }
    void start_sum(float* data, int64_t count) override {
        started.push_back(count);
        pending.emplace_back(data, count);
    }
    void progress() override { ++progressed; }
    void wait_all() override {
        for (auto [data, count] : pending)
            for (int64_t i = 0; i < count; ++i) data[i] *= 2.0f;
        pending.clear();
    }
    std::vector<std::string> all_gather(const std::string& mine) override { return {mine, mine}; }
    void broadcast(void*, std::size_t) override {}
    std::vector<int64_t> started;
    std::vector<std::pair<float*, int64_t>> pending;
    int progressed = 0;
};

}  // namespace

BOOST_AUTO_TEST_CASE(backward_reports_each_leaf_once_its_gradient_is_whole) {
    Context ctx(1, 0);
    Tensor a = ctx.parameters().create("a", {3}, CHM_INIT_CONSTANT, 1.0, 0.0);
    Tensor b = ctx.parameters().create("b", {3}, CHM_INIT_CONSTANT, 2.0, 0.0);
    // loss = sum(3a + 5b + 7a): a is used first and last, b in between.
    Tensor loss = added(ctx, added(ctx, scaled(ctx, a, 3.0f), scaled(ctx, b, 5.0f)), scaled(ctx, a, 7.0f));
    std::vector<std::pair<std::string, float>> reports;
    BackwardHooks hooks;
    hooks.leaf_done = [&](const TensorImpl& leaf) {
        const Tensor& t = &leaf == a.impl() ? a : b;
        reports.emplace_back(&leaf == a.impl() ? "a" : "b", t.grad().data<float>()[0]);
    };
    int entries = 0;
    hooks.entry_done = [&] { ++entries; };
    backward(ctx, {loss}, {1.0}, hooks);
    BOOST_TEST(entries == 5);
    BOOST_TEST_REQUIRE(reports.size() == 2u);
    BOOST_TEST(reports[0].first == "b");  // b's only use comes after a's first
    BOOST_TEST(reports[0].second == 5.0f);
    BOOST_TEST(reports[1].first == "a");
    BOOST_TEST(reports[1].second == 10.0f, "reported once whole: 3 + 7");
}

BOOST_AUTO_TEST_CASE(the_reducer_sums_buckets_in_plan_order_and_puts_the_sums_back) {
    Context ctx(1, 0);
    const int64_t big = GradReducer::bucket_bytes / 4 + 10;
    Tensor b1 = ctx.parameters().create("b1", {4}, CHM_INIT_CONSTANT, 1.0, 0.0);
    Tensor b2 = ctx.parameters().create("b2", {4}, CHM_INIT_CONSTANT, 1.0, 0.0);
    Tensor unused = ctx.parameters().create("unused", {2}, CHM_INIT_CONSTANT, 1.0, 0.0);
    Tensor w1 = ctx.parameters().create("w1", {big}, CHM_INIT_CONSTANT, 1.0, 0.0);
    TwoRanks comm;
    // Creation order reversed: w1 is over half a bucket (a bucket of its own, summed in place);
    // unused, b2 and b1 share the second, which travels as one copy.
    GradReducer reducer(ctx, comm, {b1, b2, unused, w1});
    BOOST_TEST(reducer.buckets() == 2u);
    Tensor loss = added(ctx, scaled(ctx, b2, 2.0f), scaled(ctx, b1, 3.0f));
    Tensor lw = scaled(ctx, w1, 4.0f);
    backward(ctx, {loss, lw}, {1.0, 1.0}, reducer.hooks());
    // w1's sum started while backward ran; the second waits for `unused`, which backward never
    // reaches, so it starts at the end.
    BOOST_TEST(comm.started == std::vector<int64_t>{big});
    BOOST_TEST(reducer.timing().bytes_started_in_backward == big * 4);
    reducer.finish();
    BOOST_TEST(comm.started == (std::vector<int64_t>{big, 10}));
    BOOST_TEST(b2.grad().data<float>()[0] == 4.0f);
    BOOST_TEST(b1.grad().data<float>()[3] == 6.0f);
    BOOST_TEST(w1.grad().data<float>()[big - 1] == 8.0f);
    BOOST_TEST(!unused.grad().defined(), "a parameter no rank reached keeps no gradient");
    BOOST_TEST(reducer.timing().bytes == (big + 10) * 4);
}

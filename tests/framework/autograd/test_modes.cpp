// Evaluation scopes: EvalScope gives its body the same random numbers every time (reseeded, and
// the state put back after), EvalMode only turns gradients and the training flag off, so
// consecutive batches of samples drawn under it differ. Both restore the flags they changed.
#include <boost/test/unit_test.hpp>

#include "ops/op_registry.hpp"
#include "autograd/modes.hpp"

using namespace chimera;

namespace {

std::vector<float> draw(Context& ctx, const OpRegistry& ops) {
    Tensor t = ops.call(ctx, "random_normal", {}, {0.0, 1.0, 8}).front();
    return std::vector<float>(t.data<float>(), t.data<float>() + t.numel());
}

}  // namespace

BOOST_AUTO_TEST_CASE(eval_mode_keeps_drawing_and_eval_scope_repeats) {
    Context ctx(1, 5);
    OpRegistry ops;
    register_builtin_ops(ops);
    ctx.set_training(true);
    std::vector<float> a, b;
    {
        EvalMode eval(ctx);
        BOOST_TEST(!ctx.training());
        BOOST_TEST(!ctx.grad_enabled());
        a = draw(ctx, ops);
    }
    {
        EvalMode eval(ctx);
        b = draw(ctx, ops);
    }
    BOOST_TEST(a != b);  // two batches of samples, not one twice
    BOOST_TEST(ctx.training());
    BOOST_TEST(ctx.grad_enabled());
    std::vector<float> c, d;
    {
        EvalScope same(ctx, 9);
        c = draw(ctx, ops);
    }
    {
        EvalScope same(ctx, 9);
        d = draw(ctx, ops);
    }
    BOOST_TEST(c == d);
    BOOST_TEST(draw(ctx, ops) != b);  // and the state after it is where it was
}

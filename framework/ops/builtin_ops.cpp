// The one list of built-in ops. Adding an op: its file in framework/ops/, one X(...) here, its
// test in tests/framework/ops/.
#include "ops/op_registry.hpp"

#define CHIMERA_BUILTIN_OPS(X)   \
    X(attention)                 \
    X(avg_pool2d)                \
    X(batch_norm)                \
    X(binary)                    \
    X(clamp)                     \
    X(compare)                   \
    X(concat)                    \
    X(conv2d)                    \
    X(conv_transpose2d)          \
    X(dropout)                   \
    X(eltwise)                   \
    X(embedding)                 \
    X(erf)                       \
    X(gather)                    \
    X(layer_norm)                \
    X(linear)                    \
    X(logsumexp)                 \
    X(matmul)                    \
    X(max_pool2d)                \
    X(pad)                       \
    X(permute)                   \
    X(random)                    \
    X(reduce)                    \
    X(reduce_max)                \
    X(reshape)                   \
    X(scalar)                    \
    X(slice)                     \
    X(softmax)                   \
    X(upsample)                  \
    X(var)                       \
    X(where)

namespace chimera {

#define CHIMERA_DECLARE(name) void register_##name(OpRegistry&);
CHIMERA_BUILTIN_OPS(CHIMERA_DECLARE)
#undef CHIMERA_DECLARE

void register_builtin_ops(OpRegistry& registry) {
#define CHIMERA_REGISTER(name) register_##name(registry);
    CHIMERA_BUILTIN_OPS(CHIMERA_REGISTER)
#undef CHIMERA_REGISTER
}

}  // namespace chimera

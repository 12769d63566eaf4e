/* Chimera's op set: every op the host computes for plugins, with its version and its named
 * attributes. The one definition both sides read: the host registers its ops from this list
 * (an op missing here does not register), and the SDK calls each op at the version listed.
 * Plain C (C11 and C++17); it is part of the ABI's contract, not a convenience.
 *
 * Versions
 *   - Each op has a version. It goes up when the op gains an attribute (with a default that
 *     keeps the old behaviour) or a choice; the host honours every version from 1 up to its
 *     own, so a plugin built against an older op set computes exactly what it did. Versions
 *     only ever add: an op whose meaning or defaults would change gets a new name instead. A plugin that asks for a newer version than the
 *     host has is refused with a message naming the op and both versions.
 *   - CHM_OPSET_VERSION is the set's version: it goes up with any op's. Set 1 is the ops of
 *     ABI 1.3 (positional attributes); set 2 came with ABI 1.4.
 *
 * Attributes (the third field of each entry), separated by ", ", in the order the positional
 * op_call of ABI 1.1 takes their numbers:
 *   name            one number, required
 *   name=V          one number, V when left out
 *   name?           one number the op chooses itself when left out (only at the end of a call)
 *   name[2]=V       two numbers (height, width); one number given is used for both
 *   name=other      when left out, the value of attribute `other`
 *   name[*]         any number of numbers (the last attribute only): axes, a shape
 *   name:a|b|c=a    a named choice; positionally its index (a is 0)
 */
#ifndef CHIMERA_OPSET_H
#define CHIMERA_OPSET_H

#define CHM_OPSET_VERSION 2

/* The activations, by name; an activation's code (for the positional op_call of ABI 1.1) is its
 * index here. What linear fuses, and the names of the activation ops. One table for the tree. */
#define CHM_ACTIVATIONS "none|relu|leaky_relu|tanh|sigmoid|elu|gelu|silu"

/* X(name, version, attributes) for every op. */
#define CHM_OPSET(X)                                                                               \
    X(abs, 1, "")                                                                                  \
    X(add, 1, "")                                                                                  \
    X(add_scalar, 1, "c")                                                                          \
    X(argmax, 1, "axis, keepdim=0")                                                                \
    X(attention, 1, "scale=0, causal=0")                                                           \
    X(avg_pool2d, 1, "kernel[2], stride[2]=kernel, padding[2]=0, count_include_pad=1")             \
    X(batch_norm, 1, "training=1, momentum=0.1, eps=1e-5")                                         \
    X(bernoulli, 1, "")                                                                            \
    X(clamp, 1, "min, max")                                                                        \
    X(concat, 1, "axis=0")                                                                         \
    X(conv2d, 1, "stride[2]=1, padding[2]=0, dilation[2]=1, groups=1")                             \
    X(conv_transpose2d, 1, "stride[2]=1, padding[2]=0, output_padding[2]=0, groups=1, dilation[2]=1") \
    X(div, 1, "")                                                                                  \
    X(dropout, 1, "p=0.5, training=1")                                                             \
    X(elu, 1, "alpha=1")                                                                           \
    X(embedding, 1, "")                                                                            \
    X(equal, 1, "")                                                                                \
    X(erf, 1, "")                                                                                  \
    X(exp, 1, "")                                                                                  \
    X(flatten, 1, "start_axis=1")                                                                  \
    X(gather_classes, 1, "")                                                                       \
    X(gelu, 1, "")                                                                                 \
    X(greater, 1, "")                                                                              \
    X(greater_equal, 1, "")                                                                        \
    X(layer_norm, 1, "eps=1e-5")                                                                   \
    X(leaky_relu, 1, "negative_slope=0.01")                                                        \
    X(less, 1, "")                                                                                 \
    X(less_equal, 1, "")                                                                           \
    X(linear, 2, "activation:" CHM_ACTIVATIONS "=none, alpha?")                                    \
    X(log, 1, "")                                                                                  \
    X(log_softmax, 1, "axis=-1")                                                                   \
    X(logsumexp, 1, "keepdim=0, axes[*]")                                                          \
    X(matmul, 1, "")                                                                               \
    X(max, 1, "keepdim=0, axes[*]")                                                                \
    X(max_pool2d, 1, "kernel[2], stride[2]=kernel, padding[2]=0")                                  \
    X(maximum, 1, "")                                                                              \
    X(mean, 1, "keepdim=0, axes[*]")                                                               \
    X(minimum, 1, "")                                                                              \
    X(mul, 1, "")                                                                                  \
    X(mul_scalar, 1, "c")                                                                          \
    X(not_equal, 1, "")                                                                            \
    X(pad, 1, "value=0, pads[*]")                                                                  \
    X(permute, 1, "axes[*]")                                                                       \
    X(pow_scalar, 1, "p")                                                                          \
    X(random_normal, 1, "mean, std, shape[*]")                                                     \
    X(random_uniform, 1, "low, high, shape[*]")                                                    \
    X(relu, 1, "")                                                                                 \
    X(reshape, 1, "shape[*]")                                                                      \
    X(rsub_scalar, 1, "c")                                                                         \
    X(sigmoid, 1, "")                                                                              \
    X(silu, 1, "")                                                                                 \
    X(slice, 1, "axis, start, stop, step=1")                                                       \
    X(softmax, 1, "axis=-1")                                                                       \
    X(softplus, 1, "")                                                                             \
    X(sqrt, 1, "")                                                                                 \
    X(square, 1, "")                                                                               \
    X(sub, 1, "")                                                                                  \
    X(sum, 1, "keepdim=0, axes[*]")                                                                \
    X(tanh, 1, "")                                                                                 \
    X(transpose, 1, "axis0=-2, axis1=-1")                                                          \
    X(upsample_bilinear, 1, "scale[2]")                                                            \
    X(upsample_nearest, 1, "scale[2]")                                                             \
    X(var, 1, "correction=1, keepdim=0, axes[*]")                                                  \
    X(where, 1, "")

#endif /* CHIMERA_OPSET_H */

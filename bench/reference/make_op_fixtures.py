#!/usr/bin/python3
"""Writes tests/data/op_fixtures.txt: forward and backward values of Chimera's oneDNN-backed ops
computed independently by PyTorch (Debian's python3-torch). Run once when a case is added; the
test suite reads the file and never needs torch.

    /usr/bin/python3 bench/reference/make_op_fixtures.py   (Debian's python, which has torch)

Each case gives the op's inputs (torch's layouts, which Chimera's ops share), its numeric
attributes in the order `chimera ops` lists them, a gradient for the output, and torch's output
and input gradients. batch_norm also records its running statistics after the step.

Format, one item per line, numbers as text with 9 significant digits:
    case NAME OP
    attrs N a1 ... aN
    input K none | input K RANK d1 .. dRANK v1 .. vM
    grad_output RANK d.. v..
    output RANK d.. v..
    grad_input K none | grad_input K RANK d.. v..
    after K RANK d.. v..          (an input's value after the op ran, for in-place updates)
    end
"""
import os
import torch
import torch.nn.functional as F

torch.manual_seed(20261122)
torch.set_num_threads(1)
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "data", "op_fixtures.txt")


def text(t):
    t = t.detach().to(torch.float32).contiguous()
    dims = list(t.shape)
    values = " ".join(f"{v:.9g}" for v in t.reshape(-1).tolist())
    return f"{len(dims)} " + " ".join(str(d) for d in dims) + " " + values


def case(lines, name, op, inputs, attrs, fn, differentiable):
    """inputs: list of tensors or None; fn(inputs) -> output; differentiable: flags per input."""
    leaves = [None if t is None else t.clone().requires_grad_(d) for t, d in zip(inputs, differentiable)]
    before = [None if t is None else t.clone() for t in inputs]
    y = fn(leaves)
    if y.requires_grad:
        dy = torch.randn_like(y)
        y.backward(dy)
    else:  # comparisons, argmax: no gradient (and no draw from the generator)
        dy = torch.zeros(y.shape)
    lines.append(f"case {name} {op}")
    lines.append(f"attrs {len(attrs)} " + " ".join(f"{a:.9g}" for a in attrs))
    for k, t in enumerate(before):
        lines.append(f"input {k} none" if t is None else f"input {k} {text(t)}")
    lines.append(f"grad_output {text(dy)}")
    lines.append(f"output {text(y)}")
    for k, (t, d) in enumerate(zip(leaves, differentiable)):
        lines.append(f"grad_input {k} none" if t is None or not d else f"grad_input {k} {text(t.grad)}")
    for k, (t, b) in enumerate(zip(leaves, before)):
        if t is not None and not torch.equal(t.detach(), b):
            lines.append(f"after {k} {text(t)}")
    lines.append("end")


def conv_cases(lines):
    r = torch.randn
    # attrs: stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w, groups
    for name, x, w, b, (s, p, d, g) in [
        ("conv2d_same", r(2, 3, 7, 7), r(4, 3, 3, 3), r(4), (1, 1, 1, 1)),
        ("conv2d_stride2_dilation2", r(1, 2, 9, 8), r(3, 2, 3, 3), r(3), (2, 0, 2, 1)),
        ("conv2d_groups", r(2, 4, 6, 6), r(6, 2, 3, 3), None, (1, 1, 1, 2)),
        ("conv2d_fashion_stem", r(2, 1, 28, 28), r(8, 1, 4, 4), r(8), (2, 1, 1, 1)),
    ]:
        case(lines, name, "conv2d", [x, w, b], [s, s, p, p, d, d, g],
             lambda t, s=s, p=p, d=d, g=g: F.conv2d(t[0], t[1], t[2], stride=s, padding=p, dilation=d, groups=g),
             [True, True, b is not None])
    # attrs: stride_h, stride_w, pad_h, pad_w, output_pad_h, output_pad_w, groups, dilation_h, dilation_w
    for name, x, w, b, (s, p, op, g, d) in [
        ("deconv_dcgan_up", r(2, 4, 7, 7), r(4, 3, 4, 4), r(3), (2, 1, 0, 1, 1)),
        ("deconv_output_padding", r(1, 3, 5, 5), r(3, 2, 3, 3), r(2), (2, 1, 1, 1, 1)),
        ("deconv_groups_dilation", r(2, 4, 4, 5), r(4, 1, 3, 3), None, (1, 0, 0, 2, 2)),
    ]:
        case(lines, name, "conv_transpose2d", [x, w, b], [s, s, p, p, op, op, g, d, d],
             lambda t, s=s, p=p, op=op, g=g, d=d: F.conv_transpose2d(
                 t[0], t[1], t[2], stride=s, padding=p, output_padding=op, groups=g, dilation=d),
             [True, True, b is not None])


def pool_cases(lines):
    # Distinct values so max pooling has no ties and its gradient is unambiguous.
    x = torch.randperm(2 * 3 * 7 * 7).to(torch.float32).reshape(2, 3, 7, 7) / 50.0
    # attrs: kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w
    case(lines, "max_pool_2x2", "max_pool2d", [x], [2, 2, 2, 2, 0, 0],
         lambda t: F.max_pool2d(t[0], 2, 2), [True])
    case(lines, "max_pool_3x3_s2_p1", "max_pool2d", [x], [3, 3, 2, 2, 1, 1],
         lambda t: F.max_pool2d(t[0], 3, 2, 1), [True])
    y = torch.randn(2, 3, 6, 5)
    # attrs: ... then count_include_pad
    case(lines, "avg_pool_2x2", "avg_pool2d", [y], [2, 2, 2, 2, 0, 0, 1],
         lambda t: F.avg_pool2d(t[0], 2, 2), [True])
    case(lines, "avg_pool_3x3_p1_include", "avg_pool2d", [y], [3, 3, 1, 1, 1, 1, 1],
         lambda t: F.avg_pool2d(t[0], 3, 1, 1, count_include_pad=True), [True])
    case(lines, "avg_pool_3x3_p1_exclude", "avg_pool2d", [y], [3, 3, 1, 1, 1, 1, 0],
         lambda t: F.avg_pool2d(t[0], 3, 1, 1, count_include_pad=False), [True])


def norm_and_linear_cases(lines):
    r = torch.randn
    case(lines, "linear", "linear", [r(5, 7), r(3, 7), r(3)], [],
         lambda t: F.linear(t[0], t[1], t[2]), [True, True, True])
    x = r(4, 3, 5, 5) * 2 + 1
    gamma, beta = r(3), r(3)
    mean, var = r(3) * 0.1, torch.rand(3) + 0.5
    # attrs: training, momentum, eps; running statistics are updated in place when training.
    case(lines, "batch_norm_training", "batch_norm", [x, gamma, beta, mean, var], [1, 0.1, 1e-5],
         lambda t: F.batch_norm(t[0], t[3], t[4], t[1], t[2], training=True, momentum=0.1, eps=1e-5),
         [True, True, True, False, False])
    case(lines, "batch_norm_eval", "batch_norm", [x, gamma, beta, mean, var], [0, 0.1, 1e-5],
         lambda t: F.batch_norm(t[0], t[3], t[4], t[1], t[2], training=False, momentum=0.1, eps=1e-5),
         [True, True, True, False, False])
    flat = r(6, 10)
    case(lines, "batch_norm_training_2d", "batch_norm", [flat, r(10), r(10), torch.zeros(10), torch.ones(10)],
         [1, 0.1, 1e-5],
         lambda t: F.batch_norm(t[0], t[3], t[4], t[1], t[2], training=True, momentum=0.1, eps=1e-5),
         [True, True, True, False, False])


def attention(q, k, v, mask=None, scale=0.0, causal=False):
    """softmax(scale q k^T + mask) v, written out: torch 1.13 has no fused attention of its own."""
    scale = scale or 1.0 / q.shape[-1] ** 0.5
    scores = scale * q @ k.transpose(-2, -1)
    if mask is not None:
        scores = scores + mask
    if causal:
        t = q.shape[-2]
        scores = scores.masked_fill(torch.ones(t, t, dtype=torch.bool).triu(1), float("-inf"))
    return torch.softmax(scores, dim=-1) @ v


def attention_and_norm_cases(lines):
    """Added with the multimodal models, after the others so their values stay as recorded."""
    r = torch.randn
    q, k, v = r(2, 3, 4, 8), r(2, 3, 6, 8), r(2, 3, 6, 8)
    case(lines, "attention", "attention", [q, k, v, None], [0, 0], lambda t: attention(t[0], t[1], t[2]),
         [True, True, True, False])
    pad = torch.zeros(2, 1, 1, 6)
    pad[0, 0, 0, 4:] = -1e9
    pad[1, 0, 0, 5:] = -1e9
    case(lines, "attention_padding_mask", "attention", [q, k, v, pad], [0.5, 0],
         lambda t: attention(t[0], t[1], t[2], t[3], scale=0.5), [True, True, True, False])
    qc, kc, vc = r(2, 2, 5, 4), r(2, 2, 5, 4), r(2, 2, 5, 4)
    case(lines, "attention_causal", "attention", [qc, kc, vc, None], [0, 1],
         lambda t: attention(t[0], t[1], t[2], causal=True), [True, True, True, False])
    x = r(3, 5, 16) * 2 + 0.5
    case(lines, "layer_norm", "layer_norm", [x, r(16), r(16)], [1e-5],
         lambda t: F.layer_norm(t[0], (16,), t[1], t[2], eps=1e-5), [True, True, True])


def grid(*shape):
    """Values on a half-integer grid, so that ties (maximum, max, comparisons) occur."""
    return torch.randint(-3, 4, shape).to(torch.float32) / 2


def new_op_cases(lines):
    """Added with maximum .. upsample, after the others (and with their own seed) so the earlier
    values stay as recorded."""
    torch.manual_seed(20260307)
    r = torch.randn
    a, b = grid(2, 3, 4), grid(3, 1)
    case(lines, "maximum_broadcast_ties", "maximum", [a, b], [], lambda t: torch.maximum(t[0], t[1]), [True, True])
    case(lines, "minimum_broadcast_ties", "minimum", [a, b], [], lambda t: torch.minimum(t[0], t[1]), [True, True])
    for op, fn in [("greater", torch.gt), ("greater_equal", torch.ge), ("less", torch.lt), ("less_equal", torch.le),
                   ("equal", torch.eq), ("not_equal", torch.ne)]:
        case(lines, op + "_broadcast", op, [a, b], [], lambda t, fn=fn: fn(t[0], t[1]).to(torch.float32), [False, False])
    cond = (torch.rand(2, 1, 4) > 0.5).to(torch.float32)
    case(lines, "where_broadcast", "where", [cond, r(2, 3, 4), r(3, 1)], [],
         lambda t: torch.where(t[0] != 0, t[1], t[2]), [False, True, True])
    x = grid(2, 3, 4)
    # attrs: keepdim, axes...
    case(lines, "max_axis1_ties", "max", [x], [0, 1], lambda t: torch.amax(t[0], dim=1), [True])
    case(lines, "max_axes02_keepdim", "max", [x], [1, 0, 2], lambda t: torch.amax(t[0], dim=(0, 2), keepdim=True), [True])
    case(lines, "max_all", "max", [x], [0], lambda t: torch.amax(t[0]), [True])
    # attrs: axis, keepdim
    case(lines, "argmax_axis1_ties", "argmax", [grid(3, 5)], [1, 0], lambda t: torch.argmax(t[0], dim=1), [False])
    case(lines, "argmax_axis0_keepdim", "argmax", [grid(4, 3, 2)], [0, 1],
         lambda t: torch.argmax(t[0], dim=0, keepdim=True), [False])
    y = r(2, 3, 4) * 3
    case(lines, "logsumexp_last", "logsumexp", [y], [0, -1], lambda t: torch.logsumexp(t[0], dim=-1), [True])
    case(lines, "logsumexp_axes02_keepdim", "logsumexp", [y + 40], [1, 0, 2],
         lambda t: torch.logsumexp(t[0], dim=(0, 2), keepdim=True), [True])
    v = r(3, 4, 5) + 1
    # attrs: correction, keepdim, axes...
    case(lines, "var_unbiased_axis1", "var", [v], [1, 0, 1], lambda t: torch.var(t[0], dim=1, unbiased=True), [True])
    case(lines, "var_biased_axes02_keepdim", "var", [v], [0, 1, 0, 2],
         lambda t: torch.var(t[0], dim=(0, 2), unbiased=False, keepdim=True), [True])
    case(lines, "var_all", "var", [v], [1], lambda t: torch.var(t[0]), [True])
    case(lines, "erf", "erf", [r(3, 4) * 1.5], [], lambda t: torch.erf(t[0]), [True])
    case(lines, "silu", "silu", [r(3, 4) * 3], [], lambda t: F.silu(t[0]), [True])
    # attrs: value, pads from the last dimension backwards
    p = r(2, 3, 4, 5)
    case(lines, "pad_two_dims_value", "pad", [p], [0.5, 1, 2, 0, 3],
         lambda t: F.pad(t[0], (1, 2, 0, 3), value=0.5), [True])
    case(lines, "pad_three_dims", "pad", [p], [0, 2, 1, 1, 0, 0, 2], lambda t: F.pad(t[0], (2, 1, 1, 0, 0, 2)), [True])
    # attrs: scale_h, scale_w
    case(lines, "upsample_nearest_2x3", "upsample_nearest", [p], [2, 3],
         lambda t: F.interpolate(t[0], scale_factor=(2, 3), mode="nearest"), [True])
    case(lines, "upsample_bilinear_2x2", "upsample_bilinear", [p], [2, 2],
         lambda t: F.interpolate(t[0], scale_factor=2, mode="bilinear", align_corners=False), [True])
    case(lines, "upsample_bilinear_3x2", "upsample_bilinear", [r(1, 2, 3, 4)], [3, 2],
         lambda t: F.interpolate(t[0], scale_factor=(3, 2), mode="bilinear", align_corners=False), [True])
    # attrs: activation (6 gelu, 7 silu in CHM_ACTIVATIONS)
    lx, lw, lb = r(5, 7), r(3, 7), r(3)
    case(lines, "linear_gelu", "linear", [lx, lw, lb], [6], lambda t: F.gelu(F.linear(t[0], t[1], t[2])), [True, True, True])
    case(lines, "linear_silu", "linear", [lx, lw, lb], [7], lambda t: F.silu(F.linear(t[0], t[1], t[2])), [True, True, True])


def main():
    lines = [f"# Made by bench/reference/make_op_fixtures.py with torch {torch.__version__}; do not edit."]
    norm_and_linear_cases(lines)
    conv_cases(lines)
    pool_cases(lines)
    attention_and_norm_cases(lines)
    new_op_cases(lines)
    with open(OUT, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {sum(l.startswith('case ') for l in lines)} cases to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()

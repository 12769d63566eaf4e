#!/usr/bin/python3
"""Writes tests/data/loss_fixtures.txt: values and input gradients of losses as PyTorch (Debian's
python3-torch) computes them, for the options each case lists. The test suite runs the same
inputs through Chimera's losses plugin. cross_entropy is torch's own; mmd is written here the
way WAE's code computes it, with torch.cdist distances (not Chimera's |a|^2 + |b|^2 - 2 a.b);
kl_normal uses torch.distributions.

    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 bench/reference/make_loss_fixtures.py

Format: "case NAME LOSS", "options {yaml flow map}", "input NAME f32|i32 RANK dims values",
"output NAME RANK dims values" (the loss, and accuracy for cross_entropy), "grad NAME RANK dims
values" (d loss / d input), "end". Computed in float64, written with 17 digits.
"""
import os
import torch
import torch.nn.functional as F

torch.manual_seed(11)
torch.set_default_dtype(torch.float64)
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "data", "loss_fixtures.txt")


def cross_entropy(options):
    logits = (torch.randn(6, 5) * 2).float().double().requires_grad_()
    target = torch.randint(0, 5, (6,), dtype=torch.int32)
    loss = F.cross_entropy(logits, target.long(), reduction=options.get("reduction", "mean"),
                           label_smoothing=options.get("label_smoothing", 0.0))
    accuracy = (logits.argmax(1) == target.long()).double().mean()
    return {"logits": logits, "target": target}, {"loss": loss, "accuracy": accuracy}


def mmd(options):
    # Codes against prior samples, flattened beyond dim 0 as the loss does.
    x = (torch.randn(8, 2, 2) * 0.8 + 0.3).float().double().requires_grad_()
    y = (torch.randn(10, 4) * float(options.get("sigma2", 1.0)) ** 0.5).float().double().requires_grad_()
    a, b = x.reshape(x.shape[0], -1), y
    n, m, d = a.shape[0], b.shape[0], a.shape[1]
    base = 2.0 * d * float(options.get("sigma2", 1.0))

    def k(p, q):
        d2 = torch.cdist(p, q) ** 2
        total = torch.zeros_like(d2)
        for s in options.get("scales", [1.0]):
            c = base * s
            total = total + (torch.exp(-d2 / c) if options.get("kernel", "imq") == "gaussian" else c / (c + d2))
        return total

    off_x, off_y = 1 - torch.eye(n), 1 - torch.eye(m)
    loss = ((k(a, a) * off_x).sum() / (n * (n - 1)) + (k(b, b) * off_y).sum() / (m * (m - 1))
            - 2 * k(a, b).sum() / (n * m))
    return {"x": x, "y": y}, {"loss": loss}


def kl_normal(options):
    mu = torch.randn(4, 3).float().double().requires_grad_()
    logvar = (torch.randn(4, 3) * 0.5).float().double().requires_grad_()
    q = torch.distributions.Normal(mu, torch.exp(0.5 * logvar))
    p = torch.distributions.Normal(torch.zeros(4, 3), torch.ones(4, 3))
    loss = options.get("beta", 1.0) * torch.distributions.kl_divergence(q, p).sum(1).mean()
    return {"mu": mu, "logvar": logvar}, {"loss": loss}


CASES = [
    ("ce_mean", "cross_entropy", {}, cross_entropy),
    ("ce_sum_smoothed", "cross_entropy", {"reduction": "sum", "label_smoothing": 0.15}, cross_entropy),
    ("mmd_imq", "mmd", {"kernel": "imq"}, mmd),
    ("mmd_imq_wae_scales", "mmd", {"kernel": "imq", "sigma2": 2.0, "scales": [0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0]}, mmd),
    ("mmd_gaussian", "mmd", {"kernel": "gaussian", "sigma2": 0.5, "scales": [0.5, 1.0, 2.0]}, mmd),
    ("kl_beta", "kl_normal", {"beta": 3.0}, kl_normal),
]


def text(t):
    dims = list(t.shape)
    return f"{len(dims)} " + " ".join(map(str, dims)) + " " + " ".join(f"{v:.17g}" for v in t.reshape(-1).tolist())


def yaml_value(v):
    return "[" + ", ".join(map(str, v)) + "]" if isinstance(v, list) else str(v)


def main():
    lines = [f"# Made by bench/reference/make_loss_fixtures.py with torch {torch.__version__}; do not edit."]
    for name, loss, options, make in CASES:
        inputs, outputs = make(options)
        outputs["loss"].backward()
        lines.append(f"case {name} {loss}")
        lines.append("options {" + ", ".join(f"{k}: {yaml_value(v)}" for k, v in options.items()) + "}")
        for key, t in inputs.items():
            dtype = "i32" if t.dtype == torch.int32 else "f32"
            lines.append(f"input {key} {dtype} {text(t.detach())}")
        for key, t in outputs.items():
            lines.append(f"output {key} {text(t.detach())}")
        for key, t in inputs.items():
            if t.requires_grad:
                lines.append(f"grad {key} {text(t.grad)}")
        lines.append("end")
    with open(OUT, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {len(CASES)} cases to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()

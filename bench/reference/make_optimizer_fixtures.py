#!/usr/bin/python3
"""Writes tests/data/optimizer_fixtures.txt: parameters after each of three steps of PyTorch's
optimizers (Debian's python3-torch) from a fixed start and fixed gradients, for the options each
case lists. The test suite replays the same steps through Chimera's optimizer plugins.

    /usr/bin/python3 bench/reference/make_optimizer_fixtures.py

Format: "case NAME OPTIMIZER", "options {yaml flow map}", "param RANK dims values",
"grad STEP RANK dims values", "after STEP RANK dims values", "end".
"""
import os
import torch

torch.manual_seed(7)
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "data", "optimizer_fixtures.txt")

CASES = [
    ("sgd_plain", "sgd", {"lr": 0.1}, lambda p: torch.optim.SGD(p, lr=0.1)),
    ("sgd_momentum_dampening", "sgd", {"lr": 0.05, "momentum": 0.9, "dampening": 0.1},
     lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, dampening=0.1)),
    ("sgd_nesterov_decay", "sgd", {"lr": 0.05, "momentum": 0.8, "nesterov": "true", "weight_decay": 0.01},
     lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.01)),
    ("adam", "adam", {"lr": 0.01, "betas": "[0.8, 0.99]", "eps": 1e-6, "weight_decay": 0.02},
     lambda p: torch.optim.Adam(p, lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.02)),
    ("adamw", "adamw", {"lr": 0.01, "weight_decay": 0.1},
     lambda p: torch.optim.AdamW(p, lr=0.01, weight_decay=0.1)),
    ("rmsprop", "rmsprop", {"lr": 0.01, "alpha": 0.9}, lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9)),
    ("rmsprop_momentum_decay", "rmsprop", {"lr": 0.01, "momentum": 0.5, "weight_decay": 0.05},
     lambda p: torch.optim.RMSprop(p, lr=0.01, momentum=0.5, weight_decay=0.05)),
]


def text(t):
    dims = list(t.shape)
    return f"{len(dims)} " + " ".join(map(str, dims)) + " " + " ".join(f"{v:.9g}" for v in t.reshape(-1).tolist())


def main():
    lines = [f"# Made by bench/reference/make_optimizer_fixtures.py with torch {torch.__version__}; do not edit."]
    for name, kind, options, make in CASES:
        p = torch.nn.Parameter(torch.randn(4, 3))
        grads = [torch.randn(4, 3) for _ in range(3)]
        opt = make([p])
        lines.append(f"case {name} {kind}")
        lines.append("options {" + ", ".join(f"{k}: {v}" for k, v in options.items()) + "}")
        lines.append(f"param {text(p.detach())}")
        for step, g in enumerate(grads, 1):
            p.grad = g.clone()
            opt.step()
            lines.append(f"grad {step} {text(g)}")
            lines.append(f"after {step} {text(p.detach())}")
        lines.append("end")
    with open(OUT, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {len(CASES)} cases to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()

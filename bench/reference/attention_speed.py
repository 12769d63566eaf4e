#!/usr/bin/python3
"""PyTorch's side of the attention micro-benchmark: scaled dot-product attention at the MMVAE
Transformer's shapes (q, k, v [N, 4 heads, 10 positions, 16]), as chimera_op_benchmarks'
attention/padding_mask (the text encoder: the last 3 keys of every row masked) and
attention/causal (the text decoder) time Chimera's fused op. torch 1.13 has no public
F.scaled_dot_product_attention; two equivalents are timed and the faster one is the reference:
  composed  softmax(q k^T / sqrt(16) + additive mask) v with matmul, as a user writes it;
  private   torch.nn.functional._scaled_dot_product_attention, 1.13's fused prototype of it
            (a boolean mask for the encoder, is_causal for the decoder).
Forward alone, and forward plus backward (gradients of q, k and v, seeded with y as Chimera's
benchmark seeds them). Prints one JSON line per setting: microseconds per call, wall clock and
process CPU time (the CPU time is the figure to read when other jobs share the cores).

    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 \\
        bench/reference/attention_speed.py --threads 1 --batch 64
"""
import argparse
import json
import math
import time

import torch
import torch.nn.functional as F

HEADS, LENGTH, DIM = 4, 10, 16


def inputs(n, grad):
    g = torch.Generator().manual_seed(0)
    return [torch.randn(n, HEADS, LENGTH, DIM, generator=g).requires_grad_(grad) for _ in range(3)]


def composed(q, k, v, mask):
    return torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(DIM) + mask, dim=-1) @ v


def timed(call, seconds):
    """(wall µs, CPU µs) per call over at least `seconds` after a warm-up."""
    for _ in range(5):
        call()
    calls, wall, cpu = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - wall < seconds or calls < 20:
        call()
        calls += 1
    return (time.perf_counter() - wall) * 1e6 / calls, (time.process_time() - cpu) * 1e6 / calls


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, required=True)
    p.add_argument("--batch", type=int, required=True)
    p.add_argument("--seconds", type=float, default=0.5, help="timed per setting")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    n = args.batch
    additive = {"padding_mask": torch.zeros(n, 1, 1, LENGTH), "causal": torch.triu(torch.full((LENGTH, LENGTH), -1e9), 1)}
    additive["padding_mask"][..., LENGTH - 3:] = -1e9
    keep = torch.ones(n, 1, 1, LENGTH, dtype=torch.bool)
    keep[..., LENGTH - 3:] = False
    for kind in ("padding_mask", "causal"):
        variants = {"composed": lambda q, k, v, kind=kind: composed(q, k, v, additive[kind]),
                    "private": (lambda q, k, v: F._scaled_dot_product_attention(q, k, v, keep.expand(n, HEADS, LENGTH, LENGTH), 0.0, False, False)[0])
                    if kind == "padding_mask" else (lambda q, k, v: F._scaled_dot_product_attention(q, k, v, None, 0.0, False, True)[0])}
        for backward in (0, 1):
            q, k, v = inputs(n, backward == 1)
            for name, f in variants.items():
                if backward:
                    def call():
                        y = f(q, k, v)
                        y.backward(y.detach())
                        q.grad = k.grad = v.grad = None
                else:
                    def call():
                        with torch.no_grad():
                            f(q, k, v)
                wall, cpu = timed(call, args.seconds)
                flops = 4.0 * n * HEADS * LENGTH * LENGTH * DIM * (3 if backward else 1)
                print(json.dumps({"op": kind, "variant": name, "batch": n, "threads": args.threads, "backward": backward,
                                  "wall_us": round(wall, 1), "cpu_us": round(cpu, 1), "gflops_wall": round(flops / wall / 1e3, 3)}),
                      flush=True)


if __name__ == "__main__":
    main()

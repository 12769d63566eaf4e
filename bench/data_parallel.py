#!/usr/bin/env python3
"""Data-parallel training speed: 2 ranks x 1 thread against 1 process x 2 threads and x 1.

For each reference model and batch it runs `chimera train CONFIG --timing` as one process on 1
and on 2 threads and under `mpirun -np 2` with 1 thread a rank, in alternation, and reports the
medians: samples/s (steady state, after two warm-up steps), scaling efficiency (2 ranks against
twice one rank at the same global batch; "weak", Horovod's, with each rank keeping the batch),
the gradient bytes summed per step, the time in communication calls (during backward and waiting
after it) and the share of the gradient bytes whose sum started while backward still ran. With
--loopback it runs 2-4 ranks over TCP on loopback instead (more ranks than cores: their compute is
shared; their communication is what is compared with docs/SCALING.md's model). Writes bench/data_parallel.json; docs/SCALING.md
explains the figures.

    python3 bench/data_parallel.py                       # 4 models x batch 64, 256; ~6 minutes
    python3 bench/data_parallel.py --models vae_mlp --batches 64 --repeats 1
    python3 bench/data_parallel.py --allreduce         # the all-reduce alone, 2-4 ranks, TCP loopback
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = ["gan_mlp", "vae_mlp", "conv_ae", "dcgan"]
SAMPLES = {"gan_mlp": 24000, "vae_mlp": 48000, "conv_ae": 6400, "dcgan": 4096}
MPIRUN = ["mpirun", "--allow-run-as-root", "--oversubscribe", "--bind-to", "none"]


def train(prefix, chimera, config, batch, steps, threads, tmp):
    timing = os.path.join(tmp, "timing.json")
    if os.path.exists(timing):
        os.remove(timing)
    argv = prefix + [chimera, "train", config, "--out", os.path.join(tmp, "run"), "--overwrite", "--threads", str(threads),
                     "--set", f"data.batch_size={batch}", "--set", f"train.steps={steps}", "--set", "train.samples=0",
                     "--timing", timing]
    r = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT)
    if r.returncode != 0:
        sys.exit(f"data_parallel: {' '.join(argv)} failed ({r.returncode}):\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}")
    return json.load(open(timing))


# Gradient bytes summed per step (bench/data_parallel.json), and a small message for the latency.
GRADIENT_BYTES = {"latency": 65536, "dcgan": 3620000, "vae_mlp": 4330000, "gan_mlp": 4450000, "conv_ae": 17100000}


def allreduce(args):
    """Times MPI_Allreduce of each size on 2, 3 and 4 ranks over TCP on loopback and compares with
    T(N) = 2(N-1)/N * S/W + 2(N-1) * a, W and a fitted on 2 ranks."""
    bench = os.path.join(args.build, "bin", "chimera_allreduce_bench")
    sizes = sorted(GRADIENT_BYTES.values())
    measured = {}
    for n in (2, 3, 4):
        argv = MPIRUN + ["--mca", "btl", "self,tcp", "--mca", "mpi_yield_when_idle", "1", "-np", str(n), bench] + [str(b) for b in sizes]
        out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
        measured[n] = {int(b): float(t) for b, t in (line.split() for line in out.splitlines())}
    # On 2 ranks T = S/W + 2a: a least-squares line through every size fixes W and a.
    xs, ys = sizes, [measured[2][b] for b in sizes]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
    w, a = 1 / slope, max(0.0, (my - slope * mx) / 2)
    rows = []
    for name, b in GRADIENT_BYTES.items():
        for n in (2, 3, 4):
            model = 2 * (n - 1) / n * b / w + 2 * (n - 1) * a
            rows.append({"what": name, "bytes": b, "ranks": n, "measured_ms": 1000 * measured[n][b], "model_ms": 1000 * model})
            print(f"{name:8} {b / 1e6:6.2f} MB  {n} ranks  measured {1000 * measured[n][b]:7.2f} ms  model {1000 * model:7.2f} ms", flush=True)
    print(f"fitted on 2 ranks: W = {w / 1e9:.2f} GB/s, a = {a * 1e6:.1f} us")
    with open(os.path.join(ROOT, "bench", "allreduce_loopback.json"), "w") as f:
        json.dump({"bandwidth_bytes_per_second": w, "latency_seconds": a, "rows": rows}, f, indent=1)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--models", default=",".join(MODELS))
    p.add_argument("--batches", default="64,256")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--loopback", action="store_true", help="also 2-4 ranks over TCP on loopback")
    p.add_argument("--allreduce", action="store_true",
                   help="time one all-reduce of each model's gradient bytes on 2-4 ranks over TCP loopback against the model")
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--json", default=os.path.join(ROOT, "bench", "data_parallel.json"))
    args = p.parse_args()
    chimera = os.path.join(args.build, "bin", "chimera")
    if args.allreduce:
        return allreduce(args)
    rows = []
    with tempfile.TemporaryDirectory(prefix="chimera-dp-") as tmp:
        for model in args.models.split(","):
            config = os.path.join(ROOT, "configs", f"{model}_fashion.yaml")
            for batch in [int(b) for b in args.batches.split(",")]:
                steps = max(12, SAMPLES[model] // batch)
                # (launcher, threads, global batch): 2x1 weak is Horovod's scaling, each rank keeping the batch.
                shm = MPIRUN + ["--mca", "btl", "self,vader", "-np", "2"]
                sides = {"1x1": ([], 1, batch), "1x2": ([], 2, batch), "2x1": (shm, 1, batch), "2x1 weak": (shm, 1, 2 * batch)}
                if args.loopback:
                    sides = {"1x1": ([], 1, batch)}
                    for n in (2, 3, 4):
                        sides[f"{n}x1 tcp"] = (MPIRUN + ["--mca", "btl", "self,tcp", "-np", str(n)], 1, batch)
                raw = {s: [] for s in sides}
                for _ in range(args.repeats):
                    for side, (prefix, threads, b) in sides.items():
                        raw[side].append(train(prefix, chimera, config, b, steps, threads, tmp))
                row = {"model": model, "batch": batch, "steps": steps}
                for side, runs in raw.items():
                    row[side] = {"samples_per_second": statistics.median(r["samples_per_second"] for r in runs)}
                    comm = [r["communication"] for r in runs if "communication" in r]
                    if comm:
                        steady = statistics.median(r["steady_steps"] for r in runs)
                        row[side]["gradient_bytes_per_step"] = comm[0]["gradient_bytes_per_step"]
                        row[side]["exposed_ms_per_step"] = 1000 * statistics.median(c["exposed_seconds"] for c in comm) / steady
                        row[side]["calls_ms_per_step"] = 1000 * statistics.median(c["seconds_in_calls_during_backward"] for c in comm) / steady
                        row[side]["communication_ms_per_step"] = row[side]["exposed_ms_per_step"] + row[side]["calls_ms_per_step"]
                        row[side]["started_during_backward"] = statistics.median(c["fraction_started_during_backward"] for c in comm)
                rows.append(row)
                if args.loopback:
                    print(f"{model:8} {batch:4}  1x1 {row['1x1']['samples_per_second']:.0f}/s" + "".join(
                        f"  {s}: {row[s]['samples_per_second']:.0f}/s, communication {row[s]['communication_ms_per_step']:.2f} ms/step"
                        for s in sides if s != "1x1"), flush=True)
                    continue
                one, two, ranks = row["1x1"]["samples_per_second"], row["1x2"]["samples_per_second"], row["2x1"]["samples_per_second"]
                row["efficiency"] = ranks / (2 * one)
                row["weak_efficiency"] = row["2x1 weak"]["samples_per_second"] / (2 * one)
                row["ranks_over_threads"] = ranks / two
                c = row["2x1"]
                print(f"{model:8} {batch:4}  1x1 {one:8.0f}  1x2 {two:8.0f}  2 ranks {ranks:8.0f}  efficiency {row['efficiency']:.2f} "
                      f"(weak {row['weak_efficiency']:.2f})  vs 2 threads {row['ranks_over_threads']:.2f}  "
                      f"{c.get('gradient_bytes_per_step', 0) / 1e6:.2f} MB/step  communication {c.get('communication_ms_per_step', 0):.2f} ms "
                      f"(exposed {c.get('exposed_ms_per_step', 0):.2f})  started in backward {c.get('started_during_backward', 0):.0%}",
                      flush=True)
    with open(args.json, "w") as f:
        json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""The fused attention op against PyTorch on the MMVAE Transformer's shapes: runs
chimera_op_benchmarks --benchmark_filter=attention and reference/attention_speed.py in
alternation, --repeats times each, and prints per setting the medians of microseconds per call
(wall clock and CPU time) of Chimera and of PyTorch's faster equivalent, and their ratio.
The CPU-time ratio is the one to read on a shared machine, at one thread only: Google Benchmark
counts the calling thread's CPU time, Python's process_time every thread's, and both include
OpenMP's spinning, so at two threads only the wall clock of a quiet machine says anything.

    python3 bench/compare_attention.py [--threads 1,2] [--repeats 3] [--json FILE]
"""
import argparse
import json
import os
import re
import statistics
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OPENBLAS = "/usr/lib/x86_64-linux-gnu/openblas-openmp"


def chimera_runs(bench, threads):
    out = subprocess.run([bench, "--benchmark_filter=attention/.*threads:(" + "|".join(map(str, threads)) + ")/",
                          "--benchmark_format=json"], capture_output=True, text=True, check=True).stdout
    found = {}
    for b in json.loads(out)["benchmarks"]:
        m = re.match(r"attention/(\w+)/batch:(\d+)/threads:(\d+)/backward:(\d)", b["name"])
        scale = {"ns": 1e-3, "us": 1.0, "ms": 1e3}[b["time_unit"]]
        found[(m.group(1), int(m.group(2)), int(m.group(3)), int(m.group(4)))] = (b["real_time"] * scale, b["cpu_time"] * scale)
    return found


def torch_runs(threads, batches):
    found = {}
    env = dict(os.environ, LD_LIBRARY_PATH=OPENBLAS)
    for t in threads:
        for n in batches:
            out = subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "bench", "reference", "attention_speed.py"),
                                  "--threads", str(t), "--batch", str(n), "--seconds", "0.3"],
                                 capture_output=True, text=True, check=True, env=env).stdout
            for line in out.splitlines():
                r = json.loads(line)
                key = (r["op"], r["batch"], r["threads"], r["backward"])
                best = found.get(key)
                if best is None or r["wall_us"] < best[0]:  # the faster of PyTorch's two equivalents
                    found[key] = (r["wall_us"], r["cpu_us"], r["variant"])
    return found


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--threads", default="1,2")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--json")
    args = p.parse_args()
    threads = [int(t) for t in args.threads.split(",")]
    bench = os.path.join(args.build, "bin", "chimera_op_benchmarks")
    if not os.access(bench, os.X_OK):
        p.error(f"{bench} not found: build Chimera first")
    runs = {"chimera": [], "pytorch": []}
    for _ in range(args.repeats):
        runs["chimera"].append(chimera_runs(bench, threads))
        runs["pytorch"].append(torch_runs(threads, (64, 256)))
    rows = []
    print("| op | batch | threads | pass | Chimera µs wall / CPU | PyTorch µs wall / CPU (variant) | × wall | × CPU |")
    print("|---|---|---|---|---|---|---|---|")
    for key in sorted(runs["chimera"][0]):
        c = [statistics.median(r[key][i] for r in runs["chimera"]) for i in (0, 1)]
        t = [statistics.median(r[key][i] for r in runs["pytorch"]) for i in (0, 1)]
        variant = statistics.mode(r[key][2] for r in runs["pytorch"])
        rows.append({"op": key[0], "batch": key[1], "threads": key[2], "backward": key[3], "chimera_wall_us": c[0],
                     "chimera_cpu_us": c[1], "pytorch_wall_us": t[0], "pytorch_cpu_us": t[1], "pytorch_variant": variant})
        print(f"| {key[0]} | {key[1]} | {key[2]} | {'fwd+bwd' if key[3] else 'fwd'} | {c[0]:,.0f} / {c[1]:,.0f} | "
              f"{t[0]:,.0f} / {t[1]:,.0f} ({variant}) | **{t[0] / c[0]:.2f}** | {t[1] / c[1]:.2f} |", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"repeats": args.repeats, "load_average": os.getloadavg(), "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()

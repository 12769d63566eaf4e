#!/usr/bin/python3
"""Generation speed of the image-text MMVAE, Chimera against PyTorch in eval mode: images from
the prior (`chimera generate RUN --n N`, a PNG grid) and captions from the prior (`chimera
generate RUN --to text --n N`), against reference/generate_speed.py (the same decoders under
torch.no_grad, the same outputs written).

Each process is timed whole, start-up included (wall clock, and user + system CPU from wait4:
the figure that stays readable when other jobs share the cores), at a small and a large count,
in alternation (Chimera, PyTorch, ...) --repeats times; medians. Per-sample throughput without
start-up is (large - small) / (time(large) - time(small)). `chimera generate` takes at most 4096
images a call, so 10,000 images are timed as 4096 and the whole-process figure for 10,000 is
start-up plus 10,000 at the marginal rate, for both sides alike (stated in the output).

    python3 bench/compare_generation.py --run RUN_DIR        # RUN_DIR: a run of configs/mmvae_image_text.yaml
    python3 bench/compare_generation.py --run RUN_DIR --threads 2 --repeats 3 --json bench/generation.json

A run with two steps is enough (speed does not depend on the weights); without the config's
validation and test lines it skips an end-of-run evaluation that takes minutes:
    grep -v '^  validation:\|^  test:' configs/mmvae_image_text.yaml > /tmp/mm.yaml
    FASHION_MM=data/fashion-mm build/bin/chimera train /tmp/mm.yaml --out RUN_DIR --set train.steps=2
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OPENBLAS = "/usr/lib/x86_64-linux-gnu/openblas-openmp"
# (small, large, the count the issue asks about) per kind of output.
COUNTS = {"images": (64, 4096, 10000), "captions": (16, 1000, 1000)}


def timed(argv, env):
    """(wall seconds, CPU seconds) of one whole process; exits with its output if it fails."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=ROOT)
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"compare_generation: {' '.join(argv)} failed:\n{output.decode(errors='replace')}")
    return wall, usage.ru_utime + usage.ru_stime


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--run", required=True, help="a run directory of configs/mmvae_image_text.yaml")
    p.add_argument("--threads", default="1,2")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--json", help="write the raw figures here")
    p.add_argument("--passive", action="store_true", help="both sides with OMP_WAIT_POLICY=PASSIVE (a machine other jobs load)")
    args = p.parse_args()
    chimera = os.path.join(args.build, "bin", "chimera")
    if not os.access(chimera, os.X_OK):
        p.error(f"{chimera} not found: build Chimera first (bash scripts/setup.sh)")
    if not os.path.isfile(os.path.join(args.run, "run.json")):
        p.error(f"--run: {args.run} is not a run directory (no run.json); train configs/mmvae_image_text.yaml first")
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "OMP_NUM_THREADS")}
    if args.passive:
        env["OMP_WAIT_POLICY"] = "PASSIVE"
    env_torch = dict(env, LD_LIBRARY_PATH=OPENBLAS)
    rows = []
    with tempfile.TemporaryDirectory(prefix="chimera-gen-") as tmp:
        for what, counts in COUNTS.items():
            for t in [int(x) for x in args.threads.split(",")]:
                raw = {"chimera": {}, "pytorch": {}}
                for n in counts[:2]:
                    out = os.path.join(tmp, "out.png" if what == "images" else "out")
                    sides = {"chimera": ([chimera, "generate", args.run, "--n", str(n), "--threads", str(t), "--out", out]
                                         + (["--to", "text"] if what == "captions" else []), env),
                             "pytorch": (["/usr/bin/python3", os.path.join(ROOT, "bench", "reference", "generate_speed.py"),
                                          "--what", what, "--n", str(n), "--threads", str(t), "--out", out], env_torch)}
                    for side in sides:
                        raw[side][n] = []
                    for _ in range(args.repeats):
                        for side, (argv, e) in sides.items():
                            raw[side][n].append(timed(argv, e))
                row = {"what": what, "threads": t, "small": counts[0], "large": counts[1], "target": counts[2],
                       "runs": {s: {str(n): v for n, v in r.items()} for s, r in raw.items()}}
                for side in raw:
                    for k, key in ((0, "wall"), (1, "cpu")):
                        small = statistics.median(x[k] for x in raw[side][counts[0]])
                        large = statistics.median(x[k] for x in raw[side][counts[1]])
                        # No rate when the large run took no longer than the small one: the
                        # wall clock of a loaded machine can do that; say so, not a huge number.
                        per_sample = (large - small) / (counts[1] - counts[0]) if large > small else float("nan")
                        row[f"{side}_{key}_large_s"] = large
                        row[f"{side}_{key}_per_second"] = 1.0 / per_sample
                        # Whole process for the target count: measured when it is the large count,
                        # else start-up (the small run less its samples) plus the target at the rate.
                        row[f"{side}_{key}_target_s"] = (large if counts[2] == counts[1]
                                                         else small - counts[0] * per_sample + counts[2] * per_sample)
                for key in ("wall", "cpu"):
                    row[f"{key}_whole_ratio"] = row[f"pytorch_{key}_target_s"] / row[f"chimera_{key}_target_s"]
                    row[f"{key}_rate_ratio"] = row[f"chimera_{key}_per_second"] / row[f"pytorch_{key}_per_second"]
                rows.append(row)
                print(f"{what:8} {counts[2]:6} threads {t}: whole process (wall) Chimera {row['chimera_wall_target_s']:.2f} s, "
                      f"PyTorch {row['pytorch_wall_target_s']:.2f} s, x{row['wall_whole_ratio']:.2f}; CPU "
                      f"{row['chimera_cpu_target_s']:.2f} / {row['pytorch_cpu_target_s']:.2f} s, x{row['cpu_whole_ratio']:.2f}; "
                      f"per sample without start-up (wall) {row['chimera_wall_per_second']:,.0f} / {row['pytorch_wall_per_second']:,.0f} /s, "
                      f"x{row['wall_rate_ratio']:.2f}; (CPU) x{row['cpu_rate_ratio']:.2f}", flush=True)
    if any(r["target"] != r["large"] for r in rows):
        print("10,000 images: chimera generate takes at most 4096 a call; the whole-process figure is start-up plus 10,000 "
              "at the rate measured between 64 and 4096, for both sides.")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "load_average": os.getloadavg(), "passive": args.passive,
                       "repeats": args.repeats, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()

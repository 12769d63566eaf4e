#!/usr/bin/python3
"""Training speed, Chimera against PyTorch, on the four reference models and the two MMVAEs.

For every model, batch size and thread count it runs `chimera train CONFIG --timing` and
bench/reference/train_speed.py (PyTorch with OpenBLAS) in alternation, --repeats times each, and
reports medians: training samples per second over the steps after two warm-up steps (every
update of a step counted, data loading included), the ratio Chimera / PyTorch, each process's
peak resident memory, and the seconds from starting the process to its first finished step. It
also runs oneDNN's 2048x2048 f32 matmul on the same threads (chimera_op_benchmarks) and states
each model's achieved GFLOP/s against that ceiling. Writes a Markdown table and the raw figures
as JSON. Needs only Python's standard library besides the two programs; never part of the tests.

    python3 bench/compare_training.py                         # everything: about 10 minutes
    python3 bench/compare_training.py --models vae_mlp --batches 64 --threads 2 --repeats 1
    python3 bench/compare_training.py --models mmvae_image_text,mmvae_image_text_audio --threads 2,1 \
        --fashion-mm data/fashion-mm --json bench/results_mm.json \
        --begin-marker "<!-- compare_training.py multimodal: begin -->" \
        --end-marker "<!-- compare_training.py multimodal: end -->"

The MMVAEs (configs/mmvae_image_text.yaml, mmvae_image_text_audio.yaml) read Fashion-MNIST-MM
(scripts/make_fashion_mm.py, --fashion-mm); PyTorch's side reads the same training images with
synthetic captions and spectrograms of the same shapes (reference/mmvae_fashion_mm.py). Their
runs leave out the configs' validation and test splits (a copy of the config without them):
the free-running caption decoder makes that evaluation longer than the timed steps, and it is not
what is compared.
"""
import argparse
import datetime
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OPENBLAS = "/usr/lib/x86_64-linux-gnu/openblas-openmp"
MULTIMODAL = ["mmvae_image_text", "mmvae_image_text_audio"]
MODELS = ["gan_mlp", "vae_mlp", "conv_ae", "dcgan"] + MULTIMODAL
# Samples each run trains (divided by the batch into steps): a few seconds of steady state.
SAMPLES = {"gan_mlp": 24000, "vae_mlp": 48000, "conv_ae": 6400, "dcgan": 4096, "mmvae_image_text": 768,
           "mmvae_image_text_audio": 768}


# Multiply-accumulates of one forward pass per example, layer by layer.
def dense(*sizes):
    return sum(a * b for a, b in zip(sizes, sizes[1:]))


def conv(out_hw, c_in, c_out, k):  # also a transposed convolution, with its input's size for out_hw
    return out_hw * out_hw * c_in * c_out * k * k


VAE_ENC = dense(784, 512, 256) + 2 * dense(256, 20)
VAE_DEC = dense(20, 256, 512, 784)
MLP_G, MLP_D = dense(100, 128, 256, 512, 784), dense(784, 512, 256, 1)
AE = (conv(28, 1, 32, 3) + conv(14, 32, 64, 3) + conv(7, 64, 128, 3) + dense(6272, 128) + dense(128, 1024, 3136)
      + conv(7, 64, 32, 4) + conv(14, 32, 1, 4))
DC_G = dense(100, 6272) + conv(7, 128, 64, 4) + conv(14, 64, 1, 4)
DC_D = conv(14, 1, 64, 4) + conv(7, 64, 128, 4) + dense(6272, 1)


def transformer(length=10, dim=64, heads=4, layers=2, feed_forward=128):
    """One pass of the sequence plugin's blocks over a caption: the q, k, v and out projections
    and the feed-forward layer per position, and the scores and weighted sums of attention."""
    per_position = 4 * dim * dim + 2 * dim * feed_forward
    return layers * (length * per_position + 2 * length * length * dim)


# The MMVAE nodes (configs/mmvae_image_text*.yaml); deconv generators from z = 32.
MM_IMAGE_ENC = conv(14, 1, 32, 4) + conv(7, 32, 64, 4) + dense(3136, 256) + 2 * dense(256, 32)
MM_IMAGE_ENC_DEEP = conv(28, 1, 32, 3) + conv(14, 32, 64, 3) + conv(7, 64, 128, 3) + dense(6272, 256) + 2 * dense(256, 32)
MM_AUDIO_ENC = 16 * 32 * (32 * 1 * 16) + 8 * 16 * (64 * 32 * 16) + dense(8192, 256) + 2 * dense(256, 32)
MM_TEXT_ENC = transformer() + 2 * dense(64, 32)
MM_TEXT_DEC = dense(32, 64) + transformer() + 10 * dense(64, 64)
MM_IMAGE_DEC = dense(32, 256, 3136) + conv(7, 64, 32, 4) + conv(14, 32, 1, 4)
MM_AUDIO_DEC = dense(32, 256, 8192) + 8 * 16 * (64 * 32 * 16) + 16 * 32 * (32 * 1 * 16)


def flops_per_sample(model):
    """Training FLOPs per example of a step: 2 per MAC, forward plus backward counted as 3 forward
    passes. A GAN step: D phase = G forward + D forward and backward on the real and the fake
    batch; G phase = G and D forward and backward. Elementwise work is not counted."""
    if model == "vae_mlp":
        return 2 * 3 * (VAE_ENC + VAE_DEC)
    if model == "conv_ae":
        return 2 * 3 * AE
    if model == "mmvae_image_text":  # every encoder runs for every example; z goes to each decoder
        return 2 * 3 * (MM_IMAGE_ENC + MM_TEXT_ENC + MM_IMAGE_DEC + MM_TEXT_DEC)
    if model == "mmvae_image_text_audio":
        return 2 * 3 * (MM_IMAGE_ENC_DEEP + MM_TEXT_ENC + MM_AUDIO_ENC + MM_IMAGE_DEC + MM_TEXT_DEC + MM_AUDIO_DEC)
    g, d = (MLP_G, MLP_D) if model == "gan_mlp" else (DC_G, DC_D)
    return 2 * (g + 2 * 3 * d + 3 * (g + d))


def run(argv, env, timing_file):
    """Runs one process; returns (timing JSON, peak RSS MiB, seconds from start to first step)."""
    if os.path.exists(timing_file):
        os.remove(timing_file)
    started = time.time()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=ROOT)
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"compare_training: {' '.join(argv)} failed with exit {proc.returncode}:\n{output.decode(errors='replace')}")
    with open(timing_file) as f:
        timing = json.load(f)
    return timing, usage.ru_maxrss / 1024.0, timing["first_step_unix_seconds"] - started


def matmul_ceiling(chimera_bench, threads):
    """GFLOP/s of oneDNN's 2048x2048 f32 matmul on 1 and 2 threads."""
    out = subprocess.run([chimera_bench, "--benchmark_filter=matmul_ceiling", "--benchmark_format=json"],
                         capture_output=True, text=True, check=True).stdout
    found = {}
    for b in json.loads(out)["benchmarks"]:
        m = re.search(r"threads:(\d+)", b["name"])
        if m and int(m.group(1)) in threads:
            found[int(m.group(1))] = b["GFLOP/s"]
    return found


def versions(chimera):
    torch = subprocess.run(["/usr/bin/python3", "-c", "import torch; print(torch.__version__)"], capture_output=True,
                           text=True, env=dict(os.environ, LD_LIBRARY_PATH=OPENBLAS)).stdout.strip()

    def deb(package):
        r = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True)
        return r.stdout.strip() or "not installed"
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    return {"torch": torch, "python3-torch": deb("python3-torch"), "libopenblas0-openmp": deb("libopenblas0-openmp"),
            "libdnnl2": deb("libdnnl2"),
            "chimera": subprocess.run([chimera, "--version"], capture_output=True, text=True).stdout.strip().removeprefix("chimera "),
            "cpu": cpu, "cores": os.cpu_count(), "kernel": platform.release()}


def without_evaluation(config, directory):
    """A copy of `config` in `directory` without its data.validation and data.test lines (each
    one line in the MMVAE configs; anything else is an error, not a silent full evaluation)."""
    lines = open(config).read().splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith(("  validation:", "  test:"))]
    if len(lines) - len(kept) != 2:
        sys.exit(f"compare_training: {config}: expected one 'validation:' and one 'test:' line under data, "
                 f"found {len(lines) - len(kept)} such lines")
    copy = os.path.join(directory, os.path.basename(config))
    with open(copy, "w") as f:
        f.writelines(kept)
    return copy


BEGIN, END = "<!-- compare_training.py: begin -->", "<!-- compare_training.py: end -->"


def write_between_markers(path, text, begin=BEGIN, end=END):
    """Replaces what lies between the markers in `path` (the rest is written by people), or
    creates the file with the markers."""
    old = open(path).read() if os.path.exists(path) else f"# Benchmark results\n\n{begin}\n{end}\n"
    if begin not in old or end not in old:
        sys.exit(f"compare_training: {path} lacks the lines {begin} and {end} that mark the generated table")
    head, rest = old.split(begin, 1)
    tail = rest.split(end, 1)[1]
    with open(path + ".tmp", "w") as f:
        f.write(f"{head}{begin}\n{text}\n{end}{tail}")
    os.replace(path + ".tmp", path)


def write_results(args, info, ceiling, rows, load):
    """The JSON and the Markdown table of the rows so far (written after every setting, so an
    interrupted run keeps what it measured). The CPU columns (every thread's CPU time in the
    steady steps, per sample) appear when both sides reported it: the figure a machine loaded by
    other jobs distorts least (at two threads with spinning waits it counts the spinning too)."""
    cpu_column = all(r.get("cpu_ratio") for r in rows)
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    with open(args.json, "w") as f:
        json.dump({"date": when, "versions": info, "ceiling_gflops": ceiling, "repeats": args.repeats, "passive": args.passive, "load_average_after_each_setting": load, "rows": rows}, f, indent=1)
    lines = [f"Measured {when} with `python3 bench/compare_training.py` ({args.repeats} alternating runs per side, medians"
             + ("; both sides with OMP_WAIT_POLICY=PASSIVE" if args.passive else "") + ").",
             "", "Versions: " + ", ".join(f"{k} {v}" for k, v in info.items()) + ".", "",
             "Matmul ceiling (oneDNN f32 2048²): " + ", ".join(f"{ceiling[t]:.0f} GFLOP/s on {t} thread{'s' if t > 1 else ''}" for t in sorted(ceiling)) + ".", "",
             f"Load average (1 minute, {os.cpu_count()} cores) after each setting: " + ", ".join(f"{x:.1f}" for x in load) + ".", "",
             "| model | batch | threads | Chimera samples/s | PyTorch samples/s | ratio | Chimera GFLOP/s (% of ceiling) | PyTorch GFLOP/s | peak RSS MiB Chimera / PyTorch | first step s Chimera / PyTorch | steady-state allocations / primitives |"
             + (" CPU ms per sample Chimera / PyTorch | CPU ratio |" if cpu_column else ""),
             "|---|---|---|---|---|---|---|---|---|---|---|" + ("---|---|" if cpu_column else "")]
    for r in rows:
        share = f" ({100 * r['chimera_gflops'] / r['ceiling_gflops']:.0f}%)" if r["ceiling_gflops"] else ""
        lines.append(f"| {r['model']} | {r['batch']} | {r['threads']} | {r['chimera_samples_per_second']:,.0f} | "
                     f"{r['pytorch_samples_per_second']:,.0f} | **{r['ratio']:.2f}** | {r['chimera_gflops']:.1f}{share} | "
                     f"{r['pytorch_gflops']:.1f} | {r['chimera_peak_rss_mib']:.0f} / {r['pytorch_peak_rss_mib']:.0f} | "
                     f"{r['chimera_seconds_to_first_step']:.2f} / {r['pytorch_seconds_to_first_step']:.2f} | "
                     f"{r['chimera_steady_buffers_allocated']} / {r['chimera_steady_primitives_created']} |"
                     + (f" {r['chimera_cpu_ms_per_sample']:.3f} / {r['pytorch_cpu_ms_per_sample']:.3f} | **{r['cpu_ratio']:.2f}** |"
                        if cpu_column else ""))
    write_between_markers(args.markdown, "\n".join(lines), args.begin_marker, args.end_marker)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--models", default=",".join(MODELS))
    p.add_argument("--batches", default="64,256")
    p.add_argument("--threads", default="1,2")
    p.add_argument("--repeats", type=int, default=3, help="runs of each side per setting (alternating)")
    p.add_argument("--build", default=os.path.join(ROOT, "build"), help="Chimera's build directory")
    p.add_argument("--markdown", default=os.path.join(ROOT, "bench", "RESULTS.md"))
    p.add_argument("--json", default=os.path.join(ROOT, "bench", "results.json"))
    p.add_argument("--fashion-mm", default=os.path.join(ROOT, "data", "fashion-mm"),
                   help="Fashion-MNIST-MM (scripts/make_fashion_mm.py), for the MMVAEs")
    p.add_argument("--passive", action="store_true",
                   help="run both sides with OMP_WAIT_POLICY=PASSIVE: for a machine other jobs load, where "
                        "spinning threads wait for cores the other jobs hold (stated in the table)")
    p.add_argument("--begin-marker", default=BEGIN, help="where the generated table goes in --markdown (and --end-marker)")
    p.add_argument("--end-marker", default=END)
    args = p.parse_args()
    models = args.models.split(",")
    for m in models:
        if m not in MODELS:
            p.error(f"--models: unknown model '{m}' (known: {', '.join(MODELS)})")
    batches = [int(b) for b in args.batches.split(",")]
    threads = [int(t) for t in args.threads.split(",")]
    chimera = os.path.join(args.build, "bin", "chimera")
    chimera_bench = os.path.join(args.build, "bin", "chimera_op_benchmarks")
    for f in (chimera, chimera_bench):
        if not os.access(f, os.X_OK):
            p.error(f"{f} not found: build Chimera first (bash scripts/setup.sh)")
    if any(m in MULTIMODAL for m in models) and not os.path.isfile(os.path.join(args.fashion_mm, "manifest.tsv")):
        p.error(f"--fashion-mm: {args.fashion_mm}/manifest.tsv not found: make the set with "
                f"python3 scripts/make_fashion_mm.py --out {args.fashion_mm}")
    if not os.path.isdir(OPENBLAS):
        p.error(f"{OPENBLAS} not found: apt-get install libopenblas0-openmp (PyTorch would use the slow reference BLAS)")

    # Both sides as a user runs them: OpenMP's default wait policy (threads spin a while between
    # parallel regions). OMP_WAIT_POLICY=PASSIVE, right on a shared machine, halves either
    # side's speed at batch 64 on two threads, so it is removed if set, unless --passive asks for
    # it on both sides (a machine loaded by other jobs, where spinning threads wait for cores).
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "OMP_NUM_THREADS")}
    env["FASHION_MM"] = os.path.abspath(args.fashion_mm)
    if args.passive:
        env["OMP_WAIT_POLICY"] = "PASSIVE"
    env_torch = dict(env, LD_LIBRARY_PATH=OPENBLAS)
    info = versions(chimera)
    ceiling = matmul_ceiling(chimera_bench, threads)
    rows, load = [], []
    with tempfile.TemporaryDirectory(prefix="chimera-bench-") as tmp:
        timing = os.path.join(tmp, "timing.json")
        for model in models:
            config = os.path.join(ROOT, "configs", f"{model}_fashion.yaml")
            if model in MULTIMODAL:
                config = without_evaluation(os.path.join(ROOT, "configs", f"{model}.yaml"), tmp)
            for batch in batches:
                steps = max(12, SAMPLES[model] // batch)
                for t in threads:
                    sides = {
                        "chimera": ([chimera, "train", config, "--out", os.path.join(tmp, "run"), "--overwrite",
                                     "--threads", str(t), "--set", f"data.batch_size={batch}",
                                     "--set", f"train.steps={steps}", "--timing", timing], env),
                        "pytorch": (["/usr/bin/python3", os.path.join(ROOT, "bench", "reference", "train_speed.py"),
                                     "--model", model, "--batch", str(batch), "--threads", str(t),
                                     "--steps", str(steps), "--timing", timing], env_torch),
                    }
                    raw = {side: [] for side in sides}
                    for r in range(args.repeats):
                        for side, (argv, e) in sides.items():
                            result, rss, first = run(argv, e, timing)
                            cpu = result.get("steady_cpu_seconds")  # all threads' CPU time in the steady steps
                            raw[side].append({"samples_per_second": result["samples_per_second"], "peak_rss_mib": rss,
                                              "seconds_to_first_step": first, "timing": result,
                                              "cpu_ms_per_sample": 1e3 * cpu / (result["steady_steps"] * batch) if cpu else None})
                    row = {"model": model, "batch": batch, "threads": t, "steps": steps, "runs": raw}
                    for side in sides:
                        for key in ("samples_per_second", "peak_rss_mib", "seconds_to_first_step"):
                            row[f"{side}_{key}"] = statistics.median(x[key] for x in raw[side])
                    row["ratio"] = row["chimera_samples_per_second"] / row["pytorch_samples_per_second"]
                    for side in sides:
                        cpu = [x["cpu_ms_per_sample"] for x in raw[side] if x["cpu_ms_per_sample"]]
                        row[f"{side}_cpu_ms_per_sample"] = statistics.median(cpu) if cpu else None
                    if row["chimera_cpu_ms_per_sample"] and row["pytorch_cpu_ms_per_sample"]:
                        row["cpu_ratio"] = row["pytorch_cpu_ms_per_sample"] / row["chimera_cpu_ms_per_sample"]
                    flops = flops_per_sample(model)
                    row["gflop_per_sample"] = flops / 1e9
                    row["chimera_gflops"] = row["chimera_samples_per_second"] * flops / 1e9
                    row["pytorch_gflops"] = row["pytorch_samples_per_second"] * flops / 1e9
                    row["ceiling_gflops"] = ceiling.get(t)
                    row["chimera_steady_buffers_allocated"] = max(x["timing"]["steady_state"]["buffers_allocated"] for x in raw["chimera"])
                    row["chimera_steady_primitives_created"] = max(x["timing"]["steady_state"]["primitives_created"] for x in raw["chimera"])
                    rows.append(row)
                    load.append(os.getloadavg()[0])
                    write_results(args, info, ceiling, rows, load)
                    print(f"{model:8} batch {batch:3} threads {t}: Chimera {row['chimera_samples_per_second']:8,.0f} samples/s, "
                          f"PyTorch {row['pytorch_samples_per_second']:8,.0f}, ratio {row['ratio']:.2f}; "
                          f"RSS {row['chimera_peak_rss_mib']:.0f} / {row['pytorch_peak_rss_mib']:.0f} MiB; "
                          f"first step {row['chimera_seconds_to_first_step']:.2f} / {row['pytorch_seconds_to_first_step']:.2f} s",
                          flush=True)

    print(f"wrote {args.json} and the table in {args.markdown}")

if __name__ == "__main__":
    main()

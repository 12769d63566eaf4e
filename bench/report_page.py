#!/usr/bin/python3
"""The training report's size and drawing time for a 25-epoch multimodal run.

Trains the three-modality MoPoE for 25 epochs on the small Fashion-MNIST-MM subset (the report's
size depends on epochs, logged steps and what was generated, not on how many examples an epoch
holds), logging every step; evaluates it with judges trained alongside, generates captions,
images and speech from the prior, writes the report, and opens it in headless Chromium N times:
the page's own render time (window.chimeraReport.renderMs, from navigation start to the last
chart drawn) and its weight. Writes bench/report_page.json.

    FASHION_MM=build/tests/fashion-mm-subset /usr/bin/python3 bench/report_page.py   # ~2 minutes

With --overhead it measures instead what the report costs training: whole runs of the MLP and
the convolutional VAE (3 short epochs) with train.samples 64 (the grid, figures, KL, traversal,
record and page at each epoch's end) against 0 (the record and page only), alternating, medians;
written under "epoch_end_overhead" in the same file.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(args):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)


def train(chimera, config, out, extra):
    run([chimera, "train", os.path.join(ROOT, "configs", config), "--out", out, "--threads", "2",
         "--set", "data.batch_size=32", "--set", "data.validation.holdout=64"] + extra)


def render_times(page, repeats):
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    options = Options()
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    profile = tempfile.mkdtemp(prefix="chimera-bench-chromium-")
    options.add_argument("--user-data-dir=" + profile)
    options.binary_location = "/usr/bin/chromium"
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        driver.set_window_size(1280, 1000)
        times = []
        for _ in range(repeats):
            driver.get("file://" + os.path.abspath(page))
            deadline = time.time() + 30
            report = None
            while time.time() < deadline:
                report = driver.execute_script("return window.chimeraReport || null")
                if report and report.get("ready"):
                    break
                time.sleep(0.05)
            if not report or not report.get("ready"):
                sys.exit("the page never became ready")
            times.append(report["renderMs"])
        return times, report
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def overhead(chimera, repeats):
    """Seconds per epoch end that the grid and the report's figures add, per model."""
    result = {}
    for config, extra in (("vae_mlp_fashion.yaml", []), ("conv_vae_fashion.yaml", ["--set", "data.validation.holdout=500"])):
        times = {64: [], 0: []}
        with tempfile.TemporaryDirectory(prefix="chimera-report-overhead-") as work:
            for _ in range(repeats):
                for samples in (64, 0):
                    started = time.time()
                    run([chimera, "train", os.path.join(ROOT, "configs", config), "--out", os.path.join(work, "run"), "--overwrite",
                         "--threads", "2", "--set", "train.epochs=3", "--set", "data.options.limit=3000",
                         "--set", f"train.samples={samples}"] + extra)
                    times[samples].append(time.time() - started)
        with_figures, without = statistics.median(times[64]), statistics.median(times[0])
        result[config] = {"seconds_with_figures": round(with_figures, 3), "seconds_without": round(without, 3),
                          "per_epoch_end": round((with_figures - without) / 3, 3), "runs_each": repeats}
    return result


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--chimera", default=os.path.join(ROOT, "build", "bin", "chimera"))
    p.add_argument("--epochs", type=int, default=25)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--out", default=os.path.join(ROOT, "bench", "report_page.json"))
    p.add_argument("--overhead", action="store_true", help="measure what the figures cost training instead")
    a = p.parse_args()
    if a.overhead:
        result = json.load(open(a.out)) if os.path.exists(a.out) else {}
        result["epoch_end_overhead"] = overhead(a.chimera, 5)
        with open(a.out, "w") as f:
            json.dump(result, f, indent=2)
            f.write("\n")
        print(json.dumps(result["epoch_end_overhead"], indent=2))
        return
    if "FASHION_MM" not in os.environ:
        sys.exit("set FASHION_MM to a Fashion-MNIST-MM directory (ctest makes build/tests/fashion-mm-subset)")
    work = tempfile.mkdtemp(prefix="chimera-report-bench-")
    try:
        mm = os.path.join(work, "mm")
        started = time.time()
        train(a.chimera, "mopoe_image_text_audio.yaml", mm, ["--set", f"train.epochs={a.epochs}", "--set", "train.log_every=1"])
        judges = {}
        for modality, config, extra in (("image", "classifier_fashion.yaml", ["--set", "data.options.limit=600"]),
                                        ("text", "text_classifier_fashion_mm.yaml", []),
                                        ("audio", "audio_classifier_fashion_mm.yaml", ["--set", "train.epochs=4"])):
            judges[modality] = os.path.join(work, "judge_" + modality)
            train(a.chimera, config, judges[modality], ["--set", "train.epochs=2"] + extra)
        run([a.chimera, "evaluate", mm, "--limit", "100", "--joint-samples", "64", "--probe-train", "200"] +
            sum((["--judge", f"{m}={d}"] for m, d in judges.items()), []))
        run([a.chimera, "generate", mm, "--to", "image,text,audio", "--n", "16"])
        run([a.chimera, "generate", mm, "--from", "text=ankle boot", "--to", "image,audio", "--n", "8"])
        written = time.time()
        run([a.chimera, "report", mm])
        write_seconds = time.time() - written
        prepared = written - started
        page = os.path.join(mm, "report.html")
        times, report = render_times(page, a.repeats)
        lines = sum(1 for _ in open(os.path.join(mm, "metrics.jsonl")))
        result = {
            "run": f"mopoe_image_text_audio, {a.epochs} epochs, every step logged ({lines} metrics lines), "
                   "evaluated by 3 judges, 16 prior samples and 8 text-to-image+audio generated",
            "report_bytes": os.path.getsize(page),
            "render_ms": times,
            "render_ms_median": statistics.median(times),
            "charts": report["charts"],
            "chimera_report_seconds": round(write_seconds, 3),
            "preparation_seconds": round(prepared, 1),
        }
        if os.path.exists(a.out):  # keep the overhead figures
            previous = json.load(open(a.out))
            if "epoch_end_overhead" in previous:
                result["epoch_end_overhead"] = previous["epoch_end_overhead"]
        with open(a.out, "w") as f:
            json.dump(result, f, indent=2)
            f.write("\n")
        print(json.dumps(result, indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

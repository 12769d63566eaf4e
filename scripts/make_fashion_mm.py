#!/usr/bin/python3
"""Builds Fashion-MNIST-MM: every Fashion-MNIST image (Debian's dataset-fashion-mnist) with a
caption and a spoken class name, tied by example id, for Chimera's multimodal models.

    python3 scripts/make_fashion_mm.py --out data/fashion-mm [--seed 0] [--subset N]
        [--drop-captions F] [--drop-audio F] [--voices K] [--test-voices K]

Writes into --out:
  manifest.tsv  one line per example: id, split (train|test), index (the image's position in
                the split's IDX files), label (0-9), caption (empty when dropped), audio (a path
                relative to --out, empty when dropped). A header line names the columns.
  audio/        16 kHz mono 16-bit WAV files: for each class, --voices spoken versions of its
                name made with espeak-ng at varied voices, speeds and pitches. Each example
                is given one of its class's versions; the last --test-voices of them are the
                test split's only, so models are judged on voices they never heard.
  info.json     how the set was made (seed, options, counts, espeak-ng's version).

Captions come from several templates and synonyms per class ("an ankle boot", "a photo of a
sandal", "sneaker, grayscale"). Everything is a function of --seed: the same seed gives the
same files byte for byte. --drop-captions and --drop-audio remove that fraction of the training
examples' captions or audio (independently; the test split stays complete, for evaluation).
--subset N keeps the first N training and the first N // 6 test examples (for tests).
Needs only Python's standard library and espeak-ng (Debian).
"""
import argparse
import gzip
import json
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import wave
from concurrent.futures import ThreadPoolExecutor

RATE = 16000
CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
# What a caption may call each class, and what the speaker says.
SYNONYMS = [
    ["t-shirt", "top", "tee", "short-sleeved top"],
    ["pair of trousers", "pair of pants", "pair of slacks", "pair of jeans"],
    ["pullover", "sweater", "jumper", "knitted pullover"],
    ["dress", "summer dress", "gown", "frock"],
    ["coat", "overcoat", "winter coat", "long coat"],
    ["sandal", "summer sandal", "strappy sandal", "open shoe"],
    ["shirt", "button-up shirt", "collared shirt", "blouse"],
    ["sneaker", "trainer", "running shoe", "sports shoe"],
    ["bag", "handbag", "purse", "tote bag"],
    ["ankle boot", "boot", "short boot", "leather boot"],
]
SPOKEN = ["t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle boot"]
TEMPLATES = ["{a} {x}", "a photo of {a} {x}", "an image of {a} {x}", "{x}, grayscale", "a small picture of {a} {x}",
             "this is {a} {x}", "{a} {x} on a black background", "a low-resolution {x}", "{x}"]
VOICES = ["en-gb", "en-us", "en-gb-scotland", "en-gb-x-rp", "en-029"]
VARIANTS = ["m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4"]


class Failure(Exception):
    """An error for the user: printed as 'make_fashion_mm: ...' with exit code 1."""


def article(words):
    return "an" if words[0] in "aeiou" else "a"


def caption(rng, label):
    x = rng.choice(SYNONYMS[label])
    return rng.choice(TEMPLATES).format(a=article(x), x=x).strip()


def read_labels(path):
    try:
        with gzip.open(path) as f:
            data = f.read()
    except OSError as e:
        raise Failure(f"{path}: cannot read: {e}")
    if len(data) < 8:
        raise Failure(f"{path}: {len(data)} bytes, shorter than an IDX header")
    magic, count = struct.unpack(">II", data[:8])
    if magic != 2049:
        raise Failure(f"{path}: magic number {magic} is not that of IDX labels (2049)")
    if len(data) != 8 + count:
        raise Failure(f"{path}: header says {count} labels, the file holds {len(data) - 8}")
    labels = list(data[8:])
    bad = next((i for i, v in enumerate(labels) if v > 9), None)
    if bad is not None:
        raise Failure(f"{path}: label {labels[bad]} at index {bad} is not a class 0-9")
    return labels


def resample(samples, rate_in):
    """Linear interpolation to 16 kHz after a [1 2 1]/4 smoothing (espeak-ng writes 22,050 Hz)."""
    n = len(samples)
    if n == 0:
        return []
    smooth = [(samples[max(i - 1, 0)] + 2 * samples[i] + samples[min(i + 1, n - 1)]) / 4 for i in range(n)]
    out_n = int(n * RATE / rate_in)
    out = []
    for j in range(out_n):
        t = j * rate_in / RATE
        i = int(t)
        f = t - i
        a = smooth[i]
        b = smooth[i + 1] if i + 1 < n else a
        out.append(int(round(a + (b - a) * f)))
    return out


def speak(text, voice, speed, pitch, path, workdir):
    raw = os.path.join(workdir, os.path.basename(path) + ".raw.wav")
    r = subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "-w", raw, text],
                       capture_output=True, text=True)
    if r.returncode != 0 or not os.path.exists(raw):
        raise Failure(f"espeak-ng -v {voice} failed for '{text}': {r.stderr.strip() or 'exit ' + str(r.returncode)}")
    with wave.open(raw) as w:
        if w.getnchannels() != 1 or w.getsampwidth() != 2:
            raise Failure(f"espeak-ng wrote {w.getnchannels()} channels of {8 * w.getsampwidth()} bits, expected mono 16-bit")
        rate = w.getframerate()
        frames = w.readframes(w.getnframes())
    os.remove(raw)
    samples = struct.unpack(f"<{len(frames) // 2}h", frames)
    out = resample(samples, rate)
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(struct.pack(f"<{len(out)}h", *[max(-32768, min(32767, v)) for v in out]))
    return len(out)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True, help="the directory to build (must not exist, or be empty)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--subset", type=int, default=0, help="first N training and N // 6 test examples (0: all)")
    p.add_argument("--drop-captions", type=float, default=0.0, help="fraction of training captions to leave out")
    p.add_argument("--drop-audio", type=float, default=0.0, help="fraction of training audio to leave out")
    p.add_argument("--voices", type=int, default=24, help="spoken versions per class (default 24)")
    p.add_argument("--test-voices", type=int, default=4,
                   help="of those, how many only the test split speaks, so audio is judged on unheard voices (default 4)")
    p.add_argument("--source", default=os.environ.get("FASHION_MNIST", "/usr/share/datasets/fashion-mnist"),
                   help="the Fashion-MNIST IDX files (default: Debian's, or $FASHION_MNIST)")
    a = p.parse_args()
    for name in ("drop_captions", "drop_audio"):
        v = getattr(a, name)
        if not 0.0 <= v <= 1.0:
            p.error(f"--{name.replace('_', '-')} must be a fraction in [0, 1], got {v}")
    if a.voices < 1 or a.subset < 0:
        p.error("--voices must be at least 1 and --subset not negative")
    if not 0 <= a.test_voices < a.voices:
        p.error(f"--test-voices must be at least 0 and below --voices ({a.voices}), got {a.test_voices}")
    if shutil.which("espeak-ng") is None:
        raise Failure("espeak-ng is not installed (apt-get install espeak-ng)")
    if os.path.exists(a.out) and (not os.path.isdir(a.out) or os.listdir(a.out)):
        raise Failure(f"{a.out}: exists and is not an empty directory; choose another --out")

    splits = []
    for split, stem in (("train", "train"), ("test", "t10k")):
        labels = read_labels(os.path.join(a.source, f"{stem}-labels-idx1-ubyte.gz"))
        if a.subset:
            labels = labels[: a.subset if split == "train" else max(1, a.subset // 6)]
        splits.append((split, labels))

    # The voices of each class: (voice, speed, pitch) drawn from the seed.
    rng = random.Random(a.seed)
    plan = []
    for label in range(10):
        for k in range(a.voices):
            voice = f"{rng.choice(VOICES)}+{rng.choice(VARIANTS)}"
            plan.append((label, k, voice, rng.randint(120, 200), rng.randint(25, 75)))

    os.makedirs(os.path.join(a.out, "audio"), exist_ok=True)
    with tempfile.TemporaryDirectory() as work, ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        jobs = [pool.submit(speak, SPOKEN[label], voice, speed, pitch,
                            os.path.join(a.out, "audio", f"class{label}_{k:03d}.wav"), work)
                for label, k, voice, speed, pitch in plan]
        lengths = [j.result() for j in jobs]

    rows, dropped = [], {"captions": 0, "audio": 0}
    for split, labels in splits:
        for index, label in enumerate(labels):
            text = caption(rng, label)
            heard = a.voices - a.test_voices
            voice = rng.randrange(heard, a.voices) if split == "test" and a.test_voices else rng.randrange(heard)
            audio = f"audio/class{label}_{voice:03d}.wav"
            if split == "train" and rng.random() < a.drop_captions:
                text, dropped["captions"] = "", dropped["captions"] + 1
            if split == "train" and rng.random() < a.drop_audio:
                audio, dropped["audio"] = "", dropped["audio"] + 1
            rows.append(f"{split}/{index:05d}\t{split}\t{index}\t{label}\t{text}\t{audio}")
    with open(os.path.join(a.out, "manifest.tsv"), "w") as f:
        f.write("id\tsplit\tindex\tlabel\tcaption\taudio\n" + "\n".join(rows) + "\n")
    version = subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True).stdout.strip()
    info = {"seed": a.seed, "subset": a.subset, "drop_captions": a.drop_captions, "drop_audio": a.drop_audio,
            "voices_per_class": a.voices, "test_only_voices": a.test_voices, "source": os.path.abspath(a.source), "sample_rate": RATE,
            "examples": {split: len(labels) for split, labels in splits}, "dropped": dropped,
            "audio_files": len(plan), "audio_seconds": round(sum(lengths) / RATE, 1), "espeak_ng": version,
            "classes": CLASSES}
    with open(os.path.join(a.out, "info.json"), "w") as f:
        json.dump(info, f, indent=1)
    print(f"make_fashion_mm: {len(rows)} examples ({', '.join(f'{s} {len(l)}' for s, l in splits)}), "
          f"{len(plan)} audio files, {dropped['captions']} captions and {dropped['audio']} audio dropped, in {a.out}")


if __name__ == "__main__":
    try:
        main()
    except Failure as e:
        print(f"make_fashion_mm: {e}", file=sys.stderr)
        sys.exit(1)

#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpus (tests/fuzz/corpus/<target>/): small valid inputs of each
format and a few near misses, so the fuzzers start from inside the formats rather than from
nothing. Run once from the repository's root; the files it writes are committed. Inputs the
fuzzers later found interesting may be added beside them by hand."""
import gzip, io, json, math, os, shutil, struct, wave

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def put(target, name, data):
    d = os.path.join(root, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def idx(type_code, dims, payload):
    return bytes([0, 0, type_code, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + payload


# IDX: labels, images, gzipped, and a header that claims more than the file holds.
labels = idx(8, [6], bytes([0, 1, 2, 9, 4, 3]))
images = idx(8, [2, 3, 3], bytes(range(18)))
put("fuzz_idx", "labels.idx", labels)
put("fuzz_idx", "images.idx", images)
put("fuzz_idx", "images.idx.gz", gzip.compress(images, mtime=0))
put("fuzz_idx", "short.idx", idx(8, [4, 28, 28], bytes(10)))
# The hostile probe's: dimensions whose product wraps to 0 in 64 bits.
put("fuzz_idx", "wrapping_dims.idx", idx(8, [2**31, 2**16, 2**17], b""))

# The multimodal manifest.
head = "id\tsplit\tindex\tlabel\tcaption\taudio\n"
put("fuzz_manifest", "manifest.tsv", head + "train/00000\ttrain\t0\t9\ta low-resolution leather boot\taudio/class9_015.wav\n"
    "train/00001\ttrain\t1\t0\ta small picture of a tee\t\ntest/00000\ttest\t0\t3\t\taudio/class3_002.wav\n")
put("fuzz_manifest", "bad_index.tsv", head + "train/00000\ttrain\t-4\t11\tx\ty.wav\n")

# A saved vocabulary of each kind.
put("fuzz_vocabulary", "words.txt", "chimera-vocabulary 1 word\na\nof\nshirt\nt-shirt\nboot\n")
put("fuzz_vocabulary", "chars.txt", "chimera-vocabulary 1 char\ne\nt\na\n \n-\n")


# WAV: 16 kHz mono 16-bit, stereo 8-bit, and 32-bit float.
def wav(rate, channels, width, samples):
    b = io.BytesIO()
    with wave.open(b, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(samples)
    return b.getvalue()


tone = [math.sin(2 * math.pi * 440 * i / 16000) for i in range(800)]
put("fuzz_wav", "mono16.wav", wav(16000, 1, 2, b"".join(struct.pack("<h", int(20000 * s)) for s in tone)))
put("fuzz_wav", "stereo8.wav", wav(16000, 2, 1, bytes(int(128 + 100 * s) & 0xFF for s in tone for _ in range(2))))
put("fuzz_wav", "rate8k.wav", wav(8000, 1, 2, bytes(400)))
floats = b"".join(struct.pack("<f", s) for s in tone[:200])
fmt = struct.pack("<HHIIHH", 3, 1, 16000, 64000, 4, 32)
put("fuzz_wav", "float32.wav", b"RIFF" + struct.pack("<I", 4 + 8 + len(fmt) + 8 + len(floats)) + b"WAVE" +
    b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(floats)) + floats)


# safetensors: as Chimera writes them, and as Python writes them.
def safetensors(tensors, metadata=None):
    header, data = {}, b""
    if metadata:
        header["__metadata__"] = metadata
    for name, (dtype, shape, payload) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(payload)]}
        data += payload
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + data


weights = struct.pack("<6f", 0, 0.25, 0.5, 0.75, 1, 1.25)
put("fuzz_safetensors", "checkpoint.safetensors",
    safetensors({"encoder.weight": ("F32", [2, 3], weights), "step": ("I32", [1], struct.pack("<i", 7))},
                {"format": "chimera-checkpoint"}))
# Sizes whose product wraps, or exceeds what a tensor may hold, over an empty data section.
put("fuzz_safetensors", "wrapping_shape.safetensors", safetensors({"t": ("F32", [2**32, 2**32], b"")}))
put("fuzz_safetensors", "huge_shape.safetensors", safetensors({"t": ("F32", [2**62], b"")}))
put("fuzz_safetensors", "scalar.safetensors", safetensors({"s": ("F32", [], struct.pack("<f", 2.5))}))
here = os.path.dirname(os.path.abspath(__file__))
shutil.copy(os.path.join(here, "..", "data", "python_written.safetensors"), os.path.join(root, "fuzz_safetensors", "python.safetensors"))

# checkpoint.json: the release fixture's state, pointed at the tensor file the target writes.
with open(os.path.join(here, "..", "data", "run-0.1.0", "run", "checkpoint.json")) as f:
    state = json.load(f)
state["tensors"] = "checkpoint-000000012.safetensors"
state["step"] = 12
put("fuzz_checkpoint", "state.json", json.dumps(state, indent=2) + "\n")
# As this build writes it: with the checksum of the tensor the target writes (0, 0.25, ..., 1.25).
import zlib
state["checksums"] = {"encoder.weight": "crc32:%08x" % zlib.crc32(weights)}
put("fuzz_checkpoint", "state_with_checksums.json", json.dumps(state, indent=2) + "\n")
state["checksums"] = {"encoder.weight": "crc32:00000000"}
put("fuzz_checkpoint", "wrong_checksum.json", json.dumps(state, indent=2) + "\n")
del state["checksums"]
state["tensors"] = "../elsewhere.safetensors"
put("fuzz_checkpoint", "escape.json", json.dumps(state) + "\n")

# Pipelines: a few of the zoo's, and a few the test suite refuses.
configs = os.path.join(here, "..", "..", "configs")
for name in ["vae_mlp_fashion.yaml", "gan_mlp_fashion.yaml", "cvae_fashion.yaml", "mmvae_image_text.yaml"]:
    with open(os.path.join(configs, name)) as f:
        put("fuzz_pipeline_yaml", name, f.read())
# The hostile probe's billion laughs: nine levels of nine aliases.
laughs = "a0: &a0 [lol]\n" + "".join(
    f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 10)) + "version: *a9\n"
put("fuzz_pipeline_yaml", "billion_laughs.yaml", laughs)
put("fuzz_pipeline_yaml", "aliases.yaml", "version: 1\nsizes: &s [1, 2]\nnodes:\n  a: {component: mlp, options: {hidden: *s}}\n")

# Plugin descriptors: the fuzzer builds them from bytes; a few byte strings to start from.
put("fuzz_plugin_descriptor", "zeros", bytes(64))
put("fuzz_plugin_descriptor", "ones", bytes([1]) * 200)
put("fuzz_plugin_descriptor", "ramp", bytes(range(256)) * 2)

# metrics.jsonl (also fed as run.json and traversal.json): lines of each split, a line cut short,
# a log that goes back, odd values.
lines = [{"step": s, "epoch": 1 + s // 4, "split": "train", "loss": 10.0 / s, "lr/adam": 1e-3} for s in range(1, 9)]
lines += [{"step": 8, "epoch": 2, "split": "train_epoch", "loss": 2.5}, {"step": 8, "epoch": 2, "split": "validation", "loss": 2.7},
          {"step": 8, "epoch": 2, "split": "test", "loss": 2.6, "total": 2.6}]
metrics = "".join(json.dumps(l) + "\n" for l in lines)
put("fuzz_report_metrics", "metrics.jsonl", metrics)
put("fuzz_report_metrics", "cut_short.jsonl", metrics[: len(metrics) - 17])
put("fuzz_report_metrics", "back_and_odd.jsonl", '{"step":3,"epoch":1,"split":"train","loss":1}\n'
    '{"step":2,"epoch":1,"split":"train","loss":null,"x":true}\n{"step":9,"epoch":2,"split":"validation","loss":"7"}\n')
put("fuzz_report_metrics", "traversal.json", json.dumps({"dimensions": [3, 1], "kl": [0.1, 2.0, 0.0, 3.5], "span": 3, "steps": 11}))

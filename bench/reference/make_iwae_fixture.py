#!/usr/bin/python3
"""Records the PyTorch side of `chimera evaluate --nll`'s cross-check (run once; the test reads
what it writes).

Trains a small MLP VAE with Chimera (configs/vae_mlp_fashion.yaml, hidden [32], latent 8, one
epoch), keeps its encoder's and decoder's parameters from the run's safetensors checkpoint as
float16 (tests/data/iwae_vae_mlp.safetensors: the test and this script read the same rounded
values), and estimates the test log-likelihood of the first 100 Fashion-MNIST test images with
the IWAE bound at K = 1000, written here independently with torch.distributions in float64.
The figure goes to tests/data/iwae_vae_mlp.json; tests/evaluate/test_likelihood_reference.py
checks that Chimera's estimate on the same weights is within 0.2 nats.

    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 \\
        bench/reference/make_iwae_fixture.py build/bin/chimera
"""
import gzip
import json
import math
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
from torch.distributions import Normal

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(ROOT, "tests", "data")
FASHION = os.environ.get("FASHION_MNIST", "/usr/share/datasets/fashion-mnist")
K, EXAMPLES, SEED = 1000, 100, 0
MODEL = ["--set", "nodes.encoder.options.hidden=[32]", "--set", "nodes.decoder.options.hidden=[32]",
         "--set", "nodes.encoder.options.out_features=8", "--set", "noise.z.shape=[8]"]


def read_safetensors(path):
    with open(path, "rb") as f:
        size = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(size))
        blob = f.read()
    kinds = {"F32": np.float32, "F16": np.float16}
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        out[name] = np.frombuffer(blob[begin:end], dtype=kinds[entry["dtype"]]).reshape(entry["shape"])
    return out


def write_safetensors(path, tensors):
    header, blobs, at = {}, [], 0
    for name, value in tensors.items():
        data = np.ascontiguousarray(value, dtype="<f2").tobytes()
        header[name] = {"dtype": "F16", "shape": list(value.shape), "data_offsets": [at, at + len(data)]}
        blobs.append(data)
        at += len(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(len(text).to_bytes(8, "little") + text + b"".join(blobs))


def test_images(n):
    with gzip.open(os.path.join(FASHION, "t10k-images-idx3-ubyte.gz")) as f:
        raw = f.read()
    return np.frombuffer(raw, dtype=np.uint8, offset=16)[: n * 784].reshape(n, 784).astype(np.float64) / 255.0


def iwae_nll(p, x, k):
    """Mean over the rows of x of -log (1/K) sum_k p(x|z_k) p(z_k) / q(z_k|x)."""
    t = {name: torch.tensor(v.astype(np.float64)) for name, v in p.items()}
    x = torch.tensor(x)
    h = torch.relu(x @ t["encoder.fc0.weight"].T + t["encoder.fc0.bias"])
    mu = h @ t["encoder.mu.weight"].T + t["encoder.mu.bias"]
    std = torch.exp(0.5 * (h @ t["encoder.logvar.weight"].T + t["encoder.logvar.bias"]))
    q = Normal(mu, std)
    z = q.sample((k,))  # [K, N, 8]
    logits = torch.relu(z @ t["decoder.fc0.weight"].T + t["decoder.fc0.bias"]) @ t["decoder.out.weight"].T + t["decoder.out.bias"]
    log_px = -torch.nn.functional.binary_cross_entropy_with_logits(logits, x.expand_as(logits), reduction="none").sum(-1)
    log_w = log_px + Normal(0.0, 1.0).log_prob(z).sum(-1) - q.log_prob(z).sum(-1)
    nll = -(torch.logsumexp(log_w, dim=0) - math.log(k))
    return float(nll.mean()), float(nll.std() / math.sqrt(len(nll))), float(-log_w.mean())


def main():
    chimera = sys.argv[1]
    torch.set_num_threads(2)
    torch.manual_seed(SEED)
    with tempfile.TemporaryDirectory() as work:
        run = os.path.join(work, "run")
        subprocess.run([chimera, "train", os.path.join(ROOT, "configs", "vae_mlp_fashion.yaml"), "--out", run,
                        "--set", "train.epochs=1"] + MODEL, check=True)
        state = json.load(open(os.path.join(run, "checkpoint.json")))
        saved = read_safetensors(os.path.join(run, state["tensors"]))
    params = {name[len("param/"):]: v for name, v in saved.items() if name.startswith(("param/encoder.", "param/decoder."))}
    write_safetensors(os.path.join(DATA, "iwae_vae_mlp.safetensors"), params)
    rounded = {n: v.astype(np.float16) for n, v in params.items()}  # what the test loads
    nll, error, neg_elbo = iwae_nll(rounded, test_images(EXAMPLES), K)
    fixture = {"model": MODEL, "samples": K, "examples": EXAMPLES, "nll": nll, "standard_error": error, "neg_elbo": neg_elbo,
               "torch": torch.__version__, "note": "bench/reference/make_iwae_fixture.py"}
    with open(os.path.join(DATA, "iwae_vae_mlp.json"), "w") as f:
        json.dump(fixture, f, indent=2)
        f.write("\n")
    print(json.dumps(fixture, indent=2))


if __name__ == "__main__":
    main()

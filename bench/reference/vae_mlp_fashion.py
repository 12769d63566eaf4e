#!/usr/bin/python3
"""The reference for configs/vae_mlp_fashion.yaml: the same MLP VAE trained by PyTorch (Debian's
python3-torch), for the pipelines issue's quality check (Chimera's test negative ELBO within 2%
of this one) and the performance issue's benchmarks. Not a dependency of Chimera.

Model: encoder 784-512-256 (relu) -> mu, logvar (20); decoder 20-256-512 (relu) -> 784 logits.
Loss per image: BCE on logits summed over pixels (targets are the [0, 1] grey levels) plus
KL(q(z|x) || N(0, I)); the batch mean is minimised. Adam, lr 1e-3. nn.Linear's default init.

    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp \\
        /usr/bin/python3 bench/reference/vae_mlp_fashion.py --epochs 10 --batch 128 --threads 2

Prints per epoch the training rate and the test negative ELBO in nats per image, then a JSON line.
"""
import argparse
import gzip
import json
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DATA = "/usr/share/datasets/fashion-mnist"


def images(split):
    with gzip.open(os.path.join(DATA, f"{split}-images-idx3-ubyte.gz")) as f:
        raw = np.frombuffer(f.read(), dtype=np.uint8, offset=16)
    return torch.from_numpy(raw.reshape(-1, 784).astype(np.float32) / 255.0)


class Vae(nn.Module):
    def __init__(self, latent=20):
        super().__init__()
        self.enc = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU())
        self.mu, self.logvar = nn.Linear(256, latent), nn.Linear(256, latent)
        self.dec = nn.Sequential(nn.Linear(latent, 256), nn.ReLU(), nn.Linear(256, 512), nn.ReLU(), nn.Linear(512, 784))

    def forward(self, x, sample=True):
        h = self.enc(x)
        mu, logvar = self.mu(h), self.logvar(h)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu) if sample else mu
        return self.dec(z), mu, logvar


def negative_elbo(model, x, sample=True):
    """Per-image negative ELBO (nats), averaged over the batch."""
    logits, mu, logvar = model(x, sample)
    rec = F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return (rec + kl) / x.shape[0]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    train, test = images("train"), images("t10k")
    model = Vae()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    results = []
    for epoch in range(1, args.epochs + 1):
        model.train()
        order = torch.randperm(train.shape[0])
        start = time.perf_counter()
        steps = train.shape[0] // args.batch
        for b in range(steps):
            x = train[order[b * args.batch:(b + 1) * args.batch]]
            loss = negative_elbo(model, x)
            opt.zero_grad()
            loss.backward()
            opt.step()
        rate = steps * args.batch / (time.perf_counter() - start)
        model.eval()
        with torch.no_grad():  # one sample of z per test image, as the training objective
            total = sum(negative_elbo(model, test[i:i + 1000]).item() * 1000 for i in range(0, 10000, 1000)) / 10000
        results.append({"epoch": epoch, "samples_per_second": round(rate), "test_negative_elbo": round(total, 2)})
        print(f"epoch {epoch}: {rate:,.0f} samples/s, test negative ELBO {total:.2f} nats/image", flush=True)
    print(json.dumps({"torch": torch.__version__, "batch": args.batch, "threads": args.threads, "epochs": results}))


if __name__ == "__main__":
    main()

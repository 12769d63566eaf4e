#!/usr/bin/python3
"""The reference for Chimera's convolutional models on Fashion-MNIST: the same architectures,
losses and optimiser settings trained by PyTorch (Debian's python3-torch), so that Chimera's
results for them can be checked against these. Not a dependency of Chimera.

Models (--model; pixels in [0, 1], scaled to [-1, 1] for the GANs; nn.Linear / nn.Conv2d /
nn.ConvTranspose2d default inits; Adam; the last partial batch of each epoch is dropped):
  conv_ae     batch 128, lr 1e-3. Conv(1,32,3,p1) relu maxpool2, Conv(32,64,3,p1) relu maxpool2,
              Conv(64,128,3,p1) relu, Linear(128*7*7,128); decoder Linear(128,1024) relu,
              Linear(1024,64*7*7) relu, ConvT(64,32,4,s2,p1) relu, ConvT(32,1,4,s2,p1) sigmoid.
              Loss: squared error summed over pixels, batch mean. Reports test MSE (that sum).
  conv_vae    batch 128, lr 1e-3. Conv(1,32,4,s2,p1) relu, Conv(32,64,4,s2,p1) relu,
              Linear(64*7*7,256) relu, mu / logvar Linear(256,20); decoder Linear(20,256) relu,
              Linear(256,64*7*7) relu, ConvT(64,32,4,s2,p1) relu, ConvT(32,1,4,s2,p1) -> logits.
              Loss: BCE on logits summed over pixels + KL, batch mean. Reports the test negative
              ELBO with one z sample per image.
  beta_vae    conv_vae with the KL weighted by beta = 4 * min(1, step / 2000) (step counted from
              0 over the whole run). Reports test reconstruction (BCE sum), KL, rec + 4 KL.
  wae_mmd     conv_vae's encoder with a deterministic Linear(256,8) code; conv_vae's decoder from
              8 with a sigmoid. Loss: squared error summed over pixels (batch mean) + 10 MMD(code,
              z ~ N(0, I)), inverse multiquadric kernel C / (C + |a - b|^2), C = 2 * 8 * 1.0,
              unbiased estimator. Reports test MSE and test MMD (batches of 1000, fresh z).
  classifier  batch 128, lr 1e-3. Conv(1,32,3,p1) relu maxpool2, Conv(32,64,3,p1) relu maxpool2,
              Linear(64*7*7,128) relu, Dropout(0.25), Linear(128,10); cross-entropy. Reports test
              accuracy and loss; --save PATH writes its state_dict (the --judge of the others).
  dcgan       batch 64, lr 2e-4, betas (0.5, 0.999). G: Linear(100,128*7*7), reshape,
              BatchNorm2d(128) relu, ConvT(128,64,4,s2,p1), BatchNorm2d(64) relu,
              ConvT(64,1,4,s2,p1) tanh. D: Conv(1,64,4,s2,p1) leaky 0.2, Conv(64,128,4,s2,p1),
              BatchNorm2d(128), leaky 0.2, Linear(128*7*7,1) -> logit. Non-saturating losses
              (D: mean softplus(-D(real)) + mean softplus(D(fake)); G: mean softplus(-D(fake))),
              one D then one G update per batch, fresh 100-d z ~ N(0, I) for each update; D sees
              the real and the fake batch in separate forward passes (train-mode BatchNorm).
  cvae        conv_vae with the one-hot class (10) concatenated to the encoder's flattened conv
              features (Linear(64*7*7+10,256)) and to z (Linear(20+10,256)).
  cgan        dcgan with the one-hot class concatenated to z (Linear(110,128*7*7)) and to D's
              input as 10 constant channels (Conv(11,64,4,s2,p1)).

With --judge PATH (a classifier state_dict), dcgan, cvae and cgan also report, after every
epoch, judgements of 1000 generated images (generators in eval mode, i.e. BatchNorm running
statistics; cvae decodes z ~ N(0, I), sigmoid of the logits): for cvae / cgan, 100 per class, the
fraction the judge labels as the requested class (conditional_accuracy); for dcgan the fraction
of confident predictions (max probability > 0.9) and the entropy of the predicted-class
histogram in nats (ln 10 = 2.303 for uniform coverage of the classes).

    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp \\
        /usr/bin/python3 bench/reference/conv_models_fashion.py --model conv_vae --epochs 5 --threads 2

When other processes are using the CPU, also set OMP_WAIT_POLICY=PASSIVE: with libgomp's default
spin-waiting, two threads sharing two busy cores ran these models about 10x slower (measured:
15 conv_vae steps in 212 s instead of 22 s). It changes only the speed, not the results.

Prints per epoch the training rate and the test metrics, then a JSON line.
"""
import argparse
import gzip
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DATA = "/usr/share/datasets/fashion-mnist"
MODELS = ["conv_ae", "conv_vae", "beta_vae", "wae_mmd", "classifier", "dcgan", "cvae", "cgan"]
DEFAULTS = {"dcgan": (64, 2e-4, (0.5, 0.999)), "cgan": (64, 2e-4, (0.5, 0.999))}  # else (128, 1e-3, Adam's betas)


def images(split):
    with gzip.open(os.path.join(DATA, f"{split}-images-idx3-ubyte.gz")) as f:
        raw = np.frombuffer(f.read(), dtype=np.uint8, offset=16)
    return torch.from_numpy(raw.reshape(-1, 1, 28, 28).astype(np.float32) / 255.0)


def labels(split):
    with gzip.open(os.path.join(DATA, f"{split}-labels-idx1-ubyte.gz")) as f:
        raw = np.frombuffer(f.read(), dtype=np.uint8, offset=8)
    return torch.from_numpy(raw.astype(np.int64))


def one_hot(y):
    return F.one_hot(y, 10).float()


class ConvAe(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(64, 128, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(128 * 7 * 7, 128))
        self.dec = nn.Sequential(
            nn.Linear(128, 1024), nn.ReLU(), nn.Linear(1024, 64 * 7 * 7), nn.ReLU(), nn.Unflatten(1, (64, 7, 7)),
            nn.ConvTranspose2d(64, 32, 4, 2, 1), nn.ReLU(), nn.ConvTranspose2d(32, 1, 4, 2, 1), nn.Sigmoid())

    def forward(self, x):
        return self.dec(self.enc(x))


def vae_encoder():
    return nn.Sequential(nn.Conv2d(1, 32, 4, 2, 1), nn.ReLU(), nn.Conv2d(32, 64, 4, 2, 1), nn.ReLU(), nn.Flatten())


def vae_decoder(latent, classes=0):
    return nn.Sequential(
        nn.Linear(latent + classes, 256), nn.ReLU(), nn.Linear(256, 64 * 7 * 7), nn.ReLU(), nn.Unflatten(1, (64, 7, 7)),
        nn.ConvTranspose2d(64, 32, 4, 2, 1), nn.ReLU(), nn.ConvTranspose2d(32, 1, 4, 2, 1))


class ConvVae(nn.Module):
    """conv_vae / beta_vae; with classes=10 the cvae (one-hot appended to features and to z)."""

    def __init__(self, latent=20, classes=0):
        super().__init__()
        self.classes = classes
        self.conv = vae_encoder()
        self.fc = nn.Sequential(nn.Linear(64 * 7 * 7 + classes, 256), nn.ReLU())
        self.mu, self.logvar = nn.Linear(256, latent), nn.Linear(256, latent)
        self.dec = vae_decoder(latent, classes)

    def decode(self, z, c=None):
        return self.dec(z if c is None else torch.cat([z, c], 1))

    def forward(self, x, c=None):
        h = self.conv(x)
        h = self.fc(h if c is None else torch.cat([h, c], 1))
        mu, logvar = self.mu(h), self.logvar(h)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        return self.decode(z, c), mu, logvar


def vae_terms(model, x, c=None):
    """Per-image reconstruction (BCE summed over pixels) and KL, averaged over the batch."""
    logits, mu, logvar = model(x, c)
    rec = F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / x.shape[0]
    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / x.shape[0]
    return rec, kl


class Wae(nn.Module):
    def __init__(self, latent=8):
        super().__init__()
        self.enc = nn.Sequential(vae_encoder(), nn.Linear(64 * 7 * 7, 256), nn.ReLU(), nn.Linear(256, latent))
        self.dec = nn.Sequential(vae_decoder(latent), nn.Sigmoid())

    def forward(self, x):
        code = self.enc(x)
        return self.dec(code), code


def mmd_imq(x, y, scale=1.0):
    """Unbiased MMD^2 estimate with the inverse multiquadric kernel C / (C + |a - b|^2), C = 2 d scale."""
    n, d = x.shape
    c = 2.0 * d * scale

    def k(a, b):
        return c / (c + torch.cdist(a, b).pow(2))

    off = 1.0 - torch.eye(n)
    kxx = (k(x, x) * off).sum() / (n * (n - 1))
    kyy = (k(y, y) * off).sum() / (n * (n - 1))
    return kxx + kyy - 2.0 * k(x, y).mean()


def sq_error(recon, x):
    return (recon - x).pow(2).sum() / x.shape[0]


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
            nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Dropout(0.25), nn.Linear(128, 10))

    def forward(self, x):
        return self.net(x)


class Generator(nn.Module):
    def __init__(self, noise=100, classes=0):
        super().__init__()
        self.fc = nn.Linear(noise + classes, 128 * 7 * 7)
        self.net = nn.Sequential(
            nn.BatchNorm2d(128), nn.ReLU(), nn.ConvTranspose2d(128, 64, 4, 2, 1),
            nn.BatchNorm2d(64), nn.ReLU(), nn.ConvTranspose2d(64, 1, 4, 2, 1), nn.Tanh())

    def forward(self, z, c=None):
        return self.net(self.fc(z if c is None else torch.cat([z, c], 1)).view(-1, 128, 7, 7))


class Discriminator(nn.Module):
    # The class enters as constant input channels (Chimera's condition_at: image): joined only
    # before the last Linear it cannot interact with the image, and the generator ignores it.
    def __init__(self, classes=0):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1 + classes, 64, 4, 2, 1), nn.LeakyReLU(0.2), nn.Conv2d(64, 128, 4, 2, 1),
            nn.BatchNorm2d(128), nn.LeakyReLU(0.2), nn.Flatten())
        self.fc = nn.Linear(128 * 7 * 7, 1)

    def forward(self, x, c=None):
        if c is not None:
            x = torch.cat([x, c[:, :, None, None].expand(-1, -1, x.shape[2], x.shape[3])], 1)
        return self.fc(self.net(x)).squeeze(1)


def chunks(test, test_y, size=1000):
    for i in range(0, test.shape[0], size):
        yield test[i:i + size], test_y[i:i + size]


def judge_generated(judge, generate, conditional):
    """Judgements of 1000 generated images in [0, 1]: generate(classes) -> images."""
    y = torch.arange(10).repeat_interleave(100)
    with torch.no_grad():
        probs = F.softmax(judge(generate(y)), 1)
    pred = probs.argmax(1)
    if conditional:
        return {"conditional_accuracy": round((pred == y).float().mean().item(), 4)}
    hist = torch.bincount(pred, minlength=10).float() / pred.shape[0]
    entropy = -(hist[hist > 0] * hist[hist > 0].log()).sum().item()
    return {"confident_fraction": round((probs.max(1).values > 0.9).float().mean().item(), 4),
            "class_entropy": round(entropy, 4)}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", choices=MODELS, required=True)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--batch", type=int, default=None, help="default 128, 64 for dcgan and cgan")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--save", help="write the trained state_dict here (the classifier's is the --judge of the others; G's for the GANs)")
    p.add_argument("--judge", help="dcgan, cvae, cgan: a classifier state_dict to judge samples with")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    batch, lr, betas = DEFAULTS.get(args.model, (128, 1e-3, (0.9, 0.999)))
    batch = args.batch or batch
    train, test = images("train"), images("t10k")
    train_y, test_y = labels("train"), labels("t10k")
    gan = args.model in ("dcgan", "cgan")
    conditional = args.model in ("cvae", "cgan")
    judge = None
    if args.judge:
        judge = Classifier()
        judge.load_state_dict(torch.load(args.judge))
        judge.eval()

    if gan:
        G, D = Generator(classes=10 if conditional else 0), Discriminator(classes=10 if conditional else 0)
        opt_g = torch.optim.Adam(G.parameters(), lr=lr, betas=betas)
        opt_d = torch.optim.Adam(D.parameters(), lr=lr, betas=betas)
        modules = [G, D]
    else:
        model = {"conv_ae": ConvAe, "conv_vae": ConvVae, "beta_vae": ConvVae, "wae_mmd": Wae,
                 "classifier": Classifier, "cvae": lambda: ConvVae(classes=10)}[args.model]()
        opt = torch.optim.Adam(model.parameters(), lr=lr, betas=betas)
        modules = [model]

    step = 0

    def train_step(x, y):
        """One update (for the GANs one D then one G update); returns the logged losses."""
        nonlocal step
        c = one_hot(y)
        if gan:
            x = x * 2.0 - 1.0
            cond = c if conditional else None
            fake = G(torch.randn(x.shape[0], 100), cond)
            real_logit, fake_logit = D(x, cond), D(fake.detach(), cond)
            loss_d = F.softplus(-real_logit).mean() + F.softplus(fake_logit).mean()
            opt_d.zero_grad()
            loss_d.backward()
            opt_d.step()
            loss_g = F.softplus(-D(G(torch.randn(x.shape[0], 100), cond), cond)).mean()
            opt_g.zero_grad()
            loss_g.backward()
            opt_g.step()
            step += 1
            return {"loss_d": loss_d.item(), "loss_g": loss_g.item(),
                    "d_real": torch.sigmoid(real_logit).mean().item(), "d_fake": torch.sigmoid(fake_logit).mean().item()}
        if args.model == "conv_ae":
            loss = sq_error(model(x), x)
        elif args.model in ("conv_vae", "cvae"):
            rec, kl = vae_terms(model, x, c if conditional else None)
            loss = rec + kl
        elif args.model == "beta_vae":
            rec, kl = vae_terms(model, x)
            loss = rec + 4.0 * min(1.0, step / 2000) * kl
        elif args.model == "wae_mmd":
            recon, code = model(x)
            loss = sq_error(recon, x) + 10.0 * mmd_imq(code, torch.randn_like(code))
        else:
            loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        return {"loss": loss.item()}

    def evaluate():
        """Test metrics (per image, averaged over the 10,000 test images) and judgements."""
        out = {}
        with torch.no_grad():
            if args.model == "conv_ae":
                out["test_mse"] = sum(sq_error(model(x), x).item() * x.shape[0] for x, _ in chunks(test, test_y)) / 10000
            elif args.model in ("conv_vae", "cvae", "beta_vae"):
                rec = kl = 0.0
                for x, y in chunks(test, test_y):  # one sample of z per test image, as the training objective
                    r, k = vae_terms(model, x, one_hot(y) if conditional else None)
                    rec, kl = rec + r.item() * x.shape[0], kl + k.item() * x.shape[0]
                rec, kl = rec / 10000, kl / 10000
                out.update(test_rec=rec, test_kl=kl, test_negative_elbo=rec + kl)
                if args.model == "beta_vae":
                    out["test_beta_total"] = rec + 4.0 * kl
            elif args.model == "wae_mmd":
                mse = mmd = 0.0
                for x, _ in chunks(test, test_y):
                    recon, code = model(x)
                    mse += sq_error(recon, x).item() * x.shape[0]
                    mmd += mmd_imq(code, torch.randn_like(code)).item() * x.shape[0]
                out.update(test_mse=mse / 10000, test_mmd=mmd / 10000, test_loss=(mse + 10.0 * mmd) / 10000)
            elif args.model == "classifier":
                loss = correct = 0.0
                for x, y in chunks(test, test_y):
                    logits = model(x)
                    loss += F.cross_entropy(logits, y, reduction="sum").item()
                    correct += (logits.argmax(1) == y).sum().item()
                out.update(test_accuracy=correct / 10000, test_loss=loss / 10000)
        out = {k: round(v, 4 if k in ("test_accuracy", "test_mmd") else 3) for k, v in out.items()}
        if judge is not None and args.model in ("dcgan", "cgan", "cvae"):
            if gan:
                gen = lambda y: (G(torch.randn(y.shape[0], 100), one_hot(y) if conditional else None) + 1.0) / 2.0
            else:
                gen = lambda y: torch.sigmoid(model.decode(torch.randn(y.shape[0], 20), one_hot(y)))
            out.update(judge_generated(judge, gen, conditional))
        return out

    results = []
    for epoch in range(1, args.epochs + 1):
        for m in modules:
            m.train()
        order = torch.randperm(train.shape[0])
        start = time.perf_counter()
        steps = train.shape[0] // batch
        sums = {}
        for b in range(steps):
            idx = order[b * batch:(b + 1) * batch]
            for k, v in train_step(train[idx], train_y[idx]).items():
                sums[k] = sums.get(k, 0.0) + v
        seconds = time.perf_counter() - start
        for m in modules:
            m.eval()
        row = {"epoch": epoch, "seconds": round(seconds, 1), "samples_per_second": round(steps * batch / seconds)}
        row.update({f"train_{k}": round(v / steps, 4) for k, v in sums.items()})
        row.update(evaluate())
        results.append(row)
        print(f"epoch {epoch}: {row['samples_per_second']:,} samples/s, "
              + ", ".join(f"{k} {v}" for k, v in row.items() if k not in ("epoch", "seconds", "samples_per_second")), flush=True)
    if args.save:
        torch.save((G if gan else model).state_dict(), args.save)
    print(json.dumps({"torch": torch.__version__, "model": args.model, "batch": batch, "threads": args.threads,
                      "seed": args.seed, "epochs": results}))


if __name__ == "__main__":
    main()

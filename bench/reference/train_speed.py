#!/usr/bin/python3
"""PyTorch's side of the training-speed benchmark (bench/compare_training.py): trains one of the
four reference models or the two MMVAEs for a number of steps and writes the same timing JSON as
`chimera train --timing FILE`. Not a dependency of Chimera.

The models are those of the Chimera pipelines, layer for layer, with PyTorch's default
initialisation and the pipelines' optimizers:
  vae_mlp   configs/vae_mlp_fashion.yaml (vae_mlp_fashion.py's Vae), Adam 1e-3.
  gan_mlp   configs/gan_mlp_fashion.yaml: G 100-128-256-512-784 (relu, tanh), D 784-512-256-1
            (relu); Adam 2e-4 (0.5, 0.999) for each.
  conv_ae   configs/conv_ae_fashion.yaml (conv_models_fashion.py's ConvAe), Adam 1e-3.
  dcgan     configs/dcgan_fashion.yaml (conv_models_fashion.py's Generator / Discriminator).
  mmvae_image_text, mmvae_image_text_audio
            configs/mmvae_image_text.yaml and mmvae_image_text_audio.yaml (mmvae_fashion_mm.py:
            the real training images with synthetic captions and spectrograms of the loader's
            shapes), Adam 1e-3 (the three-way one with its cosine schedule).
A step is what a Chimera step is: for the GANs one discriminator update (the generator run
without a graph, the real and the fake batch through D separately) then one generator update,
each on fresh noise; for the others one update. The batch is taken from the training images
in a per-epoch random order (data loading counts). The first two steps are warm-up; the rate is
measured over the rest, as Chimera does.

    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 \\
        bench/reference/train_speed.py --model dcgan --batch 64 --threads 2 --steps 100 --timing t.json
"""
import argparse
import json
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import conv_models_fashion as conv  # noqa: E402
import mmvae_fashion_mm as mm  # noqa: E402
import vae_mlp_fashion as mlp  # noqa: E402

WARMUP_STEPS = 2


def mlp_gan():
    g = nn.Sequential(nn.Linear(100, 128), nn.ReLU(), nn.Linear(128, 256), nn.ReLU(), nn.Linear(256, 512), nn.ReLU(),
                      nn.Linear(512, 784), nn.Tanh())
    d = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 1))
    return g, d


def gan_step(g, d, opt_g, opt_d, x, noise_shape):
    x = x * 2.0 - 1.0
    with torch.no_grad():
        fake = g(torch.randn(noise_shape))
    loss_d = F.softplus(-d(x)).mean() + F.softplus(d(fake)).mean()
    opt_d.zero_grad()
    loss_d.backward()
    opt_d.step()
    loss_g = F.softplus(-d(g(torch.randn(noise_shape)))).mean()
    opt_g.zero_grad()
    loss_g.backward()
    opt_g.step()


MULTIMODAL = ("mmvae_image_text", "mmvae_image_text_audio")


def make_step(model, steps):
    """The model's training step, a function of one batch (images in [0, 1]; for the MMVAEs
    images, tokens and spectrograms)."""
    if model in MULTIMODAL:
        net = mm.Mmvae(audio=model.endswith("audio"))
        opt, schedule = mm.optimizer(net, steps)

        def mm_step(*batch):
            loss = net.loss(*batch)
            opt.zero_grad()
            loss.backward()
            opt.step()
            if schedule:
                schedule.step()
        return mm_step
    if model in ("gan_mlp", "dcgan"):
        if model == "gan_mlp":
            g, d = mlp_gan()
        else:
            g, d = conv.Generator(), conv.Discriminator()
        opt_g = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
        opt_d = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
        return lambda x: gan_step(g, d, opt_g, opt_d, x, (x.shape[0], 100))
    net = mlp.Vae() if model == "vae_mlp" else conv.ConvAe()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)

    def step(x):
        loss = mlp.negative_elbo(net, x) if model == "vae_mlp" else conv.sq_error(net(x), x)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return step


def loaded_blas():
    """The BLAS and OpenMP libraries this process actually mapped."""
    found = set()
    with open("/proc/self/maps") as maps:
        for line in maps:
            path = line.split()[-1]
            if any(k in os.path.basename(path) for k in ("blas", "lapack", "gomp")):
                found.add(os.path.realpath(path))
    return sorted(found)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", choices=["vae_mlp", "gan_mlp", "conv_ae", "dcgan", *MULTIMODAL], required=True)
    p.add_argument("--batch", type=int, required=True)
    p.add_argument("--threads", type=int, required=True)
    p.add_argument("--steps", type=int, required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--timing", required=True, help="write the timing JSON here")
    args = p.parse_args()
    if args.steps <= WARMUP_STEPS:
        p.error(f"--steps must exceed the {WARMUP_STEPS} warm-up steps")
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    train = conv.images("train")
    if args.model in ("vae_mlp", "gan_mlp"):
        train = train.view(-1, 784)
    if args.model in MULTIMODAL:
        data = mm.SyntheticData(train, audio=args.model.endswith("audio"))
        fetch = data.batch
    else:
        fetch = lambda rows: (train[rows],)  # noqa: E731
    step = make_step(args.model, args.steps)
    per_epoch = train.shape[0] // args.batch
    done, steady_seconds, steady_cpu_seconds, first_step_done = 0, 0.0, 0.0, None
    while done < args.steps:
        order = torch.randperm(train.shape[0])
        last, last_cpu = time.perf_counter(), time.process_time()
        for b in range(per_epoch):
            if done == args.steps:
                break
            step(*fetch(order[b * args.batch:(b + 1) * args.batch]))
            now, now_cpu = time.perf_counter(), time.process_time()
            done += 1
            if done == 1:
                first_step_done = time.time()
            if done > WARMUP_STEPS:
                steady_seconds += now - last
                steady_cpu_seconds += now_cpu - last_cpu
            last, last_cpu = now, now_cpu
    steady_steps = args.steps - WARMUP_STEPS
    out = {"batch_size": args.batch, "threads": args.threads, "steps": args.steps, "warmup_steps": WARMUP_STEPS,
           "first_step_unix_seconds": first_step_done, "steady_steps": steady_steps, "steady_seconds": steady_seconds,
           "steady_cpu_seconds": steady_cpu_seconds,
           "samples_per_second": steady_steps * args.batch / steady_seconds,
           "torch": torch.__version__, "blas": loaded_blas(), "torch_threads": torch.get_num_threads()}
    with open(args.timing, "w") as f:
        json.dump(out, f, indent=2)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""`chimera evaluate --nll 1000` against the same estimator written in PyTorch on the same weights.

bench/reference/make_iwae_fixture.py trained a small MLP VAE with Chimera, kept its parameters
(tests/data/iwae_vae_mlp.safetensors, float16) and recorded PyTorch's IWAE estimate at K = 1000
on the first 100 Fashion-MNIST test images (tests/data/iwae_vae_mlp.json). Here a run starts
from those parameters (init_from, one step at learning rate 0) and Chimera's estimate must agree
within 0.2 nats. Both are Monte Carlo figures from different random numbers; at K = 1000 they
differ by under a tenth of a nat.

    test_likelihood_reference.py CHIMERA_BIN WORK_DIR TEST_DATA_DIR CONFIG_DIR
"""
import json
import os
import shutil
import subprocess
import sys

CHIMERA, WORK, DATA, CONFIGS = sys.argv[1:5]
fixture = json.load(open(os.path.join(DATA, "iwae_vae_mlp.json")))
weights = os.path.join(DATA, "iwae_vae_mlp.safetensors")
shutil.rmtree(WORK, ignore_errors=True)
run = os.path.join(WORK, "run")
start = ["--set", "nodes.encoder.init_from={safetensors: " + weights + ", prefix: encoder.}",
         "--set", "nodes.decoder.init_from={safetensors: " + weights + ", prefix: decoder.}"]
p = subprocess.run([CHIMERA, "train", os.path.join(CONFIGS, "vae_mlp_fashion.yaml"), "--out", run, "--threads", "1",
                    "--set", "train.steps=1", "--set", "optimizers.adam.options.lr=0"] + fixture["model"] + start,
                   capture_output=True, text=True)
if p.returncode != 0:
    sys.exit("training the run failed:\n" + p.stdout + p.stderr)
report = os.path.join(WORK, "nll.json")
p = subprocess.run([CHIMERA, "evaluate", run, "--nll", str(fixture["samples"]), "--limit", str(fixture["examples"]),
                    "--threads", "1", "--json", report], capture_output=True, text=True)
if p.returncode != 0:
    sys.exit("evaluate --nll failed:\n" + p.stdout + p.stderr)
ours = json.load(open(report))["likelihood"]["nll"]["image"]
print(f"Chimera {ours['nll']:.4f} nats (one-sample bound {-ours['elbo']:.4f}), PyTorch {fixture['nll']:.4f} "
      f"(one-sample bound {fixture['neg_elbo']:.4f}), {ours['examples']} examples, K = {fixture['samples']}")
failures = []
if ours["examples"] != fixture["examples"]:
    failures.append(f"{ours['examples']} examples estimated, not {fixture['examples']}")
if abs(ours["nll"] - fixture["nll"]) >= 0.2:
    failures.append(f"the estimates differ by {abs(ours['nll'] - fixture['nll']):.4f} nats (at most 0.2)")
if abs(ours["elbo"] + fixture["neg_elbo"]) >= 0.2:
    failures.append(f"the mean log weights differ by {abs(ours['elbo'] + fixture['neg_elbo']):.4f} nats (at most 0.2)")
if failures:
    sys.exit("FAIL: " + "; ".join(failures))
print("ok: within 0.2 nats")

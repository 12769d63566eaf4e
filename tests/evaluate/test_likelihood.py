#!/usr/bin/python3
"""`chimera evaluate --nll` against a likelihood known in closed form.

A linear-Gaussian VAE is probabilistic PCA: z ~ N(0, I), x | z ~ N(W z + b, s2 I), so
p(x) = N(x; b, W W^T + s2 I) exactly. Its weights are set here (numpy) and loaded with init_from;
one training step at learning rate 0 makes the run. With W's columns orthogonal the exact
posterior is a diagonal Gaussian an MLP encoder can express: then every importance weight equals
p(x), and the estimate must equal the closed form for any K. With a worse encoder the bound must
fall towards it as K grows. Also the errors: a model without a posterior, and bad --nll values.

    test_likelihood.py CHIMERA_BIN WORK_DIR
"""
import gzip
import json
import os
import shutil
import struct
import subprocess
import sys

import numpy as np

CHIMERA, WORK = sys.argv[1], sys.argv[2]
D, L, VAR, N = 16, 3, 0.05, 200
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def write_idx(path, array, code):
    with gzip.open(path, "wb") as f:
        f.write(struct.pack(">BBBB", 0, 0, code, array.ndim))
        f.write(struct.pack(">" + "I" * array.ndim, *array.shape))
        f.write(array.astype(np.uint8).tobytes())


def write_safetensors(path, tensors):
    header, blobs, at = {}, [], 0
    for name, value in tensors.items():
        data = np.ascontiguousarray(value, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(value.shape), "data_offsets": [at, at + len(data)]}
        blobs.append(data)
        at += len(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def run(args, expect=0):
    p = subprocess.run([CHIMERA] + args, capture_output=True, text=True)
    if p.returncode != expect:
        print(p.stdout, p.stderr)
    return p


rng = np.random.default_rng(7)
q, _ = np.linalg.qr(rng.normal(size=(D, L)))
W = q * np.array([0.30, 0.20, 0.12])  # orthogonal columns
b = rng.uniform(0.35, 0.65, size=D)
z = rng.normal(size=(N, L))
x = W @ z.T + b[:, None] + np.sqrt(VAR) * rng.normal(size=(D, N))
pixels = np.clip(np.round(x.T * 255), 0, 255).astype(np.uint8)
data = pixels.astype(np.float64) / 255  # what the loader gives

# log N(x; b, W W^T + s2 I), by numpy's own linear algebra.
C = W @ W.T + VAR * np.eye(D)
_, logdet = np.linalg.slogdet(C)
r = data - b
exact = 0.5 * (np.einsum("nd,nd->n", r @ np.linalg.inv(C), r) + logdet + D * np.log(2 * np.pi))
exact_nll = float(exact.mean())

# The exact posterior: mean M^-1 W^T (x - b), variance s2 M^-1, M = W^T W + s2 I (diagonal).
m = np.diag(W.T @ W) + VAR
A = (W / m).T  # [L, D]
posterior_logvar = np.log(VAR / m)

shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK)
images, labels = os.path.join(WORK, "images.gz"), os.path.join(WORK, "labels.gz")
write_idx(images, pixels.reshape(N, 4, 4), 0x08)
write_idx(labels, np.zeros(N), 0x08)


def make_run(name, mu_w, mu_b, logvar_b):
    weights = os.path.join(WORK, name + ".safetensors")
    write_safetensors(weights, {"mu.weight": mu_w, "mu.bias": mu_b, "logvar.weight": np.zeros((L, D)), "logvar.bias": logvar_b,
                                "out.weight": W, "out.bias": b})
    files = f'{{images: "{images}", labels: "{labels}"}}'
    config = os.path.join(WORK, name + ".yaml")
    with open(config, "w") as f:
        f.write(f"""version: 1
data:
  loader: idx
  batch_size: 50
  train: {{options: {files}}}
  test: {{options: {files}}}
noise:
  z: {{shape: [{L}]}}
nodes:
  encoder:
    component: encoder/mlp
    in: {{x: image}}
    out: {{mu: mu, logvar: logvar}}
    options: {{hidden: [], head: gaussian, out_features: {L}}}
    init_from: {{safetensors: "{weights}"}}
  sample:
    component: encoder/gaussian
    in: {{mu: mu, logvar: logvar}}
    out: {{z: z_post}}
    options: {{sample_in_eval: true}}
  decoder:
    component: generator/mlp
    in: {{z: z_post}}
    out: {{y: mean}}
    options: {{hidden: [], out_features: {D}, output_shape: [1, 4, 4]}}
    init_from: {{safetensors: "{weights}"}}
  prior_decoder: {{share: decoder, in: {{z: z}}, out: {{y: prior_mean}}}}
losses:
  reconstruction:
    component: gaussian_nll
    in: {{x: mean, target: image}}
    options: {{variance: {VAR}}}
  kl:
    component: kl_normal
    in: {{mu: mu, logvar: logvar}}
optimizers:
  adam: {{component: adam, nodes: [encoder, decoder], options: {{lr: 0}}}}
train: {{steps: 1, seed: 0}}
generate: {{from: z, image: prior_mean, reconstruct: image, reconstruction: mean, latent: mu, latent_logvar: logvar}}
""")
    out = os.path.join(WORK, name)
    p = run(["train", config, "--out", out, "--threads", "1"])
    check(p.returncode == 0, f"{name}: the run trains")
    return out


def nll(run_dir, k):
    report = os.path.join(WORK, f"nll-{os.path.basename(run_dir)}-{k}.json")
    p = run(["evaluate", run_dir, "--nll", str(k), "--threads", "1", "--json", report])
    if p.returncode != 0:
        return None
    return json.load(open(report))["likelihood"]["nll"]["image"]


exact_run = make_run("exact", A, -A @ b, posterior_logvar)
print(f"closed form: {exact_nll:.6f} nats per example")
for k in (1, 7, 100):
    r = nll(exact_run, k)
    check(r is not None and abs(r["nll"] - exact_nll) < 2e-3, f"exact posterior, K={k}: {r and r['nll']:.6f} equals the closed form")
    check(r is not None and abs(r["elbo"] + exact_nll) < 2e-3, f"exact posterior, K={k}: every log weight is log p(x)")
    check(r is not None and r["examples"] == N, f"exact posterior, K={k}: all {N} examples")

# A poorer posterior: shrunk and shifted means, three times the variance. The bound is loose at K=1 and tightens.
rough_run = make_run("rough", A * 0.5, -A @ b + 0.3, posterior_logvar + np.log(3.0))
figures = {k: nll(rough_run, k) for k in (1, 10, 1000)}
if all(figures.values()):
    one, ten, thousand = (figures[k]["nll"] for k in (1, 10, 1000))
    print(f"rough posterior: K=1 {one:.4f}, K=10 {ten:.4f}, K=1000 {thousand:.4f}")
    check(one - exact_nll > 0.5, "rough posterior: the one-sample bound is at least half a nat loose")
    check(one > ten > thousand, "rough posterior: the bound falls as K grows")
    check(abs(thousand - exact_nll) < 0.02, "rough posterior: K=1000 is within 0.02 nats of the closed form")
    # The ELBO in closed form: E_q log N(x; W z + b, s2 I) - KL(q || N(0, I)).
    mu = data @ (A * 0.5).T + (-A @ b + 0.3)
    v = np.exp(posterior_logvar + np.log(3.0))
    fit = np.sum((data - mu @ W.T - b) ** 2, axis=1) + np.sum(np.sum(W ** 2, axis=0) * v)
    elbo = -0.5 * (fit / VAR + D * np.log(2 * np.pi * VAR)) - 0.5 * np.sum(mu ** 2 + v - 1 - np.log(v), axis=1)
    print(f"rough posterior: ELBO {elbo.mean():.4f} in closed form, mean log weight {figures[1000]['elbo']:.4f}")
    check(abs(figures[1000]["elbo"] - elbo.mean()) < 0.05, "rough posterior: the mean log weight is the ELBO")
else:
    check(False, "rough posterior: every K evaluates")

# Errors: bad K; a model with no posterior (an autoencoder's generate section).
for bad in ("0", "-3"):
    p = run(["evaluate", exact_run, "--nll", bad], expect=2)
    check(p.returncode == 2 and "--nll" in p.stderr, f"--nll {bad} is refused with exit 2")
p = run(["evaluate", exact_run, "--nll", "5", "--set", "losses.reconstruction={component: mse, in: {x: mean, target: image}}"], expect=3)
check(p.returncode == 3 and "gaussian_nll" in p.stderr, "an mse decoder is no likelihood: exit 3, pointing to gaussian_nll")
p = run(["evaluate", exact_run, "--nll", "5", "--set", "generate.latent_logvar="], expect=3)
check(p.returncode == 3 and "latent_logvar" in p.stderr, "no posterior log-variance: exit 3 naming generate.latent_logvar")
p = run(["evaluate", exact_run, "--nll", "5", "--set", "generate.sample=prior_mean"], expect=3)
check(p.returncode == 3 and "not computed from the posterior sample" in p.stderr,
      "a decoder that does not read generate.sample is refused (exit 3), not estimated")

if failures:
    print(f"{len(failures)} checks failed")
    sys.exit(1)
print("all checks passed")

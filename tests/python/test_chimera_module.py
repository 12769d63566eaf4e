#!/usr/bin/python3
"""The Python module `chimera` end to end: a short MLP VAE run trained by chimera.train, then its
samples, encodings, reconstructions, evaluation (against `chimera evaluate --json`), config, errors
and the GIL released while computing. CTest sets PYTHONPATH=build/python, CHIMERA_BIN,
CHIMERA_CONFIGS and CHIMERA_TEST_WORK. Not a test of quality: one epoch on 1,200 images."""
import gc
import gzip
import json
import math
import os
import shutil
import subprocess
import sys
import threading
import time
import unittest

import numpy as np

import chimera

BIN = os.environ["CHIMERA_BIN"]
CONFIGS = os.environ["CHIMERA_CONFIGS"]
WORK = os.environ["CHIMERA_TEST_WORK"]
FASHION = os.environ.get("FASHION_MNIST", "/usr/share/datasets/fashion-mnist")
FEW = {"data.options.limit": 1200, "train.epochs": 1}
LATENT = 20  # configs/vae_mlp_fashion.yaml's noise z


def test_images(n):
    """The first n Fashion-MNIST test images, float32 [n, 1, 28, 28] in [0, 1] (the loader's 'unit' scale)."""
    with gzip.open(os.path.join(FASHION, "t10k-images-idx3-ubyte.gz")) as f:
        raw = f.read()
    return (np.frombuffer(raw, np.uint8, offset=16)[: n * 784].reshape(n, 1, 28, 28) / 255.0).astype(np.float32)


class ChimeraModule(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        shutil.rmtree(WORK, ignore_errors=True)
        os.makedirs(WORK)
        cls.dir = os.path.join(WORK, "vae")
        cls.vae = chimera.train(os.path.join(CONFIGS, "vae_mlp_fashion.yaml"), out=cls.dir, overrides=FEW, threads=1)

    def test_generate(self):
        a = self.vae.generate(16, seed=0)
        self.assertEqual(a.shape, (16, 1, 28, 28))
        self.assertEqual(a.dtype, np.float32)
        self.assertTrue(np.all(np.isfinite(a)) and a.min() >= 0.0 and a.max() <= 1.0)  # sigmoid: the drawing range
        np.testing.assert_array_equal(a, self.vae.generate(16, seed=0))
        self.assertFalse(np.array_equal(a, self.vae.generate(16, seed=1)))

    def test_encode(self):
        x = test_images(32)
        mu = self.vae.encode(x)
        self.assertEqual(mu.shape, (32, LATENT))
        self.assertEqual(mu.dtype, np.float32)
        self.assertTrue(np.all(np.isfinite(mu)))
        np.testing.assert_array_equal(mu, self.vae.encode(x))
        # Each image's code depends on it alone: encoding half the batch gives the same rows.
        np.testing.assert_allclose(self.vae.encode(x[:8]), mu[:8], rtol=1e-5, atol=1e-5)
        self.assertEqual(self.vae.encode(x.astype(np.float64)).shape, (32, LATENT))  # other float dtypes are converted

    def test_reconstruct(self):
        x = test_images(32)
        r = self.vae.reconstruct(x)
        self.assertEqual(r.shape, x.shape)
        self.assertEqual(r.dtype, np.float32)
        self.assertTrue(r.min() >= 0.0 and r.max() <= 1.0)
        np.testing.assert_array_equal(r, self.vae.reconstruct(x))  # the posterior sample follows the seed
        self.assertFalse(np.array_equal(r, self.vae.reconstruct(x, seed=5)))
        # A trained autoencoder rebuilds clothes better than it rebuilds noise.
        noise = np.random.default_rng(0).random(x.shape, dtype=np.float32)
        self.assertLess(np.mean((self.vae.reconstruct(x) - x) ** 2), np.mean((self.vae.reconstruct(noise) - noise) ** 2))

    def test_evaluate_matches_the_cli(self):
        metrics = self.vae.evaluate("test")
        for name in ("reconstruction", "kl", "total"):
            self.assertIn(name, metrics)
            self.assertTrue(math.isfinite(metrics[name]))
        report = os.path.join(WORK, "evaluation.json")
        subprocess.run([BIN, "evaluate", self.dir, "--json", report, "--threads", "1"], check=True, stdout=subprocess.DEVNULL)
        with open(report) as f:
            cli = json.load(f)["metrics"]
        self.assertEqual(set(cli), set(metrics))
        for name, value in cli.items():
            self.assertTrue(math.isclose(metrics[name], value, rel_tol=1e-5, abs_tol=1e-5), f"{name}: {metrics[name]} != {value}")

    def test_config(self):
        config = self.vae.config
        self.assertIn("nodes", config)
        self.assertEqual(config["nodes"]["encoder"]["component"], "encoder/mlp")
        self.assertEqual(config["train"]["epochs"], 1)  # the override, as an int
        self.assertEqual(config["noise"]["z"]["shape"], [LATENT])
        self.assertIsInstance(config["optimizers"]["adam"]["options"]["lr"], float)

    def test_errors(self):
        with self.assertRaises(chimera.DataError) as caught:
            chimera.Run("/nonexistent")
        self.assertIn("/nonexistent", str(caught.exception))
        self.assertIsInstance(caught.exception, chimera.Error)
        self.assertIsInstance(caught.exception, RuntimeError)
        with self.assertRaises(chimera.ShapeError) as caught:
            self.vae.encode(test_images(4).reshape(4, 784))
        self.assertIn("[N, 1, 28, 28]", str(caught.exception))
        self.assertIsInstance(caught.exception, ValueError)
        with self.assertRaises(ValueError) as caught:
            self.vae.reconstruct(np.zeros((4, 1, 28, 28), np.int32))
        self.assertIn("[N, 1, 28, 28]", str(caught.exception))
        with self.assertRaises((chimera.UsageError, chimera.ConfigError)) as caught:
            chimera.train(os.path.join(CONFIGS, "vae_mlp_fashion.yaml"), out=os.path.join(WORK, "bad"),
                          overrides={"train.epochz": 1}, threads=1)
        self.assertIn("epochz", str(caught.exception))

    def test_gil_is_released_while_computing(self):
        # A switch interval far longer than generate takes: a thread holding the GIL is never made
        # to give it up meanwhile, so the counter can only advance during generate if generate
        # let go of it. The counter sleeps between counts, handing the GIL back at once.
        counter, done, seen = [0], threading.Event(), []

        def count():
            while not done.is_set():
                counter[0] += 1
                time.sleep(0.001)

        def draw():
            try:
                time.sleep(0.05)  # the counter is running
                # On a busy machine the counter may not be scheduled during one short call: a few
                # tries. Holding the GIL, no call of them could ever see it move.
                for _ in range(20):
                    before = counter[0]
                    self.vae.generate(1024, seed=3)
                    seen.append(counter[0] - before)
                    if seen[-1] > 0:
                        break
            finally:
                done.set()  # a failing generate must not leave the counter running

        interval = sys.getswitchinterval()
        sys.setswitchinterval(30)
        try:
            threads = [threading.Thread(target=count), threading.Thread(target=draw)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        finally:
            sys.setswitchinterval(interval)
        self.assertGreater(len(seen), 0, "generate failed in its thread")
        self.assertGreater(seen[-1], 0)

    def test_bad_arguments_name_what_was_expected(self):
        with self.assertRaises(chimera.ShapeError) as caught:
            self.vae.encode(np.zeros((2, 1, 1, 1, 1, 1, 1, 1, 28, 28), np.float32))
        self.assertIn("f32[N, 1, 28, 28] with N >= 1, not shaped [2, 1, 1, 1, 1, 1, 1, 1, 28, 28]", str(caught.exception))
        with self.assertRaises(chimera.ShapeError) as caught:
            self.vae.encode(test_images(2), labels=[0.7, 1.9])  # a float is no class
        self.assertIn("labels must be integers", str(caught.exception))
        with self.assertRaises(chimera.UsageError) as caught:
            self.vae.encode(test_images(2), labels=[0, 1])  # the VAE is not conditional
        self.assertIn("names no condition", str(caught.exception))
        # A bytes path and a NumPy scalar override are what they say.
        before = self.vae.generate(4, seed=5)
        run = chimera.Run(os.fsencode(self.dir), overrides={"data.batch_size": np.int64(32)})
        self.assertEqual(run.config["data"]["batch_size"], 32)
        # Runs share the process's plugin libraries: using one, then closing it, leaves the other whole.
        np.testing.assert_array_equal(run.generate(4, seed=5), before)
        del run
        gc.collect()
        np.testing.assert_array_equal(self.vae.generate(4, seed=5), before)


if __name__ == "__main__":
    unittest.main(verbosity=2)

#!/usr/bin/python3
"""PyTorch's side of bench/compare_generation.py: what `chimera generate RUN --n N` and
`chimera generate RUN --to text --n N` do for the image-text MMVAE, in eval mode under
torch.no_grad, with the decoders of mmvae_fashion_mm.py (weights as initialised: the speed is
what is compared). Images: z ~ N(0, I) [N, 32] through the deconv decoder in one batch, sigmoid,
written as one PNG grid of 8 columns (zlib, as a PNG writer does). Captions: the Transformer
decoder's greedy decoding from the prior in one batch (every step recomputes all positions, as
the plugin does), one caption a line. Prints the seconds from the start of the interpreter to
the end of the generation ("startup" is everything before the model exists).

    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 \\
        bench/reference/generate_speed.py --what images --n 4096 --threads 2 --out /tmp/g.png
"""
import time

STARTED = time.time()
import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import struct  # noqa: E402
import sys  # noqa: E402
import zlib  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mmvae_fashion_mm as mm  # noqa: E402


def write_png(path, gray):
    """An 8-bit grayscale PNG of `gray` (uint8 [H, W])."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    h, w = gray.shape
    raw = np.concatenate([np.zeros((h, 1), np.uint8), gray], axis=1).tobytes()  # filter byte 0 per row
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))


def grid(images, columns=8, pad=2):
    n = images.shape[0]
    rows = (n + columns - 1) // columns
    out = np.zeros((rows * (28 + pad) + pad, columns * (28 + pad) + pad), np.uint8)
    pixels = (images.reshape(n, 28, 28).numpy() * 255 + 0.5).astype(np.uint8)
    for i in range(n):
        r, c = divmod(i, columns)
        out[pad + r * (28 + pad):pad + r * (28 + pad) + 28, pad + c * (28 + pad):pad + c * (28 + pad) + 28] = pixels[i]
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--what", choices=["images", "captions"], required=True)
    p.add_argument("--n", type=int, required=True)
    p.add_argument("--threads", type=int, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    model = mm.Mmvae(audio=False).eval()
    ready = time.time()
    with torch.no_grad():
        z = torch.randn(args.n, mm.LATENT)
        if args.what == "images":
            write_png(args.out, grid(torch.sigmoid(model.image_decoder(z))))
        else:
            tokens = model.text_decoder.decode(z)
            with open(args.out, "w") as f:
                for row in tokens.tolist():
                    f.write(" ".join(f"w{t}" for t in row if t != 0) + "\n")
    done = time.time()
    print(json.dumps({"startup_seconds": ready - STARTED, "generate_seconds": done - ready, "total_seconds": done - STARTED}))


if __name__ == "__main__":
    main()

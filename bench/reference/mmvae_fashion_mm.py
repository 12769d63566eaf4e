#!/usr/bin/python3
"""The two MMVAE pipelines of configs/ in PyTorch, for speed comparisons only (train_speed.py's
models mmvae_image_text and mmvae_image_text_audio, and bench/compare_generation.py). Layer for
layer the nodes of configs/mmvae_image_text.yaml and configs/mmvae_image_text_audio.yaml, with
PyTorch's default initialisation and the same losses, weights and Adam settings; it is not a
trainer of record (no validation, no checkpoints) and reads no Fashion-MNIST-MM files.

Data: the Fashion-MNIST training images (the same IDX file Chimera reads) with synthetic captions
and spectrograms of the shapes Chimera's multimodal loader gives: int32 word ids [10] (0 pads,
2-8 words of a 64-word vocabulary) and one of 240 clips [32, 64] in [0, 1] per example, kept as
240 clips and an index, as the loader keeps them. Every modality present (the set's default).
Speed does not depend on the values; the shapes and the work are the same.

Components (options as in the configs):
  encoder/conv, image-text:   Conv(1,32,4,s2,p1) relu, Conv(32,64,4,s2,p1) relu, Linear(3136,256)
                              relu, mu / logvar Linear(256,32).
  encoder/conv, three-way:    [Conv(c,c',3,p1) BatchNorm relu] x3 with maxpool2 after the first
                              two (32, 64, 128), Linear(6272,256) relu, Dropout(0.3), heads.
  encoder/conv, audio:        [N,1,32,64]: Conv(1,32,4,s2,p1) relu, Conv(32,64,4,s2,p1) relu,
                              Linear(8192,256) relu, heads.
  encoder/transformer:        token + position embeddings (64), 2 pre-norm blocks (4 heads,
                              separate q/k/v/out Linear(64,64), feed-forward 128 with exact GELU),
                              final LayerNorm, padding keys masked, mean of the real positions,
                              heads Linear(64,32).
  generator/transformer:      z -> Linear(32,64) added to every position's embedding of the
                              shifted targets (start token 0), the same blocks with a causal
                              mask, Linear(64,64) logits.
  generator/deconv:           Linear(32,256) relu, Linear(256,C*H*W) relu, ConvT(64,32,4,s2,p1)
                              relu, ConvT(32,1,4,s2,p1): [64,7,7] -> image logits [1,28,28],
                              [64,8,16] -> spectrogram logits [32,64].
  encoder/moe:                one expert drawn uniformly per example; encoder/gaussian samples.
Losses: bce_logits summed per example, mean over the batch (image; audio x 0.4), cross-entropy
summed over positions, mean over the batch (x 50 image-text, x 20 three-way), kl_normal summed,
mean over the batch. Adam lr 1e-3; the three-way config's cosine schedule (200 warm-up steps,
down to 0.05) over the run's steps.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

LENGTH, VOCABULARY, DIM, HEADS, LATENT = 10, 64, 64, 4, 32
CLIPS, MELS, FRAMES = 240, 32, 64
MASKED = -1e9  # what a hidden score gets, as plugins/sequence adds


class ConvEncoder(nn.Module):
    def __init__(self, deep, in_hw):
        super().__init__()
        h, w = in_hw
        if deep:  # the three-way image encoder
            layers, c = [], 1
            for i, out in enumerate((32, 64, 128)):
                layers += [nn.Conv2d(c, out, 3, padding=1), nn.BatchNorm2d(out), nn.ReLU()]
                if i < 2:
                    layers.append(nn.MaxPool2d(2))
                c = out
            flat, drop = 128 * (h // 4) * (w // 4), 0.3
        else:
            layers = [nn.Conv2d(1, 32, 4, 2, 1), nn.ReLU(), nn.Conv2d(32, 64, 4, 2, 1), nn.ReLU()]
            flat, drop = 64 * (h // 4) * (w // 4), 0.0
        self.body = nn.Sequential(*layers, nn.Flatten(), nn.Linear(flat, 256), nn.ReLU(), nn.Dropout(drop))
        self.mu, self.logvar = nn.Linear(256, LATENT), nn.Linear(256, LATENT)

    def forward(self, x):
        h = self.body(x if x.dim() == 4 else x.unsqueeze(1))
        return self.mu(h), self.logvar(h)


class DeconvGenerator(nn.Module):
    def __init__(self, start, squeeze):
        super().__init__()
        self.start, self.squeeze = start, squeeze
        self.dense = nn.Sequential(nn.Linear(LATENT, 256), nn.ReLU(), nn.Linear(256, math.prod(start)), nn.ReLU())
        self.blocks = nn.Sequential(nn.ConvTranspose2d(64, 32, 4, 2, 1), nn.ReLU(), nn.ConvTranspose2d(32, 1, 4, 2, 1))

    def forward(self, z):
        y = self.blocks(self.dense(z).view(-1, *self.start))
        return y.squeeze(1) if self.squeeze else y


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(DIM), nn.LayerNorm(DIM)
        self.q, self.k, self.v, self.out = (nn.Linear(DIM, DIM) for _ in range(4))
        self.ff1, self.ff2 = nn.Linear(DIM, 128), nn.Linear(128, DIM)

    def attention(self, x, mask):
        n, t, _ = x.shape
        split = lambda proj: proj(x).view(n, t, HEADS, DIM // HEADS).transpose(1, 2)  # noqa: E731
        q, k, v = split(self.q), split(self.k), split(self.v)
        p = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(DIM // HEADS) + mask, dim=-1)
        return self.out((p @ v).transpose(1, 2).reshape(n, t, DIM))

    def forward(self, x, mask):
        x = x + self.attention(self.norm1(x), mask)
        return x + self.ff2(F.gelu(self.ff1(self.norm2(x))))


class Transformer(nn.Module):
    def __init__(self):
        super().__init__()
        self.tokens = nn.Parameter(torch.randn(VOCABULARY, DIM) * 0.02)
        self.positions = nn.Parameter(torch.randn(LENGTH, DIM) * 0.02)
        self.blocks = nn.ModuleList(Block() for _ in range(2))
        self.final = nn.LayerNorm(DIM)

    def encode(self, x, mask):
        for b in self.blocks:
            x = b(x, mask)
        return self.final(x)

    def embed(self, tokens):
        return F.embedding(tokens, self.tokens) + self.positions[:tokens.shape[1]]


class TextEncoder(Transformer):
    def __init__(self):
        super().__init__()
        self.mu, self.logvar = nn.Linear(DIM, LATENT), nn.Linear(DIM, LATENT)

    def forward(self, tokens):
        real = (tokens != 0).float()
        mask = ((1 - real) * MASKED)[:, None, None, :]
        h = self.encode(self.embed(tokens), mask)
        pooled = (h * real.unsqueeze(-1)).sum(1) / real.sum(1, keepdim=True).clamp(min=1)
        return self.mu(pooled), self.logvar(pooled)


class TextDecoder(Transformer):
    def __init__(self):
        super().__init__()
        self.latent, self.head = nn.Linear(LATENT, DIM), nn.Linear(DIM, VOCABULARY)
        self.register_buffer("causal", torch.triu(torch.full((LENGTH, LENGTH), MASKED), 1))

    def logits(self, inputs, start):
        return self.head(self.encode(self.embed(inputs) + start, self.causal))

    def forward(self, z, targets):  # teacher forcing: the start token 0, then the targets
        shifted = F.pad(targets[:, :-1], (1, 0))
        return self.logits(shifted, self.latent(z).unsqueeze(1))

    def decode(self, z):
        """Greedy free decoding as the plugin does it: step p runs positions 0..p again (no
        key/value cache; causal, so the later ones could not change p); a 0 ends a caption."""
        n = z.shape[0]
        start = self.latent(z).unsqueeze(1)
        inputs = torch.zeros(n, LENGTH, dtype=torch.long)
        tokens = torch.zeros(n, LENGTH, dtype=torch.long)
        ended = torch.zeros(n, dtype=torch.bool)
        for p in range(LENGTH):
            seen = inputs[:, :p + 1]
            causal = self.causal[:p + 1, :p + 1]
            logits = self.head(self.encode(self.embed(seen) + start, causal))
            chosen = logits[:, p].argmax(-1).masked_fill(ended, 0)
            tokens[:, p] = chosen
            if p + 1 < LENGTH:
                inputs[:, p + 1] = chosen
            ended |= chosen == 0
        return tokens


def bce_logits(x, target):  # summed over each example, mean over the batch
    return (F.softplus(x) - x * target).flatten(1).sum(1).mean()


class Mmvae(nn.Module):
    def __init__(self, audio):
        super().__init__()
        self.audio = audio
        self.image_encoder = ConvEncoder(deep=audio, in_hw=(28, 28))
        self.text_encoder, self.text_decoder = TextEncoder(), TextDecoder()
        self.image_decoder = DeconvGenerator((64, 7, 7), squeeze=False)
        self.text_weight = 20.0 if audio else 50.0
        if audio:
            self.audio_encoder = ConvEncoder(deep=False, in_hw=(MELS, FRAMES))
            self.audio_decoder = DeconvGenerator((64, 8, 16), squeeze=True)

    def loss(self, image, text, audio=None):
        experts = [self.image_encoder(image), self.text_encoder(text)]
        if self.audio:
            experts.append(self.audio_encoder(audio))
        n = image.shape[0]
        pick = F.one_hot(torch.randint(len(experts), (n,)), len(experts)).float()
        mu = sum(pick[:, k:k + 1] * m for k, (m, _) in enumerate(experts))
        logvar = sum(pick[:, k:k + 1] * lv for k, (_, lv) in enumerate(experts))
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        loss = bce_logits(self.image_decoder(z), image)
        logits = self.text_decoder(z, text)
        loss = loss + self.text_weight * F.cross_entropy(logits.reshape(-1, VOCABULARY), text.reshape(-1),
                                                         reduction="sum") / n
        if self.audio:
            loss = loss + 0.4 * bce_logits(self.audio_decoder(z), audio)
        return loss - 0.5 * (1 + logvar - mu * mu - logvar.exp()).sum(1).mean()


def optimizer(model, steps):
    """Adam 1e-3; for the three-way model the config's cosine schedule over `steps`."""
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    if not model.audio:
        return opt, None

    def scale(step):
        if step < 200:
            return (step + 1) / 200
        progress = min(1.0, (step - 200) / max(1, steps - 200))
        return 0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * progress))
    return opt, torch.optim.lr_scheduler.LambdaLR(opt, scale)


class SyntheticData:
    """Captions and clips of the loader's shapes beside the real images (see the opening)."""

    def __init__(self, images, audio):
        n = images.shape[0]
        self.images = images
        lengths = torch.randint(2, 9, (n, 1))
        words = torch.randint(1, VOCABULARY, (n, LENGTH))
        self.text = torch.where(torch.arange(LENGTH) < lengths, words, torch.zeros_like(words))
        self.clips = torch.rand(CLIPS, MELS, FRAMES) if audio else None
        self.clip_of = torch.randint(CLIPS, (n,)) if audio else None

    def batch(self, rows):
        audio = self.clips[self.clip_of[rows]] if self.clips is not None else None
        return self.images[rows], self.text[rows], audio

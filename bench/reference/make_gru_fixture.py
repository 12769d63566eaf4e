#!/usr/bin/python3
"""Records, once, the fixture of the GRU text models (plugin `sequence`, encoder/gru and
generator/gru): small PyTorch modules written from the plugin's description with torch.nn.GRU,
their state_dicts, fixed inputs and outputs. The test suite loads the weights into Chimera's
components by name and checks the forward against these outputs, so the gate equations, gate
order, padding and the decoder's use of z are PyTorch's:

    r = sigmoid(W_ir x + b_ir + W_hr h + b_hr),  z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)
    n = tanh(W_in x + b_in + r * (W_hn h + b_hn)),  h' = (1 - z) n + z h

    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 bench/reference/make_gru_fixture.py

Writes tests/data/torch_gru.safetensors: the encoder's state_dict under "encoder.", the
decoder's under "decoder.", and "encoder_tokens" [3, 6] (int32, 0-padded at the end) with
"encoder_mu", "encoder_logvar" [3, 3], "decoder_z" [3, 3], "decoder_targets" [3, 6] with
"decoder_logits" [3, 6, 11] (teacher forcing: inputs are 0 then the targets shifted right).
"""
import os

import torch

from safetensors_writer import save

torch.set_num_threads(1)
torch.manual_seed(21)
DATA = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "data")
VOCABULARY, DIM, HIDDEN, LAYERS, LATENT, OUT = 11, 5, 4, 2, 3, 3


class Encoder(torch.nn.Module):
    """The last state of the top layer after each caption's real tokens, into Gaussian heads."""

    def __init__(self):
        super().__init__()
        self.token_embedding = torch.nn.Embedding(VOCABULARY, DIM)
        self.gru = torch.nn.GRU(DIM, HIDDEN, LAYERS, batch_first=True)
        self.mu = torch.nn.Linear(HIDDEN, OUT)
        self.logvar = torch.nn.Linear(HIDDEN, OUT)

    def forward(self, tokens):
        lengths = (tokens != 0).sum(1)
        packed = torch.nn.utils.rnn.pack_padded_sequence(self.token_embedding(tokens), lengths, batch_first=True,
                                                         enforce_sorted=False)
        _, h = self.gru(packed)
        return self.mu(h[-1]), self.logvar(h[-1])


class Decoder(torch.nn.Module):
    """Every layer's first state tanh(initial(z)) (layer l: features l*H to (l+1)*H), latent(z)
    added to every input embedding, logits from the top layer's states."""

    def __init__(self):
        super().__init__()
        self.token_embedding = torch.nn.Embedding(VOCABULARY, DIM)
        self.gru = torch.nn.GRU(DIM, HIDDEN, LAYERS, batch_first=True)
        self.latent = torch.nn.Linear(LATENT, DIM)
        self.initial = torch.nn.Linear(LATENT, LAYERS * HIDDEN)
        self.logits = torch.nn.Linear(HIDDEN, VOCABULARY)

    def forward(self, z, targets):
        inputs = torch.cat([torch.zeros_like(targets[:, :1]), targets[:, :-1]], 1)
        h0 = torch.tanh(self.initial(z)).reshape(len(z), LAYERS, HIDDEN).transpose(0, 1).contiguous()
        out, _ = self.gru(self.token_embedding(inputs) + self.latent(z)[:, None, :], h0)
        return self.logits(out)


encoder, decoder = Encoder(), Decoder()
tokens = torch.tensor([[3, 5, 2, 7, 9, 1], [4, 4, 8, 0, 0, 0], [10, 0, 0, 0, 0, 0]])
z = torch.randn(3, LATENT)
targets = torch.tensor([[2, 6, 6, 1, 0, 0], [9, 3, 0, 0, 0, 0], [5, 5, 5, 5, 5, 5]])
with torch.no_grad():
    mu, logvar = encoder(tokens)
    logits = decoder(z, targets)

tensors = {"encoder." + k: v for k, v in encoder.state_dict().items()}
tensors.update({"decoder." + k: v for k, v in decoder.state_dict().items()})
tensors.update({"encoder_tokens": tokens.to(torch.int32), "encoder_mu": mu, "encoder_logvar": logvar,
                "decoder_z": z, "decoder_targets": targets.to(torch.int32), "decoder_logits": logits})
save(os.path.join(DATA, "torch_gru.safetensors"), tensors, {"format": "pt", "torch": torch.__version__})

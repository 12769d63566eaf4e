#!/usr/bin/python3
"""Records, once, the fixture of `init_from: {safetensors: ...}`: a small PyTorch encoder (two
dense layers with batch norm and leaky ReLU, then Gaussian heads mu and logvar) whose state_dict
is saved as safetensors as PyTorch users save it (int64 num_batches_tracked included), and its
eval-mode outputs on fixed inputs. The test suite loads the weights into Chimera's encoder/mlp
through a name map and checks Chimera's forward against these outputs to 1e-5.

    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 bench/reference/make_init_from_fixture.py

Writes tests/data/torch_encoder.safetensors (the state_dict) and
tests/data/torch_encoder_io.safetensors (input x [4, 1, 28, 28], outputs mu and logvar [4, 8]).
The safetensors writer is safetensors_writer.py beside this file (Debian ships no safetensors package).
"""
import os

import torch

from safetensors_writer import save

torch.set_num_threads(1)
torch.manual_seed(20)
DATA = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "data")


class Encoder(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.features = torch.nn.Sequential(
            torch.nn.Flatten(),
            torch.nn.Linear(784, 32), torch.nn.BatchNorm1d(32), torch.nn.LeakyReLU(0.2),
            torch.nn.Linear(32, 16), torch.nn.BatchNorm1d(16), torch.nn.LeakyReLU(0.2))
        self.mu = torch.nn.Linear(16, 8)
        self.logvar = torch.nn.Linear(16, 8)

    def forward(self, x):
        h = self.features(x)
        return self.mu(h), self.logvar(h)


model = Encoder()
# Some training-mode batches so the running statistics are not the initial 0 and 1.
with torch.no_grad():
    for _ in range(5):
        model(torch.rand(64, 1, 28, 28) * 1.5 - 0.2)
model.eval()
x = torch.rand(4, 1, 28, 28)
with torch.no_grad():
    mu, logvar = model(x)

save(os.path.join(DATA, "torch_encoder.safetensors"), model.state_dict(), {"format": "pt", "torch": torch.__version__})
save(os.path.join(DATA, "torch_encoder_io.safetensors"), {"x": x, "mu": mu, "logvar": logvar}, {"format": "pt"})

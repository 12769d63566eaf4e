#!/usr/bin/env bash
# The README's first command: set up (install what is missing, configure, build), then the main
# job: train the MLP VAE on Fashion-MNIST briefly (3 epochs), print its test metrics, and write
# sample and reconstruction grids and the training report (report.html) into runs/vae_mlp_fashion/.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$here/scripts/setup.sh"
chimera="${CHIMERA_BUILD_DIR:-$here/build}/bin/chimera"
run="$here/runs/vae_mlp_fashion"
"$chimera" train "$here/configs/vae_mlp_fashion.yaml" --out "$run" --overwrite --set train.epochs=3
"$chimera" generate "$run" --n 64 --out "$run/generated.png"
"$chimera" reconstruct "$run" --n 32 --out "$run/reconstructions.png"
"$chimera" report "$run"  # training wrote it at each epoch; again, with the grids just drawn

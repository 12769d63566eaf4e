#!/usr/bin/env bash
# The pipelines issue's quality check: Chimera and PyTorch train the same MLP VAE for 10 epochs
# at batch 128 on two threads; Chimera's test negative ELBO (nats per image) must be within 2%
# of PyTorch's. Needs python3-torch and libopenblas0-openmp (not dependencies of Chimera).
#   bash bench/reference/vae_quality.sh [BUILD_DIR]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${1:-$here/build}
run=$(mktemp -d)
trap 'rm -rf "$run"' EXIT
"$build/bin/chimera" train "$here/configs/vae_mlp_fashion.yaml" --out "$run" --threads 2 >/dev/null
ours=$(python3 -c 'import json,sys; print([json.loads(l) for l in open(sys.argv[1])][-1]["total"])' "$run/metrics.jsonl")
theirs=$(LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 \
  "$here/bench/reference/vae_mlp_fashion.py" --epochs 10 --batch 128 --threads 2 |
  tail -1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["epochs"][-1]["test_negative_elbo"])')
python3 - "$ours" "$theirs" <<'PY'
import sys
ours, theirs = float(sys.argv[1]), float(sys.argv[2])
diff = (ours - theirs) / theirs * 100
print(f"test negative ELBO after 10 epochs: Chimera {ours:.2f}, PyTorch {theirs:.2f} nats/image ({diff:+.2f}%)")
sys.exit(0 if abs(diff) <= 2 else 1)
PY

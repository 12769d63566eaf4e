#!/usr/bin/env bash
# Remakes this fixture with the chimera binary given (it was made once, with release 0.1.0's):
# run/ is a run stopped at step 5, uninterrupted-metrics.jsonl the metrics of the whole run.
set -euo pipefail
export ONEDNN_MAX_CPU_ISA=AVX2  # the widest ISA every machine has; the test holds its runs to it too
chimera=${1:?usage: make_fixture.sh PATH/TO/chimera}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$chimera" train "$here/pipeline.yaml" --out "$work/whole" --threads 1 >/dev/null
rm -rf "$here/run"
"$chimera" train "$here/pipeline.yaml" --out "$here/run" --threads 1 --set train.steps=5 >/dev/null
cp "$work/whole/metrics.jsonl" "$here/uninterrupted-metrics.jsonl"

#!/usr/bin/env bash
# The README's second command: set up (install what is missing, configure, build), then run
# the whole test suite through CTest; then the sanitizer pass (scripts/sanitize.sh: the unit
# suites and short end-to-end runs under ASan + UBSan, the fuzz corpora, bounded fuzzing).
# CI runs exactly this (.ci/run). CHIMERA_SKIP_SANITIZERS=1 skips the sanitizer pass.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$here/scripts/setup.sh"
# The report's browser test (headless Chromium driven through chromedriver by Selenium) and the
# ONNX export's checks by other runtimes (ONNX's checker, OpenCV's DNN, ONNX Runtime).
bash "$here/scripts/install_packages.sh" chromium chromium-driver python3-selenium python3-onnx python3-opencv
# ONNX Runtime (npm's onnxruntime-node) for the exported models OpenCV's DNN cannot run.
bash "$here/scripts/install_npm_packages.sh" "$here/tests/export" "${CHIMERA_BUILD_DIR:-$here/build}/tests/npm"
# Tests run side by side, each with two OpenMP threads: more threads than cores. Spinning
# OpenMP threads then starve each other (a conv VAE step was 10x slower), so they sleep instead.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
ctest --test-dir "${CHIMERA_BUILD_DIR:-$here/build}" --output-on-failure -j "${CHIMERA_JOBS:-$(nproc)}"
if [[ ${CHIMERA_SKIP_SANITIZERS:-0} != 1 ]]; then
  bash "$here/scripts/sanitize.sh"
fi

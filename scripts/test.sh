#!/usr/bin/env bash
# The README's second command: set up (install what is missing, configure, build), then run
# the whole test suite through CTest. CI runs exactly this (.ci/run).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$here/scripts/setup.sh"
ctest --test-dir "${CHIMERA_BUILD_DIR:-$here/build}" --output-on-failure -j "${CHIMERA_JOBS:-$(nproc)}"

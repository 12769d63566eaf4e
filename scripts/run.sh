#!/usr/bin/env bash
# The README's first command: set up (install what is missing, configure, build), then run the
# main job. Until training lands, the main job lists the plugin components the host finds.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$here/scripts/setup.sh"
"${CHIMERA_BUILD_DIR:-$here/build}/bin/chimera" plugins

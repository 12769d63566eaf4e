#!/usr/bin/env bash
# Installs Chimera's build dependencies from Debian 12 packages, configures and builds.
# Idempotent: apt-get runs only for packages that are missing, and says nothing when none are.
# Not a general installer: it assumes Debian 12 (bookworm) and root, as the README states.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${CHIMERA_BUILD_DIR:-$here/build}

packages=(
  build-essential cmake pkg-config
  libboost-dev libboost-program-options-dev libboost-test-dev
  libdnnl-dev libyaml-cpp-dev libfmt-dev libbenchmark-dev nlohmann-json3-dev libpng-dev
  zlib1g-dev dataset-fashion-mnist python3 espeak-ng libsndfile1-dev libfftw3-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  if ((EUID != 0)); then
    echo "setup: missing Debian packages: ${missing[*]}" >&2
    echo "setup: run this as root, or install them with: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

jobs=${CHIMERA_JOBS:-$(nproc)}
cmake -S "$here" -B "$build_dir" -DCMAKE_BUILD_TYPE="${CMAKE_BUILD_TYPE:-Release}" >/dev/null
cmake --build "$build_dir" -j "$jobs"

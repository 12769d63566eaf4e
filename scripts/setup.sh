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
  libopenmpi-dev openmpi-bin libjs-chart.js libonnx-dev libprotobuf-dev
  pybind11-dev python3-dev python3-numpy libeigen3-dev
)

bash "$here/scripts/install_packages.sh" "${packages[@]}"

jobs=${CHIMERA_JOBS:-$(nproc)}
cmake -S "$here" -B "$build_dir" -DCMAKE_BUILD_TYPE="${CMAKE_BUILD_TYPE:-Release}" >/dev/null
cmake --build "$build_dir" -j "$jobs"

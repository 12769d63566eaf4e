#!/usr/bin/env bash
# The sanitizer pass of the test suite (scripts/test.sh runs it after the release suite): a second
# build in build-sanitize/ by clang with AddressSanitizer (leaks included) and
# UndefinedBehaviorSanitizer, every report fatal. It runs the unit suites, the corpus of every fuzz
# target, and short runs of the command line end to end (training, resume, generation,
# evaluation, the crash tests), then fuzzes each target for a bounded time (scripts/fuzz.sh).
# The long model-zoo runs stay in the release suite: under ASan they would take the time budget.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${CHIMERA_SANITIZE_BUILD_DIR:-$here/build-sanitize}

bash "$here/scripts/install_packages.sh" clang libclang-rt-14-dev libomp-14-dev

CC=clang CXX=clang++ cmake -S "$here" -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" \
  -DCHIMERA_SANITIZE=ON -DCHIMERA_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build "$build_dir" -j "${CHIMERA_JOBS:-$(nproc)}"

source "$here/scripts/sanitizer_env.sh"
# The sanitizer build registers every test but the model zoo's long runs (configs_*), the data
# preparation (a Python script and espeak-ng) and the README's quick start (tests/CMakeLists.txt).
ctest --test-dir "$build_dir" --output-on-failure -j "${CHIMERA_JOBS:-$(nproc)}"
bash "$here/scripts/fuzz.sh" "$build_dir/fuzz"

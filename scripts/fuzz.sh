#!/usr/bin/env bash
# fuzz.sh FUZZ_DIR: fuzzes every libFuzzer target in FUZZ_DIR (built by scripts/sanitize.sh) for
# CHIMERA_FUZZ_SECONDS each (default 10), as many side by side as there are cores, starting from
# the committed corpus (tests/fuzz/corpus/<target>/, replayed first). Fails on any crash, sanitizer
# report, leak, timeout or unexpected exception, keeping the input in FUZZ_DIR/findings/. Prints
# the executions each target reached. Inputs found interesting go to a scratch corpus, not the
# repository: add one to the committed corpus by hand when it is worth keeping.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
fuzz_dir=$(cd "${1:?usage: fuzz.sh FUZZ_DIR}" && pwd)
seconds=${CHIMERA_FUZZ_SECONDS:-10}
source "$here/scripts/sanitizer_env.sh"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$fuzz_dir/findings"
targets=()
for t in "$fuzz_dir"/fuzz_*; do [[ -x $t ]] && targets+=("$(basename "$t")"); done
((${#targets[@]})) || { echo "fuzz: no targets in $fuzz_dir" >&2; exit 1; }

fuzz_one() {
  local t=$1
  mkdir -p "$work/$t"
  if "$fuzz_dir/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
      -print_final_stats=1 -artifact_prefix="$fuzz_dir/findings/$t-" "$work/$t" "$here/tests/fuzz/corpus/$t" \
      >"$work/$t.log" 2>&1; then
    echo ok >"$work/$t.status"
  else
    echo failed >"$work/$t.status"
  fi
}
export -f fuzz_one
export work fuzz_dir seconds here
echo "fuzz: ${#targets[@]} targets, ${seconds} s each, ${CHIMERA_JOBS:-$(nproc)} at a time"
printf '%s\n' "${targets[@]}" | xargs -P "${CHIMERA_JOBS:-$(nproc)}" -I{} bash -c 'fuzz_one {}'

failed=0
printf '%-26s %12s %10s %8s  %s\n' TARGET EXECUTIONS PER_SECOND CORPUS RESULT
for t in "${targets[@]}"; do
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/$t.log" | grep -o '[0-9]*$' || echo 0)
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$work/$t.log" | grep -o '[0-9]*$' || echo 0)
  corpus=$(ls "$work/$t" | wc -l)
  status=$(cat "$work/$t.status")
  printf '%-26s %12s %10s %8s  %s\n' "$t" "$runs" "$rate" "$corpus" "$status"
  if [[ $status != ok ]]; then
    failed=1
    echo "---- $t ----" >&2
    grep -v '^#[0-9]\|^INFO: \|^\s*$\|NEW_FUNC' "$work/$t.log" | head -60 >&2
  fi
done
((failed == 0)) || { echo "fuzz: a target failed; its input is in $fuzz_dir/findings/" >&2; exit 1; }

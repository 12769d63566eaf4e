#!/usr/bin/env bash
# The README's plugin quick start, run as written: the ```sh block after "Start from the
# template" runs from a directory whose `build` is Chimera's build tree, with /opt/chimera and
# /tmp/my_plugin moved into a temporary directory; what its last command prints must be the
# ```text block that follows it, byte for byte (paths moved back). Not a test of the template's
# maths: sdk_plugin_compute and the out-of-tree tests do that.
set -euo pipefail
readme=$1
build=$(cd "$2" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

block() {  # block FENCE: the first block opened by FENCE after the quick start's marker
  awk -v fence="$1" '/^Start from the template/ {on = 1} on && $0 == fence {inside = 1; next}
                     inside && /^```$/ {exit} inside' "$readme"
}
commands=$(block '```sh')
expected=$(block '```text')
[[ -n $commands && -n $expected ]] || { echo "README.md: no quick start blocks after 'Start from the template'" >&2; exit 1; }

ln -s "$build" "$work/build"
commands=${commands//\/opt\/chimera/$work/prefix}
commands=${commands//\/tmp\/my_plugin/$work/my_plugin}
cd "$work"
# Every command but the last is set-up whose output does not matter; the last one's is compared.
setup=$(printf '%s\n' "$commands" | sed '$d')
last=$(printf '%s\n' "$commands" | tail -n 1)
bash -euo pipefail -c "$setup" >"$work/setup.log" 2>&1 || { cat "$work/setup.log" >&2; exit 1; }
actual=$(bash -euo pipefail -c "$last" 2>&1)
actual=${actual//$work\/my_plugin//tmp/my_plugin}
if [[ "$actual" != "$expected" ]]; then
  echo "README.md's quick start prints something else now:" >&2
  diff <(printf '%s\n' "$expected") <(printf '%s\n' "$actual") >&2 || true
  exit 1
fi
echo "the quick start's $(printf '%s\n' "$commands" | wc -l) commands ran and printed what README.md shows"

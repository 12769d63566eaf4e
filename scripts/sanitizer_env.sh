# Sourced by scripts/sanitize.sh and scripts/fuzz.sh: every sanitizer report is fatal, leaks
# included; the one suppression file names what is not ours (tests/sanitizers/lsan.supp).
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$here/tests/sanitizers/lsan.supp:print_suppressions=0}
# Tests run side by side: OpenMP threads sleep while waiting rather than spin (see test.sh).
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}

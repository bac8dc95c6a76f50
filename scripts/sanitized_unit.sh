#!/usr/bin/env bash
# Builds the unit tests with AddressSanitizer and UndefinedBehaviorSanitizer
# (GCC, -DDNS_SANITIZE=ON) in their own build directory and runs them; any
# sanitizer report fails the run.
# Usage: scripts/sanitized_unit.sh [--build-dir DIR] [--jobs N] [-- DOCTEST_ARGS...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_dir="$root/build-asan"
jobs=$(nproc 2>/dev/null || echo 1)
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build_dir=$2; shift 2 ;;
    --jobs|-j) jobs=$2; shift 2 ;;
    --) shift; args=("$@"); break ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) echo "sanitized_unit: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
# -O1: sanitizer builds compile much faster than -O2 and still run the tests quickly.
cmake -S "$root" -B "$build_dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" \
  -DDNS_SANITIZE=ON -DDNS_WERROR=OFF -DDNS_FUZZ_SHORT=OFF -DDNS_SANITIZED_UNIT=OFF >/dev/null
cmake --build "$build_dir" --target unit_tests -j "$jobs"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
cd "$build_dir/tests/unit"
./unit_tests "${args[@]}"

#!/usr/bin/env bash
# Builds the fuzz targets with clang (libFuzzer + ASan + UBSan) in their own
# build directory and fuzzes one of them, or each in turn, for a while on a
# copy of its seed corpus (tests/fuzz/corpus/TARGET).
#
# Usage: tests/fuzz/run_fuzz.sh [--target NAME|all] [--seconds N] [--build-dir DIR]
#                               [--jobs N] [--keep DIR] [-- LIBFUZZER_ARGS...]
#   --target NAME   answer, transfer, zonefile, tsig, state, catalog, or all
#                   (default answer); with all, --seconds is per target
#   --seconds N     how long to fuzz (default 60)
#   --build-dir DIR where to build (default: build-fuzz next to build/, i.e. at the
#                   top of the repository)
#   --jobs N        parallel compile jobs (default: number of cores)
#   --keep DIR      keep the grown corpus and any crash inputs in DIR (default: a
#                   temporary directory, removed unless something crashed)
#   -- ARGS         passed to the fuzzer, e.g. -- -jobs=1 -workers=1 -max_len=1024
#
# Exits 0 when the fuzzer ran the whole time without a crash, non-zero otherwise;
# crash inputs (crash-*, leak-*, timeout-*, oom-*) are listed at the end.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
seconds=60
target=answer
build_dir="$root/build-fuzz"
jobs=$(nproc 2>/dev/null || echo 1)
keep=""
fuzz_args=()

while [ $# -gt 0 ]; do
  case "$1" in
    --seconds|-t) seconds=$2; shift 2 ;;
    --target) target=$2; shift 2 ;;
    --build-dir|-b) build_dir=$2; shift 2 ;;
    --jobs|-j) jobs=$2; shift 2 ;;
    --keep|-k) keep=$2; shift 2 ;;
    --) shift; fuzz_args=("$@"); break ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "run_fuzz.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
case "$seconds" in ''|*[!0-9]*) echo "run_fuzz.sh: --seconds needs a number" >&2; exit 2 ;; esac

command -v clang >/dev/null && command -v clang++ >/dev/null || {
  echo "run_fuzz.sh: clang and clang++ are needed (apt-get install clang)" >&2; exit 2; }
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)

# A build directory configured before with another compiler cannot be reused.
if [ -f "$build_dir/CMakeCache.txt" ] && ! grep -q '^CMAKE_CXX_COMPILER:.*clang++' "$build_dir/CMakeCache.txt"; then
  echo "run_fuzz.sh: $build_dir was configured with another compiler; remove it first" >&2
  exit 2
fi

echo "run_fuzz.sh: configuring $build_dir" >&2
CC=clang CXX=clang++ cmake -S "$root" -B "$build_dir" "${generator[@]}" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDNS_FUZZ=ON -DDNS_FUZZ_SHORT=OFF -DDNS_WERROR=OFF >/dev/null
all_targets="answer transfer zonefile tsig state catalog"
if [ "$target" = all ]; then targets=$all_targets; else targets=$target; fi
for t in $targets; do
  case " $all_targets " in *" $t "*) ;; *) echo "run_fuzz.sh: unknown target '$t'" >&2; exit 2 ;; esac
done
echo "run_fuzz.sh: building $(echo $targets | sed 's/\([a-z]*\)/fuzz_\1/g') (-j $jobs)" >&2
for t in $targets; do cmake --build "$build_dir" --target "fuzz_$t" -j "$jobs" >&2; done

status=0
for t in $targets; do
  if [ -n "$keep" ]; then
    work=$keep/$t
    mkdir -p "$work"
  else
    work=$(mktemp -d "${TMPDIR:-/tmp}/fuzz_$t.XXXXXX")
  fi
  mkdir -p "$work/corpus" "$work/artifacts"
  cp -n "$here/corpus/$t/"* "$work/corpus/" 2>/dev/null || true

  echo "run_fuzz.sh: fuzzing $t for ${seconds}s in $work" >&2
  s=0
  (cd "$work" && "$build_dir/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$work/artifacts/" "${fuzz_args[@]}" corpus) || s=$?

  crashes=$(find "$work/artifacts" -type f | sort)
  # With -jobs/-workers libFuzzer logs to fuzz-N.log and may exit 0 after a worker crashed.
  if [ -n "$crashes" ] && [ "$s" -eq 0 ]; then s=1; fi
  if [ "$s" -ne 0 ]; then
    echo "run_fuzz.sh: fuzz_$t failed (exit $s); inputs:" >&2
    for f in $crashes; do echo "  $f" >&2; done
    for log in "$work"/fuzz-*.log; do [ -f "$log" ] && tail -n 40 "$log" >&2; done
    echo "run_fuzz.sh: replay one with: $build_dir/tests/fuzz/fuzz_$t FILE" >&2
    status=$s
    continue
  fi
  echo "run_fuzz.sh: fuzz_$t: no crash in ${seconds}s; corpus grew to $(ls "$work/corpus" | wc -l) inputs" >&2
  [ -z "$keep" ] && rm -rf "$work"
done
exit "$status"

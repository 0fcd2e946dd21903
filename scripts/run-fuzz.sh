#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/*_fuzz.cc) with clang++-14 into build-fuzz/ and runs
# each one against its seed corpus, tests/fuzz/corpus/<name>/.
#
# Usage: scripts/run-fuzz.sh [RUNS_PER_TARGET] [MAX_SECONDS_PER_TARGET] [NAME...]
#   RUNS_PER_TARGET         executions per target (default 1000000)
#   MAX_SECONDS_PER_TARGET  safety bound passed as -max_total_time (default 1800)
#   NAME...                 only these targets (e.g. event_binary); default: every target built
# Environment: FUZZ_BUILD (default build-fuzz), JOBS (default 2).
#
# New inputs go to $FUZZ_BUILD/fuzz-corpus/<name>/ (the checked-in seeds are only read) and crash
# reproducers to $FUZZ_BUILD/fuzz-artifacts/<name>/. Exits non-zero if any target fails.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${1:-1000000}
max_time=${2:-1800}
shift $(( $# < 2 ? $# : 2 ))
build=${FUZZ_BUILD:-build-fuzz}
jobs=${JOBS:-2}
sanitize="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"

command -v clang++-14 >/dev/null || { echo "clang++-14 missing: apt-get install -y clang-14 libfuzzer-14-dev libclang-rt-14-dev" >&2; exit 2; }

cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-14 \
  -DZROUTE_FUZZ=ON -DCMAKE_CXX_FLAGS="$sanitize" >/dev/null
cmake --build "$build" -j "$jobs" --target zroute_fuzz_targets

if [ $# -gt 0 ]; then
  names=("$@")
else
  names=()
  for bin in "$build"/tests/fuzz/*_fuzz; do
    [ -x "$bin" ] && names+=("$(basename "$bin" _fuzz)")
  done
fi
[ ${#names[@]} -gt 0 ] || { echo "no fuzz targets built under $build/tests/fuzz" >&2; exit 2; }

failed=()
summary=()
for name in "${names[@]}"; do
  bin="$build/tests/fuzz/${name}_fuzz"
  work="$build/fuzz-corpus/$name"
  artifacts="$build/fuzz-artifacts/$name/"
  log="$build/fuzz-$name.log"
  mkdir -p "$work" "$artifacts"
  seeds=()
  [ -d "tests/fuzz/corpus/$name" ] && seeds=("tests/fuzz/corpus/$name")
  echo "== $name: up to $runs runs, at most ${max_time}s"
  status=0
  "$bin" -runs="$runs" -max_total_time="$max_time" -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$artifacts" "$work" "${seeds[@]}" >"$log" 2>&1 || status=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  grep -E '^(Done|==[0-9]+==ERROR|SUMMARY)' "$log" || true
  if [ "$status" -ne 0 ]; then
    failed+=("$name")
    summary+=("$name: FAILED (exit $status) after ${execs:-?} executions; see $log and $artifacts")
  else
    summary+=("$name: ok, ${execs:-?} executions")
  fi
done

echo "== summary"
printf '%s\n' "${summary[@]}"
[ ${#failed[@]} -eq 0 ]

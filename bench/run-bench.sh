#!/usr/bin/env bash
# Runs the zroute benchmark suite (issue 8) from a build folder.
#   bash bench/run-bench.sh BUILD_DIR            full run: table on stdout, JSON in bench/results/
#   bash bench/run-bench.sh BUILD_DIR --smoke    tiny sizes, no targets (the bench_smoke CTest test)
# Further arguments go to zroute-bench (e.g. --only throughput,latency --events 50000).
set -euo pipefail
if [[ $# -lt 1 ]]; then
  echo "usage: $0 BUILD_DIR [--smoke] [zroute-bench flags]" >&2
  exit 2
fi
build=$(cd "$1" && pwd)
shift
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bench="$build/bench/zroute-bench"
for bin in "$bench" "$build/bench/zroute-bench-load" "$build/operator/zroute-operator" \
           "$build/sidecar/zroute-sidecar" "$build/examples/zroute-example-subscriber"; do
  if [[ ! -x "$bin" ]]; then
    echo "missing $bin: build the zroute-bench target first" >&2
    exit 1
  fi
done
smoke=0
for a in "$@"; do [[ "$a" == --smoke ]] && smoke=1; done
if [[ $smoke == 1 ]]; then
  results="$build/bench-smoke.json"
else
  mkdir -p "$here/results"
  results="$here/results/bench-$(date -u +%Y%m%dT%H%M%SZ).json"
fi
echo "zroute-bench on $(nproc) CPUs, $(uname -r); build $build; load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$bench" --bin-dir "$build" --results "$results" "$@"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews the figures)"
if [[ $smoke == 0 ]]; then
  cp "$results" "$here/results/latest.json"
fi

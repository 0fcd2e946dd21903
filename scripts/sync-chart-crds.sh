#!/usr/bin/env bash
# Copies the CRDs (crds/*.yaml, the contract) into the chart (charts/zroute/files/crds/), which
# cannot read files outside its own folder. Files in the chart copy that no longer exist in crds/
# are removed. With --check, changes nothing and exits 1 when the copy is out of date.
set -euo pipefail
cd "$(dirname "$0")/.."
src=crds
dst=charts/zroute/files/crds
check=false
case "${1:-}" in
  --check) check=true ;;
  "") ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

shopt -s nullglob
sources=("$src"/*.yaml)
copies=("$dst"/*.yaml)
if [ ${#sources[@]} -eq 0 ]; then
  echo "no CRDs in $src/" >&2
  exit 1
fi

stale=0
for f in "${sources[@]}"; do
  target="$dst/$(basename "$f")"
  if ! cmp -s "$f" "$target"; then
    stale=1
    if $check; then echo "out of date: $target" >&2; else install -D -m 0644 "$f" "$target"; fi
  fi
done
for f in "${copies[@]}"; do
  if [ ! -f "$src/$(basename "$f")" ]; then
    stale=1
    if $check; then echo "not in $src/: $f" >&2; else rm -f "$f"; fi
  fi
done

if $check && [ $stale -ne 0 ]; then
  echo "run scripts/sync-chart-crds.sh" >&2
  exit 1
fi
exit 0

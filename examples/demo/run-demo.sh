#!/usr/bin/env bash
# make demo: the operator (standalone) and sidecars on loopback, with the manifests in
# examples/manifests. Publishes a steady stream to `orders` and prints what each sidecar reports.
# Stops every process it started on Ctrl-C or after $DURATION seconds (0 = until Ctrl-C).
set -euo pipefail
build=${1:-build}
duration=${DURATION:-0}
work=$(mktemp -d /tmp/zroute-demo.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT INT TERM

"$build/operator/zroute-operator" --manifests examples/manifests --control-bind tcp://127.0.0.1:7400 \
  --http-port 8080 --log-level warn &
pids+=($!)
start_sidecar() {  # app-id http-port data-port
  mkdir -p "$work/$1-$2"
  "$build/sidecar/zroute-sidecar" --app-id "$1" --pod "demo-$1-$2" --http-port "$2" --data-port "$3" \
    --operator tcp://127.0.0.1:7400 --outbox-dir "$work/$1-$2" --log-level warn &
  pids+=($!)
}
start_sidecar publisher 3500 3600
start_sidecar billing 3501 3601
start_sidecar billing 3502 3602
start_sidecar audit 3503 3603
for port in 3500 3501 3502 3503; do
  for _ in $(seq 100); do curl -sf "localhost:$port/readyz" >/dev/null && break; sleep 0.1; done
done
echo "zroute demo: operator on :8080, sidecars on :3500-3503 (Ctrl-C to stop)"
end=$(( $(date +%s) + duration ))
i=0
while [ "$duration" -eq 0 ] || [ "$(date +%s)" -lt "$end" ]; do
  for _ in $(seq 50); do
    i=$((i + 1))
    curl -s -o /dev/null -X POST "localhost:3500/v1/publish/orders" -H 'content-type: application/json' \
      -H "ce-partitionkey: customer-$((i % 7))" -d "{\"order\":$i}" || true
  done
  echo "--- published $i"
  curl -s localhost:3500/v1/admin/subscriptions | tr -d '\n'; echo
  curl -s localhost:8080/metrics | grep -E '^zroute_(operator_sidecars|subscription_lag)' || true
  sleep 1
done

#!/usr/bin/env bash
# Slow-client check (issue 24, defect 3): the server under a 1,024-descriptor limit
# (`ulimit -n 1024`, soft and hard, so it cannot raise it), 1,100 slow connections from
# 127.0.0.1, and /health asked from 127.0.0.2 every half second. Prints the latencies;
# target: every /health answered, within 100 ms. A benchmark: it asserts nothing.
# Loopback only. CLIENTS and DURATION (seconds) override the defaults (1100, 30); BIN
# runs another build of the server (e.g. the debug one) instead of building release.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
if [ -z "${BIN:-}" ]; then
  cargo build --release -p outreach-server --quiet
  BIN="$target/release/outreach-server"
fi
data="$(mktemp -d)"
out="$data/announce"
trap 'kill "$server" 2>/dev/null || true; rm -rf "$data"' EXIT
echo "machine: $(nproc) cores; $(date -u +%F)"
( ulimit -n 1024 && exec "$BIN" serve --plain-http \
    --listen 127.0.0.1:0 --data "$data/office" >"$out" 2>"$data/log" ) &
server=$!
for _ in $(seq 100); do grep -q '^listening on' "$out" 2>/dev/null && break; sleep 0.1; done
port="$(sed -n 's/^listening on http:\/\/127\.0\.0\.1:\([0-9]*\)$/\1/p' "$out")"
echo "server: pid $server, port $port, $(sed 's/\x1b\[[0-9;]*m//g' "$data/log" | grep -o 'descriptors=[0-9]*.*max_per_address=[0-9]*')"
duration="${DURATION:-30}"
python3 bench/slow_clients.py --port "$port" --clients "${CLIENTS:-1100}" --seconds "$duration" --no-health &
clients=$!
sleep 3
# /health from another process and another address, so the slow clients' own event
# loop is not in the figure.
times="$data/times"
end=$((SECONDS + duration - 3))
while [ "$SECONDS" -lt "$end" ]; do
  curl -s --interface 127.0.0.2 -o /dev/null -w '%{http_code} %{time_total}\n' --max-time 30 \
    "http://127.0.0.1:$port/api/v1/health" >>"$times" || echo "000 30" >>"$times"
  sleep 0.5
done
wait "$clients"
python3 - "$times" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
ms = sorted(float(t) * 1000 for _, t in rows)
ok = sum(1 for code, _ in rows if code == "200")
print(f"/health from 127.0.0.2 (curl): {len(rows)} asked, {ok} answered 200; "
      f"median {statistics.median(ms):.1f} ms, p95 {ms[max(0, int(len(ms) * 0.95) - 1)]:.1f} ms, max {ms[-1]:.1f} ms")
PY

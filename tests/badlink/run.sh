#!/usr/bin/env bash
# The bad-link harness (issue 6): the office server and the headless tablet
# (`outreach sim`) in two network namespaces of their own, joined by a veth pair whose
# two ends are shaped with tc tbf (this kernel has no netem), and `badlink proxy` in
# the path for latency with jitter, stalls and cuts. Nothing leaves the namespaces:
# they have no route anywhere but to each other.
#
#   tablet netns                         office netns
#   outreach sim ──veth (tbf up)──▶ badlink proxy 10.199.0.1:8620 ──lo──▶ outreach-server 127.0.0.1:8620
#                ◀─veth (tbf down)─
#
# Usage: tests/badlink/run.sh [all|smoke|pocket|pocket-rate-only|bad|kill]...   (as root; default: all)
#   all     pocket Wi-Fi (and the same bandwidth without the proxy's latency, to tell
#           what the round trips cost), bad link with the naive baseline, kill -9 test
#           (RECORDS=120)
#   smoke   10 records over pocket Wi-Fi and a few kills: the quick check of `make test`
# Environment: RECORDS (120; smoke 10), KILLS (60; smoke 4), BIN (target/debug),
#   OUT (target/badlink: logs and results.json), KEEP=1 keeps the work folder.
#
# Every process runs under `timeout`; an EXIT trap kills what the script started (by
# PID) and deletes the namespaces, however the script ends.
set -euo pipefail
cd "$(dirname "$0")/../.."
export RUST_BACKTRACE=0 # failed tablet runs are expected here: one line each, no backtrace

modes=("$@")
[ ${#modes[@]} -gt 0 ] || modes=(all)
smoke=0
case " ${modes[*]} " in *" smoke "*) smoke=1 ;; esac
if [ $smoke = 1 ]; then
  RECORDS="${RECORDS:-10}"
  KILLS="${KILLS:-4}"
else
  RECORDS="${RECORDS:-120}"
  KILLS="${KILLS:-60}"
fi
target="${CARGO_TARGET_DIR:-target}"
BIN="${BIN:-$target/debug}"
OUT="${OUT:-$target/badlink}"
PASSWORD='badlink-kiri-7291-sakura'
STAFF=demo01
OFFICE_IP=10.199.0.1
TABLET_IP=10.199.0.2
PORT=8620
URL="https://$OFFICE_IP:$PORT"
BACKOFF=1        # seconds between tablet runs after a failed one
RUN_TIMEOUT=900  # one tablet run at most
MAX_RUNS=400     # runs in one phase at most

say() { echo "badlink: $*" >&2; }
die() { say "FAILED: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (network namespaces, tc)"
for tool in ip tc timeout python3; do
  command -v $tool >/dev/null || die "$tool is missing"
done
for b in outreach outreach-server badlink; do
  [ -x "$BIN/$b" ] || die "$BIN/$b is missing: build with \`cargo build -p outreach-cli -p outreach-server -p outreach-badlink\`"
done
SERVER="$(realpath "$BIN/outreach-server")"
TABLET="$(realpath "$BIN/outreach")"
BADLINK="$(realpath "$BIN/badlink")"
mkdir -p "$OUT"
OUT="$(realpath "$OUT")"

# ------------------------------------------------------------------ set-up, clean-up
id=$$
NO="blo$id"   # office namespace
NT="blt$id"   # tablet namespace
VO="blo${id}v"
VT="blt${id}v"
W="$(mktemp -d /tmp/badlink.XXXXXX)"
PIDS=()

cleanup() {
  set +e
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  sleep 0.3
  for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null; done
  for ns in "$NO" "$NT"; do
    # Only what this script started can be in its own namespaces.
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
    ip netns del "$ns" 2>/dev/null
  done
  if [ "${KEEP:-0}" = 1 ]; then say "work folder kept: $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$NO"
ip netns add "$NT"
ip link add "$VT" type veth peer name "$VO"
ip link set "$VO" netns "$NO"
ip link set "$VT" netns "$NT"
ip -n "$NO" addr add "$OFFICE_IP/30" dev "$VO"
ip -n "$NT" addr add "$TABLET_IP/30" dev "$VT"
for ns in "$NO" "$NT"; do ip -n "$ns" link set lo up; done
ip -n "$NO" link set "$VO" up
ip -n "$NT" link set "$VT" up

# shape UP DOWN: tbf on the tablet's end (what it sends) and the office's end.
shape() {
  local up=$1 down=$2
  ip netns exec "$NT" tc qdisc replace dev "$VT" root tbf rate "$up" burst 32kb latency 100ms
  ip netns exec "$NO" tc qdisc replace dev "$VO" root tbf rate "$down" burst 64kb latency 100ms
}
unshape() {
  ip netns exec "$NT" tc qdisc del dev "$VT" root 2>/dev/null || true
  ip netns exec "$NO" tc qdisc del dev "$VO" root 2>/dev/null || true
}

# start_server DATA LOG: the office server in its namespace on its loopback.
start_server() {
  local data=$1 log=$2
  ip netns exec "$NO" timeout -k 5 3600 "$SERVER" serve --data "$data" \
    --listen "127.0.0.1:$PORT" >"$log.out" 2>"$log" &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  for _ in $(seq 1 200); do
    grep -q '^spki-pin ' "$log.out" 2>/dev/null && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || die "the office server did not start: $(cat "$log")"
    sleep 0.05
  done
  die "the office server printed no pin"
}
stop() { kill -TERM "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

# start_proxy STATS LOG ARGS...: the fault proxy in the office namespace, in front
# of the server, on the address the tablet reaches over the veth.
start_proxy() {
  local stats=$1 log=$2
  shift 2
  ip netns exec "$NO" timeout -k 5 3600 "$BADLINK" proxy --listen "$OFFICE_IP:$PORT" \
    --to "127.0.0.1:$PORT" --stats "$stats" "$@" >/dev/null 2>"$log" &
  PROXY_PID=$!
  PIDS+=("$PROXY_PID")
  for _ in $(seq 1 100); do
    [ -s "$stats" ] && return 0
    sleep 0.05
  done
  die "the proxy did not start: $(cat "$log")"
}

# ------------------------------------------------------------------ one captured trip
# One tablet enrolled and holding RECORDS captured records (`outreach sim --no-sync`,
# so capture time counts nowhere); each phase syncs a copy of it to a copy of this
# office, so all phases send exactly the same trip.
say "capturing a trip of $RECORDS records with one photo each (not timed)"
mkdir -p "$W/office0" "$W/tablet0"
echo "$PASSWORD" | "$SERVER" staff add --data "$W/office0" --id "$STAFF" --name "出張 太郎" \
  --role staff --password-stdin >/dev/null 2>"$W/staff.log"
start_server "$W/office0" "$W/office0.log"
code=$("$SERVER" device enrol --data "$W/office0" --name badlink-tablet --server-url "$URL" --json)
echo "$PASSWORD" | ip netns exec "$NO" timeout -k 5 900 "$TABLET" sim --enrolment "$code" \
  --server "https://127.0.0.1:$PORT" --db "$W/tablet0/vault.db" --staff-id "$STAFF" \
  --password-stdin --records "$RECORDS" --no-sync >/dev/null &
wait $! || die "capturing the trip failed"
stop "$SERVER_PID"

# ------------------------------------------------------------------ phases
# json FILE KEY: a number from a one-line JSON file.
json() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], 0))' "$1" "$2"; }

# sync_phase NAME CLIENT(ours|naive) UP DOWN PROXY-ARGS...: sync the trip to the end,
# re-running the tablet after every failed run; then check both ends.
sync_phase() {
  local name=$1 client=$2 up=$3 down=$4
  shift 4
  local dir="$W/$name" log="$OUT/$name"
  rm -rf "$log" && mkdir -p "$dir" "$log"
  cp -a "$W/office0" "$dir/office"
  cp -a "$W/tablet0" "$dir/tablet"
  shape "$up" "$down"
  start_server "$dir/office" "$log/server.log"
  start_proxy "$dir/proxy.json" "$log/proxy.log" "$@"
  say "$name: syncing $RECORDS records ($client client; up $up, down $down; proxy $*)"
  local runs=0 failed=0 started ended rc out
  started=$(date +%s.%N)
  : >"$log/runs.jsonl"
  while :; do
    runs=$((runs + 1))
    [ $runs -le $MAX_RUNS ] || die "$name: not done after $MAX_RUNS runs"
    if [ "$client" = naive ]; then
      echo "$PASSWORD" | ip netns exec "$NT" timeout -k 5 $RUN_TIMEOUT "$BADLINK" naive \
        --db "$dir/tablet/vault.db" --staff-id "$STAFF" --password-stdin --server "$URL" \
        >"$dir/run.out" 2>>"$log/tablet.log" &
    else
      echo "$PASSWORD" | ip netns exec "$NT" timeout -k 5 $RUN_TIMEOUT "$TABLET" sim \
        --db "$dir/tablet/vault.db" --staff-id "$STAFF" --password-stdin --records 0 \
        --server "$URL" >"$dir/run.out" 2>>"$log/tablet.log" &
    fi
    # In the background and waited for: a SIGTERM to this script interrupts `wait` and
    # the clean-up runs at once, not after the run.
    rc=0
    wait $! || rc=$?
    out=$(tail -n1 "$dir/run.out")
    echo "{\"run\":$runs,\"exit\":$rc,\"t\":$(date +%s.%N),\"summary\":${out:-null}}" >>"$log/runs.jsonl"
    if [ $rc = 0 ] && grep -q '"recordsWaiting":0[,}]' <<<"$out"; then break; fi
    failed=$((failed + 1))
    sleep $BACKOFF
  done
  ended=$(date +%s.%N)
  sleep 0.5 # the proxy's counters are written every 250 ms
  stop "$PROXY_PID"
  stop "$SERVER_PID"
  unshape
  echo "$PASSWORD" | timeout 120 "$BADLINK" check --office-db "$dir/office/outreach.db" \
    --db "$dir/tablet/vault.db" --staff-id "$STAFF" --password-stdin >"$log/check.json" \
    || die "$name: $(cat "$log/check.json")"
  cp "$dir/proxy.json" "$log/proxy.json"
  python3 - "$log" "$name" "$client" "$up" "$runs" "$failed" "$started" "$ended" <<'EOF'
import json, sys
log, name, client, up, runs, failed, started, ended = sys.argv[1:]
rate = {"k": 1e3, "m": 1e6}[up[-4].lower()] * float(up[:-4])
check = json.load(open(f"{log}/check.json"))
proxy = json.load(open(f"{log}/proxy.json"))
summaries = [json.loads(l)["summary"] for l in open(f"{log}/runs.jsonl")]
summaries = [s for s in summaries if isinstance(s, dict)]
wall = float(ended) - float(started)
payload = check["photoBytes"] + check["payloadBytes"]
result = {
    "phase": name, "client": client, "records": check["tabletRecords"],
    "runs": int(runs), "failedRuns": int(failed), "seconds": round(wall, 1),
    "payloadBytes": payload, "photoBytes": check["photoBytes"],
    "wireBytesUp": proxy["upBytes"], "wireBytesDown": proxy["downBytes"],
    "cuts": proxy["cuts"], "stalls": proxy["stalls"],
    "connections": proxy["connections"], "upBytesLostInCuts": proxy["upBytesLostInCuts"],
    "engineBytesSent": sum(s.get("bytesSent", 0) for s in summaries),
    "engineBytesResent": sum(s.get("bytesResent", 0) for s in summaries),
    "shapedUpBitsPerSecond": rate,
    "lost": check["lost"], "duplicates": check["duplicates"],
    "hashMismatches": check["hashMismatches"] + check["mismatched"],
    "extra": check["extra"], "uploadsLeft": check["uploadsLeft"],
}
# Goodput: the trip's bytes (photos and record payloads) over the sync's own time
# (the last run's `seconds`, sign-in excluded) when it took one run, else the wall time.
sync_seconds = summaries[-1]["seconds"] if int(runs) == 1 else wall
result["syncSeconds"] = round(sync_seconds, 2)
result["goodputBitsPerSecond"] = round(payload * 8 / sync_seconds)
result["goodputShare"] = round(payload * 8 / sync_seconds / rate, 3)
result["wireShare"] = round(proxy["upBytes"] * 8 / sync_seconds / rate, 3)
json.dump(result, open(f"{log}/result.json", "w"))
print(json.dumps(result))
EOF
}

# kill_phase NAME UP DOWN PROXY-ARGS...: like sync_phase with our client, but every run
# is killed with SIGKILL at a random moment (0.3 to 2.3 s after its start: sign-in
# takes about 0.4 s, then it syncs) until KILLS kills landed on a run that had
# connected to the office; then one run goes to the end.
kill_phase() {
  local name=$1 up=$2 down=$3
  shift 3
  local dir="$W/$name" log="$OUT/$name"
  rm -rf "$log" && mkdir -p "$dir" "$log"
  cp -a "$W/office0" "$dir/office"
  cp -a "$W/tablet0" "$dir/tablet"
  shape "$up" "$down"
  start_server "$dir/office" "$log/server.log"
  start_proxy "$dir/proxy.json" "$log/proxy.log" "$@"
  say "$name: syncing $RECORDS records, killing the tablet with SIGKILL until $KILLS kills landed during sync"
  local kills=0 kills_connected=0 runs=0 finished=0 pid child conns_before conns_after delay rc
  : >"$log/kills.jsonl"
  while [ $kills_connected -lt "$KILLS" ]; do
    runs=$((runs + 1))
    [ $runs -le $MAX_RUNS ] || die "$name: too many runs"
    conns_before=$(json "$dir/proxy.json" connections)
    echo "$PASSWORD" | ip netns exec "$NT" timeout -k 5 300 "$TABLET" sim \
      --db "$dir/tablet/vault.db" --staff-id "$STAFF" --password-stdin --records 0 \
      --server "$URL" >>"$log/tablet.out" 2>>"$log/tablet.log" &
    pid=$!
    delay=$(python3 -c "import random; print(round(random.uniform(0.3, 2.3), 3))")
    sleep "$delay"
    child=$(pgrep -P "$pid" || true) # timeout's child: the tablet itself
    if [ -n "$child" ] && kill -KILL "$child" 2>/dev/null; then
      kills=$((kills + 1))
      wait "$pid" 2>/dev/null || true
      sleep 0.3 # the proxy's counters are written every 250 ms
      conns_after=$(json "$dir/proxy.json" connections)
      if [ "$conns_after" -gt "$conns_before" ]; then kills_connected=$((kills_connected + 1)); fi
      echo "{\"run\":$runs,\"killedAfter\":$delay,\"connected\":$((conns_after > conns_before))}" >>"$log/kills.jsonl"
    else
      set +e
      wait "$pid"
      rc=$?
      set -e
      echo "{\"run\":$runs,\"finishedBefore\":$delay,\"exit\":$rc}" >>"$log/kills.jsonl"
      if [ $rc = 0 ] && tail -n1 "$log/tablet.out" | grep -q '"recordsWaiting":0[,}]'; then
        finished=1
        break
      fi
    fi
  done
  if [ $finished = 0 ]; then
    runs=$((runs + 1))
    echo "$PASSWORD" | ip netns exec "$NT" timeout -k 5 $RUN_TIMEOUT "$TABLET" sim \
      --db "$dir/tablet/vault.db" --staff-id "$STAFF" --password-stdin --records 0 \
      --server "$URL" >>"$log/tablet.out" 2>>"$log/tablet.log" &
    wait $! || die "$name: the run after the kills failed"
  fi
  sleep 0.5
  stop "$PROXY_PID"
  stop "$SERVER_PID"
  unshape
  echo "$PASSWORD" | timeout 120 "$BADLINK" check --office-db "$dir/office/outreach.db" \
    --db "$dir/tablet/vault.db" --staff-id "$STAFF" --password-stdin >"$log/check.json" \
    || die "$name: $(cat "$log/check.json")"
  cp "$dir/proxy.json" "$log/proxy.json"
  python3 - "$log" "$name" "$runs" "$kills" "$kills_connected" "$finished" <<'EOF'
import json, sys
log, name, runs, kills, connected, finished = sys.argv[1:]
check = json.load(open(f"{log}/check.json"))
proxy = json.load(open(f"{log}/proxy.json"))
result = {
    "phase": name, "records": check["tabletRecords"], "runs": int(runs),
    "kills": int(kills), "killsDuringSync": int(connected),
    "finishedBeforeEnoughKills": finished == "1",
    "payloadBytes": check["photoBytes"] + check["payloadBytes"],
    "photoBytes": check["photoBytes"], "wireBytesUp": proxy["upBytes"],
    "lost": check["lost"], "duplicates": check["duplicates"],
    "hashMismatches": check["hashMismatches"] + check["mismatched"],
    "extra": check["extra"], "uploadsLeft": check["uploadsLeft"],
}
json.dump(result, open(f"{log}/result.json", "w"))
print(json.dumps(result))
EOF
}

# ------------------------------------------------------------------ profiles
# Pocket Wi-Fi: 5 Mbit/s up, 20 down, 60 ± 20 ms round trip (30 ± 10 ms each way).
POCKET=(5mbit 20mbit --up-delay-ms 30 --down-delay-ms 30 --jitter-ms 10)
# Bad: 1 Mbit/s both ways, 300 ms round trip, a 2 s stall every 13 s, and every 20 s
# all connections reset and new ones refused for 5 s.
BAD=(1mbit 1mbit --up-delay-ms 150 --down-delay-ms 150 --stall-every 13 --stall-for 2
  --cut-every 20 --cut-for 5)

for mode in "${modes[@]}"; do
  case $mode in
    smoke)
      sync_phase pocket ours "${POCKET[@]}"
      kill_phase kill "${POCKET[@]}"
      ;;
    pocket) sync_phase pocket ours "${POCKET[@]}" ;;
    pocket-rate-only) sync_phase pocket-rate-only ours 5mbit 20mbit ;;
    bad)
      sync_phase bad ours "${BAD[@]}"
      sync_phase bad-naive naive "${BAD[@]}"
      ;;
    kill) kill_phase kill "${POCKET[@]}" ;;
    all)
      sync_phase pocket ours "${POCKET[@]}"
      sync_phase pocket-rate-only ours 5mbit 20mbit
      sync_phase bad ours "${BAD[@]}"
      sync_phase bad-naive naive "${BAD[@]}"
      kill_phase kill "${POCKET[@]}"
      ;;
    *) die "unknown mode $mode (all, smoke, pocket, pocket-rate-only, bad, kill)" ;;
  esac
done

# ------------------------------------------------------------------ the report
python3 - "$OUT" "$RECORDS" "$smoke" <<'EOF'
import json, os, sys
out, records, smoke = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
r = {}
for name in ["pocket", "pocket-rate-only", "bad", "bad-naive", "kill"]:
    p = f"{out}/{name}/result.json"
    if os.path.exists(p):
        r[name] = json.load(open(p))
ok = True
def line(s): print(s)
def mb(b): return f"{b / 1e6:.2f} MB"
line("")
line(f"bad-link harness: a trip of {records} records with one photo each")
for name, x in r.items():
    if name == "kill":
        continue
    line(f"- {name} ({x['client']}): {x['runs']} run(s), {x['seconds']} s; payload {mb(x['payloadBytes'])}, "
         f"on the wire up {mb(x['wireBytesUp'])} ({x['wireBytesUp'] / x['payloadBytes']:.3f}× payload); "
         f"goodput {x['goodputBitsPerSecond'] / 1e6:.2f} Mbit/s = {x['goodputShare']:.1%} of the shaped "
         f"{x['shapedUpBitsPerSecond'] / 1e6:g} Mbit/s; cuts {x['cuts']}, stalls {x['stalls']}; "
         f"lost {x['lost']}, duplicates {x['duplicates']}, hash mismatches {x['hashMismatches']}")
    ok &= x["lost"] == 0 and x["duplicates"] == 0 and x["hashMismatches"] == 0 and x["extra"] == 0
if "pocket" in r:
    line(f"  pocket Wi-Fi goodput target ≥ 90 %: {'met' if r['pocket']['goodputShare'] >= 0.9 else 'NOT met'}")
if "bad" in r and "pocket" in r:
    b, p = r["bad"], r["pocket"]
    extra = b["wireBytesUp"] - p["wireBytesUp"]
    per_cut = extra / max(b["cuts"], 1)
    line(f"  bad: {b['wireBytesUp'] - p['wireBytesUp']} bytes up more than over pocket Wi-Fi for the same trip, "
         f"{per_cut / 1024:.1f} KiB per cut over {b['cuts']} cuts (reconnections, manifests and re-sent bytes "
         f"together; target: at most one chunk, 1024 KiB, per cut: {'met' if per_cut <= 1 << 20 else 'NOT met'}); "
         f"the proxy lost {b['upBytesLostInCuts']} bytes in cuts; the engine counted {b['engineBytesResent']} "
         f"bytes re-sent in the runs that finished")
if "bad" in r and "bad-naive" in r:
    n, b = r["bad-naive"], r["bad"]
    line(f"  naive/ours bytes up over the bad link: {n['wireBytesUp'] / b['wireBytesUp']:.3f} "
         f"({mb(n['wireBytesUp'])} / {mb(b['wireBytesUp'])}); time {n['seconds']} s / {b['seconds']} s; "
         f"runs {n['runs']} / {b['runs']}")
if "kill" in r:
    k = r["kill"]
    line(f"- kill -9: {k['kills']} kills ({k['killsDuringSync']} after the tablet had connected), {k['runs']} runs; "
         f"on the wire up {mb(k['wireBytesUp'])} for {mb(k['payloadBytes'])}; "
         f"lost {k['lost']}, duplicates {k['duplicates']}, hash mismatches {k['hashMismatches']}")
    ok &= k["lost"] == 0 and k["duplicates"] == 0 and k["hashMismatches"] == 0 and k["extra"] == 0
json.dump(r, open(f"{out}/results.json", "w"), indent=1)
line(f"results: {out}/results.json; logs in {out}/<phase>/")
if not ok:
    sys.exit("badlink: a guarantee did not hold")
EOF

#!/usr/bin/env bash
# Office server benchmark (issue 5): many simulated tablets on loopback, each an
# enrolled device with its own connection, upload finalized records with a 300 KB
# photo each (tus creation + one PATCH, a batch of records, then the manifest, which
# must list every record complete), on embedded SQLite and on PostgreSQL, over HTTPS
# (the headline) and plain HTTP. Prints records/s, photo MB/s, p50/p99 latency per
# request kind, the server's memory at rest and at peak, CPU, and the ratio to a
# floor (the same rows and photos into a plain local SQLite file from one thread).
# A benchmark, not a test: it prints figures and asserts nothing.
#
# Knobs (environment): TABLETS (16), RECORDS per tablet (100), BATCH (10),
# PHOTO_KB (300), STORAGES ("sqlite postgres"), MODES ("https http"), JSON=1 for JSON
# instead of the tables: per run, the benchmark's object and one with the server's
# memory at rest (the lines starting with '{'; the others are headers).
#
# PostgreSQL: scripts/with-postgres makes a throwaway server, here with fsync on
# (WITH_POSTGRES_FSYNC=on; its tests default is off), and every run gets a fresh
# database in it. With OUTREACH_TEST_DATABASE_URL set, that server is used instead.
set -euo pipefail
self="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
cd "$(dirname "$self")/.."

TABLETS=${TABLETS:-16}
RECORDS=${RECORDS:-100}
BATCH=${BATCH:-10}
PHOTO_KB=${PHOTO_KB:-300}
STORAGES=${STORAGES:-sqlite postgres}
MODES=${MODES:-https http}
target="${CARGO_TARGET_DIR:-target}"
case "$target" in /*) ;; *) target="$PWD/$target" ;; esac
server_bin="$target/release/outreach-server"
cli_bin="$target/release/outreach"

# One run: start a server on STORAGE (sqlite, or a PostgreSQL URL) in MODE, enrol
# TABLETS devices, measure, stop it.
run_one() {
  local storage=$1 mode=$2 db_url=${3:-}
  local dir
  dir=$(mktemp -d "${TMPDIR:-/tmp}/outreach-bench.XXXXXX")
  local data="$dir/data"
  local serve=(--data "$data" --listen 127.0.0.1:0)
  local enrol=(--data "$data")
  if [ -n "$db_url" ]; then
    serve+=(--database-url "$db_url")
    enrol+=(--database-url "$db_url")
  fi
  if [ "$mode" = http ]; then
    serve+=(--plain-http)
    enrol+=(--plain-http)
  fi
  # Logs stay at the default level (info): a line per photo and per batch, as in
  # production; they go to a file.
  : >"$dir/server.out"
  "$server_bin" serve "${serve[@]}" >"$dir/server.out" 2>"$dir/server.log" &
  local pid=$!
  local url=""
  for _ in $(seq 1 300); do
    url=$(sed -n 's/^listening on //p' "$dir/server.out")
    [ -n "$url" ] && break
    kill -0 "$pid" 2>/dev/null || { cat "$dir/server.log" >&2; return 1; }
    sleep 0.1
  done
  [ -n "$url" ] || { echo "the server did not start" >&2; cat "$dir/server.log" >&2; return 1; }
  # At rest: started, nothing asked of it yet.
  sleep 1
  local rss_rest
  rss_rest=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")
  # Each tablet's records name its own staff member (s001, s002, …), and the office
  # takes records only from staff it has.
  local staff=(--data "$data")
  [ -n "$db_url" ] && staff+=(--database-url "$db_url")
  for i in $(seq 1 "$TABLETS"); do
    printf 'bench-kiri-%s-sakura\n' "$i" |
      "$server_bin" staff add "${staff[@]}" --id "$(printf 's%03d' "$i")" --name "測定 $i" \
        --role staff --password-stdin >/dev/null 2>>"$dir/staff.log"
  done
  for i in $(seq 1 "$TABLETS"); do
    "$server_bin" device enrol "${enrol[@]}" --name "tablet$i" --server-url "$url" --json
  done >"$dir/codes.jsonl"
  local out=(--url "$url" --codes "$dir/codes.jsonl" --tablets "$TABLETS"
    --records-per-tablet "$RECORDS" --photo-kb "$PHOTO_KB" --batch "$BATCH"
    --server-pid "$pid" --reference-dir "$dir")
  [ "${JSON:-}" = 1 ] && out+=(--json)
  echo
  echo "== $storage, $mode =="
  "$cli_bin" bench server "${out[@]}" || echo "(the benchmark failed: see $dir/server.log)"
  # At rest again after the load.
  sleep 3
  local rss_after hwm
  rss_after=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")
  hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status")
  if [ "${JSON:-}" = 1 ]; then
    echo "{\"storage\":\"$storage\",\"mode\":\"$mode\",\"rssAfterStartKB\":$rss_rest,\"rssRestAfterLoadKB\":$rss_after,\"hwmKB\":$hwm}"
  else
    echo "  server memory at rest     $((rss_rest / 1024)) MB after start (VmRSS), $((rss_after / 1024)) MB 3 s after the load (target < 100 MB); VmHWM $((hwm / 1024)) MB, set at start by the Argon2 calibration"
  fi
  kill -TERM "$pid"
  wait "$pid" || echo "  (the server exited $? on SIGTERM)"
  rm -rf "$dir"
}

# Inside scripts/with-postgres: a fresh database per run on its server.
if [ "${1:-}" = --postgres-runs ]; then
  base=${OUTREACH_TEST_DATABASE_URL:?}
  echo "PostgreSQL: $(psql -X -At "$base" -c 'SHOW server_version'), fsync=$(psql -X -At "$base" -c 'SHOW fsync'), synchronous_commit=$(psql -X -At "$base" -c 'SHOW synchronous_commit')"
  for mode in $MODES; do
    db="outreach_bench_${mode}_$$"
    psql -X -q "$base" -c "CREATE DATABASE $db"
    run_one postgres "$mode" "${base%/*}/$db"
    psql -X -q "$base" -c "DROP DATABASE $db"
  done
  exit 0
fi

cargo build --release -p outreach-server -p outreach-cli --quiet
echo "machine: $(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), $(free -g | awk '/Mem:/ {print $2}') GiB; $(date -u +%F); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "load: $TABLETS tablets × $RECORDS records, batches of $BATCH, $PHOTO_KB KB photo each; server, tablets and database share this machine"
for storage in $STORAGES; do
  case "$storage" in
    sqlite)
      for mode in $MODES; do run_one sqlite "$mode"; done
      ;;
    postgres)
      WITH_POSTGRES_FSYNC=on scripts/with-postgres "$self" --postgres-runs
      ;;
    *) echo "unknown storage $storage (sqlite or postgres)" >&2; exit 2 ;;
  esac
done

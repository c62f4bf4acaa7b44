# shellcheck shell=bash
# Sourced by scripts/tus-conformance and scripts/schemathesis: the real office server
# binary on a free loopback port, plain HTTP, on embedded SQLite in a temporary data
# folder, with what the scripts need to call it (a staff account, an enrolled device).
# The server is stopped and the folder removed when the script exits, however it
# exits (an EXIT trap; INT and TERM exit through it too). On failure the end of the
# server's log is printed.
#
#   office_server_init                        temp folder and the trap
#   office_server_add_staff ID ROLE PASSWORD  before the start (the CLI opens the database)
#   office_server_start                       sets server_url (http://127.0.0.1:PORT)
#   office_server_enrol NAME                  prints a device credential
#   office_server_login ID PASSWORD           prints the console cookie (name=value)

conformance_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
conformance_root=$(cd "$conformance_dir/../.." && pwd)
# The binary `make build` made; OUTREACH_SERVER_BIN to test another one.
server_bin="${OUTREACH_SERVER_BIN:-${CARGO_TARGET_DIR:-$conformance_root/target}/debug/outreach-server}"
# The Python of scripts/python-tools' virtualenv (set by the caller); it leaves no
# __pycache__ in the tree.
python="${python:-python3}"
export PYTHONDONTWRITEBYTECODE=1
server_pid=
server_url=
work=

office_server_cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    # SIGTERM is the server's clean stop; it is killed if it takes more than 10 s.
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [ "$status" -ne 0 ] && [ -n "$work" ]; then
    if [ -s "$work/cli.log" ]; then
      echo "--- what outreach-server staff/device said ---" >&2
      tail -n 20 "$work/cli.log" >&2
    fi
    if [ -s "$work/server.log" ]; then
      echo "--- the last lines of the server's log ---" >&2
      tail -n 40 "$work/server.log" >&2
    fi
  fi
  [ -n "$work" ] && rm -rf "$work"
  exit "$status"
}

office_server_init() {
  if [ ! -x "$server_bin" ]; then
    echo "$(basename "$0"): $server_bin not found: run 'make build' (or cargo build -p outreach-server) first" >&2
    return 1
  fi
  work=$(mktemp -d "${TMPDIR:-/tmp}/outreach-conformance.XXXXXX")
  trap office_server_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  # Nothing in the environment may point the server or the CLI elsewhere.
  unset OUTREACH_DATA OUTREACH_DATABASE_URL OUTREACH_LISTEN OUTREACH_PUBLIC_URL \
    OUTREACH_TLS_CERT OUTREACH_TLS_KEY OUTREACH_PLAIN_HTTP OUTREACH_RECOVERY_PASSPHRASE
}

office_server_add_staff() {
  printf '%s\n' "$3" | "$server_bin" staff add --data "$work/data" --id "$1" \
    --name "適合 試験" --role "$2" --password-stdin >/dev/null 2>>"$work/cli.log"
}

office_server_start() {
  NO_COLOR=1 "$server_bin" serve --data "$work/data" --listen 127.0.0.1:0 --plain-http \
    >"$work/stdout" 2>"$work/server.log" &
  server_pid=$!
  local line=
  for _ in $(seq 1 300); do
    if [ "$(wc -l 2>/dev/null <"$work/stdout" || echo 0)" -ge 1 ]; then
      line=$(head -n 1 "$work/stdout")
      break
    fi
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  case "$line" in
    "listening on http://"*) server_url=${line#listening on } ;;
    *)
      echo "$(basename "$0"): the server did not announce 'listening on http://ADDR' within 30 s (it said: '$line')" >&2
      return 1
      ;;
  esac
}

office_server_enrol() {
  "$server_bin" device enrol --data "$work/data" --name "$1" --server-url "$server_url" \
    --plain-http --json 2>>"$work/cli.log" | "$python" "$conformance_dir/api.py" enrol "$server_url"
}

office_server_login() {
  printf '%s\n' "$2" | "$python" "$conformance_dir/api.py" login "$server_url" "$1"
}

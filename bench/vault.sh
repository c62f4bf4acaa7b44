#!/usr/bin/env bash
# Vault benchmark (issue: encrypted tablet vault): unlock time with the real Argon2id
# parameters, and record inserts per second with a 300 KB photo, SQLCipher versus plain
# SQLite side by side on the same code path and disk. A benchmark, not a test: it
# prints figures and a ratio (target: encrypted/plain ≤ 1.3) and asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p outreach-cli --quiet
target="${CARGO_TARGET_DIR:-target}"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(date -u +%F)"
# Extra arguments go to the tool: e.g. `--only vault,plain16k`, `--dir /dev/shm`,
# `--no-unlock` (bench/README.md).
"$target/release/outreach" bench vault --records "${RECORDS:-300}" "$@"

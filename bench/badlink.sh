#!/usr/bin/env bash
# Sync over a bad link (issue 6): the office server and the headless tablet in network
# namespaces of their own, the link shaped with tc tbf and degraded by the harness's
# fault proxy (latency ± jitter, stalls, cuts). Two profiles, pocket Wi-Fi and bad,
# the naive resend-everything baseline over the bad link, and kill -9 of the tablet
# during sync; each phase ends with the check that nothing was lost or duplicated and
# that every photo's SHA-256 matches. Needs root. See bench/README.md for the figures.
#
#   bench/badlink.sh [all|pocket|pocket-rate-only|bad|kill]...   (default: all, ~25 min)
#   RECORDS=120 KILLS=60 OUT=target/badlink
#
# Debug builds, as the tests use: the figures are bound by the shaped link, except for
# the server's time per photo, which a release build shortens a little.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -p outreach-cli -p outreach-server -p outreach-badlink --quiet
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; kernel $(uname -r); $(date -u +%F)"
timeout --kill-after=30 5400 tests/badlink/run.sh "$@"

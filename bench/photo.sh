#!/usr/bin/env bash
# ID-photo benchmark (issue 8): from a 12-megapixel camera-like JPEG (4000 × 3000) to
# both output photos (digital and print) and the full check report with
# `outreach photo check --no-sheet`, beside libvips doing only decode, crop, resize and
# encode of the same file: `vips thumbnail … --crop centre` (one call, with libvips'
# shrink-on-load) and `vips crop` + `vips resize` (two calls, full decode). Both sides
# are whole processes, run interleaved, RUNS times each; medians and ratios are printed.
# Target: ours ≤ 0.75 × libvips. A benchmark, not a test: it asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${RUNS:-11}"
target="${CARGO_TARGET_DIR:-target}"
command -v vips >/dev/null || { echo "bench/photo.sh: vips is missing (Debian: libvips-tools; make bench-deps)" >&2; exit 1; }
cargo build --release -p outreach-cli --quiet
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
frame="$work/camera-12mp.jpg"
scripts/photo-test-images --bench "$frame" >/dev/null
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(date -u +%F); $(vips --version)"

# The crop libvips gets: the print photo's own crop from our report, so both sides cut
# the same region.
"$target/release/outreach" photo check "$frame" --out-dir "$work/ours" --json --no-sheet > "$work/report.json" || true
read -r cx cy cw ch < <(python3 -c '
import json,sys
r=json.load(open(sys.argv[1]))["print"]["crop"]
print(r["x"], r["y"], r["width"], r["height"])' "$work/report.json")
scale=$(python3 -c "print(1063/$ch)")
python3 - "$work/report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"input: {r['width']}x{r['height']}, {r['source']['bytes']} bytes; print crop {r['print']['crop']}; verdict {r['verdict']}")
PY

ms() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }
ours=(); thumb=(); chain=()
for i in $(seq "$RUNS"); do
  ours+=("$(ms "$target/release/outreach" photo check "$frame" --out-dir "$work/ours" --json --no-sheet)")
  thumb+=("$(ms vips thumbnail "$frame" "$work/vips-thumb.jpg[Q=92]" 827 --height 1063 --crop centre)")
  s=$(date +%s%N)
  vips crop "$frame" "$work/crop.v" "$cx" "$cy" "$cw" "$ch"
  vips resize "$work/crop.v" "$work/vips-chain.jpg[Q=92]" "$scale"
  e=$(date +%s%N); chain+=("$(( (e - s) / 1000000 ))")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
mo=$(median "${ours[@]}"); mt=$(median "${thumb[@]}"); mc=$(median "${chain[@]}")
echo "runs: $RUNS each, interleaved (ms)"
echo "  ours  (decode, detect, 13 checks, digital + print JPEG, report): ${ours[*]}"
echo "  vips thumbnail --crop (decode with shrink-on-load, crop, resize, encode): ${thumb[*]}"
echo "  vips crop + resize (full decode, crop, resize, encode): ${chain[*]}"
echo "median: ours $mo ms, vips thumbnail $mt ms, vips crop+resize $mc ms"
python3 -c "print(f'ratio ours/vips thumbnail = {$mo/$mt:.2f}, ours/vips crop+resize = {$mo/$mc:.2f} (target <= 0.75)')"

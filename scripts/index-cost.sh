#!/usr/bin/env bash
# What the search index costs a build (a benchmark, not a test): builds SITE with the index and a
# copy of it with `[search] enabled = false`, one after the other RUNS times each, the output
# removed before each build, and prints the median wall time and CPU time (user + system) of
# each and the index's share of the build. With INSTRUCTIONS=1 and valgrind on PATH it also
# counts the instructions of one build of each (callgrind): unlike time, the count does not
# move with the load of a shared host.
#
#   bash scripts/index-cost.sh SITE            # RUNS=9 by default
#   INSTRUCTIONS=1 bash scripts/index-cost.sh SITE
#
# bench.sh runs it on the 10,000-page corpus. Needs GNU time (/usr/bin/time).
set -euo pipefail
site=${1:?usage: index-cost.sh SITE}
cd "$(dirname "$0")/.."
runs=${RUNS:-9}
bin=${BIN:-$(bash scripts/release-bin.sh)}
work=$(mktemp -d /dev/shm/vlsc-index-cost.XXXX)
trap 'rm -rf "$work"' EXIT
cp -r "$site" "$work/off"
printf '\n[search]\nenabled = false\n' >>"$work/off/book.toml"
if grep -q '^\[search\]' "$site/book.toml"; then
  echo "index-cost.sh: $site/book.toml has a [search] table of its own" >&2
  exit 1
fi

echo "   $bin build --root $site --output OUT   (the index on; OUT removed before each run)"
echo "   $bin build --root $work/off --output OUT   (the same with [search] enabled = false)"
for _ in $(seq "$runs"); do
  for which in on off; do
    root=$site
    [ "$which" = off ] && root=$work/off
    rm -rf "$work/out"
    /usr/bin/time -o "$work/time" -f "%e %U %S" "$bin" build --quiet --root "$root" --output "$work/out" >/dev/null 2>&1
    echo "$which $(cat "$work/time")" >>"$work/times"
  done
done
python3 - "$work/times" <<'EOF'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
wall = {w: statistics.median(float(r[1]) for r in rows if r[0] == w) for w in ("on", "off")}
cpu = {w: statistics.median(float(r[2]) + float(r[3]) for r in rows if r[0] == w) for w in ("on", "off")}
n = sum(1 for r in rows if r[0] == "on")
print(f"wall time, median of {n}: {wall['on']:.3f} s with the index, {wall['off']:.3f} s without: "
      f"the index is {100 * (wall['on'] - wall['off']) / wall['on']:.1f}% of the build")
print(f"CPU time, median of {n}: {cpu['on']:.3f} s with the index, {cpu['off']:.3f} s without: "
      f"the index is {100 * (cpu['on'] - cpu['off']) / cpu['on']:.1f}% of the build")
EOF
if [ "${INSTRUCTIONS:-0}" = 1 ] && command -v valgrind >/dev/null; then
  for which in on off; do
    root=$site
    [ "$which" = off ] && root=$work/off
    rm -rf "$work/out"
    valgrind --tool=callgrind --callgrind-out-file="$work/cg.$which" "$bin" build --quiet --root "$root" \
      --output "$work/out" >/dev/null 2>"$work/vg.$which"
    grep -o 'refs: *[0-9,]*' "$work/vg.$which" | tr -d ', ' | cut -d: -f2 >"$work/ir.$which"
  done
  on=$(cat "$work/ir.on")
  off=$(cat "$work/ir.off")
  awk -v on="$on" -v off="$off" 'BEGIN {printf "instructions (callgrind, one build each): %.0f M with the index, %.0f M without: the index is %.1f%% of the build\n", on / 1e6, off / 1e6, 100 * (on - off) / on}'
fi

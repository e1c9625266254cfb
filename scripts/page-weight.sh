#!/usr/bin/env bash
# Page weight report for a built site: for every page, the bytes of the HTML plus the local CSS
# (<link rel=stylesheet href>) and JS (<script src>) it references, sorted by total, and the
# heaviest page. A report only: no threshold. Remote references are listed but not counted; a
# referenced local file that does not exist is flagged with "!" (lychee in scripts/gates.sh fails
# on those).
#
#   scripts/page-weight.sh SITE_DIR
set -euo pipefail

if [ "$#" -ne 1 ] || [ ! -f "$1/index.html" ]; then
  echo "usage: scripts/page-weight.sh SITE_DIR   (a built site, with index.html)" >&2
  exit 2
fi
command -v node >/dev/null || { echo "page-weight: node not found" >&2; exit 1; }

exec node - "$1" <<'EOF'
const fs = require('fs');
const path = require('path');
const site = path.resolve(process.argv[2]);

function htmlFiles(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...htmlFiles(p));
    else if (e.name.endsWith('.html')) out.push(p);
  }
  return out;
}

// Attributes of a start tag, quoted or not (the generator minifies: href=../assets/site.css).
function attrs(tag) {
  const out = {};
  const re = /([^\s"'<>\/=]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'=<>`]+))?/g;
  let m;
  re.lastIndex = tag.indexOf(' ') < 0 ? tag.length : tag.indexOf(' ');
  while ((m = re.exec(tag))) {
    let v = m[2] ?? '';
    if (/^["']/.test(v)) v = v.slice(1, -1);
    out[m[1].toLowerCase()] = v.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'");
  }
  return out;
}

const rows = [];
const warnings = [];
for (const file of htmlFiles(site)) {
  const html = fs.readFileSync(file, 'utf8');
  const rel = path.relative(site, file).split(path.sep).join('/');
  const refs = { css: [], js: [] };
  for (const m of html.matchAll(/<link\b[^>]*>/gi)) {
    const a = attrs(m[0]);
    if (a.href && (a.rel ?? '').toLowerCase().split(/\s+/).includes('stylesheet')) refs.css.push(a.href);
  }
  for (const m of html.matchAll(/<script\b[^>]*>/gi)) {
    const a = attrs(m[0]);
    if (a.src) refs.js.push(a.src);
  }
  const row = { page: rel, html: fs.statSync(file).size, css: 0, js: 0, files: [] };
  for (const kind of ['css', 'js']) {
    for (const ref of refs[kind]) {
      if (/^[a-z][a-z0-9+.-]*:|^\/\//i.test(ref)) { warnings.push(`${rel}: remote ${kind} not counted: ${ref}`); continue; }
      const clean = decodeURIComponent(ref.replace(/[?#].*$/, ''));
      const target = clean.startsWith('/') ? path.join(site, clean) : path.resolve(path.dirname(file), clean);
      if (!fs.existsSync(target) || !fs.statSync(target).isFile()) {
        warnings.push(`${rel}: ! missing ${kind}: ${ref}`);
        row.files.push(`!${ref}`);
        continue;
      }
      row[kind] += fs.statSync(target).size;
      row.files.push(path.relative(site, target).split(path.sep).join('/'));
    }
  }
  row.total = row.html + row.css + row.js;
  rows.push(row);
}

rows.sort((a, b) => b.total - a.total || a.page.localeCompare(b.page));
const w = Math.max(4, ...rows.map((r) => r.page.length));
const num = (n) => String(n).padStart(8);
console.log(`${'page'.padEnd(w)}  ${'html'.padStart(8)}  ${'css'.padStart(8)}  ${'js'.padStart(8)}  ${'total'.padStart(8)}  assets`);
for (const r of rows) {
  console.log(`${r.page.padEnd(w)}  ${num(r.html)}  ${num(r.css)}  ${num(r.js)}  ${num(r.total)}  ${r.files.join(' ')}`);
}
const sum = rows.reduce((s, r) => s + r.total, 0);
console.log(`${rows.length} pages; bytes per page (HTML + referenced local CSS and JS): max ${rows[0]?.total ?? 0} (${rows[0]?.page ?? '-'}), ` +
  `min ${rows[rows.length - 1]?.total ?? 0}, mean ${rows.length ? Math.round(sum / rows.length) : 0}`);
for (const x of warnings) console.log(`warning: ${x}`);
EOF

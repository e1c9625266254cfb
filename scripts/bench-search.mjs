// Measures offline search on a built site over file:// in headless Chromium: for each query, the
// bytes of index files it loads and the time to its results when pasted into a fresh page, and
// the time from the last keystroke to the results when typed (search.js waits 60 ms for typing to
// stop, included).
//
//   node scripts/bench-search.mjs SITE_DIR LANG QUERY...
//
// Prints one line per query and the index size of the language. Measures; asserts nothing.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { launch } from '../tests/browser/browser.mjs';

const [site, lang, ...queries] = process.argv.slice(2);
if (!site || !lang || queries.length === 0) {
  console.error('usage: node scripts/bench-search.mjs SITE_DIR LANG QUERY...');
  process.exit(2);
}
const indexDir = join(site, 'assets/search', lang);
const sizes = Object.fromEntries(readdirSync(indexDir).map((f) => [f, statSync(join(indexDir, f)).size]));
const total = Object.values(sizes).reduce((a, b) => a + b, 0);
const shards = Object.keys(sizes).filter((f) => /^s\d+\.[0-9a-f]{8}\.js$/.test(f));
const largest = Math.max(...shards.map((f) => sizes[f]));
console.log(`${lang}: index ${(total / 1e6).toFixed(2)} MB in ${Object.keys(sizes).length} files ` +
  `(${shards.length} shards, largest ${(largest / 1024).toFixed(0)} KiB; meta.js ${(sizes['meta.js'] / 1024).toFixed(1)} KiB)`);

const browser = await launch({ timeout: 30_000 });
try {
  // The results for `q` are on screen once the other-language link carries it (set with them).
  const shown = (page, q) => page.waitForFunction(
    (q) => [...document.querySelectorAll('.vd-search-other a')].some((a) => a.href.endsWith(`?q=${encodeURIComponent(q)}`)),
    q, { polling: 5 },
  );
  const loadedFiles = (page) =>
    page.$$eval('script[src*="search/"]', (ss) => ss.map((s) => s.getAttribute('src').replace(/^.*\//, '').replace(/\?.*$/, '')));
  for (const q of queries) {
    // Pasted at once into a fresh page: exactly the files this query needs.
    let page = await browser.context.newPage();
    await page.goto(pathToFileURL(join(site, lang, 'index.html')).href);
    let t0 = Date.now();
    await page.locator('#vd-search-input').fill(q);
    await shown(page, q);
    const pasted = Date.now() - t0;
    const files = await loadedFiles(page);
    const bytes = files.reduce((a, f) => a + (sizes[f] ?? 0), 0);
    const status = await page.locator('#vd-search-status').textContent();
    await page.close();
    // Typed key by key: the time from the last keystroke to its results.
    page = await browser.context.newPage();
    await page.goto(pathToFileURL(join(site, lang, 'index.html')).href);
    await page.locator('#vd-search-input').focus();
    const chars = Array.from(q);
    await page.keyboard.type(chars.slice(0, -1).join(''), { delay: 80 });
    t0 = Date.now();
    await page.keyboard.insertText(chars[chars.length - 1]);
    await shown(page, q);
    const typed = Date.now() - t0;
    await page.close();
    console.log(`${JSON.stringify(q)}: pasted into a fresh page ${pasted} ms (index files included), ` +
      `typed ${typed} ms after the last keystroke; the query loads ${files.length} files, ` +
      `${(bytes / 1024).toFixed(0)} KiB; ${status}`);
  }
} finally {
  await browser.close();
}

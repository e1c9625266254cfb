// Measures offline search on a built site over file:// in headless Chromium: for each query, in a
// fresh page, the time from the last keystroke to the results on screen (the script waits 60 ms
// for typing to stop, included), and the bytes of index files the query loaded.
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
const shards = Object.keys(sizes).filter((f) => /^s\d+\.js$/.test(f));
const largest = Math.max(...shards.map((f) => sizes[f]));
console.log(`${lang}: index ${(total / 1e6).toFixed(2)} MB in ${Object.keys(sizes).length} files ` +
  `(${shards.length} shards, largest ${(largest / 1024).toFixed(0)} KiB; meta.js ${(sizes['meta.js'] / 1024).toFixed(1)} KiB)`);

const browser = await launch({ timeout: 30_000 });
try {
  for (const q of queries) {
    const page = await browser.context.newPage();
    await page.goto(pathToFileURL(join(site, lang, 'index.html')).href);
    await page.locator('#vd-search-input').focus();
    await page.waitForFunction(() => document.querySelector('script[src$="meta.js"]'));
    await page.waitForTimeout(200);
    await page.keyboard.type(q, { delay: 20 });
    const t0 = Date.now();
    await page.waitForFunction(() => document.getElementById('vd-search-status').textContent !== '', null, { polling: 5 });
    const ms = Date.now() - t0;
    const files = await page.$$eval('script[src*="search/"]', (ss) => ss.map((s) => s.getAttribute('src').replace(/^.*\//, '')));
    const bytes = files.reduce((a, f) => a + (sizes[f] ?? 0), 0);
    const status = await page.locator('#vd-search-status').textContent();
    console.log(`${JSON.stringify(q)}: ${ms} ms after the last keystroke; loaded ${files.length} files, ` +
      `${(bytes / 1024).toFixed(0)} KiB; ${status}`);
    await page.close();
  }
} finally {
  await browser.close();
}

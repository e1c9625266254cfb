// Offline search on the bundled guide, as readers meet it: the site opened over file:// (where
// fetch() of a local file is blocked), JavaScript on, in Debian's Chromium driven by playwright-core.
//
//   SITE_DIR=/path/to/built/guide node --test tests/browser/search.test.mjs
//
// Every test fails on any console error, uncaught page error or failed request.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { launch as launchBrowser, siteDir, watch } from './browser.mjs';

const SITE = siteDir();
const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const AXE_OPTIONS = {
  preload: false,
  runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa'] },
  resultTypes: ['violations'],
};

const TIMEOUT = 10_000;
const TEST_TIMEOUT = 60_000;
const PHONE = { width: 390, height: 844 };
const fileUrl = (rel) => pathToFileURL(join(SITE, rel)).href;
const launch = (options = {}) => launchBrowser({ timeout: TIMEOUT, ...options });

function assertNoErrors(errors) {
  assert.deepEqual(errors, [], `console errors, page errors or failed requests:\n  ${errors.join('\n  ')}`);
}

/** Index scripts the page has loaded so far (relative to the language's index folder, without
    the query that meta.js is asked for with). */
const indexScripts = (page) =>
  page.$$eval('script[src*="search/"]', (ss) => ss.map((s) => s.getAttribute('src').replace(/^.*\/search\/[^/]+\//, '').replace(/\?.*$/, '')));

/** The payload of an index script: `__vdSearch("name",PAYLOAD);`. */
function payload(file) {
  const [, name, json] = readFileSync(file, 'utf8').match(/^__vdSearch\("(\w+)",([\s\S]*)\);\s*$/);
  return { name, data: JSON.parse(json) };
}

/** What a deploy of a new build does to the index folder `dir`: every chunk and shard is
    replaced by a file of another content under another name (the old one is gone), each
    chunk's titles marked `（新版）`, and meta.js names the new files and a new id. With
    `keepMeta`, meta.js is left as it was: a cache still serving the old one. Returns the new
    files' names. */
function deploy(dir, { keepMeta = false } = {}) {
  const metaFile = join(dir, 'meta.js');
  const meta = payload(metaFile).data;
  const hashes = { d: '', s: '' };
  const names = [];
  const files = readdirSync(dir).filter((n) => /^[ds]\d+\.[0-9a-f]{8}\.js$/.test(n));
  files.sort((a, b) => a[0].localeCompare(b[0]) || Number(a.split('.')[0].slice(1)) - Number(b.split('.')[0].slice(1)));
  for (const file of files) {
    const { name, data } = payload(join(dir, file));
    // A chunk is `[[href, title, label, text], …]`, a document of the same page as the entry
    // before it `[#anchor, label, text]`: each title changes. A shard only moves.
    const retitle = (e) => (e.length === 4 ? [e[0], `${e[1]}（新版）`, e[2], e[3]] : e);
    const next = name[0] === 'd' ? data.map(retitle) : data;
    const js = `__vdSearch(${JSON.stringify(name)},${JSON.stringify(next)});\n// new build\n`;
    const hash = createHash('sha256').update(js).digest('hex').slice(0, 8);
    hashes[name[0]] += hash;
    unlinkSync(join(dir, file));
    writeFileSync(join(dir, `${name}.${hash}.js`), js);
    names.push(`${name}.${hash}.js`);
  }
  if (!keepMeta) {
    const next = { ...meta, id: '0123456789abcdef', chunkHashes: hashes.d, shardHashes: hashes.s };
    writeFileSync(metaFile, `__vdSearch("meta",${JSON.stringify(next)});\n`);
  }
  return names;
}

/** Types `query` into the box and waits until the results for it are shown: [{ href, text, marks }]. */
async function searchFor(page, query) {
  await page.locator('#vd-search-input').fill(query);
  await page.waitForFunction((q) => {
    const panel = document.getElementById('vd-search-results');
    const count = panel?.querySelector('.vd-search-count')?.textContent ?? '';
    return panel && !panel.hidden && count !== '' && !count.endsWith('…') && document.getElementById('vd-search-input').value === q;
  }, query);
  // The results for this query are in place once the status names them.
  await page.waitForFunction(() => document.getElementById('vd-search-status').textContent !== '');
  return results(page);
}

const results = (page) =>
  page.$$eval('#vd-search-results .vd-search-list a', (as) => as.map((a) => ({
    href: a.getAttribute('href'),
    text: a.textContent.replace(/\s+/g, ' ').trim(),
    marks: [...a.querySelectorAll('mark')].map((m) => m.textContent),
  })));

async function axe(page, label) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
    await page.addScriptTag({ content: AXE_SOURCE });
  }
  const violations = await page.evaluate(async (options) => {
    const r = await window.axe.run(document, options);
    return r.violations.map((v) => `${v.id}: ${v.help} — ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`);
  }, AXE_OPTIONS);
  return violations.map((v) => `${label}: ${v}`);
}

describe('search, file://, JavaScript on', { timeout: TEST_TIMEOUT * 10 }, () => {
  let browser;
  before(async () => { browser = await launch(); });
  after(async () => { await browser?.close(); });

  /** A fresh page on `rel`, recording errors into `errors`. */
  async function open(rel, errors) {
    const page = watch(await browser.context.newPage(), errors);
    await page.goto(fileUrl(rel));
    return page;
  }

  /** Runs `test(copy, page, errors)` on a fresh page on ja/index.html of a copy of the site
      (removed afterwards), which the test may change. */
  async function onCopy(prefix, test) {
    const copy = mkdtempSync(join(tmpdir(), prefix));
    try {
      cpSync(SITE, copy, { recursive: true });
      const errors = [];
      const page = watch(await browser.context.newPage(), errors);
      await page.goto(pathToFileURL(join(copy, 'ja/index.html')).href);
      await test(copy, page, errors);
      await page.close();
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  }

  /** The errors but for the failed loads of `gone` (old index files), of which there must be one. */
  function besidesGone(errors, gone) {
    const failed = errors.filter((e) => /ERR_FILE_NOT_FOUND/.test(e));
    assert.ok(failed.length >= 1 && failed.every((e) => gone.some((n) => e.includes(`/search/ja/${n}`))), `only old files failed: ${failed}`);
    return errors.filter((e) => !failed.includes(e));
  }

  /** The panel and the live region say the index is of another version. */
  async function assertOutdated(page) {
    const expected = /別の版/;
    assert.match(await page.locator('.vd-search-count').textContent(), expected, 'the panel says why');
    assert.match(await page.locator('#vd-search-status').textContent(), expected, 'the live region says why');
  }

  it('loads nothing of the index until the box is focused', { timeout: TEST_TIMEOUT }, async () => {
    const errors = [];
    const page = await open('ja/index.html', errors);
    assert.ok(await page.locator('#vd-search-input').isVisible(), 'the search box is shown');
    assert.deepEqual(await indexScripts(page), [], 'no index file before the box is focused');
    await page.locator('#vd-search-input').focus();
    await page.waitForFunction(() => document.querySelector('script[src*="search/ja/meta.js"]'));
    assert.deepEqual(await indexScripts(page), ['meta.js'], 'focusing loads only meta.js');
    // meta.js is asked for with a query no cache has seen; the other files by the names meta.js
    // gives them (their content's hash): no cache mixes the files of two builds.
    const metaSrc = await page.locator('script[src*="search/ja/meta.js"]').getAttribute('src');
    assert.match(metaSrc, /meta\.js\?t=\d+$/, metaSrc);
    await searchFor(page, '既定値');
    const meta = payload(join(SITE, 'assets/search/ja/meta.js')).data;
    const listed = (hashes, prefix) => Array.from({ length: hashes.length / 8 }, (_, n) => `${prefix}${n}.${hashes.slice(n * 8, n * 8 + 8)}.js`);
    const names = [...listed(meta.shardHashes, 's'), ...listed(meta.chunkHashes, 'd')];
    const loaded = (await indexScripts(page)).filter((n) => n !== 'meta.js');
    assert.ok(loaded.some((n) => n.startsWith('s')) && loaded.some((n) => n.startsWith('d')), `a shard and a chunk are loaded: ${loaded}`);
    assert.ok(loaded.every((n) => names.includes(n)), `every file by the name meta.js gives it: ${loaded} (listed: ${names})`);
    const srcs = await page.$$eval('script[src*="search/ja/"]:not([src*="meta.js"])', (ss) => ss.map((e) => e.getAttribute('src')));
    assert.ok(srcs.every((src) => !src.includes('?')), `no query string: ${srcs}`);
    await page.close();
    assertNoErrors(errors);
  });

  it('「既定値」 finds the security-defaults step, highlighted', { timeout: TEST_TIMEOUT }, async () => {
    const errors = [];
    const page = await open('ja/index.html', errors);
    const found = await searchFor(page, '既定値');
    assert.ok(found.length >= 1, 'results are shown');
    assert.match(found[0].href, /procedures\/disable-security-defaults\.html#[a-z0-9-]+$/, `first result is a step: ${JSON.stringify(found[0])}`);
    assert.ok(found[0].marks.includes('既定値'), `the match is highlighted: ${JSON.stringify(found[0])}`);
    assert.ok(found[0].text.includes('多要素認証の無効化'), 'the result names its page');
    assert.ok(found[0].text.includes('手順'), 'the result names its step');
    assert.ok(found.every((r) => !/^\.\.\/en\//.test(r.href)), 'only Japanese pages');
    assert.match(await page.locator('#vd-search-status').textContent(), /件見つかりました/, 'the live region gives the count');
    await page.close();
    assertNoErrors(errors);
  });

  it('「onmicrosoft」 finds the account-creation step', { timeout: TEST_TIMEOUT }, async () => {
    const errors = [];
    const page = await open('ja/index.html', errors);
    const found = await searchFor(page, 'onmicrosoft');
    assert.ok(
      found.some((r) => /procedures\/create-work-account\.html#[a-z0-9-]+$/.test(r.href)),
      `a step of create-work-account is found: ${JSON.stringify(found.map((r) => r.href))}`,
    );
    await page.close();
    assertNoErrors(errors);
  });

  it('「管理者 DNS」 (a word of the procedure\'s title, one of a step) finds that step', { timeout: TEST_TIMEOUT }, async () => {
    // 管理者 is in the title of become-tenant-admin, not in the step that names DNS: the step is
    // found through its page's title, which the index writes once for all of its steps.
    const errors = [];
    const page = await open('ja/index.html', errors);
    const found = await searchFor(page, '管理者 DNS');
    assert.ok(
      found.some((r) => /procedures\/become-tenant-admin\.html#verify-record$/.test(r.href)),
      `the step verify-record is found: ${JSON.stringify(found.map((r) => r.href))}`,
    );
    await page.close();
    assertNoErrors(errors);
  });

  it('「ＴＸＴ」 (full width) finds the admin procedure', { timeout: TEST_TIMEOUT }, async () => {
    const errors = [];
    const page = await open('ja/procedures/sign-in-vlsc.html', errors);
    const found = await searchFor(page, 'ＴＸＴ');
    assert.ok(found.length >= 1, 'results are shown');
    assert.match(found[0].href, /procedures\/become-tenant-admin\.html/, `first result: ${JSON.stringify(found[0])}`);
    assert.ok(found[0].marks.some((m) => m === 'TXT'), 'the half-width text is highlighted');
    await page.close();
    assertNoErrors(errors);
  });

  for (const query of ['TXT record', 'records']) {
    it(`"${query}" (en) finds the admin procedure`, { timeout: TEST_TIMEOUT }, async () => {
      const errors = [];
      const page = await open('en/index.html', errors);
      const found = await searchFor(page, query);
      assert.ok(found.length >= 1, 'results are shown');
      assert.match(found[0].href, /procedures\/become-tenant-admin\.html/, `first result: ${JSON.stringify(found[0])}`);
      assert.ok(found[0].marks.some((m) => /^record/i.test(m)), `"record…" is highlighted: ${JSON.stringify(found[0])}`);
      await page.close();
      assertNoErrors(errors);
    });
  }

  it('a query with no match says so, and offers the other language', { timeout: TEST_TIMEOUT }, async () => {
    const errors = [];
    const page = await open('en/index.html', errors);
    const found = await searchFor(page, 'zzqxv');
    assert.deepEqual(found, [], 'no results');
    assert.equal(await page.locator('#vd-search-status').textContent(), 'No results for “zzqxv”');
    assert.ok(await page.locator('.vd-search-count').isVisible(), 'the message is shown');
    const other = page.locator('.vd-search-other a[hreflang="ja"]');
    assert.equal(await other.getAttribute('href'), '../ja/index.html?q=zzqxv', 'a link runs the search in Japanese');
    await page.close();
    assertNoErrors(errors);
  });

  it('the other-language link runs the same search there', { timeout: TEST_TIMEOUT }, async () => {
    const errors = [];
    const page = await open('en/index.html', errors);
    await searchFor(page, 'TXT');
    await page.locator('.vd-search-other a[hreflang="ja"]').click();
    await page.waitForURL((u) => u.href.startsWith(fileUrl('ja/index.html')));
    await page.waitForFunction(() => document.querySelectorAll('#vd-search-results .vd-search-list a').length > 0);
    assert.equal(await page.locator('#vd-search-input').inputValue(), 'TXT');
    const found = await results(page);
    assert.match(found[0].href, /procedures\/become-tenant-admin\.html/, 'Japanese results for the same query');
    await page.close();
    assertNoErrors(errors);
  });

  it('clicking a result lands on the step anchor', { timeout: TEST_TIMEOUT }, async () => {
    const errors = [];
    const page = await open('ja/index.html', errors);
    const [first] = await searchFor(page, '既定値');
    const anchor = first.href.split('#')[1];
    await page.locator('#vd-search-results .vd-search-list a').first().click();
    await page.waitForURL((u) => u.hash === `#${anchor}`);
    assert.equal(page.url(), new URL(first.href, fileUrl('ja/index.html')).href);
    assert.ok(await page.locator(`[id="${anchor}"]`).isVisible(), 'the step is on the page');
    assert.ok(await page.locator(`[id="${anchor}"]`).evaluate((el) => {
      const r = el.getBoundingClientRect();
      return r.top >= -1 && r.top < window.innerHeight;
    }), 'the step is scrolled into view');
    await page.close();
    assertNoErrors(errors);
  });

  it('keyboard only: /, type, ↓, Enter, and Esc closes', { timeout: TEST_TIMEOUT }, async () => {
    const errors = [];
    const page = await open('en/procedures/sign-in-vlsc.html', errors);
    await page.keyboard.press('/');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'vd-search-input', '/ focuses the box');
    await page.keyboard.type('onmicrosoft');
    await page.waitForFunction(() => document.querySelectorAll('#vd-search-results .vd-search-list a').length > 0);
    await page.keyboard.press('Escape');
    assert.ok(await page.locator('#vd-search-results').isHidden(), 'Esc closes the results');
    await page.keyboard.press('ArrowDown');
    const href = await page.evaluate(() => document.activeElement?.getAttribute('href'));
    assert.ok(href && href.includes('.html'), `↓ moves to the first result (${href})`);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowUp');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('href')), href, '↑ moves back');
    await page.keyboard.press('Enter');
    await page.waitForURL((u) => u.href === new URL(href, fileUrl('en/procedures/sign-in-vlsc.html')).href);
    // Ctrl-K focuses the box too.
    await page.keyboard.press('Control+k');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'vd-search-input', 'Ctrl-K focuses the box');
    await page.close();
    assertNoErrors(errors);
  });

  for (const [name, viewport] of [['desktop', { width: 1280, height: 900 }], ['390 px', PHONE]]) {
    it(`axe passes with results open, light and dark, ${name}`, { timeout: TEST_TIMEOUT }, async () => {
      const errors = [];
      const page = await open('ja/index.html', errors);
      await page.setViewportSize(viewport);
      await searchFor(page, '既定値');
      const problems = [];
      for (const colorScheme of ['light', 'dark']) {
        await page.emulateMedia({ colorScheme });
        problems.push(...await axe(page, `ja/index.html, results open, ${colorScheme}, ${name}`));
      }
      const box = await page.locator('#vd-search-results').boundingBox();
      assert.ok(box && box.x >= 0 && box.x + box.width <= viewport.width + 1, `results fit the width: ${JSON.stringify(box)}`);
      assert.deepEqual(problems, [], problems.join('\n'));
      await page.close();
      assertNoErrors(errors);
    });
  }

  it('printing hides the search box', { timeout: TEST_TIMEOUT }, async () => {
    const errors = [];
    const page = await open('ja/index.html', errors);
    await page.emulateMedia({ media: 'print' });
    assert.ok(await page.locator('.vd-search').isHidden(), 'hidden in print');
    await page.close();
    assertNoErrors(errors);
  });

  it('an index of another format (an older cached copy) is refused, and the reader told', { timeout: TEST_TIMEOUT }, async () => {
    // A copy of the site whose Japanese meta.js says another (the previous) format: search.js must not read its
    // postings with the rules of its own format.
    await onCopy('vd-search-format-', async (copy, page, errors) => {
      const meta = join(copy, 'assets/search/ja/meta.js');
      const text = readFileSync(meta, 'utf8');
      assert.match(text, /"v":4\b/, 'meta.js names its format');
      writeFileSync(meta, text.replace(/"v":4\b/, '"v":3'));
      // The page links the script by its name with its version, and no query string.
      const src = await page.locator('script[src*="assets/search."]').getAttribute('src');
      assert.match(src, /^\.\.\/assets\/search\.[0-9a-f]{8}\.js$/, `search.js is linked by its fingerprinted name: ${src}`);
      const found = await searchFor(page, '既定値');
      assert.deepEqual(found, [], 'no results from an index it cannot read');
      await assertOutdated(page);
      assertNoErrors(errors);
    });
  });

  it('a page left open across a deploy reads the new index, not the files it loaded of the old one', { timeout: TEST_TIMEOUT }, async () => {
    await onCopy('vd-search-deploy-', async (copy, page, errors) => {
      const before = await searchFor(page, '既定値');
      assert.ok(before.length > 0 && !before.some((r) => r.text.includes('（新版）')), 'results of the first build');
      // A new build replaces the index: another id, and documents whose titles changed.
      const newFiles = deploy(join(copy, 'assets/search/ja'));
      // Within a minute of loading meta.js, focusing the box again asks for nothing.
      const metas = () => page.$$eval('script[src*="search/ja/meta.js"]', (ss) => ss.length);
      await page.locator('#vd-search-input').blur();
      await page.locator('#vd-search-input').focus();
      assert.equal(await metas(), 1, 'meta.js is not asked for again at once');
      // A minute later (the page's clock moved on), focusing the box asks for meta.js again.
      await page.evaluate(() => { const now = Date.now; Date.now = () => now() + 61_000; });
      await page.locator('#vd-search-input').blur();
      await page.locator('#vd-search-input').focus();
      await page.waitForFunction(() => document.querySelectorAll('script[src*="search/ja/meta.js"]').length === 2);
      // The box runs the query shown again, on the new build.
      await page.waitForFunction(() => document.querySelector('#vd-search-results .vd-search-list')?.textContent.includes('（新版）'));
      await page.waitForFunction(() => document.getElementById('vd-search-status').textContent !== '');
      const after = await results(page);
      assert.ok(after.length > 0 && after.every((r) => r.text.includes('（新版）')), `results of the new build: ${JSON.stringify(after)}`);
      const asked = (await indexScripts(page)).filter((n) => n !== 'meta.js');
      assert.ok(asked.some((n) => newFiles.includes(n)), `files of the new build are asked for by their names: ${asked}`);
      assertNoErrors(errors);
    });
  });

  it('a deploy between loading meta.js and a query: the missing file makes it read the new index', { timeout: TEST_TIMEOUT }, async () => {
    await onCopy('vd-search-deploy-', async (copy, page, errors) => {
      const metaCame = page.waitForEvent('requestfinished', (r) => r.url().includes('/search/ja/meta.js'));
      await page.locator('#vd-search-input').focus();
      // meta.js has come; then the index is replaced, within the minute.
      await metaCame;
      const gone = readdirSync(join(copy, 'assets/search/ja')).filter((n) => /^[ds]\d+\./.test(n));
      const newFiles = deploy(join(copy, 'assets/search/ja'));
      const found = await searchFor(page, '既定値');
      assert.ok(found.length > 0 && found.every((r) => r.text.includes('（新版）')), `results of the new build: ${JSON.stringify(found)}`);
      assert.equal(await page.$$eval('script[src*="search/ja/meta.js"]', (ss) => ss.length), 2, 'meta.js asked for again');
      const asked = (await indexScripts(page)).filter((n) => n !== 'meta.js');
      assert.ok(asked.some((n) => newFiles.includes(n)), `the new build's files: ${asked}`);
      assertNoErrors(besidesGone(errors, gone));
    });
  });

  it('a cache still serving the old meta.js after a deploy: the reader is told to reload', { timeout: TEST_TIMEOUT }, async () => {
    await onCopy('vd-search-stale-', async (copy, page, errors) => {
      const gone = readdirSync(join(copy, 'assets/search/ja')).filter((n) => /^[ds]\d+\./.test(n));
      deploy(join(copy, 'assets/search/ja'), { keepMeta: true });
      const found = await searchFor(page, '既定値');
      assert.deepEqual(found, [], 'no results read from files of another build');
      await assertOutdated(page);
      assertNoErrors(besidesGone(errors, gone));
    });
  });
});

describe('search, file://, JavaScript off', { timeout: TEST_TIMEOUT }, () => {
  let browser;
  before(async () => { browser = await launch({ javaScriptEnabled: false }); });
  after(async () => { await browser?.close(); });

  it('the search box is not shown', { timeout: TEST_TIMEOUT }, async () => {
    const errors = [];
    const page = watch(await browser.context.newPage(), errors);
    await page.goto(fileUrl('ja/index.html'));
    assert.equal(await page.locator('.vd-search').count(), 1, 'the box is in the page');
    assert.ok(await page.locator('.vd-search').isHidden(), 'but not shown without JavaScript');
    await page.close();
    assertNoErrors(errors);
  });
});

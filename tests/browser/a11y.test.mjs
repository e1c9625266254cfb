// Accessibility of every page of a built site: axe-core (WCAG 2.0/2.1/2.2 A and AA rules) in
// Debian's Chromium driven by playwright-core, over file:// and over http on loopback.
//
//   SITE_DIR=/path/to/built/site node --test tests/browser/a11y.test.mjs
//
// Fails on any axe violation and on any console error, uncaught page error or failed request.
// Home pages (those with #vd-selector) are also checked with each selector question shown, and
// every page is checked in dark mode too (colour contrast of the dark palette).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { extname, join, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { htmlFiles, launch as launchBrowser, siteDir, watch } from './browser.mjs';

const SITE = siteDir();
const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const AXE_VERSION = require('axe-core/package.json').version;
const AXE_OPTIONS = {
  preload: false,
  runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa'] },
  resultTypes: ['violations'],
};

const PAGES = htmlFiles(SITE);

// The 404 pages of a site with base-url carry <base href="<base-url>…">, so that their links hold
// wherever a host serves them: their stylesheet and links then name the site's real address.
// Requests there are answered from SITE, so those pages are checked as served at that address.
const BASE_URL = (() => {
  const root404 = join(SITE, '404.html');
  if (!existsSync(root404)) return null;
  const m = /<base href="?(https?:\/\/[^" >]+)/.exec(readFileSync(root404, 'utf8'));
  return m ? m[1] : null;
})();

/** Answers requests for BASE_URL's pages from SITE (see BASE_URL). */
async function serveBaseUrl(page) {
  if (!BASE_URL) return;
  await page.route(`${BASE_URL}**`, (route) => {
    const path = decodeURIComponent(new URL(route.request().url()).pathname.slice(new URL(BASE_URL).pathname.length));
    const file = resolve(SITE, path || 'index.html');
    if (!file.startsWith(resolve(SITE) + sep) || !existsSync(file)) return route.fulfill({ status: 404, body: '' });
    return route.fulfill({ path: file, contentType: TYPES[extname(file)] ?? 'application/octet-stream' });
  });
}
const HOME_PAGES = PAGES.filter((rel) => /id="?vd-selector[\s">]/.test(readFileSync(join(SITE, rel), 'utf8')));

// ---------------------------------------------------------------------------------------------
// Browser and a loopback static server

const TIMEOUT = 15_000;

const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };
const launch = (viewport = DESKTOP) => launchBrowser({ timeout: TIMEOUT, viewport });

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8', '.json': 'application/json', '.svg': 'image/svg+xml',
  '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif', '.webp': 'image/webp',
  '.ico': 'image/x-icon', '.woff2': 'font/woff2', '.woff': 'font/woff', '.txt': 'text/plain; charset=utf-8',
  '.xml': 'application/xml', '.pdf': 'application/pdf',
};

/** A static file server for SITE on 127.0.0.1 and a free port. Resolves to { origin, close }. */
function serve() {
  const server = createServer((req, res) => {
    let path;
    try { path = decodeURIComponent(new URL(req.url, 'http://x').pathname); } catch { res.writeHead(400).end(); return; }
    let file = resolve(SITE, `.${path}`);
    if (file !== SITE && !file.startsWith(SITE + sep)) { res.writeHead(403).end(); return; }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found');
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'cache-control': 'no-store',
    });
    if (req.method === 'HEAD') { res.end(); return; }
    createReadStream(file).pipe(res);
  });
  server.keepAliveTimeout = 1000;
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      ok({
        origin: `http://127.0.0.1:${port}`,
        close: () => new Promise((done) => { server.closeAllConnections(); server.close(() => done()); }),
      });
    });
  });
}

// ---------------------------------------------------------------------------------------------


/** Runs axe on the loaded page; returns printable violations. */
async function axe(page, label) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
    await page.addScriptTag({ content: AXE_SOURCE });
  }
  const violations = await page.evaluate(async (options) => {
    const r = await window.axe.run(document, options);
    return r.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({ target: n.target, html: n.html, summary: n.failureSummary })),
    }));
  }, AXE_OPTIONS);
  return violations.map((v) => [
    `${v.id} [${v.impact}] ${v.help} — ${label}`,
    ...v.nodes.map((n) => `    target: ${JSON.stringify(n.target)}\n      html: ${n.html.slice(0, 300)}\n      ${(n.summary ?? '').replace(/\n/g, '\n      ')}`),
  ].join('\n'));
}

/** Waits (bounded) until the selector shows exactly question `id`. */
async function showsOnly(page, id) {
  return page
    .waitForFunction((id) => {
      const vis = [...document.querySelectorAll('#vd-selector .vd-question')].filter((q) => q.checkVisibility());
      return vis.length === 1 && vis[0].id === id;
    }, id, { timeout: TIMEOUT })
    .then(() => true, () => false);
}

/** axe on one page (light and optionally dark), and on home pages once per selector question. */
async function checkPage(context, url, rel, { dark }) {
  const errors = [];
  const problems = [];
  const page = watch(await context.newPage(), errors);
  await serveBaseUrl(page);
  try {
    for (const colorScheme of dark ? ['light', 'dark'] : ['light']) {
      await page.emulateMedia({ colorScheme });
      await page.goto(url, { waitUntil: 'load' });
      problems.push(...await axe(page, `${rel} (${url}, ${colorScheme})`));
      if (HOME_PAGES.includes(rel)) {
        const ids = await page.$$eval('#vd-selector .vd-question', (qs) => qs.map((q) => q.id));
        assert.ok(ids.length >= 1, `${rel}: #vd-selector has no questions`);
        for (const id of ids) {
          await page.goto(`${url}#${id}`, { waitUntil: 'load' });
          if (!(await showsOnly(page, id))) {
            problems.push(`${rel}#${id} (${colorScheme}): the selector does not show exactly question #${id}`);
            continue;
          }
          problems.push(...await axe(page, `${rel}#${id} (${url}#${id}, ${colorScheme}, question ${id} shown)`));
        }
      }
    }
  } finally {
    await page.close();
  }
  assert.deepEqual(problems, [], `axe-core ${AXE_VERSION} violations:\n${problems.join('\n')}`);
  assert.deepEqual(errors, [], `console errors, page errors or failed requests:\n  ${errors.join('\n  ')}`);
}

assert.ok(PAGES.length >= 1, `no .html pages in ${SITE}`);

describe(`axe-core ${AXE_VERSION} over file:// (light and dark, desktop width)`, () => {
  let browser;
  before(async () => { browser = await launch(); });
  after(async () => { await browser?.close(); });
  for (const rel of PAGES) {
    it(rel, { timeout: 120_000 }, () => checkPage(browser.context, pathToFileURL(join(SITE, rel)).href, rel, { dark: true }));
  }
});

// Over http the pages are checked at phone width: scrolling code, wrapping and target sizes
// differ there.
describe(`axe-core ${AXE_VERSION} over http://127.0.0.1 (light and dark, phone width)`, () => {
  let browser;
  let server;
  before(async () => { server = await serve(); browser = await launch(PHONE); });
  after(async () => {
    try { await browser?.close(); } finally { await server?.close(); }
  });
  for (const rel of PAGES) {
    it(rel, { timeout: 120_000 }, () => checkPage(browser.context, `${server.origin}/${rel}`, rel, { dark: true }));
  }
});

// What the browser tests share: the built site under test, Debian's Chromium started the way
// ../shared/TESTING.md verified, and a recorder of console errors, page errors and failed requests.
// Not a test file itself (node --test runs only *.test.mjs here).
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
// Never --allow-file-access-from-files: it hides exactly the file:// defects readers would hit.
export const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** The built site from SITE_DIR, checked. */
export function siteDir() {
  if (!process.env.SITE_DIR) {
    throw new Error('SITE_DIR is not set: run as `SITE_DIR=/path/to/built/site node --test tests/browser/`');
  }
  const site = resolve(process.env.SITE_DIR);
  if (!existsSync(join(site, 'index.html'))) {
    throw new Error(`SITE_DIR=${site} has no index.html: build the site first (vlsc-docs build --output DIR)`);
  }
  return site;
}

/** Every .html file below dir, as paths relative to dir with forward slashes, sorted. */
export function htmlFiles(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.html')) out.push(relative(dir, p).split(sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

/** A fresh Chromium profile; every wait bounded by `timeout`. `close()` removes the profile. */
export async function launch({ timeout, ...options }) {
  const userDataDir = mkdtempSync(join(tmpdir(), 'vd-browser-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 900 },
    ...options,
  });
  context.setDefaultTimeout(timeout);
  context.setDefaultNavigationTimeout(timeout);
  return {
    context,
    async close() {
      try { await context.close(); } finally { rmSync(userDataDir, { recursive: true, force: true }); }
    },
  };
}

/** Records console errors, uncaught page errors and failed requests of a page into `errors`. */
export function watch(page, errors) {
  page.on('console', (msg) => {
    if (msg.type() === 'error') {
      const loc = msg.location();
      errors.push(`console error on ${page.url()}: ${msg.text()}${loc && loc.url ? ` (${loc.url}:${loc.lineNumber})` : ''}`);
    }
  });
  page.on('pageerror', (err) => errors.push(`uncaught error on ${page.url()}: ${err.stack || err}`));
  page.on('requestfailed', (req) => {
    const failure = req.failure()?.errorText ?? '';
    // A navigation superseded by the next one is not a defect of the page.
    if (failure === 'net::ERR_ABORTED' && req.isNavigationRequest()) return;
    errors.push(`request failed on ${page.url()}: ${req.url()} ${failure}`);
  });
  return page;
}

// `vlsc-docs serve` as an editor meets it, in Debian's Chromium: open a page, edit its source on
// disk, and the page updates by itself (keeping its scroll position); a broken file shows the
// error overlay on every open page, which clears once the file is fixed.
//
//   VLSC_DOCS_BIN=target/debug/vlsc-docs SITE_DIR=… node --test tests/browser/serve.test.mjs
//
// The server runs on 127.0.0.1 with a free port, against a temp copy of tests/fixtures/sites/basic,
// and is stopped by the test.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';
import { ARGS, CHROMIUM } from './browser.mjs';

const BIN = resolve(process.env.VLSC_DOCS_BIN || 'target/debug/vlsc-docs');
const FIXTURE = resolve('tests/fixtures/sites/basic');
const TIMEOUT = 15_000;
const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa'];

/** axe-core violations of the page as it is now (the error overlay included). */
async function axeViolations(page) {
  await page.addScriptTag({ content: AXE_SOURCE });
  return page.evaluate(async (tags) => {
    const r = await window.axe.run(document, { preload: false, runOnly: { type: 'tag', values: tags } });
    return r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  }, AXE_TAGS);
}

describe('serve: live reload in a real browser', { timeout: 120_000 }, () => {
  let site; let server; let port; let context; let userDataDir;
  const errors = [];

  before(async () => {
    site = mkdtempSync(join(tmpdir(), 'vd-serve-site-'));
    cpSync(FIXTURE, site, { recursive: true });
    server = spawn(BIN, ['serve', '--port', '0', '--root', site], { stdio: ['ignore', 'pipe', 'ignore'] });
    port = await new Promise((res, rej) => {
      const timer = setTimeout(() => rej(new Error('serve did not print its port')), TIMEOUT);
      const lines = createInterface({ input: server.stdout });
      lines.on('line', (line) => {
        const m = line.match(/\(port (\d+)\)/);
        if (m) { clearTimeout(timer); res(Number(m[1])); }
      });
      server.on('exit', (code) => rej(new Error(`serve exited with ${code}`)));
    });
    userDataDir = mkdtempSync(join(tmpdir(), 'vd-serve-browser-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 390, height: 500 },
    });
  });

  after(async () => {
    await context?.close();
    server?.kill();
    rmSync(site, { recursive: true, force: true });
    rmSync(userDataDir, { recursive: true, force: true });
  });

  const edit = (rel, from, to) => {
    const path = join(site, rel);
    const text = readFileSync(path, 'utf8');
    assert.ok(text.includes(from), `${from} not in ${rel}`);
    writeFileSync(path, text.replace(from, to));
  };

  const open = async (path) => {
    const page = await context.newPage();
    page.on('pageerror', (e) => errors.push(`${path}: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(`${path}: ${m.text()}`); });
    await page.goto(`http://127.0.0.1:${port}${path}`);
    // The live-reload script is connected once it has received the first state.
    await page.waitForSelector('html[data-vlsc-docs-generation]', { timeout: TIMEOUT });
    return page;
  };

  it('updates every open page by itself, keeps the scroll position, shows and clears errors', async () => {
    const en = await open('/en/scenarios/new-user.html');
    const ja = await open('/ja/procedures/install.html');
    await en.evaluate(() => window.scrollTo(0, 400));
    const scrolled = await en.evaluate(() => window.scrollY);
    assert.ok(scrolled > 100, `page too short to scroll (${scrolled})`);

    edit('content/procedures/install.toml', 'Download it from', 'Fetch it from');
    edit('content/procedures/install.toml', 'からダウンロードします', 'から入手します');
    await en.waitForFunction(() => document.body.innerText.includes('Fetch it from'), null, { timeout: TIMEOUT });
    await ja.waitForFunction(() => document.body.innerText.includes('から入手します'), null, { timeout: TIMEOUT });
    await en.waitForFunction((y) => Math.abs(window.scrollY - y) < 5, scrolled, { timeout: TIMEOUT });

    edit('content/procedures/install.toml', 'title = { ja = "インストール",', 'title = { ja = "インストール" oops,');
    for (const page of [en, ja]) {
      await page.waitForSelector('#vlsc-docs-errors', { timeout: TIMEOUT });
      const text = await page.locator('#vlsc-docs-errors').innerText();
      assert.match(text, /content\/procedures\/install\.toml:1:\d+/);
    }
    assert.ok((await en.content()).includes('Fetch it from'), 'the last good page stays');
    // The overlay is part of the page an editor reads: it must pass the same accessibility rules.
    assert.deepEqual(await axeViolations(en), [], 'axe on a page showing the error overlay');

    edit('content/procedures/install.toml', ' oops,', ',');
    for (const page of [en, ja]) {
      await page.waitForSelector('#vlsc-docs-errors', { state: 'detached', timeout: TIMEOUT });
    }
    assert.deepEqual(errors, []);
  });
});

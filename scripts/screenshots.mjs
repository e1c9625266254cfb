// Screenshots of a built site for review, in Debian's Chromium driven by playwright-core.
//
//   node scripts/screenshots.mjs SITE_DIR OUT_DIR
//
// For each language: the home page, the scenario unmanaged-keep-account and the procedure
// sign-in-vlsc, at 390 px and 1280 px wide, light and dark, full page (PNG); plus the scenario
// printed to PDF (A4, as the print stylesheet lays it out) and converted to one PNG per page with
// `pdftoppm -png -r 60`. Prints the files written. Japanese needs fonts-ipafont-gothic.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const [siteArg, outArg] = process.argv.slice(2);
if (!siteArg || !outArg) {
  console.error('usage: node scripts/screenshots.mjs SITE_DIR OUT_DIR');
  process.exit(2);
}
const SITE = resolve(siteArg);
const OUT = resolve(outArg);
if (!existsSync(join(SITE, 'index.html'))) {
  console.error(`${SITE} has no index.html: build the site first`);
  process.exit(2);
}
mkdirSync(OUT, { recursive: true });

const LANGS = ['ja', 'en'];
const PAGES = [
  { name: 'home', rel: 'index.html' },
  { name: 'scenario-unmanaged-keep-account', rel: 'scenarios/unmanaged-keep-account.html' },
  { name: 'procedure-sign-in-vlsc', rel: 'procedures/sign-in-vlsc.html' },
];
const WIDTHS = [{ width: 390, height: 844 }, { width: 1280, height: 800 }];
const SCHEMES = ['light', 'dark'];

for (const lang of LANGS) {
  for (const p of PAGES) {
    if (!existsSync(join(SITE, lang, p.rel))) {
      console.error(`missing page: ${lang}/${p.rel}`);
      process.exit(1);
    }
  }
}

const written = [];
const problems = [];
const userDataDir = mkdtempSync(join(tmpdir(), 'vd-shots-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
});
context.setDefaultTimeout(15_000);
try {
  const page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error on ${page.url()}: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error on ${page.url()}: ${e}`));

  for (const lang of LANGS) {
    for (const p of PAGES) {
      const url = pathToFileURL(join(SITE, lang, p.rel)).href;
      for (const size of WIDTHS) {
        for (const colorScheme of SCHEMES) {
          await page.setViewportSize(size);
          await page.emulateMedia({ media: 'screen', colorScheme });
          await page.goto(url, { waitUntil: 'load' });
          await page.evaluate(() => document.fonts.ready);
          const file = join(OUT, `${lang}-${p.name}-${size.width}-${colorScheme}.png`);
          await page.screenshot({ path: file, fullPage: true });
          written.push(file);
        }
      }
    }

    // Print: the scenario as the print stylesheet lays it out (light; print has its own palette).
    const scenario = PAGES[1];
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.emulateMedia({ media: 'print', colorScheme: 'light' });
    await page.goto(pathToFileURL(join(SITE, lang, scenario.rel)).href, { waitUntil: 'load' });
    await page.evaluate(() => document.fonts.ready);
    const pdf = join(OUT, `${lang}-${scenario.name}-print.pdf`);
    await page.pdf({ path: pdf, format: 'A4', printBackground: true, margin: { top: '15mm', bottom: '15mm', left: '12mm', right: '12mm' } });
    written.push(pdf);
    const prefix = join(OUT, `${lang}-${scenario.name}-print`);
    const isPrintPng = (f) => f.startsWith(`${lang}-${scenario.name}-print-`) && f.endsWith('.png');
    for (const f of readdirSync(OUT).filter(isPrintPng)) rmSync(join(OUT, f)); // stale pages of an earlier run
    execFileSync('pdftoppm', ['-png', '-r', '60', pdf, prefix], { stdio: ['ignore', 'inherit', 'inherit'] });
    const pages = readdirSync(OUT)
      .filter(isPrintPng)
      .sort();
    if (pages.length === 0) problems.push(`pdftoppm wrote no PNG pages for ${pdf}`);
    written.push(...pages.map((f) => join(OUT, f)));
  }
} finally {
  await context.close();
  rmSync(userDataDir, { recursive: true, force: true });
}

for (const f of written) console.log(`${f}  (${statSync(f).size} bytes)`);
console.log(`${written.length} files written to ${OUT}`);
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}

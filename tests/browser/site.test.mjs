// The built site as readers meet it, in Debian's Chromium driven by playwright-core.
//
//   SITE_DIR=/path/to/built/site node --test tests/browser/
//
// Pages are opened over file:// (no server), the way a reader opens a downloaded copy.
// Chromium is never given --allow-file-access-from-files: that flag hides file:// defects.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { htmlFiles, launch as launchBrowser, siteDir, watch } from './browser.mjs';

// ---------------------------------------------------------------------------------------------
// Site under test

const SITE = siteDir();

/** Language folders: top-level folders that have an index.html (ja, en, …). */
const LANGS = readdirSync(SITE)
  .filter((d) => statSync(join(SITE, d)).isDirectory() && existsSync(join(SITE, d, 'index.html')))
  .sort();

const fileUrl = (rel) => pathToFileURL(join(SITE, rel)).href;

// ---------------------------------------------------------------------------------------------
// Browser

const TIMEOUT = 10_000; // every single wait (navigation, click, poll) is bounded by this
const TEST_TIMEOUT = 180_000;
const launch = (options = {}) => launchBrowser({ timeout: TIMEOUT, ...options });



function assertNoErrors(errors) {
  assert.deepEqual(errors, [], `console errors, page errors or failed requests:\n  ${errors.join('\n  ')}`);
}

const norm = (s) => (s ?? '').replace(/\s+/g, ' ').trim();

// ---------------------------------------------------------------------------------------------
// The selector, read from the page's own markup

/** The selector graph of the home page currently loaded: start question and answers per question. */
async function readSelector(page) {
  return page.evaluate(() => {
    const root = document.getElementById('vd-selector');
    if (!root) return null;
    const questions = {};
    for (const q of root.querySelectorAll('.vd-question')) {
      questions[q.id] = [...q.querySelectorAll('ul.vd-answers a.vd-answer')].map((a) => {
        const kind = ['question', 'scenario', 'page'].find((k) => a.classList.contains(`vd-answer-${k}`)) ?? 'unknown';
        return { kind, href: a.getAttribute('href'), text: a.textContent.replace(/\s+/g, ' ').trim() };
      });
    }
    return { start: root.getAttribute('data-start'), questions };
  });
}

/**
 * Every non-question answer (scenario or page) with the shortest chain of answers that leads to it
 * from the start question: [{ from: questionId, answer }], the last answer being the target.
 */
function routes(selector) {
  const { start, questions } = selector;
  const chainTo = { [start]: [] };
  const queue = [start];
  const out = [];
  const seenTargets = new Set();
  while (queue.length) {
    const qid = queue.shift();
    for (const answer of questions[qid] ?? []) {
      const chain = [...chainTo[qid], { from: qid, answer }];
      if (answer.kind === 'question') {
        const next = answer.href.replace(/^#/, '');
        if (!(next in chainTo)) { chainTo[next] = chain; queue.push(next); }
      } else if (!seenTargets.has(`${answer.kind} ${answer.href}`)) {
        seenTargets.add(`${answer.kind} ${answer.href}`);
        out.push({ kind: answer.kind, href: answer.href, chain });
      }
    }
  }
  return { targets: out, reachable: Object.keys(chainTo) };
}

/** Ids of the selector questions that are actually rendered (not display:none etc.). */
const visibleQuestions = (page) =>
  page.$$eval('#vd-selector .vd-question', (qs) => qs.filter((q) => q.checkVisibility()).map((q) => q.id));

/** Waits (bounded) until exactly question `id` is visible, then asserts it. */
async function expectOnlyQuestion(page, id, context) {
  await page
    .waitForFunction((id) => {
      const vis = [...document.querySelectorAll('#vd-selector .vd-question')].filter((q) => q.checkVisibility());
      return vis.length === 1 && vis[0].id === id;
    }, id, { timeout: TIMEOUT })
    .catch(() => {});
  assert.deepEqual(await visibleQuestions(page), [id], `${context}: exactly question #${id} should be visible (${page.url()})`);
}

/** The answers chosen so far as the selector shows them: [{ text, href }]. */
const pathItems = (page) =>
  page.$$eval('#vd-selector ol.vd-selector-path > li', (lis) =>
    lis.map((li) => ({
      text: li.textContent.replace(/\s+/g, ' ').trim(),
      href: li.querySelector('a[href]')?.getAttribute('href') ?? null,
    })));

const answerLink = (page, qid, href) =>
  page.locator(`#vd-selector .vd-question[id="${qid}"] a.vd-answer[href="${href}"]`);

function targetFile(lang, target) {
  return `${lang}/${target.href}`.replace(/#.*$/, '');
}

/** On an arrived-at target page: URL, visible h1, and for scenarios #symptom and the link back. */
async function expectTargetPage(page, lang, target, context) {
  const want = fileUrl(targetFile(lang, target));
  await page.waitForURL((u) => u.href.split('#')[0] === want, { timeout: TIMEOUT }).catch(() => {});
  assert.equal(page.url().split('#')[0], want, `${context}: should arrive on ${targetFile(lang, target)}`);
  if (target.kind === 'scenario') {
    assert.match(page.url(), new RegExp(`scenarios/${target.href.replace(/^.*\//, '').replace(/\./g, '\\.')}$`));
  }
  assert.ok(await page.locator('h1').first().isVisible(), `${context}: h1 should be visible on ${page.url()}`);
  assert.equal(await page.evaluate(() => document.documentElement.lang), lang, `${context}: <html lang> on ${page.url()}`);
  if (target.kind === 'scenario') {
    assert.equal(await page.locator('#symptom').count(), 1, `${context}: #symptom on ${page.url()}`);
    assert.ok(
      (await page.locator('a[href="../index.html#vd-selector"]').count()) >= 1,
      `${context}: scenario page should link back to ../index.html#vd-selector`,
    );
  }
}

// ---------------------------------------------------------------------------------------------

assert.ok(LANGS.length >= 1, `no language folders with index.html in ${SITE}`);

describe('selector with JavaScript, file://', { timeout: TEST_TIMEOUT * LANGS.length }, () => {
  let browser;
  before(async () => { browser = await launch(); });
  after(async () => { await browser?.close(); });

  for (const lang of LANGS) {
    it(`${lang}: walking the selector reaches every scenario`, { timeout: TEST_TIMEOUT }, async (t) => {
      const errors = [];
      const page = watch(await browser.context.newPage(), errors);
      const home = fileUrl(`${lang}/index.html`);
      await page.goto(home);

      const selector = await readSelector(page);
      assert.ok(selector, `${lang}/index.html has no #vd-selector`);
      assert.ok(selector.start && selector.questions[selector.start], `data-start="${selector.start}" is not a question`);
      const { targets, reachable } = routes(selector);
      assert.deepEqual(
        Object.keys(selector.questions).filter((q) => !reachable.includes(q)), [],
        'every question should be reachable from the start question',
      );
      assert.deepEqual(
        targets.filter((x) => x.kind === 'unknown'), [],
        'every answer should be vd-answer-question, vd-answer-scenario or vd-answer-page',
      );
      // Every scenario page (index.html is the list of scenarios, not one).
      const scenarioFiles = existsSync(join(SITE, lang, 'scenarios'))
        ? readdirSync(join(SITE, lang, 'scenarios')).filter((f) => f.endsWith('.html') && f !== 'index.html').sort()
        : [];
      assert.ok(scenarioFiles.length >= 1, `no scenario pages in ${lang}/scenarios/`);
      assert.deepEqual(
        targets.filter((x) => x.kind === 'scenario').map((x) => x.href.replace(/^scenarios\//, '')).sort(),
        scenarioFiles,
        'the selector should lead to every scenario page, each through a scenarios/<id>.html link',
      );

      // With JavaScript: one question at a time, controls shown.
      assert.match(await page.getAttribute('#vd-selector', 'class'), /(^|\s)vd-js(\s|$)/, 'selector gets class vd-js');
      // At the first question there is nothing to go back to: the controls appear with the first answer.
      assert.equal(await page.locator('#vd-selector .vd-selector-controls').isVisible(), false, 'no controls at the first question');
      await expectOnlyQuestion(page, selector.start, 'on load');

      for (const target of targets) {
        await t.test(`${target.kind} ${target.href}`, async () => {
          const ctx = `${lang} → ${target.href}`;
          await page.goto(home);
          await expectOnlyQuestion(page, selector.start, `${ctx}, start`);
          assert.equal((await pathItems(page)).length, 0, `${ctx}: path list empty at start`);

          const steps = target.chain.slice(0, -1); // answers that lead to further questions
          const taken = [];
          for (const { from, answer } of steps) {
            const next = answer.href.slice(1);
            await answerLink(page, from, answer.href).click();
            await expectOnlyQuestion(page, next, `${ctx}, after answering "${answer.text}"`);
            assert.equal(new URL(page.url()).hash, `#${next}`, `${ctx}: URL hash names the current question`);
            taken.push({ text: answer.text, href: `#${from}` });
            assert.deepEqual(await pathItems(page), taken, `${ctx}: path list lists the answers chosen so far, as links to their questions`);
            assert.ok(await page.locator('#vd-selector .vd-selector-back').isVisible(), `${ctx}: back button shown`);
            assert.ok(await page.locator('#vd-selector .vd-selector-back').isEnabled(), `${ctx}: back button enabled`);
            assert.equal(
              await page.evaluate(() => document.activeElement?.closest('.vd-question')?.id ?? null), next,
              `${ctx}: focus moves into the new question`,
            );

            // Reload keeps the place.
            await page.reload();
            await expectOnlyQuestion(page, next, `${ctx}, after reload`);
            assert.deepEqual(await pathItems(page), taken, `${ctx}: path list after reload`);

            // The back button returns to the previous question.
            await page.locator('#vd-selector .vd-selector-back').click();
            await expectOnlyQuestion(page, from, `${ctx}, after the back button`);
            assert.equal((await pathItems(page)).length, taken.length - 1, `${ctx}: path list shrinks after the back button`);

            // The browser's back button undoes that.
            await page.goBack();
            await expectOnlyQuestion(page, next, `${ctx}, after browser back`);
            assert.deepEqual(await pathItems(page), taken, `${ctx}: path list after browser back`);

            // Restart goes to the first question; browser back returns here.
            await page.locator('#vd-selector .vd-selector-restart').click();
            await expectOnlyQuestion(page, selector.start, `${ctx}, after restart`);
            assert.equal((await pathItems(page)).length, 0, `${ctx}: path list empty after restart`);
            assert.equal(await page.locator('#vd-selector .vd-selector-controls').isVisible(), false, `${ctx}: no controls after restart`);
            await page.goBack();
            await expectOnlyQuestion(page, next, `${ctx}, browser back after restart`);
          }

          const last = target.chain[target.chain.length - 1];
          await answerLink(page, last.from, last.answer.href).click();
          await expectTargetPage(page, lang, target, ctx);

          // Browser back from the target returns to the question it was chosen from.
          await page.goBack();
          assert.equal(page.url().split('#')[0], home, `${ctx}: browser back returns to the home page`);
          await expectOnlyQuestion(page, last.from, `${ctx}, browser back from the target page`);
          assert.equal((await pathItems(page)).length, steps.length, `${ctx}: path list after returning`);

          if (target.kind === 'scenario') {
            // The scenario's link back leads to the selector.
            await answerLink(page, last.from, last.answer.href).click();
            await expectTargetPage(page, lang, target, ctx);
            await page.locator('a[href="../index.html#vd-selector"]').first().click();
            await page.waitForURL((u) => u.href.split('#')[0] === home).catch(() => {});
            assert.equal(page.url(), `${home}#vd-selector`, `${ctx}: link back from the scenario`);
            assert.equal((await visibleQuestions(page)).length, 1, `${ctx}: one question visible after the link back`);
          }
        });
      }
      await page.close();
      assertNoErrors(errors);
    });
  }
});

describe('selector without JavaScript, file://', { timeout: TEST_TIMEOUT * LANGS.length }, () => {
  let browser;
  before(async () => { browser = await launch({ javaScriptEnabled: false }); });
  after(async () => { await browser?.close(); });

  for (const lang of LANGS) {
    it(`${lang}: all questions visible, plain links reach every scenario`, { timeout: TEST_TIMEOUT }, async (t) => {
      const errors = [];
      const page = watch(await browser.context.newPage(), errors);
      const home = fileUrl(`${lang}/index.html`);
      await page.goto(home);
      const selector = await readSelector(page); // page.evaluate runs even with page scripts off
      assert.ok(selector, `${lang}/index.html has no #vd-selector`);
      const ids = Object.keys(selector.questions);
      assert.deepEqual(await visibleQuestions(page), ids, 'without JavaScript every question is visible');
      assert.equal(await page.locator('#vd-selector .vd-selector-controls').isVisible(), false, 'controls stay hidden');
      assert.doesNotMatch((await page.getAttribute('#vd-selector', 'class')) ?? '', /vd-js/, 'no vd-js class');

      const { targets } = routes(selector);
      assert.ok(targets.some((x) => x.kind === 'scenario'), 'the selector should lead to scenarios');
      for (const target of targets) {
        await t.test(`${target.kind} ${target.href}`, async () => {
          const ctx = `${lang} (no JS) → ${target.href}`;
          await page.goto(home);
          for (const { from, answer } of target.chain.slice(0, -1)) {
            await answerLink(page, from, answer.href).click();
            assert.equal(new URL(page.url()).hash, answer.href, `${ctx}: in-page link to the next question`);
            assert.deepEqual(await visibleQuestions(page), ids, `${ctx}: still every question visible`);
            assert.ok(await page.locator(`[id="${answer.href.slice(1)}"] h3`).isVisible(), `${ctx}: next question heading visible`);
          }
          const last = target.chain[target.chain.length - 1];
          await answerLink(page, last.from, last.answer.href).click();
          await expectTargetPage(page, lang, target, ctx);
        });
      }
      await page.close();
      assertNoErrors(errors);
    });
  }
});

describe('languages, file://', { timeout: TEST_TIMEOUT * 2 }, () => {
  let browser;
  before(async () => { browser = await launch(); });
  after(async () => { await browser?.close(); });

  it('the entry index.html links to every language home', { timeout: TEST_TIMEOUT }, async () => {
    const errors = [];
    const page = watch(await browser.context.newPage(), errors);
    assert.ok(LANGS.length >= 2, `expected at least two languages, found ${LANGS.join(', ')}`);
    for (const lang of LANGS) {
      await page.goto(fileUrl('index.html'));
      const links = page.locator(`a[href="${lang}/index.html"]`);
      assert.ok((await links.count()) >= 1, `index.html should link to ${lang}/index.html`);
      await links.first().click();
      await page.waitForURL(fileUrl(`${lang}/index.html`)).catch(() => {});
      assert.equal(page.url(), fileUrl(`${lang}/index.html`), `following the ${lang} link`);
      assert.equal(await page.evaluate(() => document.documentElement.lang), lang, `<html lang> of ${lang}/index.html`);
      assert.ok(await page.locator('h1').first().isVisible(), `h1 visible on ${lang}/index.html`);
    }
    await page.close();
    assertNoErrors(errors);
  });

  for (const lang of LANGS) {
    it(`${lang}: every page's language switch leads to the same page in the other language`, { timeout: TEST_TIMEOUT }, async () => {
      const errors = [];
      const page = watch(await browser.context.newPage(), errors);
      const pages = htmlFiles(join(SITE, lang));
      assert.ok(pages.length >= 1, `no pages in ${lang}/`);
      const problems = [];
      for (const rel of pages) {
        for (const other of LANGS.filter((l) => l !== lang)) {
          await page.goto(fileUrl(`${lang}/${rel}`));
          const htmlLang = await page.evaluate(() => document.documentElement.lang);
          if (htmlLang !== lang) problems.push(`${lang}/${rel}: <html lang="${htmlLang}">, expected "${lang}"`);
          const sw = page.locator(`body a[hreflang="${other}"]`);
          if ((await sw.count()) === 0) {
            problems.push(`${lang}/${rel}: no language switch link (a[hreflang="${other}"])`);
            continue;
          }
          await sw.first().click();
          const want = fileUrl(`${other}/${rel}`);
          await page.waitForURL((u) => u.href.split('#')[0] === want).catch(() => {});
          if (page.url().split('#')[0] !== want) {
            problems.push(`${lang}/${rel}: switch to ${other} leads to ${page.url()}, expected ${other}/${rel}`);
            continue;
          }
          const otherLang = await page.evaluate(() => document.documentElement.lang);
          if (otherLang !== other) problems.push(`${other}/${rel}: <html lang="${otherLang}">, expected "${other}"`);
          if (!(await page.locator('h1').first().isVisible())) problems.push(`${other}/${rel}: no visible h1`);
        }
      }
      await page.close();
      assert.deepEqual(problems, [], problems.join('\n'));
      assertNoErrors(errors);
    });
  }
});

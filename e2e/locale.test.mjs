// End-to-end: SaveKeeper's pages in the browser's language and colour
// scheme.
//
// Each browser runs in German (Chromium from its environment and
// chromium-l10n, Firefox from its language pack, firefox-esr-l10n-de) and
// in its dark colour scheme, with SaveKeeper installed; then in English
// and light. The welcome page, the popup on a Jupyter tab and on a tab
// without Jupyter, and the settings page are rendered. In German each
// must say it is German, and no English message of _locales/en may show
// in its text, its title or its accessible names; in English the same
// check finds them (the test can fail: a page that fell back to English,
// or kept a word written into its code, would be caught). In both schemes
// each page passes axe (WCAG 2.1 AA, no serious or critical violation),
// and the popup's status colours (ok, warn, bad) have a contrast of at
// least 4.5:1 against the page's real background. Screenshots of every
// page go to e2e/artifacts.
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { startJupyter } from './lib/servers.mjs';
import { launchWith, builtExtension, BROWSERS, openExtensionPage, waitFor } from './lib/browsers.mjs';
import { openNotebook } from './lib/classic.mjs';
import { startPlainServer } from './lib/pages.mjs';
import { axeViolations } from './lib/axe.mjs';

const HERE = path.dirname(new URL(import.meta.url).pathname);
const ARTIFACTS = path.join(HERE, 'artifacts');
const messages = (locale) => JSON.parse(fs.readFileSync(path.join(HERE, '..', 'extension', '_locales', locale, 'messages.json'), 'utf8'));
const EN = messages('en');
const DE = Object.values(messages('de')).map((m) => m.message);
const TEST_TIMEOUT = 120000;

// The English words of every message, cut at its placeholders: pieces of
// at least 8 characters that no German message holds (names such as
// "SaveKeeper" or "JupyterLab" are the same in both).
const ENGLISH = [...new Set(Object.values(EN).flatMap((m) => m.message.split(/\$[A-Za-z0-9_]+\$/))
  .map((piece) => piece.trim()).filter((piece) => piece.length >= 8 && !DE.some((de) => de.includes(piece))))];

before(() => {
  for (const b of BROWSERS) builtExtension(b);
  fs.mkdirSync(ARTIFACTS, { recursive: true });
});

/**
 * What a user sees and hears of a page: its title, text and accessible
 * names, with the popup's token and saves opened. (Its diagnostics for a
 * bug report are in English on purpose, for the people who read them.)
 */
function shown(page) {
  return page.evaluate(() => {
    const more = document.getElementById('more');
    if (more) more.open = true;
    return [document.title, document.body.innerText,
      ...[...document.querySelectorAll('[aria-label], [title]')].flatMap((e) => [e.getAttribute('aria-label') || '', e.getAttribute('title') || ''])]
      .join('\n');
  });
}

/** The pages to look at, once each has drawn what it shows. */
function pages(origin, server, notebookUrl, plain) {
  const settled = (page) => waitFor(() => page.evaluate(() => !/^(Checking|Looking|Dieser Tab wird|Suche nach)/.test(
    (document.getElementById('summary') || document.getElementById('reload-text') || { textContent: '' }).textContent)), { what: 'the page to draw' });
  return [
    { name: 'welcome', url: `${origin}/welcome.html`, settled },
    { name: 'popup-jupyter', url: `${origin}/popup.html?for=${encodeURIComponent(notebookUrl)}`, settled },
    { name: 'popup-none', url: `${origin}/popup.html?for=${encodeURIComponent(plain)}`, settled },
    { name: 'settings', url: `${origin}/options.html`, settled: (page) => waitFor(() => page.evaluate(() => document.querySelectorAll('#servers li').length > 0), { what: 'the servers' }) },
  ];
}

/**
 * The contrast ratio (WCAG 2.1) of the popup's status colours against the
 * background the page really shows: {ok, warn, bad}.
 */
function statusContrast(page) {
  return page.evaluate(() => {
    const rgb = (css) => css.match(/[\d.]+/g).slice(0, 3).map(Number);
    const luminance = (css) => {
      const [r, g, b] = rgb(css).map((v) => {
        const c = v / 255;
        return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    let background = getComputedStyle(document.body).backgroundColor;
    if (/rgba\(0, 0, 0, 0\)|transparent/.test(background)) background = getComputedStyle(document.documentElement).backgroundColor;
    const out = {};
    for (const state of ['ok', 'warn', 'bad']) {
      const p = document.createElement('p');
      p.id = 'summary';
      p.className = state;
      const summary = document.getElementById('summary');
      summary.replaceWith(p);
      const [a, b] = [luminance(getComputedStyle(p).color), luminance(background)].sort((x, y) => y - x);
      out[state] = Math.round(((a + 0.05) / (b + 0.05)) * 100) / 100;
      p.replaceWith(summary);
    }
    return out;
  });
}

/**
 * Renders each page in `b` and returns {name: {lang, dark, english, text,
 * axe, contrast}}: its language and colour scheme, the English pieces it
 * shows, its axe violations, and (popups) its status colours' contrast.
 */
async function render(b, server, screenshots) {
  const notebook = await openNotebook(b.browser, server, 'locale.ipynb');
  const plainServer = await startPlainServer();
  const plain = await b.browser.newPage();
  await plain.goto(plainServer.url, { waitUntil: 'domcontentloaded' });
  const out = {};
  try {
    for (const p of pages(b.extensionOrigin, server, notebook.url(), plainServer.url)) {
      const page = await b.browser.newPage();
      try {
        await page.setViewport({ width: p.name.startsWith('popup') ? 420 : 900, height: 700 });
        await openExtensionPage(page, p.url);
        await p.settled(page);
        const text = await shown(page);
        await page.screenshot({ path: path.join(ARTIFACTS, `${p.name}-${screenshots}.png`) });
        out[p.name] = {
          lang: await page.evaluate(() => document.documentElement.lang),
          dark: await page.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches),
          english: ENGLISH.filter((piece) => text.includes(piece)),
          text,
          axe: await axeViolations(page),
          contrast: p.name.startsWith('popup') ? await statusContrast(page) : null,
        };
      } finally {
        await page.close();
      }
    }
  } finally {
    await notebook.close();
    await plain.close();
    await plainServer.close();
  }
  return out;
}

for (const browserName of BROWSERS) {
  describe(`${browserName}: in German`, () => {
    test('the welcome page, the popup (on Jupyter and elsewhere) and the settings page: in German and dark, no English word of SaveKeeper\'s; in English and light, its words; in both, axe passes and the status colours have 4.5:1', { timeout: TEST_TIMEOUT }, async () => {
      const server = await startJupyter({ flavor: 'notebook6' });
      server.writeNotebook('locale.ipynb', ['print("Hallo")']);
      try {
        const german = await launchWith(browserName, true, { locale: 'de', dark: true });
        let de;
        try {
          de = await render(german, server, `de-dark-${browserName}`);
        } finally {
          await german.close();
        }
        for (const [name, r] of Object.entries(de)) {
          assert.match(r.lang, /^de/, `${name}: the page says it is German`);
          assert.deepEqual(r.english, [], `${name}: English left in the German page:\n${r.text}`);
        }
        assert.match(de['popup-jupyter'].text, /Speichern ist geschützt/, 'the popup speaks German');

        const english = await launchWith(browserName, true);
        let en;
        try {
          en = await render(english, server, `en-light-${browserName}`);
        } finally {
          await english.close();
        }
        for (const [name, r] of Object.entries(en)) assert.ok(r.english.length > 0, `${name}: in English, the same check finds SaveKeeper's English words`);
        for (const [scheme, pages] of [['dark', de], ['light', en]]) {
          for (const [name, r] of Object.entries(pages)) {
            assert.equal(r.dark, scheme === 'dark', `${name}: the browser shows its ${scheme} scheme`);
            assert.deepEqual(r.axe.bad, [], `${name} (${scheme}): accessibility: ${r.axe.all}`);
            if (!r.contrast) continue;
            for (const [state, ratio] of Object.entries(r.contrast)) {
              assert.ok(ratio >= 4.5, `${name} (${scheme}): the ${state} colour has ${ratio}:1 against its background, below 4.5:1`);
            }
          }
        }
      } finally {
        await server.stop();
      }
    });
  });
}

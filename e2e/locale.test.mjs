// End-to-end: SaveKeeper's pages in the browser's language.
//
// Each browser runs in German (Chromium from its environment and
// chromium-l10n, Firefox from its language pack, firefox-esr-l10n-de) with
// SaveKeeper installed. The welcome page, the popup on a Jupyter tab and
// on a tab without Jupyter, and the settings page are rendered; each must
// say it is German, and no English message of _locales/en may show in its
// text, its title or its accessible names. The same pages in English show
// those messages (the test can fail): a page that fell back to English, or
// kept a word written into its code, would be caught. Screenshots of the
// German pages go to e2e/artifacts.
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { startJupyter } from './lib/servers.mjs';
import { launchWith, builtExtension, BROWSERS, openExtensionPage, waitFor } from './lib/browsers.mjs';
import { openNotebook } from './lib/classic.mjs';
import { startPlainServer } from './lib/pages.mjs';

const HERE = path.dirname(new URL(import.meta.url).pathname);
const ARTIFACTS = path.join(HERE, 'artifacts');
const EN = JSON.parse(fs.readFileSync(path.join(HERE, '..', 'extension', '_locales', 'en', 'messages.json'), 'utf8'));
const TEST_TIMEOUT = 120000;

// The English words of every message, cut at its placeholders: pieces of
// at least 8 characters, which no German text or data here holds.
const ENGLISH = [...new Set(Object.values(EN).flatMap((m) => m.message.split(/\$[A-Za-z0-9_]+\$/))
  .map((piece) => piece.trim()).filter((piece) => piece.length >= 8))];

before(() => {
  for (const b of BROWSERS) builtExtension(b);
  fs.mkdirSync(ARTIFACTS, { recursive: true });
});

/** What a user sees and hears of a page: its title, text and accessible names. */
function shown(page) {
  return page.evaluate(() => [document.title, document.body.innerText,
    ...[...document.querySelectorAll('[aria-label], [title]')].flatMap((e) => [e.getAttribute('aria-label') || '', e.getAttribute('title') || ''])]
    .join('\n'));
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

/** Renders each page in `b` and returns {name: {lang, english}}: its language and the English pieces it shows. */
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
        out[p.name] = {
          lang: await page.evaluate(() => document.documentElement.lang),
          english: ENGLISH.filter((piece) => text.includes(piece)),
          text,
        };
        if (screenshots) await page.screenshot({ path: path.join(ARTIFACTS, `${p.name}-${screenshots}.png`) });
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
    test('the welcome page, the popup (on Jupyter and elsewhere) and the settings page show no English word of SaveKeeper\'s; in English they do', { timeout: TEST_TIMEOUT }, async () => {
      const server = await startJupyter({ flavor: 'notebook6' });
      server.writeNotebook('locale.ipynb', ['print("Hallo")']);
      try {
        const german = await launchWith(browserName, true, { locale: 'de' });
        let de;
        try {
          de = await render(german, server, `de-${browserName}`);
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
          en = await render(english, server, '');
        } finally {
          await english.close();
        }
        for (const [name, r] of Object.entries(en)) assert.ok(r.english.length > 0, `${name}: in English, the same check finds SaveKeeper's English words`);
      } finally {
        await server.stop();
      }
    });
  });
}

// End-to-end: SaveKeeper stays out of private windows and Firefox
// containers, so that no token or kept save crosses between them and the
// normal profile (the engine reads and keeps the default cookie store's).
//
// - Chromium: the manifest says "incognito": "not_allowed", so the
//   extension cannot be allowed in incognito windows, even when asked the
//   way chrome://extensions' toggle asks (developerPrivate); a Jupyter page
//   in an incognito context keeps the browser's own fetch.
// - Firefox: containers (the driver's browser contexts are Firefox user
//   contexts) run content scripts, but the background answers no page of a
//   container: the engine never learns of it, while the same page in the
//   default container is known. (Firefox's private windows honour the same
//   manifest key; the driver cannot open one.)
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import puppeteer from 'puppeteer-core';

import { BROWSERS, builtExtension, browserPair, CHROMIUM, CHROMIUM_FLAGS, engineStatus, waitFor } from './lib/browsers.mjs';
import { startPageServer } from './lib/pages.mjs';

const LAB = `<!doctype html><html><head><script id="jupyter-config-data" type="application/json">${
  JSON.stringify({ appName: 'JupyterLab', baseUrl: '/', token: '' })}</script></head><body></body></html>`;

let fixtures;
before(async () => {
  for (const b of BROWSERS) builtExtension(b);
  fixtures = await startPageServer({ '/lab': LAB });
});
after(async () => {
  if (fixtures) await fixtures.close();
});

/** Whether `page`'s fetch is the browser's own (its source names it) rather than SaveKeeper's wrapper. */
const nativeFetch = (page) => page.evaluate(() => /function fetch\(\)/.test(String(window.fetch)));

if (BROWSERS.includes('chromium')) {
  test('chromium: SaveKeeper cannot be allowed in incognito, and an incognito Jupyter page is left alone', { timeout: 120000 }, async () => {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'savekeeper-incognito-'));
    const browser = await puppeteer.launch({
      executablePath: CHROMIUM, headless: true, pipe: true, userDataDir: profile, enableExtensions: true, args: CHROMIUM_FLAGS,
    });
    try {
      const id = await browser.installExtension(path.resolve(builtExtension('chromium')));
      const settings = await browser.newPage();
      await settings.goto('chrome://extensions');
      // What the "Allow in Incognito" toggle does.
      const access = await settings.evaluate(async (extId) => {
        await chrome.developerPrivate.updateExtensionConfiguration({ extensionId: extId, incognitoAccess: true }).catch(() => {});
        return (await chrome.developerPrivate.getExtensionInfo(extId)).incognitoAccess;
      }, id);
      // Chromium reloads an extension whose incognito access changed: wait for it.
      await new Promise((r) => setTimeout(r, 1000));
      await browser.waitForTarget((t) => t.type() === 'service_worker' && t.url().includes(id), { timeout: 20000 });
      const normal = await browser.newPage();
      await normal.goto(`${fixtures.url}lab`, { waitUntil: 'load' });
      const incognito = await browser.createBrowserContext();
      const page = await incognito.newPage();
      await page.goto(`${fixtures.url}lab`, { waitUntil: 'load' });
      const seen = { access, normal: await nativeFetch(normal), incognito: await nativeFetch(page) };
      await incognito.close();
      assert.deepEqual(seen, {
        access: { isEnabled: false, isActive: false }, // the toggle is off and cannot be turned on
        normal: false, // the control: SaveKeeper is on in a normal window
        incognito: true, // an incognito page keeps the browser's own fetch
      });
    } finally {
      await browser.close().catch(() => {});
      fs.rmSync(profile, { recursive: true, force: true });
    }
  });
}

if (BROWSERS.includes('firefox')) {
  describe('firefox', () => {
    const pair = browserPair('firefox');

    test('firefox: a Jupyter page in a container is unknown to the engine; the same page in the default container is known', { timeout: 120000 }, async () => {
      const b = pair.withExt;
      const url = `${fixtures.url}lab`;
      const normal = await b.browser.newPage();
      await normal.goto(url, { waitUntil: 'load' });
      await waitFor(async () => (await engineStatus(b, url) || {}).detected, { what: 'the engine to know the page in the default container' });
      await normal.close();

      const container = await b.browser.createBrowserContext();
      try {
        const page = await container.newPage();
        const probe = `${url}?in=container`;
        await page.goto(probe, { waitUntil: 'load' });
        await new Promise((r) => setTimeout(r, 1000)); // a hello would have been answered by now
        const st = await engineStatus(b, probe);
        assert.ok(st !== null, 'the extension sees the container\'s tab');
        assert.equal(st.detected, false, `the engine does not know a container's page: ${JSON.stringify(st)}`);
      } finally {
        await container.close();
      }
    });
  });
}

// End-to-end: SaveKeeper installed while a Jupyter notebook is open.
//
// The browser starts without SaveKeeper, the user opens two classic
// notebooks, then installs it (the driver installs the built extension as
// the browser's own install would). The welcome page opens by itself and
// lists both tabs; the popup on one of them says to reload it. A save in
// such a tab is not guarded: with its _xsrf cookie deleted it fails, as
// without SaveKeeper. The welcome page's button reloads exactly the
// Jupyter tabs (not a third tab of another kind), and then the same save
// recovers from a deleted cookie. The welcome page passes axe, and its
// screenshot is kept in e2e/artifacts.
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import { startJupyter } from './lib/servers.mjs';
import { launchBrowser, builtExtension, BROWSERS, waitFor, deleteXsrf, openExtensionPage, welcomePage } from './lib/browsers.mjs';
import { openNotebook, editAndSave, firstCellOnDisk, uniqueText } from './lib/classic.mjs';
import { startPlainServer } from './lib/pages.mjs';
import { axeViolations } from './lib/axe.mjs';

const ARTIFACTS = path.join(path.dirname(new URL(import.meta.url).pathname), 'artifacts');
const TEST_TIMEOUT = 180000;

before(() => {
  for (const b of BROWSERS) builtExtension(b);
  fs.mkdirSync(ARTIFACTS, { recursive: true });
});

/** The tabs the welcome page lists, once it has looked: their titles. */
async function listed(welcome) {
  await waitFor(() => welcome.evaluate(() => !/Looking/.test(document.getElementById('reload-text').textContent)),
    { timeout: 20000, what: 'the welcome page to look for tabs' });
  return welcome.evaluate(() => [...document.querySelectorAll('#reload-list li')].map((li) => li.textContent));
}

for (const browserName of BROWSERS) {
  describe(`${browserName}: installed with Jupyter tabs open`, () => {
    test('the welcome page opens and lists the Jupyter tabs; the popup says to reload; unguarded, a save without the cookie fails; the button reloads exactly those tabs, and then the same save recovers', { timeout: TEST_TIMEOUT }, async () => {
      const server = await startJupyter({ flavor: 'notebook6' });
      const plain = await startPlainServer(); // a page of another kind on a site SaveKeeper runs on
      const uuid = crypto.randomUUID();
      const b = await launchBrowser({ browser: browserName, installLater: true, uuid });
      try {
        server.writeNotebook('first.ipynb', ['print("first")']);
        server.writeNotebook('second.ipynb', ['print("second")']);
        const first = await openNotebook(b.browser, server, 'first.ipynb');
        const second = await openNotebook(b.browser, server, 'second.ipynb');
        const other = await b.browser.newPage();
        await other.goto(plain.url, { waitUntil: 'domcontentloaded' });
        const otherLoads = await other.evaluate(() => performance.timeOrigin);

        const id = await b.browser.installExtension(path.resolve(builtExtension(browserName)));
        const origin = browserName === 'chromium' ? `chrome-extension://${id}` : `moz-extension://${uuid}`;
        const welcome = await welcomePage(b.browser, origin);
        assert.ok(welcome, 'installing SaveKeeper opens its welcome page');
        await welcome.setViewport({ width: 900, height: 700 });
        const tabs = await listed(welcome);
        assert.equal(tabs.length, 2, `the two notebooks are listed, and nothing else: ${JSON.stringify(tabs)}`);
        assert.ok(tabs.some((t) => t.includes('first')) && tabs.some((t) => t.includes('second')), JSON.stringify(tabs));
        assert.match(await welcome.evaluate(() => document.body.innerText), /renews the token and sends the save again[\s\S]*Enable on this site/);
        await welcome.screenshot({ path: path.join(ARTIFACTS, `welcome-${browserName}.png`) });
        const { bad, all } = await axeViolations(welcome);
        assert.deepEqual(bad, [], `accessibility of the welcome page: ${all}`);

        // The popup, on a tab open from before, says to reload it.
        const popup = await b.browser.newPage();
        await openExtensionPage(popup, `${origin}/popup.html?for=${encodeURIComponent(second.url())}`);
        await waitFor(async () => /Reload this tab to protect it/.test(await popup.evaluate(() => document.body.innerText)),
          { timeout: 10000, what: 'the popup to say to reload the tab' });
        assert.equal(await popup.evaluate(() => document.getElementById('reload-state').hidden), false, 'the popup shows its reload button');
        await popup.close();

        // Unguarded: a save with the cookie deleted fails, as without SaveKeeper.
        await deleteXsrf(b.browser, server.url);
        const lost = uniqueText('before the reload');
        const before = await editAndSave(first, lost);
        assert.equal(before.ok, false, 'a tab open from before is not guarded until it is reloaded');
        assert.notEqual(firstCellOnDisk(server, 'first.ipynb'), lost);

        // The button reloads the two notebooks, and only them.
        await welcome.bringToFront();
        // Jupyter asks before its page reloads ("Leave page?"): the user says yes.
        for (const page of [first, second]) page.on('dialog', (d) => d.accept().catch(() => {}));
        await welcome.click('#reload-button');
        await waitFor(() => welcome.evaluate(() => /Reloaded/.test(document.getElementById('reload-text').textContent)),
          { timeout: 30000, what: 'the welcome page to say the tabs were reloaded' });
        assert.deepEqual(await welcome.evaluate(() => document.querySelectorAll('#reload-list li').length), 0, 'no tab is left to reload');
        assert.equal(await other.evaluate(() => performance.timeOrigin), otherLoads, 'the page that is not Jupyter was not reloaded');
        for (const page of [first, second]) {
          await waitFor(() => page.evaluate(() => Boolean(window.Jupyter && Jupyter.notebook && Jupyter.notebook._fully_loaded)).catch(() => false),
            { timeout: 30000, what: 'the notebook to load again' });
        }

        // Guarded now: the same save recovers from a deleted cookie.
        await deleteXsrf(b.browser, server.url);
        const text = uniqueText('after the reload');
        const after = await editAndSave(first, text);
        assert.equal(after.ok, true, `the save lands once the tab was reloaded: ${after.error}`);
        assert.equal(firstCellOnDisk(server, 'first.ipynb'), text);
      } finally {
        await b.close();
        await plain.close();
        await server.stop();
      }
    });
  });
}

// End-to-end: SaveKeeper on a site the manifest does not cover.
//
// jupyter.test is mapped to 127.0.0.1 (a loopback alias, as a university's
// hub would be another name). Protection is judged by what matters: with
// the _xsrf cookie deleted, a save lands only when SaveKeeper runs there.
// It is off at first, on after "Enable on this site" and off again after
// "Disable".
//
// The browser's permission prompt cannot be answered in a headless
// browser. The test grants the site where a user can grant it without a
// prompt, in chrome://extensions (its "Site access" calls
// developerPrivate.addHostPermission); permissions.request then resolves
// at once, as after "Allow". Firefox's prompt cannot be driven at all, so
// this runs in Chromium only (README).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { startJupyter } from './lib/servers.mjs';
import { launchWith, builtExtension, openExtensionPage, deleteXsrf, waitFor } from './lib/browsers.mjs';
import { openNotebook, editAndSave, firstCellOnDisk, uniqueText } from './lib/classic.mjs';

const HOST = 'jupyter.test';
let server;
let b;
let site; // the server as reached through HOST

before(async () => {
  builtExtension('chromium');
  // jupyter.test is not a local name to the Notebook: let it answer.
  server = await startJupyter({ flavor: 'notebook6', extraArgs: ['--NotebookApp.allow_remote_access=True'] });
  b = await launchWith('chromium', true, { args: [`--host-resolver-rules=MAP ${HOST} 127.0.0.1`] });
  site = { ...server, url: `http://${HOST}:${server.port}/` };
});

after(async () => {
  if (b) await b.close();
  if (server) await server.stop();
});

/** Deletes the _xsrf cookie, edits and saves: true when the edit reached the disk. */
async function saveLands(name) {
  server.writeNotebook(name, ['print("start")']);
  const page = await openNotebook(b.browser, site, name);
  try {
    await deleteXsrf(b.browser, site.url);
    const text = uniqueText('site');
    const saved = await editAndSave(page, text);
    return saved.ok && firstCellOnDisk(server, name) === text;
  } finally {
    await page.close();
  }
}

/** Opens the popup for a tab at `url` and clicks its site button, expecting `label` on it. */
async function clickSiteButton(url, label) {
  const popup = await b.browser.newPage();
  try {
    await openExtensionPage(popup, `${b.extensionOrigin}/popup.html?for=${encodeURIComponent(url)}`);
    await waitFor(() => popup.evaluate((l) => document.getElementById('site-button').textContent === l &&
      !document.getElementById('site').hidden, label), { timeout: 10000, what: `the "${label}" button` });
    await popup.click('#site-button');
    return await waitFor(() => popup.evaluate(() => /SaveKeeper is (on|off) for this site/.test(document.getElementById('summary').textContent) &&
      document.getElementById('summary').textContent), { timeout: 10000, what: 'the popup to confirm' });
  } finally {
    await popup.close();
  }
}

test(`Chromium: "Enable on this site" turns protection on at ${HOST}, "Disable" turns it off`, { timeout: 180000 }, async () => {
  assert.equal(await saveLands('before.ipynb'), false, 'off at first: the save without _xsrf fails');

  // The user allows the site (see the file comment).
  const id = new URL(b.extensionOrigin).host;
  const settings = await b.browser.newPage();
  await settings.goto(`chrome://extensions/?id=${id}`);
  await settings.evaluate((extId, p) => chrome.developerPrivate.addHostPermission(extId, p), id, `http://${HOST}/*`);
  await settings.close();

  const confirmed = await clickSiteButton(`${site.url}tree`, 'Enable on this site');
  assert.match(confirmed, /SaveKeeper is on for this site/);
  assert.equal(await saveLands('enabled.ipynb'), true, 'on: the save without _xsrf lands');

  const off = await clickSiteButton(`${site.url}tree`, 'Disable on this site');
  assert.match(off, /SaveKeeper is off for this site/);
  assert.equal(await saveLands('disabled.ipynb'), false, 'off again: the save without _xsrf fails');
});

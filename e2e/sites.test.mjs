// End-to-end: SaveKeeper on a site the manifest does not cover.
//
// jupyter.test is mapped to 127.0.0.1 (a loopback alias, as a university's
// hub would be another name). Protection is judged by what matters: with
// the _xsrf cookie deleted, a save lands only when SaveKeeper runs there.
// It is off at first, on after "Enable on this site" and off again after
// "Disable". The settings page lists the site and keeps the days to keep
// saves that could not be finished. The permission prompt is answered as lib/sites.mjs says.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { startJupyter } from './lib/servers.mjs';
import { launchWith, builtExtension, openExtensionPage, deleteXsrf, waitFor, BROWSERS } from './lib/browsers.mjs';
import { allowInChromium, clickSiteButton, NO_PROMPT } from './lib/sites.mjs';
import { openNotebook, editAndSave, firstCellOnDisk, uniqueText } from './lib/classic.mjs';

const HOST = 'jupyter.test';
let server;

before(async () => {
  for (const name of BROWSERS) builtExtension(name);
  // jupyter.test is not a local name to the Notebook: let it answer.
  server = await startJupyter({ flavor: 'notebook6', extraArgs: ['--NotebookApp.allow_remote_access=True'] });
});

after(async () => {
  if (server) await server.stop();
});

/** Launches `name` with the extension, HOST mapped to 127.0.0.1. */
function launch(name) {
  return launchWith(name, true, { hosts: [HOST], prefs: NO_PROMPT });
}

/** Deletes the _xsrf cookie, edits and saves: true when the edit reached the disk. */
async function saveLands(b, site, name) {
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

for (const browserName of BROWSERS) {
  describe(browserName, () => {
    let b;
    before(async () => { b = await launch(browserName); });
    after(async () => { if (b) await b.close(); });

    test(`"Enable on this site" turns protection on at ${HOST}, "Disable" turns it off`, { timeout: 180000 }, async () => {
      const site = { ...server, url: `http://${HOST}:${server.port}/` };
      assert.equal(await saveLands(b, site, `before-${browserName}.ipynb`), false, 'off at first: the save without _xsrf fails');
      if (browserName === 'chromium') await allowInChromium(b, `http://${HOST}/*`);

      const { confirmed, warning } = await clickSiteButton(b, `${site.url}tree`, 'Enable on this site');
      assert.match(confirmed, /SaveKeeper is on for this site/);
      assert.match(warning, new RegExp(`${HOST}.* is not encrypted \\(http\\)`), 'a plain-http site that is not loopback is flagged');
      assert.equal(await saveLands(b, site, `enabled-${browserName}.ipynb`), true, 'on: the save without _xsrf lands');

      // The settings page lists the site and keeps the number of days set.
      const options = await b.browser.newPage();
      try {
        await openExtensionPage(options, `${b.extensionOrigin}/options.html`);
        await waitFor(() => options.evaluate((h) => document.getElementById('sites').textContent.includes(h) &&
          document.getElementById('keep-days').value === '30', HOST), { what: 'the settings page' });
        await options.evaluate(() => { document.getElementById('keep-days').value = '7'; });
        await options.click('#keep-form button[type=submit]');
        await waitFor(() => options.evaluate(() => /kept for 7 days/.test(document.getElementById('note').textContent)), { what: 'the new setting' });
        // Load it again (not page.reload: Firefox never reports extension page loads).
        await options.evaluate(() => { window.before = true; location.reload(); });
        await waitFor(() => options.evaluate(() => !window.before && document.readyState === 'complete' &&
          document.getElementById('keep-days').value === '7'), { what: 'the setting kept' });
      } finally {
        await options.close();
      }

      const off = await clickSiteButton(b, `${site.url}tree`, 'Disable on this site');
      assert.match(off.confirmed, /SaveKeeper is off for this site/);
      assert.equal(await saveLands(b, site, `disabled-${browserName}.ipynb`), false, 'off again: the save without _xsrf fails');
    });
  });
}

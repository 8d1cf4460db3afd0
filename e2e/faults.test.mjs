// End-to-end: faults between the browser and Jupyter. The classic Notebook
// 6 runs behind a small proxy (lib/faults.mjs) that misbehaves on request.
// Each fault must end in a landed save or a kept save that lands once the
// fault is gone: never a hang, never a lost edit. Each test first shows the
// save failing under the fault (without SaveKeeper the edit would stay
// lost there, as e2e/rescue.test.mjs shows), then the edit on disk.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { startJupyter } from './lib/servers.mjs';
import { browserPair, builtExtension, BROWSERS, waitFor, deleteXsrf, setCookie, openExtensionPage, keptCount } from './lib/browsers.mjs';
import { openNotebook, editAndSave, firstCellOnDisk, uniqueText } from './lib/classic.mjs';
import { startFaultProxy } from './lib/faults.mjs';

const TEST_TIMEOUT = 240000;
// A write that met the fault is tried again after 30 s (the engine's pause).
const LANDS_WITHIN = 90000;

let server;
let proxy;
let site; // the server as the browser sees it, through the proxy

before(async () => {
  for (const b of BROWSERS) builtExtension(b);
  server = await startJupyter({ flavor: 'notebook6' });
  proxy = await startFaultProxy(server);
  site = { ...server, url: proxy.url };
});

after(async () => {
  await proxy.close();
  await server.stop();
});

/**
 * Opens a notebook through the proxy, sets `fault`, edits and saves. When
 * the save fails it waits until it is kept, clears the fault, and waits
 * for the edit on disk. Resolves to how the first save ended.
 */
async function throughFault(b, name, fault, { prepare = async () => {} } = {}) {
  server.writeNotebook(name, ['print("start")']);
  const page = await openNotebook(b.browser, site, name);
  try {
    await prepare(page);
    proxy.fault = fault;
    const text = uniqueText(fault);
    const first = await editAndSave(page, text);
    if (!first.ok) {
      await waitFor(async () => (await keptCount(b)) > 0, { timeout: 30000, interval: 500, what: 'the failed save to be kept' });
    }
    proxy.fault = '';
    await waitFor(() => firstCellOnDisk(server, name) === text, { timeout: LANDS_WITHIN, what: 'the edit on disk' });
    return first;
  } finally {
    proxy.fault = '';
    await page.close();
  }
}

for (const browserName of BROWSERS) {
  describe(browserName, () => {
    const pair = browserPair(browserName);

    test('a renewal page that redirects in a loop: the save is kept, and lands once the loop is gone', { timeout: TEST_TIMEOUT }, async () => {
      const first = await throughFault(pair.withExt, `loop-${browserName}.ipynb`, 'loop-renewal', {
        prepare: () => deleteXsrf(pair.withExt.browser, site.url),
      });
      assert.equal(first.ok, false, 'the renewal cannot work while the loop lasts');
    });

    test('a 403 with a 10 MB page: handed to Jupyter, the save is kept and lands later', { timeout: TEST_TIMEOUT }, async () => {
      const first = await throughFault(pair.withExt, `big-${browserName}.ipynb`, 'big-403');
      assert.equal(first.ok, false);
    });

    test('a 403 with broken JSON: the save is kept and lands later', { timeout: TEST_TIMEOUT }, async () => {
      const first = await throughFault(pair.withExt, `badjson-${browserName}.ipynb`, 'bad-json-403');
      assert.equal(first.ok, false);
    });

    test('the connection drops in the middle of the save: the save is kept and lands later', { timeout: TEST_TIMEOUT }, async () => {
      const first = await throughFault(pair.withExt, `drop-${browserName}.ipynb`, 'drop-put');
      assert.equal(first.ok, false);
    });

    test('a _xsrf cookie of 4 KB: the save lands', { timeout: TEST_TIMEOUT }, async () => {
      const first = await throughFault(pair.withExt, `big-cookie-${browserName}.ipynb`, '', {
        prepare: async () => {
          await deleteXsrf(pair.withExt.browser, site.url);
          await setCookie(pair.withExt.browser, { name: '_xsrf', value: 'x'.repeat(4000), domain: '127.0.0.1', path: '/' });
        },
      });
      assert.equal(first.ok, true, 'the save lands at once');
      assert.ok(proxy.seen().includes(`GET ${server.baseUrl}tree`), 'after a renewal: the 4 KB value is no token');
    });

    test('the answer to a save arrives after its tab was closed: the save has landed, nothing breaks', { timeout: TEST_TIMEOUT }, async () => {
      const name = `closed-${browserName}.ipynb`;
      server.writeNotebook(name, ['print("start")']);
      const page = await openNotebook(pair.withExt.browser, site, name);
      proxy.fault = 'slow-answer';
      proxy.delay = 3000;
      const text = uniqueText('tab closed');
      try {
        await page.evaluate((t) => {
          Jupyter.notebook.get_cell(0).set_text(t);
          Jupyter.notebook.save_notebook();
        }, text);
        await waitFor(() => proxy.seen().some((r) => r === `PUT ${server.baseUrl}api/contents/${name}`), { what: 'the save to leave' });
      } finally {
        await page.close();
      }
      await waitFor(() => firstCellOnDisk(server, name) === text, { timeout: 30000, what: 'the edit on disk' });
      proxy.fault = '';
    });

    if (browserName === 'chromium') {
      test('Chrome stops the service worker in the middle of a renewal: the save lands', { timeout: TEST_TIMEOUT }, async () => {
        const b = pair.withExt;
        const name = 'sw-stopped.ipynb';
        server.writeNotebook(name, ['print("start")']);
        const page = await openNotebook(b.browser, site, name);
        try {
          await deleteXsrf(b.browser, site.url);
          proxy.fault = 'slow-renewal';
          proxy.delay = 3000;
          const text = uniqueText('worker stopped');
          const saving = editAndSave(page, text);
          await waitFor(() => proxy.seen().includes(`GET ${server.baseUrl}tree`), { what: 'the renewal to start' });
          // Stop the extension's service worker, as Chrome does when it is idle.
          const ext = await b.browser.newPage();
          await openExtensionPage(ext, `${b.extensionOrigin}/options.html`);
          const session = await ext.createCDPSession();
          await session.send('ServiceWorker.enable');
          await session.send('ServiceWorker.stopAllWorkers');
          await waitFor(async () => !(await b.browser.targets()).some((t) => t.type() === 'service_worker' &&
            t.url().startsWith(b.extensionOrigin)), { timeout: 5000, what: 'the service worker to stop' });
          await ext.close();
          await saving; // it ends: landed, or failed and kept
          proxy.fault = '';
          await waitFor(() => firstCellOnDisk(server, name) === text, { timeout: LANDS_WITHIN, what: 'the edit on disk' });
        } finally {
          proxy.fault = '';
          await page.close();
        }
      });
    }
  });
}

// End-to-end soak: under load, nothing grows without bound and no save is
// lost. Twenty tabs of two servers (Notebook 6 and jupyter_server with
// nbclassic, ten each) save in turn, a few hundred saves in all; every few
// saves the server's _xsrf cookie is deleted; in Chromium the service
// worker is stopped every 40 saves, as Chrome does when it is idle (after
// 30 s; the saves here come faster than a user's). At the
// end every tab's last edit is on disk, each refusal that followed a
// deletion cost exactly one renewal request, and the engine's stored state and memory are small. The
// figures are printed with the test's output (t.diagnostic).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { startJupyter } from './lib/servers.mjs';
import { BROWSERS, builtExtension, launchWith, deleteXsrf, openExtensionPage } from './lib/browsers.mjs';
import { openNotebook, editAndSave, firstCellOnDisk, renewals, uniqueText } from './lib/classic.mjs';

const TABS_PER_SERVER = 10;
const SAVES = 240; // per browser
const DELETE_EVERY = 8; // saves
const STOP_WORKER_EVERY = 40; // saves, Chromium

const servers = [];
before(async () => {
  for (const b of BROWSERS) builtExtension(b);
  servers.push(await startJupyter({ flavor: 'notebook6' }), await startJupyter({ flavor: 'nbclassic' }));
});
after(async () => {
  for (const s of servers) await s.stop();
});

/** The engine's stored state (bytes) and kept saves, read in a page of the extension's own. */
async function storedState(b) {
  const page = await b.browser.newPage();
  try {
    await openExtensionPage(page, `${b.extensionOrigin}/options.html`);
    return await page.evaluate(async () => {
      const items = await chrome.storage.local.get(null);
      const state = items['savekeeper.state'] || '';
      return { bytes: state.length, kept: JSON.parse(state || '{}').book?.rescues?.length || 0, tabs: Object.keys(JSON.parse(state || '{}').tabs || {}).length };
    });
  } finally {
    await page.close();
  }
}

for (const browserName of BROWSERS) {
  describe(browserName, () => {
    test(`${SAVES} saves from ${2 * TABS_PER_SERVER} tabs, the cookie deleted every ${DELETE_EVERY} saves${browserName === 'chromium' ? `, the service worker stopped every ${STOP_WORKER_EVERY} saves` : ''}: every save lands, one renewal per refused deletion, the state stays small`, { timeout: 900000 }, async (t) => {
      const b = await launchWith(browserName, true);
      const tabs = [];
      try {
        for (const server of servers) {
          for (let i = 0; i < TABS_PER_SERVER; i++) {
            const name = `soak-${browserName}-${i}.ipynb`;
            server.writeNotebook(name, ['print("start")']);
            tabs.push({ server, name, page: await openNotebook(b.browser, server, name), last: '' });
          }
        }
        let stops = 0;
        let session = null;
        if (browserName === 'chromium') {
          const ext = await b.browser.newPage();
          await openExtensionPage(ext, `${b.extensionOrigin}/options.html`);
          session = await ext.createCDPSession();
          await session.send('ServiceWorker.enable');
        }
        const offsets = servers.map((s) => s.logOffset());
        const deletions = servers.map(() => 0);
        const marks = []; // the servers' log offsets at each deletion
        const started = Date.now();
        for (let n = 0; n < SAVES; n++) {
          const tab = tabs[(n * 7) % tabs.length]; // every tab in turn, the two servers interleaved
          const s = servers.indexOf(tab.server);
          if (n % DELETE_EVERY === DELETE_EVERY - 1) {
            marks.push({ n, offsets: servers.map((x) => x.logOffset()) });
            await deleteXsrf(b.browser, tab.server.url);
            deletions[s] += 1;
          }
          if (session && n % STOP_WORKER_EVERY === STOP_WORKER_EVERY - 1) {
            await session.send('ServiceWorker.stopAllWorkers');
            stops += 1;
          }
          tab.last = uniqueText(`soak ${n}`);
          const saved = await editAndSave(tab.page, tab.last);
          assert.equal(saved.ok, true, `save ${n} (${tab.name}) lands: ${JSON.stringify(saved)}`);
        }
        const took = Date.now() - started;
        for (const tab of tabs) assert.equal(firstCellOnDisk(tab.server, tab.name), tab.last, `${tab.name}: the last edit is on disk`);
        // Both servers are on 127.0.0.1 and set _xsrf on "/": cookies ignore
        // ports, so they share one, and the save after a deletion, whichever
        // server it goes to, is refused and renews it for both, with one
        // request. Unless the server set the cookie again by itself first:
        // jupyter_server answers a favicon request Chromium makes meanwhile
        // with a new _xsrf, and that save lands at once. So each stretch from
        // one deletion to the next has one renewal if a save was refused in
        // it, none if not; and most deletions must have been refused, or the
        // test proves nothing.
        const stretches = marks.map((m, k) => {
          const logged = servers.flatMap((x, i) => x.requests(m.offsets[i], k + 1 < marks.length ? marks[k + 1].offsets[i] : undefined));
          return {
            n: m.n,
            refused: logged.filter((r) => r.method === 'PUT' && r.status === 403).length,
            renewed: logged.filter((r) => r.method === 'GET' && servers.some((x) => r.path === `${x.baseUrl}tree`)).length,
          };
        });
        const refusedStretches = stretches.filter((x) => x.refused > 0).length;
        for (const x of stretches) assert.equal(x.renewed, x.refused > 0 ? 1 : 0, `save ${x.n}: one renewal if refused, none if not: ${JSON.stringify(x)}`);
        assert.ok(refusedStretches >= marks.length * 3 / 4, `most deletions led to a refusal: ${refusedStretches} of ${marks.length}`);
        const renewed = servers.map((s, i) => renewals(s, offsets[i]).length);
        assert.equal(renewed[0] + renewed[1], refusedStretches, `no renewal outside those: ${JSON.stringify({ renewed, refusedStretches })}`);

        const state = await storedState(b);
        let memory = 0;
        if (browserName === 'chromium') {
          const worker = (await b.browser.targets()).find((x) => x.type() === 'service_worker' && x.url().startsWith(b.extensionOrigin));
          if (worker) memory = await (await worker.worker()).evaluate(() => globalThis.savekeeperMemory ? globalThis.savekeeperMemory.buffer.byteLength : 0);
        }
        t.diagnostic(`${browserName}: ${SAVES} saves in ${(took / 1000).toFixed(1)} s (${(took / SAVES).toFixed(0)} ms each), ` +
          `${deletions.reduce((a, c) => a + c, 0)} deletions, renewals ${JSON.stringify(renewed)}, service worker stopped ${stops} times; ` +
          `stored state ${state.bytes} bytes (${state.tabs} tabs, ${state.kept} kept saves)` +
          (memory ? `, engine memory ${(memory / 1048576).toFixed(1)} MiB` : ''));
        assert.equal(state.kept, 0, 'nothing is left kept');
        assert.ok(state.bytes < 32 * 1024, `the stored state stays small: ${state.bytes} bytes`);
        if (memory) assert.ok(memory < 64 * 1048576, `the engine's memory stays bounded: ${memory} bytes`);
      } finally {
        for (const tab of tabs) await tab.page.close().catch(() => {});
        await b.close();
      }
    });
  });
}

// End-to-end: the deployments around the classic UI that break saves in
// the field, on Debian's Notebook 6 and jupyter_server 1.23 + nbclassic:
// a base URL (`/user/alice/`), a wrong `_xsrf` on `/` beside the right one
// on the base URL, two servers on one host, a cookie about to expire, and
// a lost login.
//
// Cookies ignore ports, so every scenario gets fresh browsers: one with
// SaveKeeper and one without, which must fail the same scenario. Servers
// start once for the file.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { startJupyter } from './lib/servers.mjs';
import { launchWith, builtExtension, BROWSERS, deleteCookie, deleteXsrf, getCookies, setCookie, waitFor } from './lib/browsers.mjs';
import { openNotebook, editAndSave, firstCellOnDisk, renewals, uniqueText, putsLogged } from './lib/classic.mjs';

const ALICE = '/user/alice/';
const TEST_TIMEOUT = 180000;
const BEFORE = 'print("before")';
// How a save fails once the login is gone.
const LOGIN_LOST = /^(Forbidden|'_xsrf' argument missing from POST)$/;

// notebook6 and nbclassic at /user/alice/ (their `_xsrf` on "/" and on
// "/user/alice/"), and a Notebook 6 at "/" for the two-server scenario.
const servers = {};

before(async () => {
  for (const b of BROWSERS) builtExtension(b);
  servers.notebook6 = await startJupyter({ flavor: 'notebook6', baseUrl: ALICE });
  servers.nbclassic = await startJupyter({ flavor: 'nbclassic', baseUrl: ALICE });
  servers.root = await startJupyter({ flavor: 'notebook6' });
});

after(async () => {
  for (const s of Object.values(servers)) await s.stop();
});

/** Runs fn(browser) in a fresh browser, with or without the extension. */
async function inFreshBrowser(browserName, withExtension, fn) {
  const b = await launchWith(browserName, withExtension);
  try {
    return await fn(b.browser);
  } finally {
    await b.close();
  }
}

/** Asserts a save landed: resolved, no error shown, the text on disk. */
function assertLanded(saved, server, name, text) {
  assert.equal(saved.error, '', 'the save promise resolved');
  assert.doesNotMatch(saved.notification, /fail|forbidden|xsrf/i, 'no save error in the notification area');
  assert.equal(firstCellOnDisk(server, name), text, 'the edit is on disk');
}

/** Opens a fresh notebook, runs change(browser), then edits and saves. */
async function saveAfter(browser, server, name, change) {
  server.writeNotebook(name, [BEFORE]);
  const page = await openNotebook(browser, server, name);
  const offset = server.logOffset();
  await change(browser);
  const text = uniqueText(name);
  const saved = await editAndSave(page, text);
  return { saved, text, offset, page };
}

for (const browserName of BROWSERS) {
  describe(browserName, () => {
    for (const flavor of ['notebook6', 'nbclassic']) {
      test(`${flavor} at ${ALICE}: deleted _xsrf cookie, the save lands after one renewal of ${ALICE}tree`, { timeout: TEST_TIMEOUT }, async () => {
        const server = servers[flavor];
        const name = `base-${browserName}.ipynb`;
        await inFreshBrowser(browserName, true, async (browser) => {
          const { saved, text, offset } = await saveAfter(browser, server, name, (b) => deleteXsrf(b, server.url));
          assertLanded(saved, server, name, text);
          assert.deepEqual(renewals(server, offset).map((r) => r.path), [`${ALICE}tree`], 'one renewal, at the base URL');
          const renewed = (await getCookies(browser, server.url)).find((c) => c.name === '_xsrf');
          assert.equal(renewed.path, flavor === 'notebook6' ? '/' : ALICE, 'the server set the cookie on its own path');
        });
      });

      test(`${flavor} at ${ALICE}: without the extension the save ends in the 403`, { timeout: TEST_TIMEOUT }, async () => {
        const server = servers[flavor];
        const name = `base-plain-${browserName}.ipynb`;
        await inFreshBrowser(browserName, false, async (browser) => {
          const { saved } = await saveAfter(browser, server, name, (b) => deleteXsrf(b, server.url));
          assert.match(saved.error, /'_xsrf' argument missing from POST/);
          assert.equal(firstCellOnDisk(server, name), BEFORE);
        });
      });
    }

    // jupyter_server sets `_xsrf` on its base URL; a stale one on "/" (left
    // by another server or an older version) is sent last, and tornado reads
    // the last while the page reads the first.
    const wrongAtRoot = (b) => setCookie(b, { name: '_xsrf', value: `stale-${Date.now()}`, domain: '127.0.0.1', path: '/' });

    test(`nbclassic at ${ALICE}: a wrong _xsrf at / beside the right one, the save lands`, { timeout: TEST_TIMEOUT }, async () => {
      const server = servers.nbclassic;
      const name = `root-shadow-${browserName}.ipynb`;
      await inFreshBrowser(browserName, true, async (browser) => {
        const { saved, text, offset } = await saveAfter(browser, server, name, wrongAtRoot);
        assertLanded(saved, server, name, text);
        assert.deepEqual((await putsLogged(server, offset, 2)).map((r) => r.status), [403, 200]);
        assert.equal(renewals(server, offset).length, 0, 'the right token, no renewal');
      });
    });

    test(`nbclassic at ${ALICE}: without the extension the wrong _xsrf at / ends in "does not match"`, { timeout: TEST_TIMEOUT }, async () => {
      const server = servers.nbclassic;
      const name = `root-shadow-plain-${browserName}.ipynb`;
      await inFreshBrowser(browserName, false, async (browser) => {
        const { saved } = await saveAfter(browser, server, name, wrongAtRoot);
        assert.match(saved.error, /XSRF cookie does not match POST argument/);
        assert.equal(firstCellOnDisk(server, name), BEFORE);
      });
    });

    // nbclassic (port A, cookie on /user/alice/) is opened first, then
    // Notebook 6 (port B, base "/"), which sets its own cookie on "/": from
    // then on nbclassic receives both, and reads the wrong one.
    async function saveAlternately(browser) {
      const a = servers.nbclassic;
      const b = servers.root;
      const names = [`two-a-${browserName}.ipynb`, `two-b-${browserName}.ipynb`];
      a.writeNotebook(names[0], [BEFORE]);
      b.writeNotebook(names[1], [BEFORE]);
      const pageA = await openNotebook(browser, a, names[0]);
      const pageB = await openNotebook(browser, b, names[1]);
      const paths = (await getCookies(browser, a.url)).filter((c) => c.name === '_xsrf').map((c) => c.path).sort();
      assert.deepEqual(paths, ['/', ALICE], 'each server set its own cookie');
      const results = [];
      for (let round = 0; round < 2; round++) {
        for (const [page, server, name] of [[pageA, a, names[0]], [pageB, b, names[1]]]) {
          const text = uniqueText(`round ${round}`);
          const saved = await editAndSave(page, text);
          results.push({ server, name, text, saved, disk: firstCellOnDisk(server, name) });
        }
      }
      return results;
    }

    test('two servers on 127.0.0.1 at different ports, saving alternately: every save lands', { timeout: TEST_TIMEOUT }, async () => {
      await inFreshBrowser(browserName, true, async (browser) => {
        const results = await saveAlternately(browser);
        for (const r of results) {
          assert.equal(r.saved.error, '', `the save on ${r.server.flavor} resolved`);
          assert.equal(r.disk, r.text, `the edit is on ${r.server.flavor}'s disk`);
        }
      });
    });

    test('two servers on 127.0.0.1: without the extension the first server\'s saves fail', { timeout: TEST_TIMEOUT }, async () => {
      await inFreshBrowser(browserName, false, async (browser) => {
        const results = await saveAlternately(browser);
        const failed = results.filter((r) => r.saved.error).map((r) => `${r.server.flavor}: ${r.saved.error}`);
        assert.equal(failed.length, 2, `the nbclassic saves failed: ${failed.join('; ')}`);
        for (const f of failed) assert.match(f, /^nbclassic: .*XSRF cookie does not match POST argument/);
      });
    });

    // The login cookie and `_xsrf` are gone: the renewal lands on the login
    // page, and the save must fail exactly as it does without SaveKeeper.
    const loggedOut = (server) => async (b) => {
      await deleteXsrf(b, server.url);
      for (const c of await getCookies(b, server.url)) {
        if (c.name.startsWith('username-')) await deleteCookie(b, { name: c.name, url: server.url, path: c.path });
      }
    };

    for (const flavor of ['notebook6', 'nbclassic']) {
      test(`${flavor} at ${ALICE}: login lost, the save fails as without the extension, after at most one renewal`, { timeout: TEST_TIMEOUT }, async () => {
        const server = servers[flavor];
        const plain = await inFreshBrowser(browserName, false, async (browser) =>
          (await saveAfter(browser, server, `login-plain-${browserName}.ipynb`, loggedOut(server))).saved);
        assert.match(plain.error, LOGIN_LOST, 'without the extension the save fails');

        await inFreshBrowser(browserName, true, async (browser) => {
          const name = `login-${browserName}.ipynb`;
          const { saved, offset, page } = await saveAfter(browser, server, name, loggedOut(server));
          // Which refusal comes first depends on the page's other requests:
          // one that lands on the login page sets a new `_xsrf`.
          assert.equal(saved.ok, false);
          assert.match(saved.error, LOGIN_LOST, 'Jupyter is told the save failed, as without the extension');
          assert.match(saved.notification, /Forbidden|'_xsrf' argument missing/, 'the notification area says so');
          assert.match(plain.notification, /Forbidden|'_xsrf' argument missing/);
          const again = await editAndSave(page, uniqueText('again'));
          assert.equal(again.ok, false, 'a second save fails too');
          assert.equal(firstCellOnDisk(server, name), BEFORE);
          await putsLogged(server, offset, 2);
          const renewed = server.requests(offset).filter((r) => r.path === `${ALICE}tree`);
          assert.ok(renewed.length <= 1, `at most one renewal for two failed saves, saw ${renewed.length}`);
          // Each save is sent once. The first may be sent once more, when
          // it was refused for its token and another request of the page
          // landed on the login page meanwhile, which set a new `_xsrf`
          // (seen in Firefox): the engine has it retried with that one,
          // once, and the retry's "Forbidden" ends it. Never more.
          const seen = server.requests(offset).map((r) => `${r.status} ${r.method} ${r.path}${r.query ? `?${r.query}` : ''}`);
          const puts = server.requests(offset).filter((r) => r.method === 'PUT').length;
          assert.ok(puts === 2 || puts === 3, `no save was sent more than twice, and only one twice: ${seen.join(', ')}`);
        });
      });
    }

    // A cookie that expires in 25 seconds: SaveKeeper moves its expiry out
    // as soon as it sees it, so the save after that needs no renewal.
    test(`nbclassic at ${ALICE}: an _xsrf cookie expiring in 25 seconds is extended before it expires (with and without the extension)`, { timeout: TEST_TIMEOUT }, async () => {
      const server = servers.nbclassic;
      const withExt = await launchWith(browserName, true);
      const without = await launchWith(browserName, false);
      try {
        const names = [`expiry-${browserName}.ipynb`, `expiry-plain-${browserName}.ipynb`];
        const pages = [];
        for (const [i, b] of [withExt, without].entries()) {
          server.writeNotebook(names[i], [BEFORE]);
          pages.push(await openNotebook(b.browser, server, names[i]));
        }
        const expires = Math.floor(Date.now() / 1000) + 25;
        for (const b of [withExt, without]) {
          const c = (await getCookies(b.browser, server.url)).find((x) => x.name === '_xsrf');
          await setCookie(b.browser, { name: '_xsrf', value: c.value, domain: '127.0.0.1', path: c.path, expires });
        }
        const expiryOf = async (b) => ((await getCookies(b.browser, server.url)).find((x) => x.name === '_xsrf') || {}).expires;
        assert.equal(await expiryOf(without), expires, 'the short expiry is set');
        await waitFor(async () => (await expiryOf(withExt)) > expires + 86400,
          { timeout: 15000, what: 'SaveKeeper to extend the cookie' });
        await new Promise((resolve) => setTimeout(resolve, expires * 1000 + 2000 - Date.now()));
        const offset = server.logOffset();
        const texts = names.map((n) => uniqueText(n));
        const saved = [];
        for (const [i, page] of pages.entries()) saved.push(await editAndSave(page, texts[i]));

        assertLanded(saved[0], server, names[0], texts[0]);
        assert.match(saved[1].error, /'_xsrf' argument missing from POST/, 'without the extension the cookie expired');
        const puts = await putsLogged(server, offset, 2);
        assert.equal(puts.filter((r) => r.status === 403).length, 1, 'only the save without the extension was refused');
        assert.equal(renewals(server, offset).length, 0, 'no renewal was needed');
      } finally {
        await withExt.close();
        await without.close();
      }
    });
  });
}

// End-to-end: JupyterHub 6.1.1 (the pinned venv, its own proxy) with a
// JupyterLab and a classic-UI (nbclassic) single-user server, in real
// Chromium and Firefox ESR.
//
// JupyterHub 4.1+ signs `_xsrf` for the session and sets it only on a
// navigation, so SaveKeeper renews it by opening the server's base URL in
// a background tab, which it always closes. JupyterLab's page holds an
// OAuth token that makes XSRF moot until it expires; the Lab test ends it
// by revoking it through the hub's API, which the single-user server then
// judges as it judges an expired one (the hub finds neither), without a
// minute of waiting. Each scenario also runs without the extension, which
// fails it.
// Hubs start once for the file; each scenario logs in from fresh browsers.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { startHub, loginHub } from './lib/hub.mjs';
import { BROWSERS, builtExtension, launchWith, deleteXsrf, getCookies, setCookie, waitFor, openExtensionPage } from './lib/browsers.mjs';
import { openNotebookAt, editAndSave, firstCellOnDisk, uniqueText } from './lib/classic.mjs';
import { openLabNotebook, typeAndSave, cellOnDisk, marker } from './lib/lab.mjs';
import { noticeText, waitForNotice, clickNotice, tabWhere } from './lib/notice.mjs';

const USER = 'alice';
const BASE = `/user/${USER}/`;
// Seconds the Lab hub's single-user server trusts the hub's last answer
// about a token (HubOAuth.cache_max_age): a revoked token is refused after it.
const AUTH_CACHE = 3;
const TEST_TIMEOUT = 240000;
const BEFORE = 'print("before")';

const hubs = {};

before(async () => {
  for (const b of BROWSERS) builtExtension(b);
  hubs.lab = await startHub({ app: 'lab', authCacheMaxAge: AUTH_CACHE });
  hubs.nbclassic = await startHub({ app: 'nbclassic' });
});

after(async () => {
  for (const h of Object.values(hubs)) await h.stop();
});

/** The single-user server of USER, shaped like a server of lib/servers.mjs for the UI helpers. */
function userServer(hub) {
  return {
    url: hub.userUrl(USER),
    flavor: hub.app,
    requests: (offset) => hub.requests(offset),
    readNotebook: (name) => hub.readNotebook(USER, name),
  };
}

/** The navigations to the base URL (SaveKeeper's renewals) the hub's log shows since `offset`. */
const navigations = (hub, offset) => hub.requests(offset).filter((r) => r.method === 'GET' && r.path === BASE);

/** Launches a fresh browser, logs USER in and opens notebook `name` in the hub's app. */
async function openOnHub(browserName, withExtension, hub, name) {
  const b = await launchWith(browserName, withExtension, { noticeReader: true });
  try {
    hub.writeNotebook(USER, name, [BEFORE]);
    const page = await loginHub(b.browser, hub, USER);
    if (hub.app === 'lab') await openLabNotebook(page, userServer(hub), name, hub.notebookUrl(USER, name));
    else await openNotebookAt(page, hub.notebookUrl(USER, name));
    return { ...b, page, name, tabs: (await b.browser.pages()).length };
  } catch (e) {
    await b.close();
    throw e;
  }
}

/** How many tabs the browser has open now. */
const tabsOpen = async (b) => (await b.browser.pages()).length;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

for (const browserName of BROWSERS) {
  describe(browserName, () => {
    test('JupyterLab on the hub: _xsrf deleted while the OAuth token works (no failure either way); then the token ended (revoked), then the cookie deleted too, then a stale _xsrf at /: each save lands (without: "File Save Error")', { timeout: TEST_TIMEOUT }, async () => {
      const hub = hubs.lab;
      const server = userServer(hub);
      // While the token is valid, Lab's requests carry `Authorization:
      // token …`, which skips the XSRF check: a lost cookie breaks nothing,
      // with or without SaveKeeper, and SaveKeeper leaves such requests alone.
      const tokenStillWorks = async (b) => {
        const config = await b.page.evaluate(() => JSON.parse(document.getElementById('jupyter-config-data').textContent));
        assert.ok(config.token && config.hubPrefix, 'the page holds an OAuth token and knows its hub');
        const offset = hub.logOffset();
        const cookie = (await getCookies(b.browser, hub.url)).find((c) => c.name === '_xsrf' && c.path === BASE);
        await deleteXsrf(b.browser, hub.url);
        const words = marker('token');
        assert.equal((await typeAndSave(b.page, server, b.name, words)).dialog, '', 'the token alone saves');
        assert.ok(cellOnDisk(server, b.name).includes(words));
        assert.equal(navigations(hub, offset).length, 0, 'no renewal while the token works');
        await setCookie(b.browser, { name: '_xsrf', value: cookie.value, domain: '127.0.0.1', path: BASE }); // the hub still accepts it
      };
      /** Saves in both browsers; resolves to the two dialogs' texts. */
      const saveBoth = async (label) => {
        const words = [marker(label), marker(`${label} plain`)];
        const dialogs = [(await typeAndSave(withExt.page, server, withExt.name, words[0])).dialog,
          (await typeAndSave(without.page, server, without.name, words[1])).dialog];
        assert.equal(dialogs[0], '', `${label}: no error dialog with SaveKeeper`);
        assert.ok(cellOnDisk(server, withExt.name).includes(words[0]), `${label}: the typed words are on disk`);
        // The renewal tab is closed before the save goes on; the driver's
        // list of pages may take a moment to show it (Firefox).
        await waitFor(async () => (await tabsOpen(withExt)) === withExt.tabs, { timeout: 5000, what: `${label}: no renewal tab left` });
        assert.match(dialogs[1], /File Save Error/, `${label}: without SaveKeeper the save fails`);
        assert.ok(!cellOnDisk(server, without.name).includes(words[1]));
      };
      const withExt = await openOnHub(browserName, true, hub, `expired-${browserName}.ipynb`);
      let without = null;
      try {
        await tokenStillWorks(withExt);
        without = await openOnHub(browserName, false, hub, `expired-plain-${browserName}.ipynb`);
        await tokenStillWorks(without);

        // The token ends, and the server forgets its cached answer about
        // it. Lab's requests fall back to the cookies, whose OAuth token
        // ended with it: SaveKeeper renews both with one navigation, for
        // whichever request is refused first (Lab polls the server).
        let offset = hub.logOffset();
        assert.ok(await hub.revokeOAuthTokens(USER) >= 2, 'both pages had a token');
        await sleep((AUTH_CACHE + 1) * 1000);
        await saveBoth('token expired');
        assert.equal(navigations(hub, offset).length, 1,
          `one navigation renewed the login and the cookie; the hub's log: ${JSON.stringify(hub.requests(offset))}`);

        // Then the cookie goes too.
        offset = hub.logOffset();
        for (const b of [withExt, without]) await deleteXsrf(b.browser, hub.url);
        await saveBoth('cookie deleted');
        assert.equal(navigations(hub, offset).length, 1, 'one navigation renewed the cookie');

        // JupyterLab 4.6 sends the last `_xsrf` it can read; the hub reads the first valid one.
        offset = hub.logOffset();
        for (const b of [withExt, without]) {
          await setCookie(b.browser, { name: '_xsrf', value: `stale${Date.now()}`, domain: '127.0.0.1', path: '/' });
        }
        await saveBoth('stale cookie on /');
        assert.equal(navigations(hub, offset).length, 0, 'the right cookie was there: no navigation');

        // Having seen which cookie the hub takes, the page sends it at once.
        offset = hub.logOffset();
        const words = marker('after');
        assert.equal((await typeAndSave(withExt.page, server, withExt.name, words)).dialog, '');
        const refused = hub.requests(offset).filter((q) => q.status === 403 && q.path.endsWith(withExt.name));
        assert.deepEqual(refused, [], 'no refused first try any more');
      } finally {
        await withExt.close();
        if (without) await without.close();
      }
    });

    test('classic UI on the hub: _xsrf deleted, the save lands through one background tab (without: "missing from PUT")', { timeout: TEST_TIMEOUT }, async () => {
      const hub = hubs.nbclassic;
      const server = userServer(hub);
      for (const withExtension of [false, true]) {
        const b = await openOnHub(browserName, withExtension, hub, `deleted-${withExtension}-${browserName}.ipynb`);
        try {
          const offset = hub.logOffset();
          await deleteXsrf(b.browser, hub.url);
          const text = uniqueText('deleted');
          const saved = await editAndSave(b.page, text);
          if (withExtension) {
            assert.equal(saved.error, '', 'the save promise resolved');
            assert.equal(firstCellOnDisk(server, b.name), text, 'the edit is on disk');
            assert.equal(navigations(hub, offset).length, 1, 'one navigation renewed the cookie');
            assert.equal(await tabsOpen(b), b.tabs, 'the renewal tab is closed');
          } else {
            assert.match(saved.error, /'_xsrf' argument missing from PUT/);
            assert.equal(firstCellOnDisk(server, b.name), BEFORE);
          }
        } finally {
          await b.close();
        }
      }
    });

    test('classic UI on the hub: a stale _xsrf at / beside the right one does not break saves, with or without the extension', { timeout: TEST_TIMEOUT }, async () => {
      // The classic page sends the first `_xsrf` it can read, the one on the
      // base URL, and the hub reads the first valid one: the same cookie.
      const hub = hubs.nbclassic;
      const server = userServer(hub);
      for (const withExtension of [false, true]) {
        const b = await openOnHub(browserName, withExtension, hub, `stale-${withExtension}-${browserName}.ipynb`);
        try {
          await setCookie(b.browser, { name: '_xsrf', value: `stale${Date.now()}`, domain: '127.0.0.1', path: '/' });
          const text = uniqueText('stale');
          const saved = await editAndSave(b.page, text);
          assert.equal(saved.error, '', `the save resolved (${withExtension ? 'with' : 'without'} the extension)`);
          assert.equal(firstCellOnDisk(server, b.name), text);
        } finally {
          await b.close();
        }
      }
    });

    test('logged out of the hub: the save fails as without the extension, after at most one navigation, and no tab is left; the page says the login is lost and the edit is safe, its "Log in again" opens the hub\'s login, and after it the kept save lands and the user is told (without: lost, and nothing said)', { timeout: TEST_TIMEOUT }, async () => {
      const hub = hubs.nbclassic;
      const server = userServer(hub);
      const logOut = async (b) => {
        const tab = await b.browser.newPage();
        await tab.goto(`${hub.url}hub/logout`, { waitUntil: 'domcontentloaded' });
        await tab.close();
      };
      const results = {};
      for (const withExtension of [false, true]) {
        const b = await openOnHub(browserName, withExtension, hub, `logout-${withExtension}-${browserName}.ipynb`);
        try {
          await logOut(b);
          const offset = hub.logOffset();
          const first = await editAndSave(b.page, uniqueText('logged out'));
          const secondText = uniqueText('logged out again');
          const second = { ...await editAndSave(b.page, secondText), text: secondText };
          results[withExtension] = { first, second, navigations: navigations(hub, offset).length, tabs: await tabsOpen(b), opened: b.tabs };
          assert.equal(firstCellOnDisk(server, b.name), BEFORE, 'nothing was saved');
          if (withExtension) {
            const popup = await b.browser.newPage();
            await openExtensionPage(popup, `${b.extensionOrigin}/popup.html?for=${encodeURIComponent(b.page.url())}`);
            const text = await waitFor(async () => {
              const t = await popup.evaluate(() => document.querySelector('main').innerText);
              return /login has expired/.test(t) && t.includes(b.name) ? t : '';
            }, { timeout: 15000, what: 'the popup to ask for a login' });
            assert.match(text, /Log in again/);
            await popup.close();
          }
          // Logged in again, the page that opens finishes the kept save.
          // With SaveKeeper the notebook's page says the login is lost, and
          // its "Log in again" opens the server, which sends to the hub's login.
          let again;
          if (withExtension) {
            results.true.told = await waitForNotice(b.page, /login has expired/, 'SaveKeeper\'s notice that the login is lost');
            await clickNotice(b.page, 'Log in again');
            const tab = await waitFor(() => tabWhere(b.browser, (href) => href.startsWith(`${hub.url}hub/login`)),
              { timeout: 15000, what: 'the hub\'s login, opened by the notice' });
            again = await loginHub(b.browser, hub, USER, { page: tab });
          } else {
            again = await loginHub(b.browser, hub, USER);
          }
          const landed = () => firstCellOnDisk(server, b.name) === second.text;
          if (withExtension) {
            await waitFor(landed, { timeout: 60000, what: 'the kept save on disk after logging in again' });
            results.true.toldLanded = await waitForNotice(b.page, /is saved/, 'SaveKeeper\'s notice that the kept save landed');
          } else {
            await sleep(12000);
            results.false.told = await noticeText(b.page);
          }
          results[withExtension].landed = landed();
          await again.close();
        } finally {
          await b.close();
        }
      }
      const [plain, kept] = [results.false, results.true];
      assert.equal(plain.first.ok, false);
      assert.equal(kept.first.ok, false);
      assert.equal(kept.first.error, plain.first.error, 'Jupyter is told what it is told without the extension');
      assert.equal(kept.second.ok, false, 'the second save fails too');
      assert.equal(plain.second.ok, false);
      assert.ok(kept.navigations <= 1, `at most one navigation for two failed saves, saw ${kept.navigations}`);
      assert.equal(kept.tabs, kept.opened, 'no tab is left open');
      assert.equal(kept.landed, true, 'with SaveKeeper the edit made while logged out reached the disk');
      assert.equal(plain.landed, false, 'without it the edit stayed lost');
      assert.match(kept.told, /Your Jupyter login has expired, so “logout-true-\w+\.ipynb” was not saved\. Your edit is safe/);
      assert.match(kept.toldLanded, /“logout-true-\w+\.ipynb” is saved/);
      assert.equal(plain.told, '', 'without SaveKeeper nothing tells the user');
    });

    test('classic UI on the hub: a save kept while the server was down lands once it is back, though its _xsrf cookie is gone meanwhile (without: lost)', { timeout: TEST_TIMEOUT }, async () => {
      const hub = hubs.nbclassic;
      const server = userServer(hub);
      const results = {};
      for (const withExtension of [false, true]) {
        const b = await openOnHub(browserName, withExtension, hub, `down-${withExtension}-${browserName}.ipynb`);
        try {
          await hub.stopServer(USER);
          const text = uniqueText('server down');
          const saved = await editAndSave(b.page, text);
          await deleteXsrf(b.browser, hub.url);
          const offset = hub.logOffset();
          await hub.startServer(USER);
          const landed = () => firstCellOnDisk(server, b.name) === text;
          if (withExtension) await waitFor(landed, { timeout: 60000, what: 'the kept save on disk once the server is back' }).catch(() => {});
          else await sleep(15000);
          results[withExtension] = { saved, landed: landed(), navigations: navigations(hub, offset).length,
            tabs: await tabsOpen(b), opened: b.tabs,
            checks: hub.requests(offset).filter((r) => r.query === 'content=0').map((r) => r.status) };
        } finally {
          await b.close();
          await hub.startServer(USER);
        }
      }
      const [plain, kept] = [results.false, results.true];
      assert.equal(plain.saved.ok, false, 'the save fails while the server is down');
      assert.equal(kept.saved.ok, false, 'with SaveKeeper too');
      assert.equal(kept.landed, true, `with SaveKeeper the edit reached the disk: ${JSON.stringify(kept)}`);
      assert.equal(plain.landed, false, 'without it the edit stayed lost');
      assert.equal(kept.tabs, kept.opened, 'no tab is left open');
    });
  });
}

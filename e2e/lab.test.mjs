// End-to-end: JupyterLab 4.6 and Notebook 7.6 (the pinned venv), driven
// through their own UI in real Chromium and Firefox ESR.
//
// With password login the page holds no token, so JupyterLab's requests
// rely on the _xsrf cookie exactly like the classic Notebook's. Each
// scenario runs with the extension (the save lands) and without it (the
// "File Save Error" dialog). Servers start once for the file.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { startJupyter, hashPassword } from './lib/servers.mjs';
import { browserPair, launchWith, builtExtension, BROWSERS, deleteXsrf, getCookies, deleteCookie, waitFor } from './lib/browsers.mjs';
import { loginWithPassword, openLabNotebook, typeAndSave, cellOnDisk, marker } from './lib/lab.mjs';
import { noticeText, waitForNotice, clickNotice, tabWhere } from './lib/notice.mjs';

const APPS = { lab: 'JupyterLab 4.6.6', notebook7: 'Notebook 7.6.5' };
const TEST_TIMEOUT = 180000;
const NOT_BY_ITSELF = 12000; // ms the control waits for an edit that should not land
const servers = {};

before(async () => {
  for (const b of BROWSERS) builtExtension(b);
  const password = hashPassword('savekeeper-test');
  for (const flavor of Object.keys(APPS)) servers[flavor] = await startJupyter({ flavor, password });
});

after(async () => {
  for (const s of Object.values(servers)) await s.stop();
});

/** Deletes the browser's login cookie for server: the user is logged out. */
async function forgetLogin(browser, server) {
  for (const c of await getCookies(browser, server.url)) {
    if (c.name.startsWith('username-')) await deleteCookie(browser, { name: c.name, url: server.url, path: c.path });
  }
}

/** Logs in, opens a fresh notebook, deletes the cookie, types and saves. */
async function savesAfterCookieLoss(browser, server, name) {
  server.writeNotebook(name, ['x = 1']);
  const page = await loginWithPassword(browser, server);
  try {
    await openLabNotebook(page, server, name);
    const config = await page.evaluate(() => JSON.parse(document.getElementById('jupyter-config-data').textContent));
    assert.equal(config.token, '', 'password login puts no token in the page');
    const offset = server.logOffset();
    await deleteXsrf(browser, server.url);
    const words = marker('saved');
    const { dialog } = await typeAndSave(page, server, name, words);
    return { dialog, words, disk: cellOnDisk(server, name), requests: server.requests(offset) };
  } finally {
    await page.close();
  }
}

for (const browserName of BROWSERS) {
  describe(browserName, () => {
    const pair = browserPair(browserName, { noticeReader: true });

    for (const [flavor, app] of Object.entries(APPS)) {
      test(`${app}, password login: deleted cookie, the save through the UI lands`, { timeout: TEST_TIMEOUT }, async () => {
        const server = servers[flavor];
        const r = await savesAfterCookieLoss(pair.withExt.browser, server, `ui-${browserName}.ipynb`);
        assert.equal(r.dialog, '', 'no error dialog');
        assert.ok(r.disk.includes(r.words), `the typed words are on disk: ${r.disk}`);
        const renewPage = `${server.baseUrl}${flavor === 'lab' ? 'lab' : 'tree'}`;
        const renewals = r.requests.filter((q) => q.method === 'GET' && q.path === renewPage && !q.query);
        assert.equal(renewals.length, 1, `one renewal (GET ${renewPage})`);
      });

      test(`${app}, password login: without the extension the "File Save Error" dialog appears`, { timeout: TEST_TIMEOUT }, async () => {
        const server = servers[flavor];
        const r = await savesAfterCookieLoss(pair.without.browser, server, `ui-plain-${browserName}.ipynb`);
        assert.match(r.dialog, /File Save Error/);
        assert.ok(!r.disk.includes(r.words), 'the typed words never reached the disk');
        assert.ok(r.requests.some((q) => q.method === 'PUT' && q.status === 403), 'the server refused the save');
      });
    }

    for (const withExt of [true, false]) {
      test(`JupyterLab 4.6.6, password login lost while the notebook is open: ${withExt
        ? 'the page says the login expired and the edit is safe; its "Log in again" opens the login, and after the password the kept save lands and the page says so'
        : 'without the extension the edit stays lost after logging in again, and nothing is said'}`, { timeout: TEST_TIMEOUT }, async () => {
        const server = servers.lab;
        const b = withExt ? pair.withExt : pair.without;
        const name = `login-${withExt}-${browserName}.ipynb`;
        server.writeNotebook(name, ['x = 1']);
        await forgetLogin(b.browser, server); // the tests before logged in: the login form shows only when logged out
        const page = await loginWithPassword(b.browser, server);
        let login = null;
        try {
          await openLabNotebook(page, server, name);
          await forgetLogin(b.browser, server);
          const words = marker('login lost');
          const { dialog } = await typeAndSave(page, server, name, words);
          assert.notEqual(dialog, '', 'JupyterLab says the save failed');
          const landed = () => cellOnDisk(server, name).includes(words);
          if (withExt) {
            await waitForNotice(page, /login has expired/, 'SaveKeeper\'s notice that the login is lost');
            await clickNotice(page, 'Log in again');
            login = await waitFor(() => tabWhere(b.browser, (href) => href.startsWith(`${server.url}login`)),
              { timeout: 15000, what: 'the server\'s login page, opened by the notice' });
            await login.waitForSelector('input[type=password]');
            await login.type('input[type=password]', server.password);
            await Promise.all([login.waitForNavigation({ waitUntil: 'domcontentloaded' }).catch(() => {}), login.keyboard.press('Enter')]);
            await waitFor(landed, { timeout: 60000, what: 'the kept save on disk after logging in again' });
            await waitForNotice(page, /is saved/, 'SaveKeeper\'s notice that the kept save landed');
          } else {
            login = await loginWithPassword(b.browser, server);
            await new Promise((resolve) => setTimeout(resolve, NOT_BY_ITSELF));
            assert.equal(landed(), false, 'the edit never reached the disk');
            assert.equal(await noticeText(page), '', 'nothing tells the user');
          }
        } finally {
          if (login) await login.close();
          await page.close();
        }
      });
    }
  });
}

/**
 * Opens a notebook in JupyterLab logged in with the token, saves once,
 * restarts the server with a new token (same home, so the login cookie
 * stays valid), deletes the _xsrf cookie and saves again through the UI.
 */
async function saveAfterRestart(browserName, withExtension) {
  let server = await startJupyter({ flavor: 'lab' });
  const b = await launchWith(browserName, withExtension);
  try {
    const name = 'restart.ipynb';
    server.writeNotebook(name, ['x = 1']);
    const page = await b.browser.newPage();
    await page.goto(`${server.url}lab?token=${server.token}`, { waitUntil: 'domcontentloaded' });
    await openLabNotebook(page, server, name);
    // A first save, before the restart, settles the page (JupyterLab
    // closes a notebook whose loading a restart interrupts). Its working
    // `Authorization: token` needs no cookie, and SaveKeeper leaves it alone.
    const first = server.logOffset();
    await deleteXsrf(b.browser, server.url);
    const before = marker('before restart');
    assert.equal((await typeAndSave(page, server, name, before)).dialog, '', 'the first save lands');
    const seen = server.requests(first);
    assert.deepEqual(seen.filter((q) => q.method === 'PUT' && q.path.endsWith(name)).map((q) => q.status), [200],
      'a save with a working token is sent once and accepted');
    assert.equal(seen.filter((q) => q.path === `${server.baseUrl}lab`).length, 0, 'no renewal');
    const oldToken = server.token;
    await server.stop({ keepHome: true });
    server = await startJupyter({ flavor: 'lab', port: server.port, home: server.home });
    assert.notEqual(server.token, oldToken);
    const offset = server.logOffset();
    await deleteXsrf(b.browser, server.url);
    const words = marker('after restart');
    const { dialog } = await typeAndSave(page, server, name, words);
    const puts = server.requests(offset).filter((q) => q.method === 'PUT' && q.path.endsWith(name));
    assert.equal(puts[0] && puts[0].status, 403, 'the stale token did not let the save through by itself');
    return { dialog, words, disk: cellOnDisk(server, name) };
  } finally {
    await b.close();
    await server.stop();
  }
}

describe('JupyterLab 4.6.6 restarted with a new token while the page stays open', () => {
  for (const browserName of BROWSERS) {
    test(`${browserName}: deleted cookie after the restart, the save lands`, { timeout: TEST_TIMEOUT }, async () => {
      const r = await saveAfterRestart(browserName, true);
      assert.equal(r.dialog, '', 'no error dialog');
      assert.ok(r.disk.includes(r.words), 'the typed words are on disk');
    });

    test(`${browserName}: without the extension the "File Save Error" dialog appears`, { timeout: TEST_TIMEOUT }, async () => {
      const r = await saveAfterRestart(browserName, false);
      assert.match(r.dialog, /File Save Error/);
      assert.ok(!r.disk.includes(r.words), 'the typed words never reached the disk');
    });
  }
});

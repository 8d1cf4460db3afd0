// End-to-end: saves that cannot be completed are kept and finished later.
//
// The server is stopped under an open notebook, the user edits and saves
// (the save fails), and the server is started again on the same port: with
// SaveKeeper the edit reaches the disk with no user action and the kept
// copy is cleared; without it the edit stays out. The file changed on disk
// meanwhile is never overwritten. A 50 MB save is kept and downloads
// byte for byte. Kept saves outlive closing the browser.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { startJupyter } from './lib/servers.mjs';
import { browserPair, keptCount, launchWith, builtExtension, BROWSERS, waitFor, openExtensionPage, getCookies, deleteCookie } from './lib/browsers.mjs';
import { openNotebook, editAndSave, firstCellOnDisk, uniqueText, jupyterDialogs } from './lib/classic.mjs';
import { openLabNotebook, typeAndSave, cellOnDisk, marker } from './lib/lab.mjs';
import { startFaultProxy } from './lib/faults.mjs';
import { noticeText, waitForNotice, clickNotice, seenByPage, tabWhere } from './lib/notice.mjs';
import { axeViolations } from './lib/axe.mjs';

const here = path.dirname(new URL(import.meta.url).pathname);
const ARTIFACTS = path.join(here, 'artifacts');
const TEST_TIMEOUT = 240000;
const LANDS_WITHIN = 60000; // ms after the restart; the page tries every 15 s at most
const NOT_BY_ITSELF = 12000; // ms the control waits for an edit that should not land (SaveKeeper lands it in about 5)

before(() => {
  for (const b of BROWSERS) builtExtension(b);
  fs.mkdirSync(ARTIFACTS, { recursive: true });
});

/** Starts the server `server` was, again: same port, home and token. */
function restart(server) {
  return startJupyter({ flavor: server.flavor, port: server.port, home: server.home, token: server.token });
}

/** Opens the popup for the tab showing `pageUrl`, in a page of its own. */
async function openPopup(b, pageUrl) {
  const popup = await b.browser.newPage();
  await popup.setViewport({ width: 420, height: 480 });
  await openExtensionPage(popup, `${b.extensionOrigin}/popup.html?for=${encodeURIComponent(pageUrl)}`);
  return popup;
}

/** The popup's text, with its token and saves opened as a user opens them. */
const popupText = (popup) => popup.evaluate(() => {
  document.getElementById('more').open = true;
  return document.querySelector('main').innerText;
});

/** Waits until the popup lists a kept save of `name` and returns its text. */
async function waitForRescue(popup, name, what = 'the kept save in the popup') {
  return waitFor(async () => {
    const text = await popupText(popup);
    return text.includes(name) && /could not be finished|login has expired/.test(text) ? text : '';
  }, { timeout: 30000, what });
}

/**
 * Takes the popup's screenshot for `state` and checks it with axe-core
 * (WCAG 2.1 A and AA rules): no serious or critical violation. axe is
 * evaluated by the driver, which the popup's CSP does not stop.
 */
async function checkPopup(popup, state, browserName) {
  await popup.screenshot({ path: path.join(ARTIFACTS, `popup-${state}-${browserName}.png`) });
  const { bad, all } = await axeViolations(popup);
  assert.deepEqual(bad, [], `accessibility of the popup (${state}): ${all}`);
}

/**
 * The toolbar button's badge and tooltip for the tab that shows pageUrl,
 * read in one of the extension's pages: {text, title}.
 */
const badgeOf = (popup, pageUrl) => popup.evaluate(async (url) => {
  const tab = (await chrome.tabs.query({})).find((t) => t.url === url);
  if (!tab) return { text: 'no tab shows ' + url, title: '' };
  return { text: await chrome.action.getBadgeText({ tabId: tab.id }), title: await chrome.action.getTitle({ tabId: tab.id }) };
}, pageUrl);

/** Waits until the badge of the tab that shows pageUrl is `text`, and returns its tooltip. */
async function waitForBadge(popup, pageUrl, text) {
  let last = {};
  await waitFor(async () => {
    last = await badgeOf(popup, pageUrl);
    return last.text === text;
  }, { timeout: 15000, what: `the badge to read '${text}' (it reads ${JSON.stringify(last)})` });
  return last.title;
}

/**
 * The popup's diagnostics for a bug report: what a maintainer needs of
 * the tab (browser, version, server kind, the token cookie's path, counts,
 * the last problem, why saves are kept), and no value of any of the
 * server's cookies, its login token or a file name. "Copy diagnostics"
 * puts exactly that on the clipboard (read back in Chromium, whose driver
 * can grant the popup the clipboard).
 */
async function checkDiagnostics(b, popup, server, browserName) {
  const report = await popup.evaluate(() => document.getElementById('diagnostics-text').textContent);
  assert.match(report, /^SaveKeeper \d+\.\d+\.\d+\nBrowser: Mozilla\/5\.0 .+\nLanguage: en/);
  assert.match(report, /Server: classic, http, base URL \/\n/);
  assert.match(report, /Token: (present, cookie path \/|missing)/);
  assert.match(report, /Last problem: login-required/);
  assert.match(report, /Kept now: (login-required|save-refused|server-unreachable) \(\d+ bytes\)/);
  const secrets = [server.token, ...(await getCookies(b.browser, server.url)).map((c) => c.value)].filter((v) => v.length >= 8);
  assert.ok(secrets.length > 0, 'the server set cookies to look for');
  for (const secret of secrets) assert.ok(!report.includes(secret), `the report holds a secret: ${report}`);
  assert.ok(!/\.ipynb/.test(report), 'the report names no file');
  if (browserName === 'chromium') {
    await popup.browserContext().overridePermissions(b.extensionOrigin, ['clipboard-read', 'clipboard-sanitized-write']);
  }
  await popup.bringToFront();
  await popup.click('#diagnostics summary');
  await popup.click('#copy-diagnostics');
  if (browserName === 'chromium') {
    await waitFor(async () => /Diagnostics copied/.test(await popupText(popup)), { what: 'the popup to say the diagnostics were copied' });
    assert.equal(await popup.evaluate(() => navigator.clipboard.readText()), report, 'the clipboard holds the report');
  } else {
    await waitFor(async () => /Diagnostics copied|did not let SaveKeeper copy/.test(await popupText(popup)), { what: 'the popup to say what became of the copy' });
  }
  await popup.click('#diagnostics summary'); // closed again, as the popup opens
}

/**
 * Classic Notebook 6: save once, stop the server, edit and save (it fails),
 * optionally change the file on disk, start the server again. Resolves to
 * what the test needs to judge, with the page and popup still open.
 */
async function classicServerDown(b, { withExt, name, browserName, changeOnDisk = false }) {
  let server = await startJupyter({ flavor: 'notebook6' });
  server.writeNotebook(name, ['print("start")']);
  const page = await openNotebook(b.browser, server, name);
  try {
    assert.equal((await editAndSave(page, uniqueText('before'))).ok, true, 'the first save lands');
    await server.stop({ keepHome: true });
    const text = uniqueText('while the server is down');
    const saved = await editAndSave(page, text);
    assert.equal(saved.ok, false, 'the save fails while the server is down');
    let popup = null;
    if (withExt) {
      await checkKeptNotice(b, page, name);
      popup = await openPopup(b, page.url());
      const shown = await waitForRescue(popup, name);
      assert.match(shown, /did not answer/);
      assert.equal(await waitForBadge(popup, page.url(), '1'), 'SaveKeeper keeps 1 save of this server that did not land yet. Your edit is safe.',
        'the badge counts the kept save of the tab\'s server, and its tooltip says so');
      if (!changeOnDisk) await checkPopup(popup, 'recovering', browserName);
    }
    if (changeOnDisk) server.writeNotebook(name, ['print("changed by someone else")']);
    server = await restart(server);
    return { server, page, popup, text };
  } catch (e) {
    await page.close();
    await server.stop();
    throw e;
  }
}

/**
 * The save of `name` was just kept: the page tells the user so, and that
 * the edit is safe, in a notice no script of the page can read or click;
 * the user's click on its Details opens what SaveKeeper knows of the tab.
 */
async function checkKeptNotice(b, page, name) {
  const told = await waitForNotice(page, /was not saved/, 'SaveKeeper\'s notice that the save is kept');
  assert.match(told, new RegExp(`The server did not answer, so “${name.replace('.', '\\.')}” was not saved\\. Your edit is safe`));
  await page.screenshot({ path: path.join(ARTIFACTS, `notice-kept-${name.replace(/\.ipynb$/, '')}.png`) });
  const seen = await seenByPage(page);
  assert.equal(seen.length, 1, `the page sees one element of SaveKeeper's: ${JSON.stringify(seen)}`);
  assert.deepEqual(seen[0], { tag: 'DIV', shadowRoot: false, text: '' }, 'and nothing in it');
  const tabs = () => b.browser.pages().then((all) => all.map((p) => p.url()));
  const before = await tabs();
  await page.evaluate(() => {
    for (const e of document.documentElement.children) {
      if (e === document.head || e === document.body) continue;
      e.click();
      e.dispatchEvent(new MouseEvent('click', { bubbles: true, composed: true }));
      e.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, composed: true }));
    }
  });
  await new Promise((r) => setTimeout(r, 1000));
  assert.deepEqual(await tabs(), before, 'clicks a page script makes open nothing');
  // A script that hides the notice under a bait (restyled, or moved into
  // an element of its own) sees it put back as it was.
  const putBack = await page.evaluate(async () => {
    const host = [...document.documentElement.children].find((e) => e !== document.head && e !== document.body);
    const bait = document.createElement('div');
    document.body.append(bait);
    host.style.setProperty('opacity', '0', 'important');
    bait.append(host);
    await new Promise((r) => setTimeout(r, 200));
    bait.remove();
    return { underHtml: host.parentNode === document.documentElement, restyled: /opacity:\s*0/.test(host.getAttribute('style')) };
  });
  assert.deepEqual(putBack, { underHtml: true, restyled: false }, 'the notice is put back as SaveKeeper drew it');
  await clickNotice(page, 'Details');
  const details = await waitFor(() => tabWhere(b.browser, (href) => href.includes('/popup.html?tab=')),
    { timeout: 10000, what: 'the details the notice\'s button opens' });
  await waitFor(async () => (await popupText(details)).includes(name), { timeout: 10000, what: 'the kept save in the details' });
  await details.close();
}

for (const browserName of BROWSERS) {
  describe(`${browserName}: kept saves`, () => {
    const pair = browserPair(browserName, { noticeReader: true });

    test('classic Notebook: the server stops, the save fails, the server returns: the edit lands by itself', { timeout: TEST_TIMEOUT }, async () => {
      const name = `down-${browserName}.ipynb`;
      const r = await classicServerDown(pair.withExt, { withExt: true, name, browserName });
      try {
        await waitFor(() => firstCellOnDisk(r.server, name) === r.text, { timeout: LANDS_WITHIN, what: 'the edit on disk' });
        const told = await waitForNotice(r.page, /is saved/, 'SaveKeeper\'s notice that the kept save landed');
        assert.match(told, new RegExp(`“${name.replace('.', '\\.')}” is saved: the edit SaveKeeper kept has reached the server`));
        await waitFor(async () => /Saves are protected/.test(await popupText(r.popup)), { timeout: 15000, what: 'the popup to clear' });
        const text = await popupText(r.popup);
        assert.ok(!text.includes('Kept saves'), `no kept save left: ${text}`);
        assert.match(text, /Saves kept\s+1 \(1 finished later\)/);
        assert.equal(await waitForBadge(r.popup, r.page.url(), ''), 'SaveKeeper: saves on this page are protected', 'the badge is empty again');
        await checkPopup(r.popup, 'healthy', browserName);
        // Jupyter's own next save goes over the version SaveKeeper wrote for
        // this page, without asking whether the file "changed on disk"
        // should be overwritten or reloaded (reloading would drop the edits
        // made since). Before, it asked.
        const after = uniqueText('after the kept save landed');
        assert.equal((await editAndSave(r.page, after)).ok, true, 'Jupyter\'s own next save lands');
        const asked = await jupyterDialogs(r.page); // ("Connection failed" is the kernel's, from the stop)
        assert.ok(!asked.includes('Notebook changed'), `and does not ask whether the file changed on disk: ${asked}`);
        assert.equal(firstCellOnDisk(r.server, name), after);
      } finally {
        await r.popup.close();
        await r.page.close();
        await r.server.stop();
      }
    });

    test('classic Notebook without the extension: the edit made while the server was down stays lost', { timeout: TEST_TIMEOUT }, async () => {
      const name = `down-plain-${browserName}.ipynb`;
      const r = await classicServerDown(pair.without, { withExt: false, name, browserName });
      try {
        await new Promise((resolve) => setTimeout(resolve, NOT_BY_ITSELF));
        assert.notEqual(firstCellOnDisk(r.server, name), r.text, 'the edit never reached the disk');
        assert.equal(await noticeText(r.page), '', 'nothing tells the user');
      } finally {
        await r.page.close();
        await r.server.stop();
      }
    });

    test('classic Notebook: a file changed on disk meanwhile is not overwritten, and the popup says why', { timeout: TEST_TIMEOUT }, async () => {
      const name = `conflict-${browserName}.ipynb`;
      const r = await classicServerDown(pair.withExt, { withExt: true, name, browserName, changeOnDisk: true });
      try {
        const text = await waitFor(async () => {
          const t = await popupText(r.popup);
          return /changed on the server after your edit began/.test(t) ? t : '';
        }, { timeout: LANDS_WITHIN, what: 'the popup to report the conflict' });
        assert.match(text, /Download \.ipynb/);
        const told = await waitForNotice(r.page, /changed on the server/, 'SaveKeeper\'s notice that the kept save needs the user');
        assert.match(told, new RegExp(`“${name.replace('.', '\\.')}” was changed on the server after your edit began\\. SaveKeeper kept your version`));
        assert.equal(firstCellOnDisk(r.server, name), 'print("changed by someone else")', 'the other change is kept');
        assert.equal(await waitForBadge(r.popup, r.page.url(), '!'), 'SaveKeeper: a kept save of this server needs you. Click to see what to do.',
          'the kept save stays, and needs the user');
        // The settings page lists it too, with "Save now": a tab shows its server.
        const settings = await r.page.browser().newPage();
        try {
          await openExtensionPage(settings, `${pair.withExt.extensionOrigin}/options.html`);
          await waitFor(() => settings.evaluate((n) => [...document.querySelectorAll('#servers button')]
            .some((b) => b.textContent === 'Save now' && document.getElementById(b.getAttribute('aria-describedby')).textContent.includes(n)), name),
          { what: 'Save now for the kept save in the settings page' });
          await settings.screenshot({ path: path.join(ARTIFACTS, `settings-${browserName}.png`), fullPage: true });
        } finally {
          await settings.close();
        }
        await checkPopup(r.popup, 'rescue-pending', browserName);

        // The user decides, with the keyboard: "Save now" writes the kept
        // edit over the other change.
        await r.popup.bringToFront();
        await r.popup.focus('button[data-key$=":save"]');
        await r.popup.keyboard.press('Enter');
        await waitFor(() => firstCellOnDisk(r.server, name) === r.text, { timeout: LANDS_WITHIN, what: 'the kept edit on disk after "Save now"' });
        await waitForNotice(r.page, /is saved/, 'SaveKeeper\'s notice that the kept save landed');
        await waitForBadge(r.popup, r.page.url(), '');
      } finally {
        await r.popup.close();
        await r.page.close();
        await r.server.stop();
      }
    });

    for (const withExt of [true, false]) {
      test(`classic Notebook, login lost: ${withExt ? 'the page and the popup say "log in again", the badge says the save needs the user; the notice\'s "Log in again" opens the server\'s login, and after logging in there with the token the edit lands and the page says so'
        : 'without the extension the edit stays lost after logging in again, and nothing is said'}`, { timeout: TEST_TIMEOUT }, async () => {
        const b = withExt ? pair.withExt : pair.without;
        const server = await startJupyter({ flavor: 'notebook6' });
        const name = `login-${withExt}-${browserName}.ipynb`;
        server.writeNotebook(name, ['print("start")']);
        const page = await openNotebook(b.browser, server, name);
        let popup = null;
        try {
          for (const c of await getCookies(b.browser, server.url)) {
            if (c.name.startsWith('username-')) await deleteCookie(b.browser, { name: c.name, url: server.url, path: c.path });
          }
          const text = uniqueText('login lost');
          assert.equal((await editAndSave(page, text)).ok, false, 'the save fails without a login');
          if (withExt) {
            popup = await openPopup(b, page.url());
            const shown = await waitForRescue(popup, name);
            assert.match(shown, /Your Jupyter login has expired/);
            assert.match(shown, /Log in again/);
            const link = await popup.evaluate(() => document.getElementById('login-link').href);
            assert.equal(link, server.url, 'the link opens the server, which asks for the login');
            await checkPopup(popup, 'login-needed', browserName);
            assert.equal(await waitForBadge(popup, page.url(), '!'), 'SaveKeeper: a kept save of this server needs you. Click to see what to do.');
            await checkDiagnostics(b, popup, server, browserName);
          }
          // The user logs in again: with SaveKeeper from the notice's button,
          // which opens the server, whose login page takes the token.
          let login;
          if (withExt) {
            await waitForNotice(page, /login has expired/, 'SaveKeeper\'s notice that the login is lost');
            await clickNotice(page, 'Log in again');
            login = await waitFor(() => tabWhere(b.browser, (href) => href.startsWith(`${server.url}login`)),
              { timeout: 15000, what: 'the server\'s login page, opened by the notice' });
          } else {
            login = await b.browser.newPage();
            await login.goto(`${server.url}login`, { waitUntil: 'domcontentloaded' });
          }
          await login.waitForSelector('input[name="password"]');
          await login.type('input[name="password"]', server.token);
          await Promise.all([login.waitForNavigation({ waitUntil: 'domcontentloaded' }).catch(() => {}), login.keyboard.press('Enter')]);
          if (withExt) {
            await waitFor(() => firstCellOnDisk(server, name) === text, { timeout: LANDS_WITHIN, what: 'the edit on disk' });
            await waitForNotice(page, /is saved/, 'SaveKeeper\'s notice that the kept save landed');
            await waitFor(async () => !(await popupText(popup)).includes('Kept saves'), { timeout: 15000, what: 'the popup to clear' });
          } else {
            await new Promise((resolve) => setTimeout(resolve, NOT_BY_ITSELF));
            assert.notEqual(firstCellOnDisk(server, name), text, 'the edit never reached the disk');
            assert.equal(await noticeText(page), '', 'nothing tells the user');
          }
          await login.close();
        } finally {
          if (popup) await popup.close();
          await page.close();
          await server.stop();
        }
      });
    }

    test('a 50 MB save is kept, and its download is the notebook that was sent, byte for byte', { timeout: TEST_TIMEOUT }, async () => {
      const b = pair.withExt;
      const server = await startJupyter({ flavor: 'notebook6' });
      const page = await b.browser.newPage();
      let popup = null;
      try {
        await page.goto(`${server.url}tree?token=${server.token}`, { waitUntil: 'domcontentloaded' });
        await waitFor(() => page.evaluate(() => document.readyState === 'complete'), { what: 'the tree page' });
        await server.stop({ keepHome: true });
        // The body is a contents model, as Jupyter sends it; its notebook
        // holds 50 MB of output.
        const sent = await page.evaluate(async (base) => {
          const line = 'x'.repeat(1023) + '\n';
          const nb = { cells: [{ cell_type: 'code', execution_count: 1, id: 'big', metadata: {}, source: 'print(1)',
            outputs: [{ output_type: 'stream', name: 'stdout', text: line.repeat(50 * 1024) }] }],
          metadata: {}, nbformat: 4, nbformat_minor: 5 };
          const notebook = JSON.stringify(nb);
          const body = JSON.stringify({ type: 'notebook', format: 'json', content: nb });
          const digest = async (s) => [...new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(s)))]
            .map((x) => x.toString(16).padStart(2, '0')).join('');
          const failed = await fetch(`${base}api/contents/big.ipynb`, { method: 'PUT', body, headers: { 'Content-Type': 'application/json' } })
            .then(() => false, () => true);
          return { failed, bytes: new TextEncoder().encode(notebook).length, sha: await digest(notebook), inBody: body.includes(notebook) };
        }, server.baseUrl);
        assert.ok(sent.failed, 'the save failed');
        assert.ok(sent.inBody && sent.bytes > 50 * 1024 * 1024, `the notebook is over 50 MB (${sent.bytes} bytes) and in the body`);

        popup = await openPopup(b, page.url());
        await waitFor(async () => /big\.ipynb[\s\S]*5\d\.\d MB/.test(await popupText(popup)), { timeout: 120000, what: 'the 50 MB kept save in the popup' });
        const file = await downloadRescue(b, popup, browserName);
        assert.equal(file.length, sent.bytes, 'the download has the notebook\'s size');
        assert.equal(crypto.createHash('sha256').update(file).digest('hex'), sent.sha, 'the download is the notebook that was sent');

        // "Discard" asks "Discard for good?" with Yes and Cancel; Cancel
        // keeps it, Yes discards it and its body. (The keyboard is tried on
        // "Save now" above: after a download, Firefox's driver cannot give a
        // page the keyboard focus again.)
        const id = await popup.evaluate(() => document.querySelector('button[data-key$=":discard"]').dataset.key.split(':')[0]);
        const badge = Number((await badgeOf(popup, page.url())).text);
        assert.ok(badge >= 1, 'the tab\'s badge counts the kept save');
        const question = async () => {
          await popup.click(`button[data-key="${id}:discard"]`);
          await waitFor(() => popup.evaluate((rid) => document.activeElement && document.activeElement.dataset.key === `${rid}:cancel` &&
            /Discard for good\?\s*Yes, discard\s*Cancel/.test(document.activeElement.parentElement.innerText), id), { what: 'the question, Cancel focused' });
        };
        await question();
        await popup.click(`button[data-key="${id}:cancel"]`);
        await waitFor(() => popup.evaluate((rid) => document.activeElement && document.activeElement.dataset.key === `${rid}:discard`, id),
          { what: 'Cancel to bring back the actions, Discard focused' });
        assert.match(await popupText(popup), /big\.ipynb/, 'Cancel keeps the save');
        await question();
        await popup.click(`button[data-key="${id}:yes"]`);
        await waitFor(async () => !(await popupText(popup)).includes('big.ipynb'), { timeout: 15000, what: 'the kept save to go' });
        await waitForBadge(popup, page.url(), badge > 1 ? String(badge - 1) : ''); // one less
        await waitFor(() => popup.evaluate((rid) => savekeeperBodies.get(rid).then((parts) => parts === null), id),
          { timeout: 10000, what: 'the body to leave IndexedDB' });
      } finally {
        if (popup) await popup.close();
        await page.close();
        await server.stop();
      }
    });

    test('the settings page lists the kept saves of a server no tab shows, discards one and forgets the server with the other', { timeout: TEST_TIMEOUT }, async () => {
      const b = pair.withExt;
      const server = await startJupyter({ flavor: 'notebook6' });
      const name = `settings-${browserName}.ipynb`;
      server.writeNotebook(name, ['print("start")']);
      const page = await openNotebook(b.browser, server, name);
      const before = await keptCount(b);
      await server.stop();
      try {
        assert.equal((await editAndSave(page, uniqueText('kept'))).ok, false);
        // A second file saved from the same page (a script's PUT): kept too.
        const other = await page.evaluate((url) => fetch(`${url}api/contents/other.ipynb`, {
          method: 'PUT', body: JSON.stringify({ type: 'notebook', content: { cells: [], metadata: {}, nbformat: 4, nbformat_minor: 5 } }),
        }).then((r) => r.status, (e) => String(e)), server.url);
        assert.match(String(other), /TypeError|Failed|NetworkError/, 'the server is down');
        await waitFor(async () => (await keptCount(b)) === before + 2, { what: 'both saves kept' });
      } finally {
        await page.close(); // no tab of the server is left: the popup cannot show its kept saves
      }
      const options = await b.browser.newPage();
      try {
        await openExtensionPage(options, `${b.extensionOrigin}/options.html`);
        const where = server.url;
        const listed = () => options.evaluate((w) => [...document.querySelectorAll('#servers > li')]
          .filter((li) => li.textContent.includes(w)).map((li) => li.innerText).join('\n'), where);
        const shown = await waitFor(async () => { const t = await listed(); return t.includes(name) && t.includes('other.ipynb') && t; },
          { what: 'the server and its two kept saves in the settings page' });
        assert.match(shown, /Download/);
        assert.doesNotMatch(shown, /Save now/, 'no tab shows the server: nothing could write a save now');
        // A button, by the text it shows and what describes it (the kept
        // save or the server it acts on).
        const click = (text, about) => options.evaluate((t, a) => [...document.querySelectorAll('#servers button')]
          .find((x) => x.textContent === t && document.getElementById(x.getAttribute('aria-describedby')).textContent.includes(a)).click(), text, about);
        await click('Discard', 'other.ipynb');
        await click('Discard for good?', 'other.ipynb');
        await waitFor(async () => !(await listed()).includes('other.ipynb'), { what: 'the discarded save to go' });
        assert.equal(await keptCount(b), before + 1);
        await click('Forget this server', where);
        await click('Forget it and its kept saves?', where);
        await waitFor(async () => (await listed()) === '', { what: 'the server to go' });
        assert.equal(await keptCount(b), before, 'its kept save went with it');
      } finally {
        await options.close();
      }
    });
  });
}

/**
 * Clicks "Download .ipynb" in the popup and returns the downloaded file.
 * Chromium is told where to put downloads over the DevTools protocol;
 * Firefox uses the download directory of its profile (see launchBrowser).
 */
async function downloadRescue(b, popup, browserName) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'savekeeper-download-'));
  try {
    if (browserName === 'chromium') {
      const session = await b.browser.target().createCDPSession();
      await session.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: dir });
    }
    const where = browserName === 'chromium' ? dir : b.downloads;
    const before = new Set(fs.readdirSync(where));
    await popup.click('button[data-key$=":download"]');
    // Done: the file is there with its bytes, and no partial file beside it
    // (Firefox first makes an empty placeholder and fills "<name>.part").
    const done = (f) => !before.has(f) && f.endsWith('.ipynb') && fs.statSync(path.join(where, f)).size > 0 &&
      !fs.readdirSync(where).some((g) => g.endsWith('.part') || g.endsWith('.crdownload'));
    const name = await waitFor(() => fs.readdirSync(where).find(done), { timeout: 60000, what: `the download in ${where}` });
    return fs.readFileSync(path.join(where, name));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('JupyterLab 4.6: the server stops, the save fails, the server returns', () => {
  /** Lab logged in with the token; save once; stop; type and save; restart. */
  async function labServerDown(browserName, withExt) {
    let server = await startJupyter({ flavor: 'lab' });
    const b = await launchWith(browserName, withExt, { noticeReader: true });
    const name = 'down.ipynb';
    try {
      server.writeNotebook(name, ['x = 1']);
      const page = await b.browser.newPage();
      await page.goto(`${server.url}lab?token=${server.token}`, { waitUntil: 'domcontentloaded' });
      await openLabNotebook(page, server, name);
      assert.equal((await typeAndSave(page, server, name, marker('before'))).dialog, '', 'the first save lands');
      await server.stop({ keepHome: true });
      const words = marker('while down');
      const { dialog } = await typeAndSave(page, server, name, words);
      assert.match(dialog, /Error/, 'JupyterLab reports the failed save');
      const told = {};
      if (withExt) told.kept = await waitForNotice(page, /was not saved/, 'SaveKeeper\'s notice that the save is kept');
      server = await restart(server);
      if (withExt) {
        await waitFor(() => cellOnDisk(server, name).includes(words), { timeout: LANDS_WITHIN, what: 'the edit on disk' });
        told.landed = await waitForNotice(page, /is saved/, 'SaveKeeper\'s notice that the kept save landed');
        // JupyterLab's own next save goes over the version SaveKeeper wrote
        // for this page, without a "File Changed" question (whose Revert
        // would drop the edits made since). Before, it asked.
        const after = marker('after it landed');
        told.after = (await typeAndSave(page, server, name, after, { intoModel: true })).dialog;
        told.afterOnDisk = cellOnDisk(server, name).includes(after);
      } else {
        await new Promise((resolve) => setTimeout(resolve, NOT_BY_ITSELF));
        told.nothing = await noticeText(page);
      }
      return { words, disk: cellOnDisk(server, name), told };
    } finally {
      await b.close();
      await server.stop();
    }
  }

  for (const browserName of BROWSERS) {
    test(`${browserName}: the edit lands by itself`, { timeout: TEST_TIMEOUT }, async () => {
      const r = await labServerDown(browserName, true);
      assert.ok(r.disk.includes(r.words), `the typed words are on disk: ${r.disk}`);
      assert.match(r.told.kept, /The server did not answer, so “down\.ipynb” was not saved\. Your edit is safe/);
      assert.match(r.told.landed, /“down\.ipynb” is saved/);
      assert.doesNotMatch(r.told.after, /File Changed/, 'JupyterLab\'s own next save does not ask whether the file changed on disk');
      assert.ok(r.told.afterOnDisk, 'and lands');
    });

    test(`${browserName}: without the extension the edit stays lost`, { timeout: TEST_TIMEOUT }, async () => {
      const r = await labServerDown(browserName, false);
      assert.ok(!r.disk.includes(r.words), 'the typed words never reached the disk');
      assert.equal(r.told.nothing, '', 'nothing tells the user');
    });
  }
});

describe('JupyterLab 4.6: the file changed on the server, and the check before the save fails once (a proxy\'s 503)', () => {
  let server;
  let proxy;
  before(async () => {
    server = await startJupyter({ flavor: 'lab' });
    proxy = await startFaultProxy(server);
  });
  after(async () => {
    if (proxy) await proxy.close();
    if (server) await server.stop();
  });
  const OTHERS = 'someone else wrote this';

  /**
   * Lab through the proxy: a first save lands; someone else changes the
   * file on disk; the proxy fails the next check; the user saves. Resolves
   * to the dialog Lab showed and the file on disk a while later.
   */
  async function changedAndUnchecked(b, name) {
    server.writeNotebook(name, ['x = 1']);
    const page = await b.browser.newPage();
    try {
      await page.goto(`${proxy.url}lab?token=${server.token}`, { waitUntil: 'domcontentloaded' });
      await openLabNotebook(page, { ...server, url: proxy.url }, name);
      assert.equal((await typeAndSave(page, server, name, marker('first'))).dialog, '', 'the first save lands');
      await new Promise((r) => setTimeout(r, 1100)); // a later modification time
      server.writeNotebook(name, [OTHERS]);
      proxy.fault = 'fail-check';
      const { dialog } = await typeAndSave(page, server, name, marker('mine'));
      assert.equal(proxy.fault, '', 'the proxy failed the check');
      await new Promise((r) => setTimeout(r, 6000)); // a kept save is tried 2 s after it was kept
      return { dialog, disk: cellOnDisk(server, name) };
    } finally {
      await page.close();
    }
  }

  for (const browserName of BROWSERS) {
    describe(browserName, () => {
      const pair = browserPair(browserName, { noticeReader: true });

      test('with SaveKeeper the other change stays on disk, and the save is kept for the user to decide', { timeout: TEST_TIMEOUT }, async () => {
        const name = `changed-${browserName}.ipynb`;
        const before = await keptCount(pair.withExt);
        const r = await changedAndUnchecked(pair.withExt, name);
        assert.equal(r.disk, OTHERS, 'the file changed on the server is not overwritten');
        assert.match(r.dialog, /Error/, 'JupyterLab says the save did not happen');
        assert.equal(await keptCount(pair.withExt), before + 1, 'the save is kept');
      });

      test('without SaveKeeper the save fails and the other change stays on disk', { timeout: TEST_TIMEOUT }, async () => {
        const r = await changedAndUnchecked(pair.without, `changed-without-${browserName}.ipynb`);
        assert.equal(r.disk, OTHERS);
        assert.match(r.dialog, /Error/);
      });
    });
  }
});

describe('kept saves outlive closing the browser', () => {
  for (const browserName of BROWSERS) {
    test(`${browserName}: closed with a kept save, reopened with the same profile: the save lands`, { timeout: TEST_TIMEOUT }, async () => {
      const profile = fs.mkdtempSync(path.join(os.tmpdir(), `savekeeper-kept-${browserName}-`));
      const uuid = crypto.randomUUID();
      let server = await startJupyter({ flavor: 'notebook6' });
      const name = 'reopen.ipynb';
      try {
        server.writeNotebook(name, ['print("start")']);
        let b = await launchWith(browserName, true, { profile, uuid });
        let text;
        try {
          const page = await openNotebook(b.browser, server, name);
          assert.equal((await editAndSave(page, uniqueText('before'))).ok, true);
          await server.stop({ keepHome: true });
          text = uniqueText('kept across a restart');
          assert.equal((await editAndSave(page, text)).ok, false);
          const popup = await openPopup(b, page.url());
          await waitForRescue(popup, name);
        } finally {
          await b.close();
        }
        server = await restart(server);
        b = await launchWith(browserName, true, { profile, uuid });
        try {
          const page = await b.browser.newPage();
          await page.goto(`${server.url}tree?token=${server.token}`, { waitUntil: 'domcontentloaded' });
          await waitFor(() => firstCellOnDisk(server, name) === text, { timeout: LANDS_WITHIN, what: 'the kept edit on disk' });
        } finally {
          await b.close();
        }
      } finally {
        await server.stop();
        fs.rmSync(profile, { recursive: true, force: true });
      }
    });
  }
});

// End-to-end: SaveKeeper at an organisation's JupyterHub. JupyterHub 6.1.1
// with JupyterLab 4.6 single-user servers behind Debian's nginx, which
// terminates https at hub.savekeeper.test with a certificate of a test CA
// made for the run (lib/tls.mjs). The browsers map the name to 127.0.0.1
// and trust the CA as they trust an organisation's: Chromium from the NSS
// database in the user's HOME, Firefox from its Certificates policy. No
// certificate check is turned off. The hub's cookies are Secure, _xsrf too
// (the admin asked tornado for it).
//
// SaveKeeper is off on such a site until the user allows it from the
// popup: on the hub named in the admin's policy (managed storage, through
// each browser's real policy file) with the one button the popup offers
// there, elsewhere with "Enable on this site" (the permission prompt is
// answered as lib/sites.mjs says). Then
// the actions a lost login or _xsrf breaks are done by JupyterLab's own
// client in the page, in a browser with SaveKeeper and in one without,
// which must fail them. "The OAuth token expired" is made by revoking
// alice's OAuth tokens through the hub's API: the server then judges them
// as it judges an expired one, with no minute of waiting (hub.test lets a
// token really expire).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { startHub, loginHub, openSharedServer } from './lib/hub.mjs';
import { BROWSERS, builtExtension, launchWith, deleteXsrf, getCookies, engineStatus, keptCount, tabUrls, waitFor, openExtensionPage } from './lib/browsers.mjs';
import { openLabNotebook, typeAndSave, cellOnDisk, closeDialogs, marker, labActions } from './lib/lab.mjs';
import { allowInChromium, clickSiteButton, siteInPopup, NO_PROMPT } from './lib/sites.mjs';
import { noticeText } from './lib/notice.mjs';
import { forge, everyMessage } from './lib/forge.mjs';

const HOST = 'hub.savekeeper.test';
const USER = 'alice';
const TEST_TIMEOUT = 300000;
const AUTH_CACHE = 3; // s: how long a single-user server trusts the hub's answer about a token

const CULL_AFTER = 45; // s without activity: jupyterhub-idle-culler's --timeout on the culled hub
const CULLER_BROWSER = 'chromium'; // the culled server's scenario runs in this one (see there)

let hub; // the organisation's hub
let culled; // the same, with an idle culler
let sub; // the same, each user's server on a subdomain of its own (subdomain_host); alice may use bob's

before(async () => {
  for (const b of BROWSERS) builtExtension(b);
  // One after the other: two hubs starting at once can pick the same free port.
  hub = await startHub({ app: 'lab', tls: { host: HOST }, authCacheMaxAge: AUTH_CACHE });
  culled = await startHub({ app: 'lab', tls: { host: HOST }, culler: { timeout: CULL_AFTER, every: 5 } });
  sub = await startHub({ app: 'lab', tls: { host: HOST, subdomains: true, users: [USER, 'bob'] }, authCacheMaxAge: AUTH_CACHE, access: { [USER]: ['bob'] } });
});

after(async () => {
  for (const h of [hub, culled, sub]) if (h) await h.stop();
});

/** USER's single-user server on hub `h`, shaped like a server of lib/servers.mjs for the UI helpers. */
const userServer = (h = hub) => ({
  url: h.userUrl(USER),
  flavor: 'lab',
  requests: (offset) => h.requests(offset),
  readNotebook: (name) => h.readNotebook(USER, name),
});

/**
 * Launches `name` as the organisation's machines run it: hub `h`'s name
 * resolves, its CA is trusted; `managed` is what the admin's policy gives
 * SaveKeeper's managed storage.
 */
const launch = (name, withExtension, h = hub, managed = null) =>
  launchWith(name, withExtension, { hosts: h.hosts, caCert: h.caCert, prefs: NO_PROMPT, managedStorage: managed, noticeReader: true });

/** The user enables SaveKeeper on hub `h` from the popup of `browserName`. */
async function enable(b, browserName, h = hub) {
  if (browserName === 'chromium') await allowInChromium(b, `https://${HOST}/*`);
  const { confirmed, warning } = await clickSiteButton(b, `${h.url}hub/home`, 'Enable on this site');
  assert.match(confirmed, /SaveKeeper is on for this site/);
  assert.equal(warning, '', 'no warning for an https site');
}

/**
 * The admin's policy names the hub: the settings page lists it as managed,
 * the popup asks with one button, and once allowed neither the popup nor
 * the settings page can disable it (`b` launched with that policy).
 */
async function protectAsTheAdminAsks(b, browserName) {
  // Chromium hands the extension its policy a moment after it starts.
  const settings = async () => {
    const page = await b.browser.newPage();
    await openExtensionPage(page, `${b.extensionOrigin}/options.html`);
    const line = () => page.evaluate((host) => [...document.querySelectorAll('#sites li')]
      .map((li) => li.textContent).find((t) => t.startsWith(`https://${host}`)) || '', HOST);
    return { page, line };
  };
  let shown = await settings();
  const before = await waitFor(shown.line, { timeout: 15000, what: 'the settings page to list the managed site' });
  assert.match(before, /managed by your organisation\. Not allowed yet/, 'listed as managed, not allowed yet');
  assert.equal(await shown.page.evaluate(() => document.querySelectorAll('#sites li').length), 1, 'only the hub: the rest of the policy is not a site');
  await shown.page.close();

  // One click in the popup (the browser's prompt answered as sites.test does).
  if (browserName === 'chromium') await allowInChromium(b, `https://${HOST}/*`);
  const { text, confirmed, warning } = await clickSiteButton(b, `${hub.url}hub/home`, 'Protect this site');
  assert.match(text, /^Your organisation asks SaveKeeper to protect this site\./);
  assert.match(confirmed, /SaveKeeper is on for this site/);
  assert.equal(warning, '', 'no warning for an https site');
  assert.deepEqual(await siteInPopup(b, `${hub.url}hub/home`),
    { text: `SaveKeeper is on for ${HOST}:${hub.port}, as your organisation asks.`, button: '' }, 'no Disable in the popup');
  // A new settings page: the driver's reload of an extension page never ends in Firefox.
  shown = await settings();
  assert.equal(await waitFor(async () => /\.$/.test(await shown.line()) && shown.line(), { what: 'the settings page to show it allowed' }),
    `https://${HOST}: managed by your organisation.`);
  assert.equal(await shown.page.evaluate(() => document.querySelectorAll('#sites button').length), 0, 'no Disable on the settings page');
  const refused = await shown.page.evaluate((p) => savekeeperSites.disable(p).then(() => 'disabled', (e) => e.message), `https://${HOST}/*`);
  assert.match(refused, /your organisation asks/, 'the site cannot be disabled');
  await shown.page.close();
}

/** Logs USER in on hub `h` and opens notebook `name` in Lab; adds {page, name, tabs} to `b`. */
async function openOnHub(b, name, h = hub) {
  h.writeNotebook(USER, name, ['print("before")']);
  const page = await loginHub(b.browser, h, USER);
  await openLabNotebook(page, userServer(h), name, h.notebookUrl(USER, name));
  return Object.assign(b, { page, name, tabs: b.extensionOrigin ? await tabUrls(b) : [] });
}

/** The user goes to their server in a new tab (the hub logs them in again by itself) and closes it. */
async function visitServer(b, h = hub) {
  const tab = await b.browser.newPage();
  await tab.goto(h.userUrl(USER), { waitUntil: 'domcontentloaded' });
  await waitFor(() => tab.evaluate(() => !!document.querySelector('#jupyter-config-data')), { timeout: 30000, what: 'the server page' });
  await tab.close();
}

/** A save through Lab's UI, then the other actions; resolves to {save, ...actions} ('' = done). */
async function everything(b, label) {
  const words = marker(label);
  const { dialog } = await typeAndSave(b.page, userServer(), b.name, words);
  const tag = `${label.replace(/\W+/g, '-')}-${Date.now().toString(36)}`;
  const saved = cellOnDisk(userServer(), b.name).includes(words);
  return { tag, results: { save: saved && !dialog ? '' : dialog || 'not on disk', ...await labActions(b.page, tag) } };
}

/** Asserts that every action landed, its files are on disk, and no renewal tab is left. */
async function assertAllLanded(b, { tag, results }, label) {
  for (const [action, error] of Object.entries(results)) assert.equal(error, '', `${label}: ${action} with SaveKeeper: ${JSON.stringify(results)}`);
  const dir = hub.notebookDir(USER);
  assert.ok(fs.existsSync(path.join(dir, `renamed-${tag}.ipynb`)), `${label}: the renamed notebook is on disk`);
  assert.equal(fs.readFileSync(path.join(dir, `notes-${tag}.txt`), 'utf8'), `notes ${tag}\n`, `${label}: the text file is on disk`);
  await waitFor(async () => (await tabUrls(b)).length === b.tabs.length, { timeout: 5000, what: `${label}: no renewal tab left` })
    .catch(async (e) => { throw new Error(`${e.message}: ${(await tabUrls(b)).join(', ')}; before: ${b.tabs.join(', ')}`); });
}

/** Asserts that, without SaveKeeper, every action failed. */
function assertAllFailed({ results }, label) {
  for (const [action, error] of Object.entries(results)) assert.notEqual(error, '', `${label}: ${action} fails without SaveKeeper`);
}

for (const browserName of BROWSERS) {
  describe(browserName, () => {
    test(`https at ${HOST}, named in the admin's policy: a fresh profile protects it with one click in the popup ("Your organisation asks SaveKeeper to protect this site"), cannot disable it, and the settings page shows it as managed; then after the OAuth token expired and after _xsrf was deleted, a save, a new notebook, a kernel started, a rename, a kernel restart and a text file each land with no tab left (without: each fails)`, { timeout: TEST_TIMEOUT }, async () => {
      // The policy names the origin an admin knows (the port is the test's),
      // and things that are not sites, which are left out.
      const withExt = await launch(browserName, true, hub, { sites: [hub.origin, 'not a site', 'ftp://files.savekeeper.test'] });
      let without = null;
      try {
        await protectAsTheAdminAsks(withExt, browserName);

        await openOnHub(withExt, `org-${browserName}.ipynb`);
        without = await openOnHub(await launch(browserName, false), `org-plain-${browserName}.ipynb`);
        const status = await engineStatus(withExt, withExt.page.url());
        assert.ok(status && status.detected && status.hub, `SaveKeeper runs in the Lab page on the hub: ${JSON.stringify(status)}`);
        const cookies = await getCookies(withExt.browser, hub.url);
        for (const name of ['jupyterhub-session-id', 'jupyterhub-hub-login', `jupyterhub-user-${USER}`, '_xsrf']) {
          const found = cookies.filter((c) => c.name === name);
          assert.ok(found.length > 0 && found.every((c) => c.secure), `${name} is set and Secure: ${JSON.stringify(found)}`);
        }

        // The OAuth token expires: the page's and the cookie's.
        assert.ok(await hub.revokeOAuthTokens(USER) >= 2, 'both pages had a token');
        await new Promise((r) => setTimeout(r, (AUTH_CACHE + 1) * 1000));
        const expired = await everything(withExt, 'token expired');
        assertAllFailed(await everything(without, 'token expired plain'), 'token expired');
        await assertAllLanded(withExt, expired, 'token expired');

        // Logged in again (the user opened their server), then _xsrf goes.
        for (const b of [withExt, without]) {
          await visitServer(b);
          await deleteXsrf(b.browser, hub.url);
        }
        const deleted = await everything(withExt, 'xsrf deleted');
        assertAllFailed(await everything(without, 'xsrf deleted plain'), 'xsrf deleted');
        await assertAllLanded(withExt, deleted, 'xsrf deleted');
      } finally {
        await withExt.close();
        if (without) await without.close();
      }
    });

    // The culler's part is the hub's and Lab's, the same in both browsers;
    // how each browser keeps and writes back a save is rescue.test's. One
    // browser keeps make test within its time: the scenario waits out the
    // culler's timeout and Lab's notice.
    if (browserName === CULLER_BROWSER) {
      test('a server the idle culler stopped while the notebook stayed open: the save is kept (the hub answers 424; no renewal, no loop), the tab is closed, and it lands once the user starts the server from the hub\'s home page (without: lost)', { timeout: TEST_TIMEOUT }, async () => {
        const withExt = await launch(browserName, true, culled);
        let without = null;
        try {
          // Both browsers are up before the first login starts the server: the
          // culler's clock runs from then, and both notebooks must be open
          // before it stops the server (Firefox, launched later, missed it).
          without = await launch(browserName, false, culled);
          await enable(withExt, browserName, culled);
          await openOnHub(withExt, `culled-${browserName}.ipynb`, culled);
          await openOnHub(without, `culled-plain-${browserName}.ipynb`, culled);
          await waitFor(async () => !(await culled.serverOf(USER)), { timeout: (CULL_AFTER + 60) * 1000, interval: 1000, what: 'the culler to stop the server' });

          // Lab tells the user the server is gone in a dialog; they close it.
          // Lab finds out and asks whether to restart the server; the user
          // dismisses that, edits and saves.
          for (const b of [withExt, without]) {
            await waitFor(() => b.page.evaluate(() => /not running/.test(document.body.innerText)), { timeout: 60000, interval: 500, what: 'Lab to tell the server is gone' });
            await closeDialogs(b.page);
          }
          const offset = culled.logOffset();
          const words = { with: marker('culled'), without: marker('culled plain') };
          const saved = {
            with: await typeAndSave(withExt.page, userServer(culled), withExt.name, words.with, { intoModel: true }),
            without: await typeAndSave(without.page, userServer(culled), without.name, words.without, { intoModel: true }),
          };
          for (const k of ['with', 'without']) assert.notEqual(saved[k].dialog, '', `${k} SaveKeeper, Lab says the save failed`);
          await waitFor(async () => (await keptCount(withExt)) === 1, { timeout: 10000, what: `the save kept (Lab said: ${saved.with.dialog})` });
          const told = await waitFor(async () => noticeText(withExt.page), { what: 'SaveKeeper\'s notice in the page' });
          // The save JupyterLab sends after SaveKeeper answered its check is
          // kept for the hub's answer to that check (424), though the check
          // before the save is redirected and gets none.
          assert.match(told, new RegExp(`Your server is not running, so “${withExt.name.replace('.', '\\.')}” was not saved\\. Your edit is safe.*hub's home page`));
          assert.equal(await noticeText(without.page), '', 'without SaveKeeper nothing says the edit is safe');
          // What the hub really answers: Lab checks the file before it saves,
          // the check is sent on to the hub, which answers 424 (the server is
          // not running). SaveKeeper keeps the save instead of sending it.
          const seen = culled.requests(offset).filter((r) => r.path.endsWith(withExt.name));
          assert.ok(seen.some((r) => r.status === 424 && r.path === `/hub/user/${USER}/api/contents/${withExt.name}`),
            `the hub answered Lab's check 424: ${JSON.stringify(seen)}`);
          assert.deepEqual(seen.filter((r) => r.method === 'PUT'), [], 'no save was sent to a server that is not running');

          // The user closes the notebook (its edit is only in SaveKeeper now)
          // and starts the server from the hub's home page.
          for (const b of [withExt, without]) await b.page.close({ runBeforeUnload: false });
          const home = await withExt.browser.newPage();
          await home.goto(`${culled.url}hub/home`, { waitUntil: 'domcontentloaded' });
          await home.click('#start');
          const landed = (b) => cellOnDisk(userServer(culled), b.name).includes(words[b === withExt ? 'with' : 'without']);
          await waitFor(() => landed(withExt), { timeout: 90000, interval: 500, what: 'the kept save on disk once the server is back' });
          assert.equal(await keptCount(withExt), 0, 'nothing is left kept');
          assert.equal(landed(without), false, 'without SaveKeeper the edit is lost');
          const all = culled.requests(offset);
          const navigations = all.filter((r) => r.method === 'GET' && r.path === `/user/${USER}/`);
          assert.ok(navigations.length <= 1, `at most one renewal: ${JSON.stringify(navigations)}`);
          const putsAfter = all.filter((r) => r.method === 'PUT' && r.path.endsWith(withExt.name));
          assert.ok(putsAfter.length <= 4, `no loop of saves: ${JSON.stringify(putsAfter)}`);
          const urls = await tabUrls(withExt);
          assert.equal(urls.length, withExt.tabs.length, `no tab left but the user's: ${urls.join(', ')}`);
        } finally {
          await withExt.close();
          if (without) await without.close();
        }
      });
    }

    test(`subdomain_host (each user's server at https://<user>.${HOST}/): each subdomain enabled from the popup on its own; after the OAuth token expired and after _xsrf was deleted, saves on alice's land (without: fail), and so do alice's on bob's server; a script on bob's subdomain gets nothing of alice's`, { timeout: TEST_TIMEOUT }, async () => {
      const withExt = await launch(browserName, true, sub);
      let without = null;
      try {
        without = await launch(browserName, false, sub);
        const [aliceUrl, bobUrl] = [sub.userUrl(USER), sub.userUrl('bob')];
        for (const u of [aliceUrl, bobUrl]) {
          if (browserName === 'chromium') await allowInChromium(withExt, `https://${new URL(u).hostname}/*`);
          assert.match((await clickSiteButton(withExt, u, 'Enable on this site')).confirmed, /SaveKeeper is on for this site/);
        }
        // The grant is each subdomain's own: not the hub's, not every user's.
        const options = await withExt.browser.newPage();
        await openExtensionPage(options, `${withExt.extensionOrigin}/options.html`);
        assert.deepEqual((await options.evaluate(() => savekeeperSites.registered())).sort(),
          [`https://${USER}.${HOST}/*`, `https://bob.${HOST}/*`].sort());
        await options.close();

        await openOnHub(withExt, `sub-${browserName}.ipynb`, sub);
        await openOnHub(without, `sub-plain-${browserName}.ipynb`, sub);
        assert.ok(withExt.page.url().startsWith(aliceUrl), `alice works on her subdomain: ${withExt.page.url()}`);
        const aliceToken = (await getCookies(withExt.browser, aliceUrl)).find((c) => c.name === '_xsrf').value;
        const saveBoth = async (label) => {
          const words = marker(label);
          assert.equal((await typeAndSave(withExt.page, userServer(sub), withExt.name, words)).dialog, '', `${label}: the save lands`);
          assert.ok(cellOnDisk(userServer(sub), withExt.name).includes(words), `${label}: on disk`);
          assert.notEqual((await typeAndSave(without.page, userServer(sub), without.name, marker(`${label} plain`))).dialog, '',
            `${label}: without SaveKeeper the save fails`);
          await waitFor(async () => (await tabUrls(withExt)).length === withExt.tabs.length, { timeout: 5000, what: `${label}: no renewal tab left` });
        };
        // As on the hub without subdomains: while the page's OAuth token works
        // it skips the XSRF check, so the token goes first.
        assert.ok(await sub.revokeOAuthTokens(USER) >= 2, 'both pages had a token');
        await new Promise((r) => setTimeout(r, (AUTH_CACHE + 1) * 1000));
        await saveBoth('subdomain token expired');
        for (const b of [withExt, without]) {
          await visitServer(b, sub);
          await deleteXsrf(b.browser, aliceUrl);
        }
        await saveBoth('subdomain xsrf deleted');

        // Alice opens bob's notebook on his subdomain (the hub asks her to
        // authorize his server once); a script there speaks to SaveKeeper
        // for her server.
        // Alice's own pages are closed, so that any request her server sees
        // next comes from bob's subdomain.
        await without.close();
        without = null;
        await withExt.page.close();
        const bobNb = `bob-${browserName}.ipynb`;
        sub.writeNotebook('bob', bobNb, ['print("bob")']);
        await sub.startServer('bob');
        const page = await openSharedServer(withExt.browser, sub, 'bob');
        try {
          const bobServer = { url: bobUrl, flavor: 'lab', requests: (o) => sub.requests(o), readNotebook: (name) => sub.readNotebook('bob', name) };
          await openLabNotebook(page, bobServer, bobNb, sub.notebookUrl('bob', bobNb));
          const tabsBefore = (await tabUrls(withExt)).length;
          const offset = sub.logOffset();
          const aliceSave = `${aliceUrl}api/contents/${withExt.name}`;
          const alicePath = new URL(aliceUrl).pathname;
          const answers = await forge(page, [...everyMessage(aliceSave, 'guessed', alicePath), ...everyMessage(aliceSave, 'guessed', '/')]);
          assert.deepEqual(answers.filter(Boolean), [], 'no forged message is answered');
          assert.ok(!JSON.stringify(answers).includes(aliceToken), 'alice\'s token never reaches bob\'s scripts');
          assert.deepEqual(sub.requests(offset).filter((r) => r.path.startsWith(alicePath)), [], 'no request reached alice\'s server');
          assert.equal((await tabUrls(withExt)).length, tabsBefore, 'no tab was opened');
          // The control: SaveKeeper works in bob's page, on his subdomain.
          await deleteXsrf(withExt.browser, bobUrl);
          const words = marker('on bob');
          assert.equal((await typeAndSave(page, bobServer, bobNb, words)).dialog, '', 'alice\'s save on bob\'s server lands');
          assert.ok(cellOnDisk(bobServer, bobNb).includes(words));
        } finally {
          await page.close();
        }
      } finally {
        await withExt.close();
        if (without) await without.close();
      }
    });
  });
}

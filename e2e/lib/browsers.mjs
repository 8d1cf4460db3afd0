// Real headless browsers for the end-to-end tests: Debian's Chromium and
// Firefox ESR, driven by puppeteer-core, with or without an unpacked
// extension. A missing browser is an error, never a skip.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, after } from 'node:test';
import puppeteer from 'puppeteer-core';

/**
 * The browsers every end-to-end scenario runs in, in turn: both, unless
 * SK_BROWSERS names one while working on a test (make test never sets it).
 */
export const BROWSERS = (process.env.SK_BROWSERS || 'chromium,firefox').split(',');
for (const b of BROWSERS) {
  if (b !== 'chromium' && b !== 'firefox') throw new Error(`SK_BROWSERS: unknown browser ${b}`);
}

/**
 * The built extension: dist/, unless SK_DIST names another build (to show
 * that a new test fails on an older build; make test never sets it).
 */
const DIST = process.env.SK_DIST ? path.resolve(process.env.SK_DIST)
  : path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..', 'dist');

/** The unpacked extension `make` built for a browser; throws when it is missing. */
export function builtExtension(browser) {
  const dir = path.join(DIST, browser === 'chromium' ? 'chrome' : 'firefox');
  if (!fs.existsSync(path.join(dir, 'manifest.json'))) throw new Error(`${dir} is missing: run make first`);
  return dir;
}

/**
 * Launches a browser with the built extension, or without any. Options go
 * to launchBrowser; noticeReader: true lets lib/notice.mjs read SaveKeeper's
 * notice in Firefox.
 */
export function launchWith(browser, withExtension, options = {}) {
  return launchBrowser({ browser, extensionDir: withExtension ? builtExtension(browser) : null, ...options });
}

/**
 * For the enclosing describe(): one browser with the extension and one
 * without, launched before its tests and closed after them. Read them as
 * pair.withExt and pair.without inside the tests.
 */
export function browserPair(browser, options = {}) {
  const pair = { withExt: null, without: null };
  before(async () => {
    pair.withExt = await launchWith(browser, true, options);
    pair.without = await launchWith(browser, false, options);
  });
  after(async () => {
    if (pair.withExt) await pair.withExt.close();
    if (pair.without) await pair.without.close();
  });
  return pair;
}

export const CHROMIUM = '/usr/lib/chromium/chromium';
// The test kit's notice reader for Firefox (see reader/reader.js).
const READER = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', 'reader');
export const FIREFOX = '/usr/lib/firefox-esr/firefox-esr';
const GECKO_ID = 'savekeeper@savekeeper.dev';

// Keeps Chromium quiet on a closed network.
export const CHROMIUM_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * Launches a browser, with the unpacked extension in `extensionDir` if given.
 * `profile` is a profile directory to use and keep (to close and reopen the
 * same browser); `uuid` the moz-extension UUID to give the extension in
 * Firefox (keep it with the profile); `args` more Chromium switches, `prefs`
 * more Firefox preferences.
 * An organisation's setup: `hosts` are names the browser resolves to
 * 127.0.0.1 (as the organisation's DNS would); `caCert` a CA certificate the
 * browser trusts as an organisation's (Chromium: in the NSS database of the
 * user's HOME, as certutil puts it; Firefox: the Certificates policy);
 * `firefoxPolicies` more enterprise policies for Firefox (see
 * firefoxInstall); `managedStorage` what the organisation's policy gives
 * the extension's managed storage (storage.managed), through each
 * browser's own policy file: Chromium's in /etc/chromium/policies/managed
 * (Chromium has no other; see chromiumPolicy), Firefox's 3rdparty policy.
 * `noticeReader` installs the test kit's reader of SaveKeeper's notice in
 * Firefox (reader/reader.js; Chromium's driver needs none). `installLater`
 * starts Chromium ready for the test to install the extension itself
 * (browser.installExtension) with pages open. `locale` ('de') is the
 * language the browser shows; `dark` puts it in its dark colour scheme.
 * @param {{browser: 'chromium'|'firefox', extensionDir?: string|null, headless?: boolean, profile?: string, uuid?: string, args?: string[], prefs?: object, hosts?: string[], caCert?: string, firefoxPolicies?: object, managedStorage?: object, noticeReader?: boolean, installLater?: boolean, locale?: string, dark?: boolean}} options
 * @returns {Promise<{browser: import('puppeteer-core').Browser, extensionOrigin: string|null, close: () => Promise<void>}>}
 */
export async function launchBrowser({
  browser: name, extensionDir = null, headless = true, profile: keptProfile = '', uuid = crypto.randomUUID(), args = [], prefs = {},
  hosts = [], caCert = '', firefoxPolicies = null, managedStorage = null, noticeReader = false, installLater = false, locale = '', dark = false,
}) {
  const profile = keptProfile || fs.mkdtempSync(path.join(os.tmpdir(), `savekeeper-${name}-`));
  const downloads = path.join(profile, 'downloads'); // Firefox saves downloads here
  fs.mkdirSync(downloads, { recursive: true });
  const scratch = []; // directories to delete on close
  let browser;
  let extensionOrigin = null;
  if (name === 'chromium') {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);
    let env = process.env;
    // Chromium on Linux takes its language from the environment (its
    // translations are in chromium-l10n).
    if (locale) env = { ...env, LANGUAGE: locale, LANG: `${locale}_${locale.toUpperCase()}.UTF-8`, LC_ALL: '' };
    if (caCert) {
      const home = fs.mkdtempSync(path.join(os.tmpdir(), 'savekeeper-home-'));
      scratch.push(home);
      trustInNss(home, caCert);
      env = { ...env, HOME: home };
    }
    const mapped = hosts.length ? [`--host-resolver-rules=${hosts.map((h) => `MAP ${h} 127.0.0.1`).join(', ')}`] : [];
    if (managedStorage) {
      if (!extensionDir) throw new Error('managedStorage needs the extension');
      scratch.push(chromiumPolicy(chromiumExtensionId(extensionDir), managedStorage));
    }
    browser = await puppeteer.launch({
      executablePath: CHROMIUM, headless, pipe: true, userDataDir: profile, env,
      enableExtensions: extensionDir ? [path.resolve(extensionDir)] : installLater,
      args: [...CHROMIUM_FLAGS, ...mapped, ...(locale ? [`--lang=${locale}`] : []), ...(dark ? ['--force-dark-mode'] : []), ...args],
    });
    if (extensionDir) {
      const worker = await browser.waitForTarget(
        (t) => t.type() === 'service_worker' && t.url().startsWith('chrome-extension://'), { timeout: 20000 });
      extensionOrigin = `chrome-extension://${new URL(worker.url()).host}`;
      if (managedStorage && extensionOrigin !== `chrome-extension://${chromiumExtensionId(extensionDir)}`) {
        throw new Error(`Chromium gave the extension ${extensionOrigin}, not the id its policy names`);
      }
    }
  } else if (name === 'firefox') {
    if (!fs.existsSync(FIREFOX)) throw new Error(`${FIREFOX} is missing: apt-get install firefox-esr`);
    let executablePath = FIREFOX;
    if (caCert || firefoxPolicies || managedStorage) {
      const policies = {
        ...firefoxPolicies,
        ...(caCert ? { Certificates: { Install: [caCert] } } : {}),
        ...(managedStorage ? { '3rdparty': { Extensions: { [GECKO_ID]: managedStorage } } } : {}),
      };
      const install = firefoxInstall(policies);
      scratch.push(path.dirname(install));
      executablePath = install;
    }
    if (hosts.length) prefs = { 'network.dns.localDomains': hosts.join(','), ...prefs };
    // Firefox's language, from its language pack (firefox-esr-l10n-<locale>).
    if (locale) prefs = { 'intl.locale.requested': locale, ...prefs };
    if (dark) prefs = { 'ui.systemUsesDarkTheme': 1, 'layout.css.prefers-color-scheme.content-override': 0, ...prefs };
    browser = await puppeteer.launch({
      browser: 'firefox', executablePath, headless, userDataDir: profile,
      args: ['--remote-allow-system-access'],
      extraPrefsFirefox: {
        'extensions.webextensions.uuids': JSON.stringify({ [GECKO_ID]: uuid }),
        // The driver installs the extension as a temporary add-on, which
        // Firefox removes, with its data, when it closes; an installed
        // add-on keeps its data. These keep it as an installed one would.
        'extensions.webextensions.keepStorageOnUninstall': true,
        'extensions.webextensions.keepUuidOnUninstall': true,
        'browser.download.dir': downloads,
        'browser.download.folderList': 2,
        'browser.download.useDownloadDir': true,
        'browser.download.always_ask_before_handling_new_types': false,
        'browser.download.start_downloads_in_tmp_dir': false,
        ...prefs,
      },
    });
    if (extensionDir) {
      const id = await browser.installExtension(path.resolve(extensionDir));
      if (id !== GECKO_ID) throw new Error(`installed ${id}, expected ${GECKO_ID}`);
      extensionOrigin = `moz-extension://${uuid}`;
    }
    if (noticeReader) await browser.installExtension(READER);
  } else {
    throw new Error(`unknown browser ${name}`);
  }
  // Installing SaveKeeper opens its welcome page: tests that are not about
  // it close it, so that the tabs are theirs. A fresh profile must show it;
  // a kept one is SaveKeeper's second start (Firefox installs the add-on
  // anew each time, Chromium does not).
  if (extensionDir) {
    const welcome = await welcomePage(browser, extensionOrigin, keptProfile ? 3000 : 20000);
    if (welcome) await welcome.close();
    else if (!keptProfile) throw new Error('installing SaveKeeper opened no welcome page');
  }
  return {
    browser,
    extensionOrigin,
    downloads,
    async close() {
      await browser.close().catch(() => {});
      if (!keptProfile) fs.rmSync(profile, { recursive: true, force: true });
      for (const dir of scratch) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Trusts the CA certificate `caCert` for websites in the NSS database of the
 * user whose HOME is `home` ($HOME/.pki/nssdb, where Chromium on Linux reads
 * it), as a user or an admin does with certutil for an organisation's CA.
 */
function trustInNss(home, caCert) {
  const db = path.join(home, '.pki', 'nssdb');
  fs.mkdirSync(db, { recursive: true });
  try {
    execFileSync('certutil', ['-N', '-d', `sql:${db}`, '--empty-password'], { stdio: 'pipe' });
    execFileSync('certutil', ['-A', '-d', `sql:${db}`, '-n', 'SaveKeeper test CA', '-t', 'C,,', '-i', caCert], { stdio: 'pipe' });
  } catch (e) {
    throw new Error(`certutil failed (run make deps: e2e/install-deps.sh installs libnss3-tools): ${e.stderr || e.message}`);
  }
}

/**
 * The id Chromium gives the unpacked extension in `dir`: the first 128
 * bits of the SHA-256 of its absolute path, each hex digit written a-p.
 */
export function chromiumExtensionId(dir) {
  const hex = crypto.createHash('sha256').update(path.resolve(dir)).digest('hex').slice(0, 32);
  return [...hex].map((c) => String.fromCharCode(97 + parseInt(c, 16))).join('');
}

/**
 * Writes a Chromium policy file that gives extension `id`'s managed storage
 * `data` (3rdparty.extensions.<id>), where an admin puts it. Chromium reads
 * policies only from /etc/chromium/policies, for every Chromium of the
 * machine: test files run one after the other (make test), and the file is
 * removed when the browser closes. Returns the file's path.
 */
function chromiumPolicy(id, data) {
  const dir = '/etc/chromium/policies/managed';
  const file = path.join(dir, `savekeeper-test-${process.pid}-${id}.json`);
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(file, JSON.stringify({ '3rdparty': { extensions: { [id]: data } } }, null, 2));
  } catch (e) {
    throw new Error(`writing Chromium's policy ${file} needs root (make test runs as root in CI): ${e.message}`);
  }
  return file;
}

/**
 * A private Firefox install with its own enterprise policies, for one
 * launch: a copy of Firefox's small launcher in a new directory beside
 * links to everything else of /usr/lib/firefox-esr, and
 * distribution/policies.json holding `policies`. Firefox reads policies from
 * the distribution directory beside its real binary, so this is the
 * mechanism an admin uses (Debian's system-wide file is
 * /etc/firefox-esr/policies/policies.json), confined to one browser: other
 * test files' browsers run meanwhile. Returns the launcher's path.
 */
function firefoxInstall(policies) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'savekeeper-firefox-install-'));
  const system = path.dirname(FIREFOX);
  for (const entry of fs.readdirSync(system)) {
    if (entry === 'distribution') continue;
    if (entry === path.basename(FIREFOX)) fs.copyFileSync(FIREFOX, path.join(dir, entry));
    else fs.symlinkSync(path.join(system, entry), path.join(dir, entry));
  }
  fs.chmodSync(path.join(dir, path.basename(FIREFOX)), 0o755);
  fs.mkdirSync(path.join(dir, 'distribution'));
  fs.writeFileSync(path.join(dir, 'distribution', 'policies.json'), JSON.stringify({ policies }, null, 2));
  return path.join(dir, path.basename(FIREFOX));
}

/** Every cookie the browser would send to `url`'s host (any path). */
export async function getCookies(browser, url) {
  const host = new URL(url).hostname;
  return (await browser.cookies()).filter((c) => c.domain === host || c.domain === `.${host}`);
}

/** Deletes the cookies called `name` for `url`'s host, only on `path` if given. */
export async function deleteCookie(browser, { name, url, path: cookiePath }) {
  const found = (await getCookies(browser, url)).filter((c) => c.name === name && (!cookiePath || c.path === cookiePath));
  if (found.length) await browser.deleteCookie(...found);
}

/** Deletes every `_xsrf` cookie the browser holds for `url`'s host, on any path; fails if one is left. */
export async function deleteXsrf(browser, url) {
  for (const c of await getCookies(browser, url)) {
    if (c.name === '_xsrf') await deleteCookie(browser, { name: '_xsrf', url, path: c.path });
  }
  const left = (await getCookies(browser, url)).filter((c) => c.name === '_xsrf');
  if (left.length) throw new Error(`_xsrf cookies left after deleting them: ${JSON.stringify(left)}`);
}

/** Sets a cookie in the browser's store: {name, value, domain, path, ...}. */
export async function setCookie(browser, cookie) {
  await browser.setCookie(cookie);
}

/** Polls `fn` until it returns a truthy value; throws naming `what` after `timeout` ms. */
export async function waitFor(fn, { timeout = 10000, interval = 100, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}${last ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

/**
 * Opens one of the extension's pages (such as popup.html) in `page`. Firefox
 * never reports the load of a moz-extension:// page to the driver, so this
 * starts the navigation and polls the document instead of awaiting it.
 */
export async function openExtensionPage(page, url) {
  page.goto(url, { timeout: 0 }).catch(() => { /* Firefox: see above */ });
  await waitFor(
    () => page.evaluate((want) => location.href === want && document.readyState === 'complete', url),
    { timeout: 15000, what: `${url} to load` },
  );
}

/**
 * Waits up to `timeout` ms for SaveKeeper's welcome page to open and
 * returns it, or null. (Firefox's driver reports about:blank for a tab an
 * extension opened: its address is read in the page.)
 */
export async function welcomePage(browser, extensionOrigin, timeout = 20000) {
  const want = `${extensionOrigin}/welcome.html`;
  const until = Date.now() + timeout;
  do {
    for (const p of await browser.pages()) {
      const href = p.url() === want ? want : await p.evaluate(() => location.href).catch(() => '');
      if (href === want) return p;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  } while (Date.now() < until);
  return null;
}

/** How many saves the extension keeps, on every server, asked of the engine in a page of its own. */
export async function keptCount(b) {
  const page = await b.browser.newPage();
  try {
    await openExtensionPage(page, `${b.extensionOrigin}/options.html`);
    const { servers } = await page.evaluate(() => chrome.runtime.sendMessage({ type: 'servers' }));
    return (servers || []).reduce((n, s) => n + (s.rescues || []).length, 0);
  } finally {
    await page.close();
  }
}

/**
 * The engine's status for the tab showing `pageUrl` (as the popup asks for
 * it), read in a page of the extension's own: {detected, flavor, baseUrl,
 * hub, ...}, or null when no tab shows that URL. The page's own scripts
 * cannot see what the page layer tells the engine; this is how a test does.
 */
export async function engineStatus(b, pageUrl) {
  const page = await b.browser.newPage();
  try {
    await openExtensionPage(page, `${b.extensionOrigin}/options.html`);
    return await page.evaluate(async (want) => {
      const tab = (await chrome.tabs.query({})).find((t) => t.url === want);
      if (!tab) return null;
      const reply = await chrome.runtime.sendMessage({ type: 'status', tabId: tab.id, url: tab.url });
      return reply.status;
    }, pageUrl);
  } finally {
    await page.close();
  }
}

/**
 * The URLs of the browser's tabs as the browser itself lists them
 * (chrome.tabs.query, read in a page of the extension's own, which is left
 * out). Firefox's driver can list a page for a tab that is already closed.
 */
export async function tabUrls(b) {
  const page = await b.browser.newPage();
  try {
    await openExtensionPage(page, `${b.extensionOrigin}/options.html`);
    return await page.evaluate(async () => {
      const me = await chrome.tabs.getCurrent();
      return (await chrome.tabs.query({})).filter((t) => !me || t.id !== me.id).map((t) => t.url);
    });
  } finally {
    await page.close();
  }
}

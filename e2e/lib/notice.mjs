// SaveKeeper's notice in a Jupyter page (extension/notice.js), read and
// clicked as a user and a screen reader reach it. It lives in a closed
// shadow root, out of the page scripts' reach. Chromium's driver finds it
// in the accessibility tree, by its role and name. Firefox's driver finds
// nothing in shadow roots, so there the test kit's reader (reader/, which
// the browser must be launched with: launchWith's noticeReader) reads it,
// and the driver clicks its buttons with the mouse where the reader says
// they are. Either way the page is brought to the front first, as the user
// looks at it: a background tab is not laid out (Chromium's accessibility
// query waits for that).

import { waitFor } from './browsers.mjs';

const isFirefox = async (page) => (await page.browser().version()).toLowerCase().includes('firefox');

/** Firefox: what the reader finds, [{name, text, buttons: [{name, x, y}]}]; throws without the reader. */
async function readInFirefox(page) {
  const answer = await page.evaluate(() => {
    let got = null;
    const take = (e) => { got = e.detail; };
    document.addEventListener('savekeeper-test:notices', take);
    document.dispatchEvent(new CustomEvent('savekeeper-test:read'));
    document.removeEventListener('savekeeper-test:notices', take);
    return got;
  });
  if (answer === null) throw new Error('no notice reader in this Firefox: launch it with noticeReader: true');
  return JSON.parse(answer).filter((n) => n.name === 'SaveKeeper');
}

/** The message of SaveKeeper's notice in `page`, or '' when none is shown. */
export async function noticeText(page) {
  await page.bringToFront();
  if (await isFirefox(page)) {
    const [notice] = await readInFirefox(page);
    return notice ? notice.text : '';
  }
  const el = await page.$('::-p-aria(SaveKeeper[role="status"])');
  if (!el) return '';
  try {
    return await el.evaluate((e) => e.querySelector('p').textContent);
  } finally {
    await el.dispose();
  }
}

/** Waits until the notice in `page` matches `pattern`; resolves to its message. */
export function waitForNotice(page, pattern, what) {
  return waitFor(async () => {
    const t = await noticeText(page);
    return pattern.test(t) ? t : '';
  }, { timeout: 30000, what });
}

/**
 * Clicks the notice's button named `name`: a real click, at its place on
 * the screen, once the notice has stood still for longer than its buttons
 * wait before they take a click (CLICK_AFTER in extension/notice.js).
 */
export async function clickNotice(page, name) {
  await page.bringToFront();
  await new Promise((resolve) => setTimeout(resolve, 700));
  if (await isFirefox(page)) {
    const [notice] = await readInFirefox(page);
    const button = notice && notice.buttons.find((b) => b.name === name);
    if (!button) throw new Error(`no button ${name} in SaveKeeper's notice: ${JSON.stringify(notice)}`);
    await page.mouse.click(button.x, button.y);
    return;
  }
  const el = await page.$(`::-p-aria(${name}[role="button"])`);
  if (!el) throw new Error(`no button ${name} in SaveKeeper's notice`);
  try {
    await el.click();
  } finally {
    await el.dispose();
  }
}

/**
 * What a script of the page can find of the notice: for each element it
 * sees under <html> besides <head> and <body>, its tag, whether it shows a
 * shadow root, and its text. Run in the page's own world.
 */
export function seenByPage(page) {
  return page.evaluate(() => [...document.documentElement.children]
    .filter((e) => e !== document.head && e !== document.body)
    .map((e) => ({ tag: e.tagName, shadowRoot: e.shadowRoot !== null, text: e.innerText })));
}

/**
 * The page of `browser` whose address passes `wanted`, or null. The address
 * is read in the page: Firefox's driver goes on reporting about:blank for
 * a tab an extension opened.
 */
export async function tabWhere(browser, wanted) {
  for (const p of await browser.pages()) {
    const href = await p.evaluate(() => location.href).catch(() => '');
    if (wanted(href)) return p;
  }
  return null;
}

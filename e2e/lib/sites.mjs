// Helpers for enabling SaveKeeper on a site the manifest does not cover,
// through its popup, as a user does.
//
// The browser's permission prompt cannot be clicked in a headless
// browser. In Chromium the tests grant the site where a user can grant it
// without a prompt, in chrome://extensions (its "Site access" calls
// developerPrivate.addHostPermission); permissions.request then resolves
// at once, as after "Allow". Firefox answers the prompt "Allow" by itself
// with extensions.webextOptionalPermissionPrompts off (NO_PROMPT below). In
// both, the rest is the extension's own code: the request, the
// registration, the removal.
import { openExtensionPage, waitFor } from './browsers.mjs';

/** Firefox preferences under which the permission prompt says "Allow" by itself. */
export const NO_PROMPT = { 'extensions.webextOptionalPermissionPrompts': false };

/** Chromium: the user allows `pattern` (such as "https://hub.example.test/*") in chrome://extensions. */
export async function allowInChromium(b, pattern) {
  const id = new URL(b.extensionOrigin).host;
  const settings = await b.browser.newPage();
  await settings.goto(`chrome://extensions/?id=${id}`);
  await settings.evaluate((extId, p) => chrome.developerPrivate.addHostPermission(extId, p), id, pattern);
  await settings.close();
}

/**
 * Opens the popup for a tab at `url` and clicks its site button, expecting
 * `label` on it. Resolves to {confirmed, warning, text}: what the popup says
 * after the click, the warning it showed beside the button ('' if none),
 * and what it said of the site before the click.
 */
export async function clickSiteButton(b, url, label) {
  const popup = await b.browser.newPage();
  try {
    await openExtensionPage(popup, `${b.extensionOrigin}/popup.html?for=${encodeURIComponent(url)}`);
    await waitFor(() => popup.evaluate((l) => document.getElementById('site-button').textContent === l &&
      !document.getElementById('site').hidden, label), { timeout: 10000, what: `the "${label}" button` });
    const warning = await popup.evaluate(() => {
      const w = document.getElementById('site-warning');
      return w && !w.hidden ? w.textContent : '';
    });
    const text = await popup.evaluate(() => document.getElementById('site-text').textContent);
    await popup.click('#site-button');
    const confirmed = await waitFor(() => popup.evaluate(() => /SaveKeeper is (on|off) for this site/.test(document.getElementById('summary').textContent) &&
      document.getElementById('summary').textContent), { timeout: 10000, what: 'the popup to confirm' });
    return { confirmed, warning, text };
  } finally {
    await popup.close();
  }
}

/** What the popup of `b` says of the site of a tab at `url`: {text, button} ('' when the button is hidden). */
export async function siteInPopup(b, url) {
  const popup = await b.browser.newPage();
  try {
    await openExtensionPage(popup, `${b.extensionOrigin}/popup.html?for=${encodeURIComponent(url)}`);
    return await waitFor(() => popup.evaluate(() => {
      const text = document.getElementById('site-text').textContent;
      const button = document.getElementById('site-button');
      return !document.getElementById('site').hidden && text && { text, button: button.hidden ? '' : button.textContent };
    }), { timeout: 10000, what: 'the popup to say what it does on the site' });
  } finally {
    await popup.close();
  }
}

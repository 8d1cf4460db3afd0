// Test kit only, loaded in Firefox by e2e/lib/browsers.mjs: reads
// SaveKeeper's notice for the test driver, as a screen reader reads it.
// The notice is in a closed shadow root, and Firefox's driver (WebDriver
// BiDi) finds nothing in shadow roots, not even by accessibility; a
// content script may open any shadow root (openOrClosedShadowRoot, an API
// of Firefox's for extensions). Asked with the event
// 'savekeeper-test:read' on the document, it answers at once with
// 'savekeeper-test:notices', whose detail is the JSON of
// [{name, text, buttons: [{name, x, y}]}] for each notice shown: its
// accessible name, its message, and where its visible buttons are (for a
// real click by the driver). Chromium's driver reads the accessibility
// tree itself (e2e/lib/notice.mjs) and needs none of this.
'use strict';

document.addEventListener('savekeeper-test:read', () => {
  const notices = [];
  for (const host of document.documentElement.children) {
    const root = host.openOrClosedShadowRoot;
    const region = root && root.querySelector('[role="status"]');
    if (!region) continue;
    const buttons = [...root.querySelectorAll('button')].filter((b) => b.getClientRects().length > 0).map((b) => {
      const r = b.getBoundingClientRect();
      return { name: b.textContent, x: r.x + r.width / 2, y: r.y + r.height / 2 };
    });
    const message = region.querySelector('p');
    notices.push({ name: region.getAttribute('aria-label'), text: message ? message.textContent : '', buttons });
  }
  document.dispatchEvent(new CustomEvent('savekeeper-test:notices', { detail: JSON.stringify(notices) }));
});

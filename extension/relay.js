// SaveKeeper relay. Runs in the extension's isolated world at
// document_start, before the page layer (page.js), and carries messages
// between the page layer and the engine in the background.
//
// The page is not trusted: any script in it can dispatch these events.
// The relay forwards only JSON strings of bounded size that hold one of
// the page-layer message types, at a bounded rate, and the engine checks
// each message again against the tab and URL the browser reports.
(() => {
  'use strict';

  const EVENT_REQUEST = 'savekeeper:request';
  const EVENT_REPLY = 'savekeeper:reply';
  const MAX_MESSAGE = 64 * 1024;
  const PAGE_TYPES = new Set(['hello', 'failed', 'renewed', 'outcome']);
  const RATE_WINDOW = 10000; // ms
  const RATE_LIMIT = 100; // messages per window; a save uses at most four

  let windowStart = 0;
  let windowCount = 0;

  function allowed() {
    const now = Date.now();
    if (now - windowStart > RATE_WINDOW) {
      windowStart = now;
      windowCount = 0;
    }
    windowCount += 1;
    return windowCount <= RATE_LIMIT;
  }

  function reply(id, answer) {
    document.dispatchEvent(new CustomEvent(EVENT_REPLY, { detail: JSON.stringify({ id, reply: answer }) }));
  }

  document.addEventListener(EVENT_REQUEST, (event) => {
    const detail = event.detail;
    if (typeof detail !== 'string' || detail.length > MAX_MESSAGE) return;
    let parsed;
    try {
      parsed = JSON.parse(detail);
    } catch (e) {
      return;
    }
    if (!parsed || typeof parsed.id !== 'string' || parsed.id.length > 64) return;
    const msg = parsed.msg;
    if (!msg || typeof msg !== 'object' || Array.isArray(msg) || !PAGE_TYPES.has(msg.type)) return;
    if (!allowed()) {
      reply(parsed.id, { action: 'give-up', reason: 'rate-limited' });
      return;
    }
    const unreachable = () => reply(parsed.id, { action: 'give-up', reason: 'engine-unreachable' });
    try {
      chrome.runtime.sendMessage(msg).then(
        (answer) => reply(parsed.id, answer && typeof answer === 'object' ? answer : {}),
        unreachable,
      );
    } catch (e) {
      unreachable(); // the extension was reloaded or removed under this page
    }
  });
})();

// SaveKeeper relay. Runs in the extension's isolated world at
// document_start, before the page layer (page.js), and carries messages
// between the page layer and the engine in the background.
//
// The page is not trusted: any script in it, or in another page of its
// origin that holds a reference to this document (window.open, a frame),
// can dispatch events on it. So the relay talks to its own page layer
// only, over a private channel: page.js, which runs before any script of
// the page, creates an element, shows it to the relay in one event on the
// document, and takes it out of the document again. From then on both
// listen and dispatch on that detached element alone, which no page script
// can reach. Only the first such event counts. The two run in either
// order (scripts registered for a site the user enabled come in no set
// order): the relay announces itself, and a page layer that ran first
// shows its element then.
//
// Each message the relay forwards names this document: an id chosen here,
// and the address the document was loaded at, both out of the page's
// reach. The engine ties a tab's registration to the document that said
// hello, so no other document of the tab (after a navigation, a reload, a
// browser restart that reuses tab ids) acts for its server. In a document
// with an opaque origin (Jupyter serves user files with
// "Content-Security-Policy: sandbox"), the relay does nothing at all.
//
// A window that another page of its origin opened (window.open) reuses the
// opener's first, blank window: the opener could change the page's built-in
// functions before the page layer captures them, and so see what the page
// layer sees. The relay says so with each message ("opened"), and on a
// JupyterHub, where one origin holds many users' servers, the engine lets
// such a window take no part in writing kept saves back; other pages of the
// server do. (On any other server the opener is a page of the same server,
// which can do all the window can.)
//
// The relay forwards only JSON strings of bounded size that hold one of
// the page-layer message types, at a bounded rate, and the engine checks
// each message again against the tab, document and URL the browser
// reports.
//
// Rescue bodies (the body of a save that could not be completed, and the
// same body when the engine lets the page write it later) can be far
// larger than a runtime message: they travel as "<JSON header>\n<body>"
// between page and relay, and in parts over a port to the background,
// once the engine has said the page may keep it.
(() => {
  'use strict';

  if (self.origin !== location.origin) return; // an opaque (sandboxed) origin

  const EVENT_CHANNEL = 'savekeeper:channel';
  const EVENT_RELAY = 'savekeeper:relay';
  const EVENT_LINKED = 'savekeeper:linked';
  const EVENT_REQUEST = 'savekeeper:request';
  const EVENT_REPLY = 'savekeeper:reply';
  const EVENT_FINISH = 'savekeeper:finish';
  const MAX_MESSAGE = 64 * 1024;
  const PAGE_TYPES = new Set(['hello', 'failed', 'renewed', 'outcome', 'due', 'check', 'finished', 'rescue', 'body']);
  const MAX_RESCUE = 256 * 1024 * 1024; // characters
  const PART = 4 * 1024 * 1024; // characters per port message
  const RATE_WINDOW = 10000; // ms
  const RATE_LIMIT = 100; // messages per window; a save uses at most four
  const RESCUE_LIMIT = 10; // rescue bodies per window

  // This document, as the engine knows it: a random id (getRandomValues:
  // randomUUID exists only in secure contexts, and an enabled site may be
  // plain http), and the address it was loaded at.
  const doc = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
  const loadUrl = location.href;
  // Whether the relay ran before the page's own scripts (none is parsed
  // yet): at document_start, as the browser runs it in a page loaded after
  // SaveKeeper was installed.
  // (Firefox also runs it in the pages already open when SaveKeeper is
  // installed, too late to guard what they set up as they loaded.)
  const early = document.readyState === 'loading' && document.scripts.length === 0;

  let channel = null; // the page layer's private element

  // limiter returns a function that tells whether one more event fits in
  // limit per RATE_WINDOW.
  function limiter(limit) {
    let windowStart = 0;
    let windowCount = 0;
    return () => {
      const now = Date.now();
      if (now - windowStart > RATE_WINDOW) {
        windowStart = now;
        windowCount = 0;
      }
      windowCount += 1;
      return windowCount <= limit;
    };
  }
  const allowed = limiter(RATE_LIMIT);
  const rescueAllowed = limiter(RESCUE_LIMIT);

  function reply(id, answer, body) {
    let detail = JSON.stringify({ id, reply: answer });
    if (typeof body === 'string') detail += '\n' + body;
    channel.dispatchEvent(new CustomEvent(EVENT_REPLY, { detail }));
  }

  // keepRescue asks the background to keep a rescue body: it says how
  // large the body is, waits for the engine's leave, sends it in parts and
  // resolves to the engine's reply.
  function keepRescue(msg, body) {
    return new Promise((resolve) => {
      const port = chrome.runtime.connect({ name: 'savekeeper-rescue' });
      port.onMessage.addListener((m) => {
        if (m && m.type === 'go') {
          for (let i = 0; i < body.length || i === 0; i += PART) port.postMessage({ type: 'part', data: body.slice(i, i + PART) });
          port.postMessage({ type: 'end' });
          return;
        }
        resolve(m && m.reply && typeof m.reply === 'object' ? m.reply : {});
      });
      port.onDisconnect.addListener(() => resolve({ error: 'the background closed the transfer' }));
      port.postMessage({ type: 'begin', msg, size: body.length, doc, loadUrl, opened: openedBySite() });
    });
  }

  // fetchBody resolves to the body of rescue id, which the engine must
  // have told this page to write, or rejects.
  function fetchBody(id) {
    return new Promise((resolve, reject) => {
      const port = chrome.runtime.connect({ name: 'savekeeper-body' });
      const parts = [];
      let done = false;
      port.onMessage.addListener((m) => {
        if (m && m.type === 'part' && typeof m.data === 'string') parts.push(m.data);
        else if (m && m.type === 'end') {
          done = true;
          resolve(parts.join(''));
        } else {
          done = true;
          reject(new Error((m && m.error) || 'bad answer'));
        }
      });
      port.onDisconnect.addListener(() => { if (!done) reject(new Error('the background closed the transfer')); });
      port.postMessage({ id, doc, loadUrl, opened: openedBySite() });
    });
  }

  // The popup's "Save now" asks the page to try its rescues at once; the
  // welcome page and the popup ask whether SaveKeeper guards this page
  // (reload.js): it does when the relay ran early and the page layer linked.
  chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
    if (sender.id !== chrome.runtime.id || !message) return false; // the extension's pages only: content scripts cannot message a tab
    if (channel && message.type === 'savekeeper-finish') channel.dispatchEvent(new CustomEvent(EVENT_FINISH));
    if (message.type === 'savekeeper-ping') sendResponse({ early, linked: channel !== null });
    return false;
  });

  // openedBySite tells whether another page of this origin opened this
  // window (a cross-origin opener cannot reach into it).
  function openedBySite() {
    try {
      return window.opener !== null && window.opener.location.origin === location.origin;
    } catch (e) {
      return false;
    }
  }

  // onRequest handles one message of the page layer.
  function onRequest(event) {
    let detail = event.detail;
    if (typeof detail !== 'string') return;
    let body = null;
    const cut = detail.indexOf('\n');
    if (cut >= 0) {
      if (detail.length - cut - 1 > MAX_RESCUE) return;
      body = detail.slice(cut + 1);
      detail = detail.slice(0, cut);
    }
    if (detail.length > MAX_MESSAGE) return;
    let parsed;
    try {
      parsed = JSON.parse(detail);
    } catch (e) {
      return;
    }
    if (!parsed || typeof parsed.id !== 'string' || parsed.id.length > 64) return;
    const msg = parsed.msg;
    if (!msg || typeof msg !== 'object' || Array.isArray(msg) || !PAGE_TYPES.has(msg.type)) return;
    if ((msg.type === 'rescue') !== (body !== null)) return; // a body comes with a rescue, and only then
    if (!allowed() || (body !== null && !rescueAllowed())) {
      reply(parsed.id, { action: 'give-up', reason: 'rate-limited' });
      return;
    }
    const unreachable = () => reply(parsed.id, { action: 'give-up', reason: 'engine-unreachable' });
    if (msg.type === 'rescue') {
      keepRescue(msg, body).then((answer) => reply(parsed.id, answer), unreachable);
      return;
    }
    if (msg.type === 'body') {
      if (typeof msg.id !== 'string') return;
      fetchBody(msg.id).then((text) => reply(parsed.id, { action: 'ok' }, text),
        (err) => reply(parsed.id, { error: String(err.message) }));
      return;
    }
    try {
      chrome.runtime.sendMessage({ page: msg, doc, loadUrl, opened: openedBySite() }).then(
        (answer) => reply(parsed.id, answer && typeof answer === 'object' ? answer : {}),
        unreachable,
      );
    } catch (e) {
      unreachable(); // the extension was reloaded or removed under this page
    }
  }

  // The page layer's channel: the first one shown, which page.js shows
  // before any script of the page runs, at its own start or when the relay
  // announces itself (the two run in either order). The relay answers on
  // the element, so that the page layer knows.
  function onChannel(event) {
    document.removeEventListener(EVENT_CHANNEL, onChannel, true);
    if (channel || event.target === document || event.target.isConnected !== true) return;
    channel = event.target;
    channel.addEventListener(EVENT_REQUEST, onRequest);
    channel.dispatchEvent(new CustomEvent(EVENT_LINKED));
  }
  // A relay that came after the page's scripts (Firefox runs SaveKeeper's
  // scripts in the pages open when it is installed) links no page layer:
  // one that ran as late could not trust the built-ins it captured, and the
  // page's scripts may have set a trap for the channel. Such a page is
  // left as it was, and the welcome page and the popup ask for a reload.
  if (early) {
    document.addEventListener(EVENT_CHANNEL, onChannel, true);
    document.dispatchEvent(new CustomEvent(EVENT_RELAY));
  }
})();

// SaveKeeper background: starts the Go engine (engine.wasm) and routes
// runtime messages to it. Chrome runs this file as the service worker,
// Firefox as an event page after wasm_exec.js.
//
// Listeners are registered synchronously, at the top level, so that a
// message that wakes a stopped service worker is not lost; they wait for
// the engine, which takes some tens of milliseconds to start.
/* global Go */
'use strict';

if (typeof importScripts === 'function') {
  importScripts('wasm_exec.js', 'bodies.js', 'sites.js', 'notify.js', 'reload.js'); // Chrome's service worker
}
/* global savekeeperBodies, savekeeperSites, savekeeperNotify, savekeeperReload */

// The engine is started at once, and again whenever it has stopped: a Go
// program that exits (a fatal error, running out of memory) leaves a
// function that throws "Go program has already exited" at every later
// call. An engine that stopped or failed to start is started anew by the
// next call, not at once: one that stops as it starts would loop.
let engine = null; // the running engine (see startEngine), or null
function runningEngine() {
  if (!engine) {
    const e = startEngine(() => {
      if (engine === e) engine = null;
    });
    engine = e;
  }
  return engine;
}

// startEngine instantiates engine.wasm and runs it. It returns {ready,
// error, calls}: ready resolves once the engine serves (it calls
// savekeeperReady); calls holds the reject functions of the calls it is
// answering. When the Go program exits, or cannot start, error is set,
// onStop called, and ready and every call rejected with the error.
function startEngine(onStop) {
  const e = { error: null, calls: new Set() };
  e.ready = new Promise((resolve, reject) => {
    const finish = (err) => {
      if (e.error) return;
      e.error = err;
      console.error('SaveKeeper engine stopped:', err);
      delete globalThis.savekeeperEngine; // it would only throw, and holds the old memory
      delete globalThis.savekeeperMemory;
      onStop();
      reject(err);
      for (const fail of e.calls) fail(err);
      e.calls.clear();
    };
    globalThis.savekeeperReady = resolve;
    const go = new Go();
    // Called as the program exits, before whatever JavaScript called into
    // it returns (often with an exception of its own).
    go.exit = (code) => finish(new Error(`the engine stopped (exit status ${code})`));
    const wasm = chrome.runtime.getURL('engine.wasm');
    // Compiling while the file streams in starts a stopped service worker's
    // engine about 80 ms sooner; a browser that will not stream it gets the bytes.
    WebAssembly.instantiateStreaming(fetch(wasm), go.importObject)
      .catch(() => fetch(wasm).then((response) => response.arrayBuffer()).then((bytes) => WebAssembly.instantiate(bytes, go.importObject)))
      .then(({ instance }) => {
        globalThis.savekeeperMemory = instance.exports.mem; // the engine's memory, read by make bench
        return go.run(instance); // settles when the Go program has exited
      })
      .then(() => finish(new Error('the engine stopped')), finish);
  });
  e.ready.catch(() => {}); // logged by finish; callers see it too
  return e;
}
runningEngine();

const extensionOrigin = chrome.runtime.getURL('');

// Types that reach the engine only through this file's ports, never as a
// message a content script sends.
const PORT_ONLY = new Set(['rescue', 'body', 'may-keep']);

// Firefox's default cookie store; Chrome's tabs name none.
const DEFAULT_STORE = 'firefox-default';

// The sender of the extension's own pages and of the background itself.
const OWN = { tabId: -1, url: extensionOrigin, extension: true };

// MAX_RESCUE bounds one rescue body, and MAX_IN_TRANSFER all bodies on
// their way to the background at once, in characters.
const MAX_RESCUE = 256 * 1024 * 1024;
const MAX_IN_TRANSFER = 320 * 1024 * 1024;
let inTransfer = 0;

let keptBefore = -1; // how many rescues the engine kept at its last reply

// callEngine sends one message to the engine, from sender (see pageSender
// and OWN), and returns its reply, after carrying out what the reply asks
// of the background: rescue bodies to delete (drop) and the number of
// rescues kept in all (kept: when it changed, every tab's badge is drawn
// again). Both are taken out of the reply.
// A call the engine was answering when it stopped is rejected with the
// reason it stopped.
async function callEngine(message, sender) {
  const e = runningEngine();
  await e.ready;
  let fail;
  let answer;
  try {
    answer = await new Promise((resolve, reject) => {
      fail = reject;
      e.calls.add(fail);
      globalThis.savekeeperEngine(JSON.stringify(message), JSON.stringify(sender)).then(resolve, reject);
    });
  } catch (err) {
    throw e.error || err;
  } finally {
    e.calls.delete(fail);
  }
  const reply = JSON.parse(answer);
  if (Array.isArray(reply.drop) && reply.drop.length) {
    savekeeperBodies.delete(reply.drop).catch((err) => console.error('SaveKeeper could not delete a rescue:', err));
  }
  if (typeof reply.kept === 'number' && reply.kept !== keptBefore) {
    keptBefore = reply.kept;
    badgesLater();
  }
  delete reply.drop;
  delete reply.kept;
  return reply;
}

// tend asks the engine to extend `_xsrf` cookies that expire soon and to
// drop rescues older than the user keeps them. The engine looks at most
// every few seconds; asked sooner, it says when to ask again.
let tendLater = 0;
function tend() {
  callEngine({ type: 'tend' }, OWN)
    .then((reply) => {
      if (reply.retryIn > 0 && !tendLater) {
        tendLater = setTimeout(() => {
          tendLater = 0;
          tend();
        }, reply.retryIn);
      }
    })
    .catch((err) => console.error('SaveKeeper could not check cookie expiry:', err));
}

// The toolbar button describes the tab it is shown for (notify.badgeOf):
// its badge and tooltip are set per tab, when the tab's page says hello
// and when the kept saves may have changed (badgesLater). Both browsers
// clear a tab's own badge when the tab loads another page.
chrome.action.setBadgeBackgroundColor({ color: '#b3261e' });

// drawBadge sets the badge and tooltip of tab tabId, which shows url,
// when they changed since it last drew them there (always when `again`:
// the browser clears them when the tab loads another page). It tells
// whether they changed.
const drawn = new Map(); // tab id → the badge drawn there last
async function drawBadge(tabId, url, again = false) {
  const status = typeof url === 'string' ? await statusOf(tabId, url) : null;
  const { text, title, subs } = savekeeperNotify.badgeOf(status);
  const key = [text, title, ...subs].join('\n');
  if (!again && drawn.get(tabId) === key) return false;
  drawn.set(tabId, key);
  await chrome.action.setBadgeText({ tabId, text });
  await chrome.action.setTitle({ tabId, title: chrome.i18n.getMessage(title, subs) });
  return true;
}
chrome.tabs.onRemoved.addListener((tabId) => drawn.delete(tabId));

// badgesLater draws the badges of every tab whose address the extension
// may read (a page of a site it runs on), BADGES_AFTER ms after the first
// call, once however many calls come meanwhile, and once more after a
// round that calls came during: a save kept in one tab changes the badge
// of every tab of its server.
const BADGES_AFTER = 200;
let badgesTimer = 0;
let badgesAgain = false;
function badgesLater() {
  if (badgesTimer) {
    badgesAgain = true;
    return;
  }
  badgesTimer = setTimeout(async () => {
    try {
      for (const tab of await chrome.tabs.query({})) {
        if (typeof tab.id !== 'number' || typeof tab.url !== 'string') continue;
        await drawBadge(tab.id, tab.url).catch(() => {}); // the tab may be gone
      }
    } finally {
      badgesTimer = 0;
      if (badgesAgain) {
        badgesAgain = false;
        badgesLater();
      }
    }
  }, BADGES_AFTER);
}

// The badges are drawn from the moment the background starts, and bodies
// that no rescue names (the background stopped between storing one and
// recording it, a minute or more ago) are deleted.
callEngine({ type: 'status', tabId: -1 }, OWN)
  .then(() => savekeeperBodies.ids())
  .then((ids) => {
    const old = ids.filter((id) => Date.now() - savekeeperBodies.storedAt(id) > 60000).slice(0, 1000);
    return old.length ? callEngine({ type: 'sweep', ids: old }, OWN) : null;
  })
  .catch((err) => console.error('SaveKeeper could not read its rescues:', err));

// pageSender describes the relay of a tab's top frame to the engine: what
// the browser reports (tab, URL, origin) and what the relay says of its
// document (the id it chose, the address the document was loaded at,
// whether another page of its origin opened its window).
// Null for any other sender, and for tabs outside the default cookie store
// (a Firefox container, a private window): the engine reads and keeps
// what belongs to the default store only, so nothing crosses between them.
function pageSender(sender, doc, loadUrl, opened) {
  if (!sender || sender.id !== chrome.runtime.id || !sender.tab || typeof sender.tab.id !== 'number') return null;
  if (sender.tab.incognito || (typeof sender.tab.cookieStoreId === 'string' && sender.tab.cookieStoreId !== DEFAULT_STORE)) return null;
  // A tab's top document: frame 0, or (Chrome) a prerendered page, whose
  // frame keeps another id once it is shown.
  const top = sender.frameId === 0 || sender.frameType === 'outermost_frame';
  if (!top || typeof sender.url !== 'string' || sender.url.startsWith(extensionOrigin)) return null;
  if (typeof doc !== 'string' || typeof loadUrl !== 'string') return null;
  const from = { tabId: sender.tab.id, url: sender.url, doc, loadUrl, opened: opened === true, extension: false };
  if (typeof sender.origin === 'string') from.origin = sender.origin;
  return from;
}

// Cookies about to expire are extended when an `_xsrf` cookie changes and
// every half hour (the alarm wakes a stopped service worker).
chrome.cookies.onChanged.addListener(({ removed, cookie }) => {
  if (!removed && cookie && cookie.name === '_xsrf') tend();
});
chrome.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name === 'savekeeper-tend') tend();
});
chrome.alarms.get('savekeeper-tend').then((alarm) => {
  if (!alarm) chrome.alarms.create('savekeeper-tend', { delayInMinutes: 1, periodInMinutes: 30 });
});

// Installing opens the welcome page (welcome.js), which also offers to
// reload the Jupyter tabs open from before; an update opens it only when
// such tabs are open (the browser stops the old version's scripts in
// them), and may change the scripts an enabled site runs.
const WELCOME = 'welcome.html';
chrome.runtime.onInstalled.addListener(async (details) => {
  try {
    if (details.reason === chrome.runtime.OnInstalledReason.INSTALL) {
      await chrome.tabs.create({ url: WELCOME });
    } else if (details.reason === chrome.runtime.OnInstalledReason.UPDATE) {
      await savekeeperSites.update().catch((err) => console.error('SaveKeeper could not update its scripts:', err));
      if ((await savekeeperReload.find()).length) await chrome.tabs.create({ url: WELCOME });
    }
  } catch (err) {
    console.error('SaveKeeper could not finish its installation:', err);
  }
});

// A site whose permission the user took back (in the browser's own
// settings) loses its scripts too.
chrome.permissions.onRemoved.addListener(({ origins }) => {
  for (const p of origins || []) {
    savekeeperSites.unregister(p).catch((err) => console.error('SaveKeeper could not disable', p, err));
  }
});

// The page messages after which a server's kept saves may have changed:
// the user is told in the tab (notify.js decides, notice.js draws).
const NOTICE_AFTER = new Set(['rescue', 'check', 'finished']);
// The page messages after which the tab's badge may have changed.
const BADGE_AFTER = new Set(['hello', 'failed', 'outcome', 'rescue', 'check', 'finished']);
let noticeChain = Promise.resolve(); // one look at a time: each compares with the last

// callForPage sends a page's message to the engine and then, for the
// types above, tells the tab what changed.
async function callForPage(message, from) {
  const reply = await callEngine(message, from);
  // What the tab's badge says may have changed (a kept save, a lost
  // login): then so may the badges of the other tabs of its server.
  if (BADGE_AFTER.has(message.type)) {
    drawBadge(from.tabId, from.url, message.type === 'hello')
      .then((changed) => { if (changed) badgesLater(); }, () => {}); // the tab may be gone
  }
  if (NOTICE_AFTER.has(message.type)) {
    noticeChain = noticeChain.then(() => tellTab(message, reply, from))
      .catch((err) => console.error('SaveKeeper could not tell the tab:', err));
  }
  return reply;
}

// statusOf returns the engine's status of the server tab tabId shows at
// url, or null when it shows no Jupyter page SaveKeeper knows.
async function statusOf(tabId, url) {
  const { status } = await callEngine({ type: 'status', tabId, url }, OWN);
  return status && status.detected ? status : null;
}

// tellTab compares the kept saves of the server in from's tab with those
// seen last, and shows the notice that calls for: in that tab, and, for a
// kept save that was saved after all, in every tab of the server (the one
// that wrote it back may be a tab the user just opened to log in again).
async function tellTab(message, reply, from) {
  const status = await statusOf(from.tabId, from.url);
  if (!status) return;
  const server = status.origin + status.baseUrl;
  const key = 'savekeeper.seen ' + server;
  const before = (await chrome.storage.session.get(key))[key];
  const { seen, notice } = savekeeperNotify.next(before, status, message, reply);
  await chrome.storage.session.set({ [key]: seen });
  if (!notice || !(await savekeeperNotify.enabled())) return;
  notice.server = server; // the tab's document checks that it belongs to it
  const tabs = notice.kind === 'landed' ? await tabsOf(server) : [from.tabId];
  for (const id of tabs) await chrome.tabs.sendMessage(id, notice, { frameId: 0 }).catch(() => {}); // the tab may be gone
}

// tabsOf returns the ids of the tabs that show a page of the server at
// origin + base URL `server`, as the engine has them.
async function tabsOf(server) {
  const ids = [];
  for (const tab of await chrome.tabs.query({})) {
    if (typeof tab.id !== 'number' || typeof tab.url !== 'string') continue;
    const status = await statusOf(tab.id, tab.url);
    if (status && status.origin + status.baseUrl === server) ids.push(tab.id);
  }
  return ids;
}

// openFromNotice opens what a notice's button asks for, next to its tab:
// 'details', the popup's page for the tab (its kept saves, what to do);
// 'login', the tab's Jupyter server (its base URL, as the engine knows it
// for the tab), where the server or the hub asks for the login. Once the
// user has logged in, the page that loads there writes the kept saves back.
// At most one tab opens per OPEN_EVERY ms for a tab's notice.
const OPEN_EVERY = 2000;
const openedAt = new Map(); // tab id → when its notice last opened one
async function openFromNotice(what, sender) {
  const tab = sender && sender.tab;
  if (!tab || typeof tab.id !== 'number' || sender.frameId !== 0 || tab.incognito) return;
  if (Date.now() - (openedAt.get(tab.id) || 0) < OPEN_EVERY) return;
  openedAt.set(tab.id, Date.now());
  let url = chrome.runtime.getURL(`popup.html?tab=${tab.id}`);
  if (what === 'login') {
    const status = await statusOf(tab.id, sender.url);
    if (!status) return;
    url = status.origin + status.baseUrl;
  }
  await chrome.tabs.create({ url, index: tab.index + 1, openerTabId: tab.id });
}

// Messages: the extension's own pages send the engine's messages as they
// are; a relay sends {page, doc, loadUrl}; a notice {notice: 'details' or 'login'}.
chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  if (sender.id !== chrome.runtime.id || !message || typeof message !== 'object') return false;
  const url = typeof sender.url === 'string' ? sender.url : '';
  let from;
  if (url.startsWith(extensionOrigin)) {
    from = { ...OWN, url };
  } else if (message.notice === 'details' || message.notice === 'login') {
    openFromNotice(message.notice, sender).catch((err) => console.error('SaveKeeper could not open it:', err));
    return false;
  } else {
    from = pageSender(sender, message.doc, message.loadUrl, message.opened);
    message = message.page;
    if (!from || !message || typeof message !== 'object' || PORT_ONLY.has(message.type)) return false;
  }
  (from.extension ? callEngine(message, from) : callForPage(message, from))
    .then(sendResponse)
    .catch((err) => sendResponse({ error: String((err && err.message) || err) }));
  return true; // the answer comes later
});

// Rescue bodies travel over ports, in parts: a body of 50 MB and more does
// not fit one runtime message.
chrome.runtime.onConnect.addListener((port) => {
  if (port.name === 'savekeeper-rescue') receiveRescue(port);
  else if (port.name === 'savekeeper-body') sendBody(port);
  else port.disconnect();
});

// receiveRescue takes a kept save from a page: {type:'begin', msg, size,
// doc, loadUrl}; once the engine said the page may keep that much,
// {type:'go'} goes back, then {type:'part', data} messages come, then
// {type:'end'}. The body is stored, then the engine records it (or
// refuses it, and it is deleted): a body the engine would refuse is never
// stored.
function receiveRescue(port) {
  let from = null;
  let msg = null;
  let lease = '';
  let declared = -1;
  let parts = [];
  let size = 0;
  let counted = 0; // what this transfer adds to inTransfer
  const release = () => {
    inTransfer -= counted;
    counted = 0;
  };
  port.onDisconnect.addListener(release);
  const fail = (error) => {
    parts = [];
    msg = null;
    release();
    port.postMessage({ reply: { error } });
    port.disconnect();
  };
  port.onMessage.addListener((m) => {
    if (!m || typeof m !== 'object') return fail('bad message');
    if (m.type === 'begin' && !from && m.msg && typeof m.msg === 'object' && Number.isSafeInteger(m.size) &&
      m.size >= 0 && m.size <= MAX_RESCUE) {
      from = pageSender(port.sender, m.doc, m.loadUrl, m.opened);
      if (!from) return fail('bad sender');
      if (inTransfer + m.size > MAX_IN_TRANSFER) return fail('too many saves on their way; try again in a moment');
      counted = m.size;
      inTransfer += counted;
      const ask = { type: 'may-keep', url: m.msg.url, method: m.msg.method, size: m.size };
      callEngine(ask, from).then((reply) => {
        if (reply.error) return fail(reply.error);
        msg = m.msg;
        lease = reply.lease;
        declared = m.size;
        port.postMessage({ type: 'go' });
        return undefined;
      }, (err) => fail(String((err && err.message) || err)));
    } else if (m.type === 'part' && msg && typeof m.data === 'string' && m.data.length <= savekeeperBodies.PART) {
      size += m.data.length;
      if (size > declared) return fail('the body is larger than declared');
      parts.push(m.data);
    } else if (m.type === 'end' && msg && size === declared) {
      const id = savekeeperBodies.newId();
      const body = parts;
      parts = [];
      savekeeperBodies.put(id, body)
        .then(() => {
          release(); // stored: no longer held here
          return callForPage({ ...msg, type: 'rescue', id, size, lease }, from);
        })
        .then((reply) => {
          if (reply.error) savekeeperBodies.delete([id]).catch(() => {});
          port.postMessage({ reply });
          port.disconnect();
        })
        .catch((err) => fail(String((err && err.message) || err)));
    } else {
      fail('bad message');
    }
    return undefined;
  });
}

// sendBody hands a page the body of a rescue the engine told it to write:
// {id, doc, loadUrl} in, {type:'part', data} messages and {type:'end'} out.
function sendBody(port) {
  port.onMessage.addListener(async (m) => {
    try {
      const from = m && pageSender(port.sender, m.doc, m.loadUrl, m.opened);
      if (!from || typeof m.id !== 'string') throw new Error('bad message');
      const reply = await callEngine({ type: 'body', id: m.id }, from);
      if (reply.error) throw new Error(reply.error);
      const parts = await savekeeperBodies.get(m.id);
      if (!parts) throw new Error('the rescue body is gone');
      for (const data of parts) port.postMessage({ type: 'part', data });
      port.postMessage({ type: 'end' });
    } catch (err) {
      port.postMessage({ type: 'error', error: String((err && err.message) || err) });
    }
    port.disconnect();
  });
}

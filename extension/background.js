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
  importScripts('wasm_exec.js'); // Chrome's service worker
}

const engineReady = new Promise((resolve, reject) => {
  globalThis.savekeeperReady = resolve;
  const go = new Go();
  fetch(chrome.runtime.getURL('engine.wasm'))
    .then((response) => response.arrayBuffer())
    .then((bytes) => WebAssembly.instantiate(bytes, go.importObject))
    .then(({ instance }) => go.run(instance))
    .then(() => reject(new Error('engine stopped')), reject);
});
engineReady.catch((err) => console.error('SaveKeeper engine failed to start:', err));

const extensionOrigin = chrome.runtime.getURL('');

// tend asks the engine to extend `_xsrf` cookies that expire soon.
function tend() {
  engineReady
    .then(() => globalThis.savekeeperEngine('{"type":"tend"}', -1, extensionOrigin, true))
    .catch((err) => console.error('SaveKeeper could not check cookie expiry:', err));
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

chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  if (sender.id !== chrome.runtime.id) return false;
  const url = typeof sender.url === 'string' ? sender.url : '';
  const fromExtension = url.startsWith(extensionOrigin);
  const tabId = !fromExtension && sender.tab && typeof sender.tab.id === 'number' && sender.frameId === 0 ? sender.tab.id : -1;
  let raw;
  try {
    raw = JSON.stringify(message);
  } catch (e) {
    return false;
  }
  engineReady
    .then(() => globalThis.savekeeperEngine(raw, tabId, url, fromExtension))
    .then((reply) => sendResponse(JSON.parse(reply)))
    .catch((err) => sendResponse({ error: String((err && err.message) || err) }));
  return true; // the answer comes later
});

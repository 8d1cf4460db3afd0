// SaveKeeper reload: finds the Jupyter tabs SaveKeeper does not guard yet,
// and reloads them. A browser runs an extension's scripts in the pages
// loaded after it was installed or updated: a notebook open before that
// saves as it did without SaveKeeper until it is reloaded. Used by the
// background (after an update), the welcome page and the popup, after
// sites.js.
'use strict';

/* global savekeeperSites */
/* exported savekeeperReload */ // used by the scripts loaded after this one
const savekeeperReload = (() => {
  // isJupyter runs in the tab, in the extension's isolated world: whether
  // the document is a Jupyter page, by the markers the page layer reads
  // (extension/page/detect.js).
  function isJupyter() {
    return document.getElementById('jupyter-config-data') !== null ||
      (document.body !== null && document.body.hasAttribute('data-base-url'));
  }

  // unguarded tells whether tab ({id, url}) shows a Jupyter page that
  // SaveKeeper does not guard though it runs on its site: its relay does
  // not answer (the page was loaded before SaveKeeper), or came too late,
  // or its page layer did not link. (On a site SaveKeeper does not run on,
  // a reload would change nothing: the popup offers to enable it.)
  async function unguarded(tab) {
    if (!tab || typeof tab.id !== 'number' || typeof tab.url !== 'string' || !/^https?:\/\//.test(tab.url) || tab.discarded) return false;
    if (!savekeeperSites.builtIn(tab.url) && !(await savekeeperSites.enabled(tab.url))) return false;
    if (await guarded(tab.id)) return false;
    let jupyter;
    try {
      // This runs once the document is parsed: by then a page that is
      // loading with SaveKeeper's scripts has them, so the relay is asked
      // again.
      const [{ result }] = await chrome.scripting.executeScript({ target: { tabId: tab.id }, func: isJupyter });
      jupyter = result === true;
    } catch (e) {
      return false; // a page SaveKeeper may not look at
    }
    return jupyter && !(await guarded(tab.id));
  }

  // guarded tells whether the relay in tab tabId answers that it came
  // early and its page layer linked.
  async function guarded(tabId) {
    const answer = await chrome.tabs.sendMessage(tabId, { type: 'savekeeper-ping' }, { frameId: 0 }).catch(() => null);
    return Boolean(answer && answer.early === true && answer.linked === true);
  }

  // find returns the tabs ({id, title, url}) that unguarded holds for.
  async function find() {
    const found = [];
    for (const tab of await chrome.tabs.query({})) {
      if (await unguarded(tab)) found.push({ id: tab.id, title: tab.title || tab.url, url: tab.url });
    }
    return found;
  }

  // reload reloads the tabs (each {id, url}) that still show the same
  // address and are still unguarded (the user may have moved on in one
  // since it was listed), and resolves once each has loaded (or
  // RELOAD_WAIT ms have passed).
  const RELOAD_WAIT = 15000;
  async function reload(tabs) {
    const ids = [];
    for (const { id, url } of tabs) {
      const now = await chrome.tabs.get(id).catch(() => null);
      if (now && now.url === url && (await unguarded(now))) ids.push(id);
    }
    const loaded = ids.map((id) => new Promise((resolve) => {
      const timer = setTimeout(done, RELOAD_WAIT);
      function done() {
        clearTimeout(timer);
        chrome.tabs.onUpdated.removeListener(seen);
        resolve();
      }
      function seen(tabId, change) {
        if (tabId === id && change.status === 'complete') done();
      }
      chrome.tabs.onUpdated.addListener(seen);
    }));
    for (const id of ids) await chrome.tabs.reload(id).catch(() => {}); // the tab may be gone
    await Promise.all(loaded);
  }

  return { unguarded, find, reload };
})();

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

  // unguarded tells whether tab ({id, url, status}) shows a Jupyter page
  // that SaveKeeper does not guard though it runs on its site: its relay
  // does not answer (the page was loaded before SaveKeeper), or came too
  // late, or its page layer did not link. (On a site SaveKeeper does not
  // run on, a reload would change nothing: the popup offers to enable it.)
  // A tab that is loading is loading with SaveKeeper's scripts.
  async function unguarded(tab) {
    if (!tab || typeof tab.id !== 'number' || typeof tab.url !== 'string' || !/^https?:\/\//.test(tab.url) ||
      tab.discarded || tab.status === 'loading') return false;
    if (!savekeeperSites.builtIn(tab.url) && !(await savekeeperSites.enabled(tab.url))) return false;
    const answer = await chrome.tabs.sendMessage(tab.id, { type: 'savekeeper-ping' }, { frameId: 0 }).catch(() => null);
    if (answer && answer.early === true && answer.linked === true) return false;
    try {
      const [{ result }] = await chrome.scripting.executeScript({ target: { tabId: tab.id }, func: isJupyter });
      return result === true;
    } catch (e) {
      return false; // a page SaveKeeper may not look at
    }
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

// SaveKeeper settings: the sites the user enabled (each can be disabled),
// how many days saves that could not be finished are kept, whether the
// Jupyter page tells the user what happens to a save, and every
// server SaveKeeper knows with its kept saves (download, discard, forget
// the server), also of sites the user no longer visits.
'use strict';
/* global savekeeperSites, savekeeperDownload, savekeeperNotify, savekeeperI18n */

const say = savekeeperI18n.say;
savekeeperI18n.apply();

function note(text) {
  document.getElementById('note').textContent = text;
}

// showSites lists the sites the user enabled, each with "Disable", and
// those the organisation's policy names, marked as managed: those cannot
// be disabled, and one not allowed yet says how to allow it.
async function showSites() {
  const list = document.getElementById('sites');
  list.replaceChildren();
  const [enabled, managed] = await Promise.all([savekeeperSites.registered(), savekeeperSites.managed()]);
  if (!enabled.length && !managed.length) {
    const li = document.createElement('li');
    li.textContent = say('noOtherSite');
    list.append(li);
  }
  for (const p of managed) {
    const li = document.createElement('li');
    li.className = 'managed';
    const name = p.replace(/\/\*$/, '');
    li.textContent = enabled.includes(p) ? say('siteIsManaged', [name]) : say('siteManagedNotYet', [name]);
    list.append(li);
  }
  for (const [i, p] of enabled.filter((e) => !managed.includes(e)).entries()) {
    const li = document.createElement('li');
    const name = p.replace(/\/\*$/, '');
    const site = document.createElement('span');
    site.id = 'site-' + i;
    site.textContent = name;
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = say('disable');
    b.setAttribute('aria-describedby', site.id);
    b.addEventListener('click', () => savekeeperSites.disable(p)
      .then(() => { note(say('siteOffFor', [name])); return showSites(); })
      .catch((err) => note(say('disableFailed', [name, err.message]))));
    li.append(site, ' ', b);
    list.append(li);
  }
}

async function settings(keepDays) {
  const reply = await chrome.runtime.sendMessage({ type: 'settings', keepDays });
  if (!reply || reply.error) throw new Error((reply && reply.error) || 'no answer');
  return reply.keepDays;
}

document.getElementById('keep-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const days = Number(document.getElementById('keep-days').value);
  settings(days)
    .then((kept) => note(say('keptForDays', [String(kept)])))
    .catch((err) => note(say('changeFailed', [err.message])));
});

const noticesBox = document.getElementById('notices');
noticesBox.addEventListener('change', () => {
  const on = noticesBox.checked;
  savekeeperNotify.setEnabled(on)
    .then(() => note(on ? say('noticesOn') : say('noticesOff')))
    .catch((err) => note(say('changeFailed', [err.message])));
});

// ask sends the engine one of the extension's own messages and returns
// its reply, or throws its error.
async function ask(message) {
  const reply = await chrome.runtime.sendMessage(message);
  if (!reply || reply.error) throw new Error((reply && reply.error) || 'no answer');
  return reply;
}

function sizeText(bytes) {
  if (bytes < 1024) return say('sizeBytes', [String(bytes)]);
  if (bytes < 1024 * 1024) return say('sizeKB', [(bytes / 1024).toFixed(1)]);
  return say('sizeMB', [(bytes / 1024 / 1024).toFixed(1)]);
}

// actionButton makes a button that runs act, described by the element
// with id `about` (what it acts on: its name stays the text it shows), and
// says in the note what failed (`what`).
function actionButton(text, about, what, act) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = text;
  b.setAttribute('aria-describedby', about);
  b.addEventListener('click', () => act(b).catch((err) => note(say('actionFailed', [what, err.message]))));
  return b;
}

// confirmed tells whether b was clicked a second time: the first click
// turns its text into the question `again`.
function confirmed(b, again) {
  if (b.dataset.asked) return true;
  b.dataset.asked = '1';
  b.textContent = again;
  return false;
}

async function download(r) {
  const name = await savekeeperDownload.download(r.id, r.path);
  note(say('downloadedAs', [name]));
}

// openTabs returns, per server (origin and base URL), the id of a tab
// that shows one of its pages: "Save now" asks that page to write.
async function openTabs() {
  const out = new Map();
  for (const tab of await chrome.tabs.query({})) {
    if (typeof tab.id !== 'number' || typeof tab.url !== 'string' || !/^https?:/.test(tab.url)) continue;
    const { status } = await ask({ type: 'status', tabId: tab.id, url: tab.url });
    if (status && status.detected && !out.has(status.origin + status.baseUrl)) out.set(status.origin + status.baseUrl, tab.id);
  }
  return out;
}

// saveNow asks the engine to write kept save r now, and the server's page
// in tab tabId to do it.
async function saveNow(r, tabId) {
  await ask({ type: 'save-now', id: r.id });
  await chrome.tabs.sendMessage(tabId, { type: 'savekeeper-finish' }, { frameId: 0 });
  note(say('saving', [r.path]));
}

// showServers lists every server the engine knows and the saves it keeps:
// each can be downloaded and discarded, and saved now where a tab shows
// its server.
async function showServers() {
  const [{ servers = [] }, tabs] = await Promise.all([ask({ type: 'servers' }), openTabs()]);
  const list = document.getElementById('servers');
  list.replaceChildren();
  if (!servers.length) {
    const li = document.createElement('li');
    li.textContent = say('noServer');
    list.append(li);
  }
  for (const [i, s] of servers.entries()) {
    const where = s.origin + s.baseUrl;
    const li = document.createElement('li');
    li.className = 'server';
    const title = document.createElement('div');
    title.id = 'server-' + i;
    title.textContent = (s.hub ? say('serverHub', [where]) : where) + (s.rescues ? say('serverKept', [String(s.rescues.length)]) : '');
    const forget = actionButton(say('forget'), title.id, say('forgetWhat', [where]), async (b) => {
      if (!confirmed(b, say('forgetForGood'))) return;
      await ask({ type: 'forget', url: where });
      note(say('forgot', [where]));
      await showServers();
    });
    li.append(title);
    const saves = document.createElement('ul');
    for (const r of s.rescues || []) {
      const item = document.createElement('li');
      item.className = 'kept';
      const about = document.createElement('span');
      about.id = 'kept-' + r.id;
      about.textContent = say('keptItem', [r.path, new Date(r.taken).toLocaleString(), sizeText(r.size)]);
      item.append(about, ' ');
      item.append(actionButton(say('download'), about.id, say('downloadWhat', [r.path]), () => download(r)), ' ');
      if (tabs.has(where)) item.append(actionButton(say('saveNow'), about.id, say('saveNowWhat', [r.path]), () => saveNow(r, tabs.get(where))), ' ');
      item.append(
        actionButton(say('discard'), about.id, say('discardWhat', [r.path]), async (b) => {
          if (!confirmed(b, say('discardForGood'))) return;
          await ask({ type: 'discard', id: r.id });
          note(say('discarded', [r.path]));
          await showServers();
        }),
      );
      saves.append(item);
    }
    if (saves.childElementCount) li.append(saves);
    li.append(forget);
    list.append(li);
  }
}

Promise.all([
  showSites(),
  showServers(),
  settings(0).then((days) => { document.getElementById('keep-days').value = String(days); }),
  savekeeperNotify.enabled().then((on) => { noticesBox.checked = on; }),
]).catch((err) => note(say('settingsError', [err.message])));

// Chromium hands an extension its policy a moment after it starts.
chrome.storage.onChanged.addListener((changes, area) => {
  if (area === 'managed') showSites().catch((err) => note(say('sitesError', [err.message])));
});

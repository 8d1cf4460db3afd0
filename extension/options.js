// SaveKeeper settings: the sites the user enabled (each can be disabled),
// how many days saves that could not be finished are kept, whether the
// Jupyter page tells the user what happens to a save, and every
// server SaveKeeper knows with its kept saves (download, discard, forget
// the server), also of sites the user no longer visits.
'use strict';
/* global savekeeperSites, savekeeperDownload, savekeeperNotify */

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
    li.textContent = 'No other site is enabled.';
    list.append(li);
  }
  for (const p of managed) {
    const li = document.createElement('li');
    li.className = 'managed';
    const name = p.replace(/\/\*$/, '');
    li.textContent = name + ': managed by your organisation' + (enabled.includes(p)
      ? '.'
      : '. Not allowed yet: open the site and click "Protect this site" in SaveKeeper\'s popup.');
    list.append(li);
  }
  for (const p of enabled.filter((e) => !managed.includes(e))) {
    const li = document.createElement('li');
    const name = p.replace(/\/\*$/, '');
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = 'Disable';
    b.setAttribute('aria-label', 'Disable SaveKeeper on ' + name);
    b.addEventListener('click', () => savekeeperSites.disable(p)
      .then(() => { note('SaveKeeper is off for ' + name + '.'); return showSites(); })
      .catch((err) => note('Could not disable ' + name + ': ' + err.message)));
    li.append(name + ' ', b);
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
    .then((kept) => note('Saves that could not be finished are kept for ' + kept + ' days.'))
    .catch((err) => note('Could not change it: ' + err.message));
});

const noticesBox = document.getElementById('notices');
noticesBox.addEventListener('change', () => {
  const on = noticesBox.checked;
  savekeeperNotify.setEnabled(on)
    .then(() => note(on ? 'The Jupyter page tells you what happens to a save.' : 'The Jupyter page no longer tells you; the popup still does.'))
    .catch((err) => note('Could not change it: ' + err.message));
});

// ask sends the engine one of the extension's own messages and returns
// its reply, or throws its error.
async function ask(message) {
  const reply = await chrome.runtime.sendMessage(message);
  if (!reply || reply.error) throw new Error((reply && reply.error) || 'no answer');
  return reply;
}

function sizeText(bytes) {
  if (bytes < 1024) return bytes + ' bytes';
  if (bytes < 1024 * 1024) return (bytes / 1024).toFixed(1) + ' KB';
  return (bytes / 1024 / 1024).toFixed(1) + ' MB';
}

// actionButton makes a button that runs act, and says in the note what
// failed.
function actionButton(text, label, act) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = text;
  b.setAttribute('aria-label', label);
  b.addEventListener('click', () => act(b).catch((err) => note(label + ' failed: ' + err.message)));
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
  note('Downloaded as "' + name + '".');
}

// showServers lists every server the engine knows and the saves it keeps.
async function showServers() {
  const { servers = [] } = await ask({ type: 'servers' });
  const list = document.getElementById('servers');
  list.replaceChildren();
  if (!servers.length) {
    const li = document.createElement('li');
    li.textContent = 'SaveKeeper has not seen a Jupyter server yet.';
    list.append(li);
  }
  for (const s of servers) {
    const where = s.origin + s.baseUrl;
    const li = document.createElement('li');
    li.className = 'server';
    const title = document.createElement('div');
    title.textContent = where + (s.hub ? ' (JupyterHub)' : '') + (s.rescues ? ', ' + s.rescues.length + ' kept' : '');
    const forget = actionButton('Forget this server', 'Forget ' + where, async (b) => {
      if (!confirmed(b, 'Forget it and its kept saves?')) return;
      await ask({ type: 'forget', url: where });
      note('SaveKeeper forgot ' + where + '.');
      await showServers();
    });
    li.append(title);
    const saves = document.createElement('ul');
    for (const r of s.rescues || []) {
      const item = document.createElement('li');
      item.className = 'kept';
      item.append(r.path + ', kept ' + new Date(r.taken).toLocaleString() + ', ' + sizeText(r.size) + ' ');
      item.append(
        actionButton('Download', 'Download ' + r.path, () => download(r)),
        ' ',
        actionButton('Discard', 'Discard ' + r.path, async (b) => {
          if (!confirmed(b, 'Discard for good?')) return;
          await ask({ type: 'discard', id: r.id });
          note('The kept save of ' + r.path + ' was discarded.');
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
]).catch((err) => note('SaveKeeper could not read its settings: ' + err.message));

// Chromium hands an extension its policy a moment after it starts.
chrome.storage.onChanged.addListener((changes, area) => {
  if (area === 'managed') showSites().catch((err) => note('SaveKeeper could not read its sites: ' + err.message));
});

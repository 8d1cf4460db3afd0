// SaveKeeper settings: the sites the user enabled (each can be disabled)
// and how many days saves that could not be finished are kept.
'use strict';
/* global savekeeperSites */

function note(text) {
  document.getElementById('note').textContent = text;
}

async function showSites() {
  const list = document.getElementById('sites');
  list.replaceChildren();
  const sites = await savekeeperSites.registered();
  if (!sites.length) {
    const li = document.createElement('li');
    li.textContent = 'No other site is enabled.';
    list.append(li);
  }
  for (const p of sites) {
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

Promise.all([
  showSites(),
  settings(0).then((days) => { document.getElementById('keep-days').value = String(days); }),
]).catch((err) => note('SaveKeeper could not read its settings: ' + err.message));

// SaveKeeper popup: shows the engine's status for one tab. The tab is the
// active one, or, when the popup is opened as a page, the tab showing the
// URL given as ?for=<url> (or the tab given as ?tab=<id>).
'use strict';
/* global savekeeperSites, savekeeperDownload, savekeeperReload */

const FLAVORS = { classic: 'classic Notebook', lab: 'JupyterLab', notebook7: 'Notebook 7' };

const PROBLEMS = {
  'login-required': 'Your Jupyter login has expired. Log in again to keep saving.',
  'mismatch-persists': 'The server refuses the token it set. Reloading the page may help.',
  'no-cookie-after-renewal': 'The server did not set a new token. Your browser may be blocking its cookies.',
  'renewal-timeout': 'Renewing the token took too long. Is the server running?',
  'renewal-failed': 'Renewing the token failed. Is the server running?',
  'renewal-failed-recently': 'Renewing the token failed a moment ago.',
  'renewal-needs-navigation': 'This JupyterHub renews tokens only when a page is opened.',
  'cookies-unreadable': 'SaveKeeper cannot read this site\'s cookies.',
  'cookie-httponly': 'This server\'s _xsrf cookie is HttpOnly, so Jupyter\'s own pages cannot read it, and SaveKeeper does not hand it to them. Ask its admin to remove httponly from xsrf_cookie_kwargs.',
};

async function targetTab() {
  const params = new URLSearchParams(location.search);
  if (params.has('tab')) return { id: Number(params.get('tab')), url: '' };
  const wanted = params.get('for');
  if (wanted) {
    const tabs = await chrome.tabs.query({});
    // A tab on a site SaveKeeper may not see yet does not show its URL:
    // the site can still be enabled.
    return tabs.find((t) => t.url === wanted) || { url: wanted };
  }
  const [active] = await chrome.tabs.query({ active: true, currentWindow: true });
  return active || null;
}

function formatTime(ms) {
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

function tokenText(token) {
  if (token.error) return 'unknown: ' + token.error;
  if (!token.present) return 'missing; SaveKeeper renews it at the next save';
  let text = 'present (cookie path ' + token.path;
  text += token.expires ? ', expires ' + formatTime(token.expires) + ')' : ', until the browser closes)';
  if (token.count > 1) text += '; ' + token.count + ' _xsrf cookies, one may hide another';
  return text;
}

// WHY says, per reason, why a save is kept and what happens next.
const WHY = {
  'server-unreachable': 'The server did not answer. SaveKeeper saves it as soon as the server is back.',
  'server-error': 'The server failed to save it. SaveKeeper tries again.',
  'server-stopped': 'Your server is not running. SaveKeeper saves it once you start it again from the hub\'s home page.',
  'login-required': 'Your login expired. SaveKeeper saves it after you log in again.',
  'changed-on-server': 'Not saved: the file was changed on the server after your edit began. ' +
    'Download your version, or use "Save now" to replace the server\'s.',
};

function sizeText(bytes) {
  if (bytes >= 1024 * 1024) return (bytes / 1024 / 1024).toFixed(1) + ' MB';
  if (bytes >= 1024) return Math.round(bytes / 1024) + ' KB';
  return bytes + ' bytes';
}

function baseName(path) {
  return path.slice(path.lastIndexOf('/') + 1) || path;
}

let current = null; // { tab, status } on screen

function render(tab, status) {
  const summary = document.getElementById('summary');
  const details = document.getElementById('details');
  const login = document.getElementById('login');
  details.replaceChildren();
  current = { tab, status };
  document.getElementById('reload-state').hidden = !unguarded;
  if (unguarded) {
    summary.textContent = chrome.i18n.getMessage('popupReload');
    summary.className = 'warn';
    login.hidden = true;
    renderRescues([]);
    return;
  }
  if (!status || !status.detected) {
    summary.textContent = 'No Jupyter page in this tab.';
    summary.className = '';
    add(details, 'Jupyter', 'not detected');
    details.hidden = false;
    login.hidden = true;
    renderRescues([]);
    return;
  }
  const rescues = status.rescues || [];
  const loginLost = status.lastProblem === 'login-required' || rescues.some((r) => r.reason === 'login-required');
  const problem = status.lastProblem && PROBLEMS[status.lastProblem];
  if (loginLost) {
    summary.textContent = PROBLEMS['login-required'];
    summary.className = 'bad';
  } else if (rescues.length) {
    summary.textContent = rescues.length === 1
      ? 'One save could not be finished. SaveKeeper keeps it.'
      : rescues.length + ' saves could not be finished. SaveKeeper keeps them.';
    summary.className = 'warn';
  } else if (problem) {
    summary.textContent = problem;
    summary.className = 'warn';
  } else {
    summary.textContent = status.token.present ? 'Saves are protected.' : 'Saves are protected; the token will be renewed.';
    summary.className = 'ok';
  }
  login.hidden = !loginLost;
  document.getElementById('login-link').href = status.origin + status.baseUrl;
  renderRescues(rescues);
  add(details, 'Jupyter', 'detected (' + (FLAVORS[status.flavor] || status.flavor) + (status.hub ? ', JupyterHub' : '') + ')');
  add(details, 'Server', status.origin + status.baseUrl);
  add(details, 'Token', tokenText(status.token));
  add(details, 'Last renewal', status.lastRenewal
    ? formatTime(status.lastRenewal) + ' (' + status.renewals + ' in all)'
    : 'never');
  add(details, 'Saves seen', String(status.savesSeen));
  add(details, 'Saves recovered', String(status.savesRecovered));
  if (status.savesFailed) add(details, 'Saves failed', String(status.savesFailed));
  if (status.savesKept) add(details, 'Saves kept', status.savesKept + ' (' + status.savesFinished + ' finished later)');
  details.hidden = false;
}

// renderRescues lists the kept saves with their actions, keeping the
// keyboard focus on the same button when the list is drawn again.
function renderRescues(rescues) {
  const section = document.getElementById('rescues');
  const list = document.getElementById('rescue-list');
  const focused = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.key : '';
  list.replaceChildren();
  for (const r of rescues) {
    const li = document.createElement('li');
    const file = document.createElement('div');
    file.className = 'file';
    file.id = 'file-' + r.id;
    file.textContent = r.path;
    const when = document.createElement('div');
    when.textContent = 'Kept ' + formatTime(r.taken) + ', ' + sizeText(r.size);
    const why = document.createElement('p');
    why.className = 'why';
    why.textContent = WHY[r.reason] || 'The server refused it. SaveKeeper tries again.';
    const actions = document.createElement('div');
    actions.className = 'actions';
    actions.append(
      button(r.path.endsWith('.ipynb') ? 'Download .ipynb' : 'Download', file.id, r.id + ':download', () => download(r)),
      button('Save now', file.id, r.id + ':save', () => saveNow(r)),
      button(confirming.has(r.id) ? 'Discard for good?' : 'Discard', file.id, r.id + ':discard', (b) => discard(r, b)),
    );
    li.append(file, when, why, actions);
    list.append(li);
  }
  section.hidden = rescues.length === 0;
  const again = focused && list.querySelector(`[data-key="${CSS.escape(focused)}"]`);
  if (again) again.focus();
}

// button makes an action button for the kept save described by the
// element with id `about` (its file name).
function button(text, about, key, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = text;
  b.setAttribute('aria-describedby', about);
  b.dataset.key = key;
  b.addEventListener('click', () => onClick(b));
  return b;
}

async function download(r) {
  const name = await savekeeperDownload.download(r.id, r.path);
  setStatusNote('Downloaded as "' + name + '".');
}

async function saveNow(r) {
  const reply = await chrome.runtime.sendMessage({ type: 'save-now', id: r.id });
  if (reply && reply.error) throw new Error(reply.error);
  if (current && current.tab && typeof current.tab.id === 'number') {
    await chrome.tabs.sendMessage(current.tab.id, { type: 'savekeeper-finish' }).catch(() => {});
  }
  setStatusNote('Saving ' + baseName(r.path) + '…');
}

// discard asks once more before it throws a kept save away.
const confirming = new Set(); // ids whose Discard was pressed once
async function discard(r, b) {
  if (!confirming.has(r.id)) {
    confirming.add(r.id);
    b.textContent = 'Discard for good?';
    return;
  }
  confirming.delete(r.id);
  const reply = await chrome.runtime.sendMessage({ type: 'discard', id: r.id });
  if (reply && reply.error) throw new Error(reply.error);
  setStatusNote('The kept save of ' + baseName(r.path) + ' was discarded.');
  await refresh();
}

function setStatusNote(text) {
  const summary = document.getElementById('summary');
  summary.textContent = text;
}

function add(list, term, value) {
  const dt = document.createElement('dt');
  dt.textContent = term;
  const dd = document.createElement('dd');
  dd.textContent = value;
  list.append(dt, dd);
}

let tab = null;
let shown = '';
let unguarded = false; // the tab shows a Jupyter page loaded before SaveKeeper (reload.js)

// refresh reads the status again and draws it when it changed.
async function refresh() {
  if (!tab || typeof tab.id !== 'number' || Number.isNaN(tab.id)) {
    if (shown !== 'none') render(null, null);
    shown = 'none';
    return;
  }
  const reply = await chrome.runtime.sendMessage({ type: 'status', tabId: tab.id, url: tab.url || '' });
  if (reply && reply.error) throw new Error(reply.error);
  const text = JSON.stringify(reply && reply.status);
  if (text !== shown) {
    shown = text;
    render(tab, reply && reply.status);
  }
}

// renderSite offers to enable SaveKeeper on the tab's site when the
// manifest does not cover it, and to disable it where the user enabled it.
// On a site the organisation's policy names, it asks for the permission
// with one button, and offers no way to disable it.
async function renderSite() {
  const section = document.getElementById('site');
  const url = tab && tab.url;
  if (!url || !savekeeperSites.pattern(url) || savekeeperSites.builtIn(url)) {
    section.hidden = true;
    return;
  }
  const [on, managed] = await Promise.all([savekeeperSites.enabled(url), savekeeperSites.isManaged(url)]);
  const host = new URL(url).host;
  let text = on
    ? 'SaveKeeper is on for ' + host + '.'
    : 'SaveKeeper is off for ' + host + '. Turn it on to protect saves on this site.';
  if (managed) {
    text = on
      ? 'SaveKeeper is on for ' + host + ', as your organisation asks.'
      : 'Your organisation asks SaveKeeper to protect this site. Allow it once, and saves on ' + host + ' are protected.';
  }
  document.getElementById('site-text').textContent = text;
  // Loopback addresses are built in; any other plain-http site sends the
  // token, the login and the notebooks across the network unencrypted.
  const warning = document.getElementById('site-warning');
  warning.hidden = new URL(url).protocol !== 'http:';
  warning.textContent = 'Warning: ' + host + ' is not encrypted (http). Anyone on the network between you and it ' +
    'can read your notebooks and the token that protects them, with or without SaveKeeper. Ask its admin for https.';
  const b = document.getElementById('site-button');
  b.textContent = on ? 'Disable on this site' : managed ? 'Protect this site' : 'Enable on this site';
  b.onclick = () => (on ? disableSite(url) : enableSite(url)).catch(showError);
  b.hidden = on && managed;
  section.hidden = false;
}

async function enableSite(url) {
  // No await before enable: the browser asks the user only from a click.
  if (!(await savekeeperSites.enable(url))) {
    setStatusNote('SaveKeeper stays off for this site.');
    return;
  }
  if (tab && typeof tab.id === 'number') await chrome.tabs.reload(tab.id);
  setStatusNote('SaveKeeper is on for this site. The page reloads.');
  await renderSite();
}

async function disableSite(url) {
  await savekeeperSites.disable(savekeeperSites.pattern(url));
  setStatusNote('SaveKeeper is off for this site.');
  await renderSite();
}

function showError(err) {
  const summary = document.getElementById('summary');
  summary.textContent = 'SaveKeeper could not read its status: ' + err.message;
  summary.className = 'bad';
}

// reloadTab reloads the tab, and shows its status once it is guarded.
async function reloadTab() {
  await savekeeperReload.reload([tab.id]);
  unguarded = await savekeeperReload.unguarded(tab);
  shown = '';
  await refresh();
}

async function main() {
  tab = await targetTab();
  unguarded = await savekeeperReload.unguarded(tab);
  const reload = document.getElementById('reload-tab');
  reload.textContent = chrome.i18n.getMessage('popupReloadButton');
  reload.addEventListener('click', () => reloadTab().catch(showError));
  await Promise.all([refresh(), renderSite()]);
  // Chromium hands an extension its policy a moment after it starts.
  chrome.storage.onChanged.addListener((changes, area) => {
    if (area === 'managed') renderSite().catch(showError);
  });
  setInterval(() => refresh().catch(showError), 2000); // kept saves finish while the popup is open
}

window.addEventListener('unhandledrejection', (event) => showError(event.reason || new Error('unknown error')));
main().catch(showError);

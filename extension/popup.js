// SaveKeeper popup: shows the engine's status for one tab. The tab is the
// active one, or, when the popup is opened as a page, the tab showing the
// URL given as ?for=<url> (or the tab given as ?tab=<id>).
'use strict';
/* global savekeeperSites, savekeeperDownload, savekeeperReload, savekeeperI18n */

const say = savekeeperI18n.say;

const FLAVORS = { classic: 'flavorClassic', lab: 'flavorLab', notebook7: 'flavorNotebook7' }; // message names

// PROBLEMS names, per problem, the message that says it (in _locales).
const PROBLEMS = {
  'login-required': 'problemLogin',
  'mismatch-persists': 'problemMismatch',
  'no-cookie-after-renewal': 'problemNoCookie',
  'renewal-timeout': 'problemRenewalTimeout',
  'renewal-failed': 'problemRenewalFailed',
  'renewal-failed-recently': 'problemRenewalFailedRecently',
  'renewal-needs-navigation': 'problemNeedsNavigation',
  'cookies-unreadable': 'problemCookiesUnreadable',
  'cookie-httponly': 'problemHttpOnly',
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
  if (token.error) return say('tokenUnknown', [token.error]);
  if (!token.present) return say('tokenMissing');
  let text = token.expires ? say('tokenExpires', [token.path, formatTime(token.expires)]) : say('tokenSession', [token.path]);
  if (token.count > 1) text += ' ' + say('tokenMany', [String(token.count)]);
  return text;
}

// WHY names, per reason, the message that says why a save is kept and
// what happens next.
const WHY = {
  'server-unreachable': 'whyUnreachable',
  'server-error': 'whyServerError',
  'server-stopped': 'whyStopped',
  'login-required': 'whyLogin',
  'changed-on-server': 'whyConflict',
};

function sizeText(bytes) {
  if (bytes >= 1024 * 1024) return say('sizeMB', [(bytes / 1024 / 1024).toFixed(1)]);
  if (bytes >= 1024) return say('sizeKB', [String(Math.round(bytes / 1024))]);
  return say('sizeBytes', [String(bytes)]);
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
  document.getElementById('diagnostics-text').textContent = diagnostics(status);
  document.getElementById('reload-state').hidden = !unguarded;
  if (unguarded) {
    summary.textContent = say('popupReload');
    summary.className = 'warn';
    login.hidden = true;
    renderRescues([]);
    return;
  }
  if (!status || !status.detected) {
    // Said once: what this tab is, and what to do.
    summary.textContent = siteOff ? say('popupSiteOff') : say('popupNoJupyter');
    summary.className = '';
    details.hidden = true;
    document.getElementById('more').hidden = true;
    login.hidden = true;
    renderRescues([]);
    return;
  }
  const rescues = status.rescues || [];
  const loginLost = status.lastProblem === 'login-required' || rescues.some((r) => r.reason === 'login-required');
  const problem = status.lastProblem && PROBLEMS[status.lastProblem] && say(PROBLEMS[status.lastProblem]);
  if (loginLost) {
    summary.textContent = say(PROBLEMS['login-required']);
    summary.className = 'bad';
  } else if (rescues.length) {
    summary.textContent = rescues.length === 1 ? say('keptOne') : say('keptMany', [String(rescues.length)]);
    summary.className = 'warn';
  } else if (problem) {
    summary.textContent = problem;
    summary.className = 'warn';
  } else {
    summary.textContent = status.token.present ? say('protected') : say('protectedRenew');
    summary.className = 'ok';
  }
  login.hidden = !loginLost;
  document.getElementById('login-link').href = status.origin + status.baseUrl;
  renderRescues(rescues);
  const flavor = FLAVORS[status.flavor] ? say(FLAVORS[status.flavor]) : status.flavor;
  add(details, say('labelJupyter'), status.hub ? say('detectedHub', [flavor]) : say('detected', [flavor]));
  add(details, say('labelServer'), status.origin + status.baseUrl);
  add(details, say('labelToken'), tokenText(status.token));
  add(details, say('labelLastRenewal'), status.lastRenewal
    ? say('renewedAt', [formatTime(status.lastRenewal), String(status.renewals)])
    : say('never'));
  add(details, say('labelSavesSeen'), String(status.savesSeen));
  add(details, say('labelSavesRecovered'), String(status.savesRecovered));
  if (status.savesFailed) add(details, say('labelSavesFailed'), String(status.savesFailed));
  if (status.savesKept) add(details, say('labelSavesKept'), say('savesKept', [String(status.savesKept), String(status.savesFinished)]));
  details.hidden = false;
  document.getElementById('more').hidden = false; // one click away
}

// renderRescues lists the kept saves with their actions, keeping the
// keyboard focus on the same button when the list is drawn again (or on
// `focus`, the key of a button to move it to).
function renderRescues(rescues, focus = '') {
  const section = document.getElementById('rescues');
  const list = document.getElementById('rescue-list');
  const focused = focus || (document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.key : '');
  list.replaceChildren();
  for (const r of rescues) {
    const li = document.createElement('li');
    const file = document.createElement('div');
    file.className = 'file';
    file.id = 'file-' + r.id;
    file.textContent = r.path;
    const when = document.createElement('div');
    when.textContent = say('keptAt', [formatTime(r.taken), sizeText(r.size)]);
    const why = document.createElement('p');
    why.className = 'why';
    why.textContent = say(WHY[r.reason] || 'whyRefused');
    const actions = document.createElement('div');
    actions.className = 'actions';
    if (confirming.has(r.id)) {
      const question = document.createElement('span');
      question.className = 'question';
      question.textContent = say('discardForGood');
      actions.append(question,
        button(say('discardYes'), file.id, r.id + ':yes', () => discard(r)),
        button(say('discardCancel'), file.id, r.id + ':cancel', () => askDiscard(r, false)));
    } else {
      actions.append(
        button(r.path.endsWith('.ipynb') ? say('downloadIpynb') : say('download'), file.id, r.id + ':download', () => download(r)),
        button(say('saveNow'), file.id, r.id + ':save', () => saveNow(r)),
        button(say('discard'), file.id, r.id + ':discard', () => askDiscard(r, true)),
      );
    }
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
  setStatusNote(say('downloadedAs', [name]));
}

async function saveNow(r) {
  const reply = await chrome.runtime.sendMessage({ type: 'save-now', id: r.id });
  if (reply && reply.error) throw new Error(reply.error);
  if (current && current.tab && typeof current.tab.id === 'number') {
    await chrome.tabs.sendMessage(current.tab.id, { type: 'savekeeper-finish' }).catch(() => {});
  }
  setStatusNote(say('saving', [baseName(r.path)]));
}

// askDiscard shows, in place of a kept save's actions, the question
// whether to discard it for good, with Yes and Cancel (the focus on
// Cancel), or (ask false) its actions again.
const confirming = new Set(); // ids whose Discard asks its question
function askDiscard(r, ask) {
  if (ask) confirming.add(r.id);
  else confirming.delete(r.id);
  renderRescues((current && current.status && current.status.rescues) || [], r.id + (ask ? ':cancel' : ':discard'));
}

// discard throws a kept save away, once the user said yes.
async function discard(r) {
  confirming.delete(r.id);
  const reply = await chrome.runtime.sendMessage({ type: 'discard', id: r.id });
  if (reply && reply.error) throw new Error(reply.error);
  setStatusNote(say('discarded', [baseName(r.path)]));
  await refresh();
}

function setStatusNote(text) {
  const summary = document.getElementById('summary');
  summary.textContent = text;
}

// diagnostics returns the report "Copy diagnostics" puts on the
// clipboard: the browser, SaveKeeper's version, and what the engine says
// of the tab's server (its kind, the token cookie's path and expiry, the
// counts of saves, renewals and refusals, the last problem, why saves
// are kept). Never a token or cookie value, nor a file name or notebook,
// nor the names in a path (on a hub they are user names).
// In English, for the people who read bug reports.
function diagnostics(status) {
  const lines = [
    'SaveKeeper ' + chrome.runtime.getManifest().version,
    'Browser: ' + navigator.userAgent,
    'Language: ' + chrome.i18n.getUILanguage(),
  ];
  const iso = (ms) => (ms ? new Date(ms).toISOString() : 'never');
  const shape = (path) => path.replace(/[^/]+/g, '…'); // its shape, not its names (a hub's are user names)
  if (unguarded) lines.push('Tab: a Jupyter page loaded before SaveKeeper (not guarded until reloaded)');
  if (!status || !status.detected) {
    lines.push('Tab: no Jupyter page SaveKeeper knows');
    return lines.join('\n');
  }
  const t = status.token;
  lines.push(
    'Server: ' + status.flavor + (status.hub ? ' on JupyterHub' : '') + ', ' + new URL(status.origin).protocol.replace(':', '') +
      ', base URL ' + shape(status.baseUrl),
    'Token: ' + (t.error ? 'unreadable (' + t.error + ')' : t.present
      ? 'present, cookie path ' + shape(t.path) + (t.path === status.baseUrl ? ' (the base URL)' : '') + ', expires ' + (t.expires ? iso(t.expires) : 'with the session')
      : 'missing') + ', _xsrf cookies: ' + t.count,
    'Renewals: ' + status.renewals + ', last ' + iso(status.lastRenewal),
    'Saves: ' + status.savesSeen + ' seen, ' + status.savesRecovered + ' recovered, ' + status.savesFailed + ' failed, ' +
      status.savesKept + ' kept, ' + status.savesFinished + ' finished later',
    'Last problem: ' + (status.lastProblem || 'none'),
    'Kept now: ' + ((status.rescues || []).map((r) => (r.reason || 'unknown') + ' (' + r.size + ' bytes)').join(', ') || 'none'),
  );
  return lines.join('\n');
}

// copyDiagnostics puts the report on the clipboard, and says so.
async function copyDiagnostics() {
  const text = document.getElementById('diagnostics-text').textContent;
  try {
    await navigator.clipboard.writeText(text);
    setStatusNote(say('diagnosticsCopied'));
  } catch (e) {
    setStatusNote(say('diagnosticsNotCopied'));
  }
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
let siteOff = false; // SaveKeeper does not run on the tab's site (renderSite)

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
    siteOff = false;
    return;
  }
  const [on, managed] = await Promise.all([savekeeperSites.enabled(url), savekeeperSites.isManaged(url)]);
  siteOff = !on;
  const host = new URL(url).host;
  let text = on ? say('siteOn', [host]) : say('siteOff', [host]);
  if (managed) text = on ? say('siteOnManaged', [host]) : say('siteManaged', [host]);
  document.getElementById('site-text').textContent = text;
  // Loopback addresses are built in; any other plain-http site sends the
  // token, the login and the notebooks across the network unencrypted.
  const warning = document.getElementById('site-warning');
  warning.hidden = new URL(url).protocol !== 'http:';
  warning.textContent = say('siteHttp', [host]);
  const b = document.getElementById('site-button');
  b.textContent = on ? say('siteDisable') : managed ? say('siteProtect') : say('siteEnable');
  b.onclick = () => (on ? disableSite(url) : enableSite(url)).catch(showError);
  b.hidden = on && managed;
  section.hidden = false;
}

async function enableSite(url) {
  // No await before enable: the browser asks the user only from a click.
  if (!(await savekeeperSites.enable(url))) {
    setStatusNote(say('siteStaysOff'));
    return;
  }
  if (tab && typeof tab.id === 'number') await chrome.tabs.reload(tab.id);
  setStatusNote(say('siteNowOn'));
  await renderSite();
}

async function disableSite(url) {
  await savekeeperSites.disable(savekeeperSites.pattern(url));
  setStatusNote(say('siteNowOff'));
  await renderSite();
}

function showError(err) {
  const summary = document.getElementById('summary');
  summary.textContent = say('statusError', [err.message]);
  summary.className = 'bad';
}

// reloadTab reloads the tab, and shows its status once it is guarded.
async function reloadTab() {
  await savekeeperReload.reload([tab]);
  unguarded = await savekeeperReload.unguarded(tab);
  shown = '';
  await refresh();
}

async function main() {
  savekeeperI18n.apply();
  tab = await targetTab();
  unguarded = await savekeeperReload.unguarded(tab);
  const reload = document.getElementById('reload-tab');
  reload.textContent = say('popupReloadButton');
  reload.addEventListener('click', () => reloadTab().catch(showError));
  document.getElementById('copy-diagnostics').addEventListener('click', () => copyDiagnostics());
  await renderSite(); // first: it says whether SaveKeeper runs on the site
  await refresh();
  // Chromium hands an extension its policy a moment after it starts.
  chrome.storage.onChanged.addListener((changes, area) => {
    if (area === 'managed') renderSite().catch(showError);
  });
  setInterval(() => refresh().catch(showError), 2000); // kept saves finish while the popup is open
}

window.addEventListener('unhandledrejection', (event) => showError(event.reason || new Error('unknown error')));
main().catch(showError);

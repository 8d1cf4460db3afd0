// SaveKeeper popup: shows the engine's status for one tab. The tab is the
// active one, or, when the popup is opened as a page, the tab showing the
// URL given as ?for=<url> (or the tab given as ?tab=<id>).
'use strict';

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
};

async function targetTab() {
  const params = new URLSearchParams(location.search);
  if (params.has('tab')) return { id: Number(params.get('tab')), url: '' };
  const wanted = params.get('for');
  if (wanted) {
    const tabs = await chrome.tabs.query({});
    return tabs.find((t) => t.url === wanted) || null;
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

function render(status) {
  const summary = document.getElementById('summary');
  const details = document.getElementById('details');
  details.replaceChildren();
  if (!status || !status.detected) {
    summary.textContent = 'No Jupyter page in this tab.';
    summary.className = '';
    add(details, 'Jupyter', 'not detected');
    details.hidden = false;
    return;
  }
  const problem = status.lastProblem && PROBLEMS[status.lastProblem];
  if (problem) {
    summary.textContent = problem;
    summary.className = status.lastProblem === 'login-required' ? 'bad' : 'warn';
  } else {
    summary.textContent = status.token.present ? 'Saves are protected.' : 'Saves are protected; the token will be renewed.';
    summary.className = 'ok';
  }
  add(details, 'Jupyter', 'detected (' + (FLAVORS[status.flavor] || status.flavor) + (status.hub ? ', JupyterHub' : '') + ')');
  add(details, 'Server', status.origin + status.baseUrl);
  add(details, 'Token', tokenText(status.token));
  add(details, 'Last renewal', status.lastRenewal
    ? formatTime(status.lastRenewal) + ' (' + status.renewals + ' in all)'
    : 'never');
  add(details, 'Saves recovered', String(status.savesRecovered));
  if (status.savesFailed) add(details, 'Saves failed', String(status.savesFailed));
  details.hidden = false;
}

function add(list, term, value) {
  const dt = document.createElement('dt');
  dt.textContent = term;
  const dd = document.createElement('dd');
  dd.textContent = value;
  list.append(dt, dd);
}

async function main() {
  const tab = await targetTab();
  if (!tab || typeof tab.id !== 'number' || Number.isNaN(tab.id)) {
    render(null);
    return;
  }
  const reply = await chrome.runtime.sendMessage({ type: 'status', tabId: tab.id, url: tab.url || '' });
  if (reply && reply.error) throw new Error(reply.error);
  render(reply && reply.status);
}

main().catch((err) => {
  const summary = document.getElementById('summary');
  summary.textContent = 'SaveKeeper could not read its status: ' + err.message;
  summary.className = 'bad';
});

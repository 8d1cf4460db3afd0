// SaveKeeper notice. Runs in the extension's isolated world of a Jupyter
// page, beside the relay, and shows the user what happened to a save at
// the moment it happens: kept (the edit is safe, it will be saved later),
// saved (a kept save reached the server), or needs you (a login, or a file
// changed on the server). The background decides when, from the engine's
// state, and sends {type: 'savekeeper-notice', kind, reason, files}; this
// file only draws it.
//
// The page's own scripts must neither read nor forge nor click it, and
// must see no change they could trip over: the notice lives in a closed
// shadow root, under an element that is added to <html> (not <body>, whose
// children Jupyter lays out) only while there is something to say, fixed
// in a corner (no layout shift), styled through the CSSOM (a page's CSP
// may forbid <style>); its buttons act only on clicks the user made
// (isTrusted). The words come from the extension's locales. It is a
// polite live region named "SaveKeeper", so a screen reader reads it out.
(() => {
  'use strict';

  if (self.origin !== location.origin || window.top !== window) return;

  const KINDS = new Set(['kept', 'landed', 'needs-you']);
  const MAX_FILES = 3; // names shown; more are counted
  const LANDED_FOR = 12000; // ms a "saved" notice stays; the others stay until dismissed or resolved
  const CLICK_AFTER = 500; // ms after the notice changed before its buttons take a click

  // Where this document was loaded, before any script of the page could
  // change its address (history.replaceState): a notice is shown only when
  // it is about the server this document belongs to.
  const loadUrl = location.href;

  // The message names (extension/_locales) of what the user reads, per
  // kind, and per reason for kept saves and those that need the user.
  const KEPT = {
    'server-unreachable': 'noticeKeptUnreachable',
    'server-error': 'noticeKeptServerError',
    'server-stopped': 'noticeKeptStopped',
    'save-refused': 'noticeKeptRefused',
  };
  const NEEDS_YOU = {
    'login-required': 'noticeNeedsLogin',
    'changed-on-server': 'noticeNeedsConflict',
  };

  const say = (name, ...subs) => chrome.i18n.getMessage(name, subs) || name;

  let host = null; // the element in the page, while a notice is shown
  let hostStyle = ''; // its style as set here (cssText)
  let text = null;
  let login = null; // the "Log in again" button, shown when the login is lost
  let hideTimer = 0;
  let changedAt = 0; // when the notice was shown or changed

  // css sets style properties through the CSSOM, each !important, so that
  // the page's style sheets cannot change them.
  function css(el, props) {
    for (const [name, value] of Object.entries(props)) el.style.setProperty(name, value, 'important');
  }

  const hostLook = { all: 'initial', position: 'fixed', right: '16px', bottom: '16px', 'z-index': '2147483647', 'max-width': '380px' };

  // guard keeps the notice as drawn here: a page script that restyles the
  // host (to hide it under a bait, say) or moves it into an element of its
  // own sees it put back, and the buttons wait CLICK_AFTER before they
  // take a click again. (Its own style sheets cannot reach it: the host is
  // `all: initial !important`, and the rest is in the closed shadow root.)
  function guard() {
    const observer = new MutationObserver(() => {
      if (!host.isConnected) return; // dismissed, or taken out
      if (host.parentNode !== document.documentElement) document.documentElement.append(host);
      if (host.style.cssText !== hostStyle) {
        host.removeAttribute('style');
        css(host, hostLook);
      }
      changedAt = Date.now();
    });
    observer.observe(document.documentElement, { childList: true });
    observer.observe(host, { attributes: true });
  }

  // build makes the host and its closed shadow root with the notice's box.
  function build() {
    const dark = window.matchMedia('(prefers-color-scheme: dark)').matches;
    host = document.createElement('div');
    css(host, hostLook);
    hostStyle = host.style.cssText;
    guard();
    const root = host.attachShadow({ mode: 'closed' });
    const box = document.createElement('div');
    box.setAttribute('role', 'status');
    box.setAttribute('aria-live', 'polite');
    box.setAttribute('aria-label', say('noticeTitle'));
    // Contrast (WCAG AA): #1f2328 on #ffffff is 15.8:1, #e6edf3 on #161b22 is 14.8:1.
    css(box, {
      display: 'block', font: '14px/1.4 system-ui, sans-serif', color: dark ? '#e6edf3' : '#1f2328',
      background: dark ? '#161b22' : '#ffffff', border: `1px solid ${dark ? '#9198a1' : '#57606a'}`,
      'border-radius': '8px', padding: '10px 12px', 'box-shadow': '0 4px 16px rgba(0,0,0,.25)',
    });
    const title = document.createElement('strong');
    title.textContent = say('noticeTitle');
    css(title, { display: 'block', 'margin-bottom': '4px' });
    text = document.createElement('p');
    css(text, { margin: '0 0 8px', 'overflow-wrap': 'anywhere' });
    login = button(say('noticeLogin'), () => chrome.runtime.sendMessage({ notice: 'login' }).catch(() => {}));
    const details = button(say('noticeDetails'), () => chrome.runtime.sendMessage({ notice: 'details' }).catch(() => {}));
    const dismiss = button(say('noticeDismiss'), hide);
    const actions = document.createElement('div');
    css(actions, { display: 'flex', gap: '8px' });
    actions.append(login, details, dismiss);
    box.append(title, text, actions);
    root.append(box);
  }

  // button makes a button that acts on the user's own clicks only.
  function button(label, onClick) {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = label;
    css(b, { font: 'inherit', padding: '2px 10px', cursor: 'pointer' });
    b.addEventListener('click', (event) => {
      if (event.isTrusted && Date.now() - changedAt >= CLICK_AFTER) onClick();
    });
    return b;
  }

  function hide() {
    clearTimeout(hideTimer);
    if (host) host.remove();
  }

  // wording returns what the user reads for a notice.
  function wording({ kind, reason, files }) {
    const names = files.slice(0, MAX_FILES).join(', ') + (files.length > MAX_FILES ? ' ' + say('noticeMore', String(files.length - MAX_FILES)) : '');
    if (kind === 'landed') return say('noticeLanded', names);
    if (kind === 'needs-you') return say(NEEDS_YOU[reason] || 'noticeNeedsLogin', names);
    return say(KEPT[reason] || 'noticeKeptUnreachable', names);
  }

  function show(notice) {
    if (!host) build();
    text.textContent = wording(notice);
    css(login, { display: notice.kind === 'needs-you' && notice.reason === 'login-required' ? 'inline-block' : 'none' });
    clearTimeout(hideTimer);
    if (notice.kind === 'landed') hideTimer = setTimeout(hide, LANDED_FOR);
    if (!host.isConnected) document.documentElement.append(host);
    changedAt = Date.now();
  }

  chrome.runtime.onMessage.addListener((m, sender) => {
    // From the background only: a page cannot send runtime messages, and
    // no content script of another tab can reach this one.
    if (sender.id !== chrome.runtime.id || sender.tab || !m || m.type !== 'savekeeper-notice') return false;
    if (!KINDS.has(m.kind) || typeof m.reason !== 'string' || !Array.isArray(m.files) ||
      !m.files.every((f) => typeof f === 'string')) return false;
    // About this document's server only: a tab the engine still has for one
    // server may show another's page by now (a link followed to a page that
    // is not Jupyter's, on the same origin of a hub).
    if (typeof m.server !== 'string' || !loadUrl.startsWith(m.server)) return false;
    show(m);
    return false;
  });
})();

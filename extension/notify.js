// SaveKeeper notify: decides when the user is told what happened to a
// save, in the tab where it happened (notice.js draws it there). Loaded by
// the background (before background.js) and by the settings page.
//
// After each page message that can change a server's kept saves (a save
// kept, a kept save checked or written back), the background gives next()
// what it last saw of that server's kept saves and what the engine holds
// now. A save newly kept is told as kept, or as needing the user when
// only the user can finish it (a login, a file changed on the server); a
// kept save that comes to need the user is told then; a kept save the
// page has just written back is told as saved. What the user discarded, or
// what expired, goes without a word. badgeOf says what the toolbar
// button shows for a tab. What was seen is kept per server in
// the browser session's storage, so a background that stopped and started
// again does not tell the same thing twice.
'use strict';

/* exported savekeeperNotify */ // used by background.js, loaded after this one
const savekeeperNotify = (() => {
  // Reasons a kept save cannot be finished without the user.
  const NEEDS_YOU = new Set(['login-required', 'changed-on-server']);
  // MAX_SHOWN_NAME bounds a file name shown in a notice, in characters.
  const MAX_SHOWN_NAME = 60;
  const SETTING = 'savekeeper.notices'; // storage.local: false when the user turned notices off

  // fileName is what a notice shows of a kept save's path: its last part,
  // without control, bidirectional or invisible characters, at most
  // MAX_SHOWN_NAME characters, in quotes. The page chose the path (it is the URL
  // of its save), so it must not read as the extension's own words.
  function fileName(path) {
    let name = String(path).slice(String(path).lastIndexOf('/') + 1) || String(path);
    name = name.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g, '');
    if (name.length > MAX_SHOWN_NAME) name = name.slice(0, MAX_SHOWN_NAME - 1) + '…';
    return '“' + name + '”';
  }

  // next returns {seen, notice}: seen is {id: {reason, file}} of the kept
  // saves of status (the engine's status of the tab's server), to pass as
  // `before` next time; notice is what to tell the tab after `message`
  // (and the engine's reply to it), or null. While the server's last
  // problem is a lost login, every kept save waits for the login, whatever
  // failed first (a logged-out hub's answer to a save can look like no
  // answer at all), as the popup says too. With no `before` (the browser
  // or the extension started anew: the session's storage is empty), what
  // the engine keeps is taken as told, but for the save just kept.
  function next(before, status, message, reply = {}) {
    const loginLost = status.lastProblem === 'login-required';
    const rescues = (status.rescues || []).map((r) => ({ ...r, reason: loginLost ? 'login-required' : r.reason || '' }));
    const seen = {};
    for (const r of rescues) seen[r.id] = { reason: r.reason, file: fileName(r.path) };
    if (!before) {
      before = { ...seen };
      if (message && message.type === 'rescue' && typeof message.id === 'string') delete before[message.id];
    }
    const needsYou = rescues.filter((r) => NEEDS_YOU.has(r.reason) && !(Object.hasOwn(before, r.id) && before[r.id].reason === r.reason));
    if (needsYou.length) return { seen, notice: notice('needs-you', needsYou) };
    const kept = rescues.filter((r) => !Object.hasOwn(before, r.id));
    if (kept.length) return { seen, notice: notice('kept', kept) };
    if (message && message.type === 'finished' && message.ok === true && typeof message.id === 'string' && !reply.error &&
      Object.hasOwn(before, message.id) && !Object.hasOwn(seen, message.id)) {
      return { seen, notice: { type: 'savekeeper-notice', kind: 'landed', reason: '', files: [before[message.id].file] } };
    }
    return { seen, notice: null };
  }

  // badgeOf returns what the toolbar button says of a tab whose server has
  // status (the engine's status, or null when the tab holds no Jupyter page
  // SaveKeeper knows): {text, title, subs}, title being the i18n name of
  // its tooltip and subs its substitutions. '!' when a kept save of the
  // tab's server needs the user, the number of its kept saves otherwise,
  // nothing when its saves are protected and none is kept.
  function badgeOf(status) {
    if (!status || !status.detected) return { text: '', title: 'actionTitle', subs: [] };
    const loginLost = status.lastProblem === 'login-required';
    const rescues = status.rescues || [];
    if (rescues.some((r) => loginLost || NEEDS_YOU.has(r.reason))) return { text: '!', title: 'badgeNeedsYou', subs: [] };
    if (rescues.length === 1) return { text: '1', title: 'badgeKeptOne', subs: [] };
    if (rescues.length > 1) return { text: String(rescues.length), title: 'badgeKeptMany', subs: [String(rescues.length)] };
    return { text: '', title: 'badgeProtected', subs: [] };
  }

  function notice(kind, rescues) {
    return { type: 'savekeeper-notice', kind, reason: rescues[0].reason, files: rescues.map((r) => fileName(r.path)) };
  }

  // enabled tells whether the user wants notices (the default).
  async function enabled() {
    const items = await chrome.storage.local.get(SETTING);
    return items[SETTING] !== false;
  }

  // setEnabled turns notices on or off.
  function setEnabled(on) {
    return chrome.storage.local.set({ [SETTING]: on === true });
  }

  return { next, badgeOf, enabled, setEnabled, fileName };
})();

// ---- Versions and the save check --------------------------------------
//
// Which version (last_modified) of each file the page works on: the one
// it loaded, or last saved. Before each save JupyterLab and the classic
// Notebook check the file's model (the "save check"); when the server
// cannot answer that check (unreachable, login lost, a proxy error)
// JupyterLab would give up the save without sending it, so SaveKeeper
// answers the check "404 not found" itself (answerSaveCheck), and before
// the save that follows checks the file once more (unchangedSince): the
// save goes only over the version the page works on, else it is kept.
// checkFile is also how kept.js learns a file's version before writing a
// kept save back.

// versions holds, per file, the version the page works on, as the server
// wrote it: {lastModified, hash} (JupyterLab compares hashes, where the
// server gives them).
const versions = new Map_();

// workedOn returns the last_modified (ms) of the version of key the page
// works on, or 0.
function workedOn(key) {
  const v = apply(mapGet, versions, [key]);
  return v ? DateParse(v.lastModified) : 0;
}

// fileKey returns the URL path of the file a contents API URL names
// ('' for any other URL). With save set, the URL must name a file.
function fileKey(url, save) {
  if (!save) return '';
  let u;
  try {
    u = resolve(url);
  } catch (e) {
    return '';
  }
  const p = u.pathname;
  if (!underBase(p, server.baseUrl + 'api/contents/') || apply(endsWith, p, ['/']) ||
    apply(endsWith, p, ['/checkpoints']) || apply(includes, p, ['/checkpoints/'])) return '';
  return p;
}

// isSaveCheck returns the file key of a request that asks for a file's
// model without its content: the check JupyterLab and the classic
// Notebook make before each save, which tells the file's last_modified.
function isSaveCheck(url, method) {
  if (apply(toUpperCase, '' + method, []) !== 'GET' || !apply(includes, url, ['content=0'])) return '';
  return fileKey(url, true);
}

// isFileRead returns the file key of a GET of a file's model, with or
// without its content: what the page loads a file with, and its checks.
function isFileRead(url, method) {
  return apply(toUpperCase, '' + method, []) === 'GET' ? fileKey(url, true) : '';
}

// A contents model's top-level last_modified comes before its content
// (Jupyter writes the model's keys in that order), so the start of a
// large model, which is not JSON on its own, tells it too.
const LAST_MODIFIED = /^\s*\{[^{}]*?"last_modified"\s*:\s*"([^"]{1,40})"/;

// versionOf returns the last_modified and hash in a contents model given
// as JSON text, or the last_modified in the start of one, as the server
// wrote them ('' for what it lacks).
function versionOf(text) {
  let m;
  try {
    m = JSONparse(text, bare);
  } catch (e) {
    const found = apply(regexExec, LAST_MODIFIED, [text]);
    m = found ? { __proto__: null, last_modified: found[1] } : null;
  }
  return {
    __proto__: null,
    lastModified: m && typeof m.last_modified === 'string' ? m.last_modified : '',
    hash: m && typeof m.hash === 'string' ? m.hash : '',
  };
}

// modifiedIn returns the last_modified (ms) in a contents model given as
// JSON text, or in the start of one, or 0.
function modifiedIn(text) {
  const t = DateParse(versionOf(text).lastModified);
  return t === t ? t : 0; // NaN: not a date
}

// track remembers the version in a contents model (JSON text) as the
// version of key that the page works on.
function track(key, text) {
  const v = versionOf(key ? text : '');
  const t = DateParse(v.lastModified);
  if (t !== t) return; // NaN: none, or not a date
  apply(mapSet, versions, [key, v]);
}

// ---- This document's own edit, written back ------------------------------
//
// When SaveKeeper writes back a save this document kept, the server has a
// version Jupyter in this document never saw, though it holds this
// document's own edit. Jupyter's next save check would find the file
// "changed on disk" and ask whether to overwrite it or to reload, and
// reloading drops every edit made since. So while the server has exactly
// the version SaveKeeper wrote, the check's answer shows Jupyter the
// version it knows; any other change to the file keeps Jupyter's question.

const keptBodies = new Map_(); // file key → the body of the last save this document kept
const ownWrites = new Map_(); // file key → the version ({lastModified, hash}) Jupyter here knows

// keptHere remembers body as the last save of key this document kept.
function keptHere(key, body) {
  apply(mapSet, keptBodies, [key, body]);
}

// wroteBack notes that SaveKeeper wrote body to key, where Jupyter in this
// document knew the version knew (from versions): when body is this
// document's own last kept save, Jupyter's next check is shown knew.
function wroteBack(key, body, knew) {
  if (!knew || !knew.lastModified || apply(mapGet, keptBodies, [key]) !== body) return;
  apply(mapDelete, keptBodies, [key]);
  apply(mapSet, ownWrites, [key, knew]);
}

// savedByPage forgets what wroteBack noted once Jupyter saved key itself.
function savedByPage(key) {
  apply(mapDelete, ownWrites, [key]);
}

// asJupyterKnows returns the text of a save check's answer for key, with
// the version Jupyter here knows in place of the one SaveKeeper wrote back
// for this document, while the server still has that one; else text as it
// is.
function asJupyterKnows(key, text) {
  const knew = apply(mapGet, ownWrites, [key]);
  if (!knew || typeof text !== 'string') return text;
  let m;
  try {
    m = JSONparse(text, bare);
  } catch (e) {
    return text; // not all of it yet, or not a model
  }
  if (!m || typeof m.last_modified !== 'string') return text; // not a model
  if (DateParse(m.last_modified) !== workedOn(key)) {
    apply(mapDelete, ownWrites, [key]); // changed since: Jupyter's own question stands
    return text;
  }
  if (typeof m.hash === 'string' && !knew.hash) return text; // a hash Jupyter here never saw: its question stands
  m.last_modified = knew.lastModified;
  if (typeof m.hash === 'string') m.hash = knew.hash;
  return JSONstringify(m);
}

// answerSaveCheck hands Jupyter the answer to a save check (which the
// guarded pipeline has recovered when it was refused for its token). When
// the server still cannot answer it (unreachable, login lost, a proxy
// error), JupyterLab would give up the save without sending it, and the
// edit could not be kept: the check is answered "404 not found" instead,
// for which JupyterLab sends the save anyway. Before that save goes,
// SaveKeeper checks the file once more (unchangedSince): sent over a file
// changed on the server, it would overwrite what the check was there to
// protect; so unless the file is still the version the page works on,
// the save is kept, and written only after the engine compared versions.
function answerSaveCheck(response, key) {
  // stand answers the check in place of the server, whose answer was status.
  const stand = (status) => {
    const before = apply(mapGet, unchecked, [key]);
    apply(mapSet, unchecked, [key, [before ? before[0] + 1 : 1, dateNow(), status]]);
    return new Response_('{"message": "SaveKeeper: the server did not answer; the save will be kept", "reason": null}',
      { __proto__: null, status: 404, statusText: 'Not Found', headers: { 'Content-Type': 'application/json' } });
  };
  return apply(promiseThen, response, [(r) => {
    // A refusal (401, 403) the pipeline could not recover is a lost login
    // or token: the engine's last problem says which, not the status.
    if (r.status === 401 || r.status === 403) return stand(0);
    if (r.status === 424 || r.status >= 500) return stand(r.status);
    apply(mapDelete, unchecked, [key]);
    if (!r.ok) return r;
    if (apply(mapGet, ownWrites, [key])) {
      // A model without its content is small; one that is not (cut at
      // MAX_BODY) goes to Jupyter as it came.
      return apply(promiseThen, readPrefix(r), [(t) => (t.length > MAX_BODY ? r : new Response_(asJupyterKnows(key, t),
        { __proto__: null, status: r.status, statusText: r.statusText, headers: r.headers })), () => r]);
    }
    apply(promiseThen, readPrefix(r), [(t) => track(key, t), noop]);
    return r;
  }, () => stand(0)]);
}

// unchecked holds, per file, how many save checks SaveKeeper answered
// itself, when it last did, and the status of the last server answer it
// stood in for (0: none came): as many saves that follow are kept
// instead of sent.
const unchecked = new Map_();
const UNCHECKED_FOR = 60000; // ms

// takeUnchecked tells whether a save of key follows a check SaveKeeper
// answered itself, and counts that check as used: -1 when it does not,
// else the status of the server's answer SaveKeeper stood in for. The
// save is kept for it when the check before it does not answer either
// (a hub's answer for a stopped server, 424, comes after a redirect,
// which that check does not follow).
function takeUnchecked(key) {
  const c = apply(mapGet, unchecked, [key]);
  if (!c) return -1;
  if (c[0] > 1) c[0] -= 1;
  else apply(mapDelete, unchecked, [key]);
  return dateNow() - c[1] < UNCHECKED_FOR ? c[2] : -1;
}

// unchangedSince checks the file at url once more, as the save check that
// SaveKeeper answered itself would have (its recovery may have renewed
// the token meanwhile, or a proxy's fault passed): true when the server
// has the version the page works on (or no such file), so the save may
// go as JupyterLab sent it.
async function unchangedSince(url, key) {
  const cut = apply(indexOf, url, ['?']);
  const { status, lastModified } = await checkFile(cut < 0 ? url : apply(slice, url, [0, cut]));
  const base = workedOn(key);
  return status === 404 || (status === 200 && base > 0 && lastModified <= base);
}

// checkFile asks the server for the version of the file at url. A check
// refused for its token is recovered like any request (a hub checks GETs,
// and the page's cookies may hold another server's token on "/").
// Resolves to {status, lastModified}; status 0 when the server does not
// answer, or answers with something that is not the file's model.
async function checkFile(url) {
  const check = url + '?content=0';
  let token = tokenToSend('', false);
  const sentAt = dateNow();
  let res = await fetchCheck(check, token);
  if (res && res.status === 403) {
    const verdict = await recover(check, 'GET', apply(headersGet, res.headers, ['Content-Type']) || '',
      await readPrefix(res), token, sentAt);
    if (verdict.token) {
      token = verdict.token;
      res = await fetchCheck(check, token);
      if (res && res.status === 200) provenToken = token;
    }
  }
  if (!res || res.status !== 200) return { __proto__: null, status: res ? res.status : 0, lastModified: 0 };
  // Not tracked: the page has not seen this version of the file.
  const lastModified = modifiedIn(await readPrefix(res));
  return { __proto__: null, status: lastModified ? 200 : 0, lastModified }; // without it, not a contents model
}

// fetchCheck sends one file check with token; null when nothing answers.
// A redirect (to a login page) means the server does not answer yet.
async function fetchCheck(check, token) {
  const headers = new Headers_();
  if (token) apply(headersSet, headers, ['X-XSRFToken', token]);
  try {
    return await apply(nativeFetch, G, [check, { __proto__: null, headers, credentials: 'same-origin', cache: 'no-store', redirect: 'manual' }]);
  } catch (e) {
    return null;
  }
}

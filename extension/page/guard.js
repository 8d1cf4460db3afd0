// ---- The guarded pipeline -------------------------------------------------
//
// A request SaveKeeper guards (guarded(): one that changes something, or
// any on JupyterHub) goes through guardedSend, whichever wrapper the page
// called: fetch.js and xhr.js each hand it a transport that sends the
// request once with a given token. The pipeline sends it; when it comes
// back 403 asks the engine what that means (recover) and carries out the
// verdict: retry once with the token it names, or load the renewal page it
// names and then retry; reports how the save ended (for the popup's
// counts); remembers the file's new version; and hands a save that still
// failed for the server's sake to kept.js. A refused save is followed
// here from the wrapper's call to its retry.

const SAFE_METHODS = { GET: 1, HEAD: 1, OPTIONS: 1 };

// guarded tells whether a request under the base URL is sent with a
// replayable body and recovered when refused: every request that changes
// something, and on JupyterHub (which checks XSRF on GETs from scripts
// too) every request. A request with an Authorization header is sent as
// it is; only a refusal shows that its token did not work.
function guarded(method) {
  return (server && server.hub) || SAFE_METHODS[apply(toUpperCase, '' + method, [])] !== 1;
}

// succeeded tells whether an HTTP status means the request did what it asked.
function succeeded(status) {
  return status >= 200 && status < 300;
}

// guardedSend sends a guarded request through transport t and resolves to
// the outcome of its last send, or null when the page aborted it.
//
//   t.url, t.method  the request (absolute URL, upper-case method)
//   t.key            the file a save writes (versions.js fileKey), or ''
//   t.sent           the X-XSRFToken of the first send ('' for none)
//   t.note           when writing a kept save back: an object that gets
//                    the reason the engine gave up; nothing is kept again
//   t.send(token)    sends the request once with token as its
//                    X-XSRFToken ('' leaves the caller's); resolves to an
//                    outcome: { status (0: no answer), contentType(),
//                    prefix() (a promise of the start of the body,
//                    MAX_BODY characters) } and what the transport adds
//                    (fetch: the response, or the error fetch threw)
//   t.aborted()      whether the page aborted the request meanwhile
//   t.body()         a promise of the request's body as a string, or null
async function guardedSend(t) {
  const sentAt = dateNow();
  let out = await t.send(t.sent);
  if (t.aborted()) return null;
  let reason = '';
  if (out.status === 403) {
    const verdict = await recover(t.url, t.method, out.contentType(), await out.prefix(), t.sent, sentAt);
    if (t.aborted()) return null;
    if (verdict.token) {
      out = await t.send(verdict.token);
      if (t.aborted()) return null;
      report(t.url, t.method, out.status, succeeded(out.status));
      if (succeeded(out.status)) provenToken = verdict.token;
    } else {
      reason = verdict.reason;
      report(t.url, t.method, out.status, false);
    }
  } else if (t.key) {
    report(t.url, t.method, out.status, false); // counts the save
  }
  if (t.note) t.note.reason = reason;
  if (succeeded(out.status)) {
    // The version the server now has is the one the page works on.
    const read = t.key || t.note || isFileRead(t.url, t.method) ? fileKey(t.url, true) : '';
    if (read) apply(promiseThen, out.prefix(), [(text) => track(read, text), noop]);
    if (read && t.key && !t.note) savedByPage(read); // Jupyter's own save
  } else if (t.key && keepable(out.status)) {
    keep(t.url, t.key, out.status, reason, t.body());
  }
  return out;
}

// recover asks the engine about a refused request (sent with sentToken at
// sentAt, ms since the epoch: a refusal of a request sent before a renewal
// landed is retried, not renewed again) and carries out its verdict. It
// resolves to {token} to retry with, or {reason} to give up.
async function recover(url, method, contentType, body, sentToken, sentAt) {
  let verdict = await ask({ type: 'failed', url, method, status: 403, contentType, body, sentToken, sentAt });
  if (verdict.hub === true && server) server.hub = true; // learned from the refusal
  if (verdict.action === 'renew' && typeof verdict.lease === 'string') {
    let status = 0;
    let finalUrl = '';
    const renewUrl = target(verdict.renewUrl);
    if (renewUrl) {
      try {
        const r = await apply(nativeFetch, G, [renewUrl, { __proto__: null, credentials: 'same-origin', cache: 'no-store', redirect: 'follow' }]);
        status = r.status;
        finalUrl = r.url;
        if (r.body) r.body.cancel();
      } catch (e) {
        status = 0;
      }
    }
    verdict = await ask({ type: 'renewed', lease: verdict.lease, status, finalUrl });
  }
  if (verdict.action === 'retry' && typeof verdict.token === 'string' && verdict.token) return { __proto__: null, token: verdict.token, reason: '' };
  return { __proto__: null, token: '', reason: typeof verdict.reason === 'string' ? verdict.reason : '' };
}

// report tells the engine how a save ended, for the popup's counts. A
// recovered or failed save is told in the next task, after the page has
// its answer. One that went through as sent (nearly every save) is told
// QUIET_REPORT ms later, with the others of that time: the engine's
// bookkeeping would otherwise compete for the processor with the rest of
// the save (JupyterLab sends more requests after the PUT).
const QUIET_REPORT = 500;
let quiet = [];
function report(url, method, status, recovered) {
  const msg = { type: 'outcome', url, method, status, ok: succeeded(status), recovered };
  if (recovered || !msg.ok) {
    setTimeout_(() => ask(msg), 0);
    return;
  }
  quiet[quiet.length] = msg;
  if (quiet.length > 1) return; // a report is due already
  setTimeout_(() => {
    const due = quiet;
    quiet = [];
    for (let i = 0; i < due.length; i++) ask(due[i]);
  }, QUIET_REPORT);
}

// readPrefix reads at most MAX_BODY characters of a response's body
// without consuming the response itself.
async function readPrefix(response) {
  const copy = apply(responseClone, response, []);
  if (!copy.body) return '';
  const reader = apply(getReader, copy.body, []);
  const decoder = new TextDecoder_();
  let text = '';
  for (;;) {
    const { done, value } = await apply(readerRead, reader, []);
    if (done) break;
    text += apply(decode, decoder, [value, { stream: true }]);
    if (text.length > MAX_BODY) {
      apply(readerCancel, reader, []);
      break;
    }
  }
  return text;
}

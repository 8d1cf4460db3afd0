// SaveKeeper page layer. Runs in the page's own JavaScript world (MAIN) at
// document_start, before Jupyter's scripts, so that the fetch and
// XMLHttpRequest they capture are these wrappers.
//
// Until the page is known to be Jupyter the wrappers pass every call
// through. The page is classified as soon as a marker is parsed
// (body[data-base-url] for the classic Notebook, #jupyter-config-data for
// JupyterLab and Notebook 7, which Notebook 7 puts inside <body>), at the
// latest when the document is parsed: a Jupyter page keeps the wrappers;
// any other page gets the browser's own fetch and XMLHttpRequest back.
//
// On a Jupyter page, same-origin requests under the server's base URL get
// an X-XSRFToken header when the caller set neither that nor an
// Authorization header. Requests that change something (not GET, HEAD or
// OPTIONS; on JupyterHub every request) are sent with a replayable body;
// when one comes back 403, the engine in
// the background is asked what it means (through the relay in the
// isolated world) and its verdict is carried out: retry with the token it
// names, or load the renewal page it names and then retry, once. Anything
// else reaches Jupyter exactly as the server sent it.
//
// The page layer talks to the relay over a private channel: an element it
// shows the relay in one event, before any script of the page runs, then
// takes out of the document (see relay.js). No page script can dispatch or
// hear its events. In a document with an opaque origin (Jupyter serves user
// files sandboxed) the page layer does nothing.
//
// Every built-in used after injection is captured here first, so page
// scripts that replace globals cannot steer this code.
(() => {
  'use strict';

  if (self.origin !== location.origin) return; // an opaque (sandboxed) origin

  const G = globalThis;
  const { apply } = Reflect;
  const defineProperty = Object.defineProperty;
  const JSONparse = JSON.parse;
  const JSONstringify = JSON.stringify;
  const URL_ = URL;
  const Request_ = Request;
  const Headers_ = Headers;
  const Promise_ = Promise;
  const Map_ = Map;
  const WeakMap_ = WeakMap;
  const Event_ = Event;
  const ProgressEvent_ = ProgressEvent;
  const CustomEvent_ = CustomEvent;
  const MutationObserver_ = MutationObserver;
  const TextDecoder_ = TextDecoder;
  const setTimeout_ = setTimeout;
  const clearTimeout_ = clearTimeout;
  const DateParse = Date.parse;
  const dateNow = Date.now;
  const min = Math.min;
  const decodeURIComponent_ = decodeURIComponent;
  const random = Math.random;
  const startsWith = String.prototype.startsWith;
  const endsWith = String.prototype.endsWith;
  const toUpperCase = String.prototype.toUpperCase;
  const toLowerCase = String.prototype.toLowerCase;
  const split = String.prototype.split;
  const includes = String.prototype.includes;
  const indexOf = String.prototype.indexOf;
  const trim = String.prototype.trim;
  const arrayIndexOf = Array.prototype.indexOf;
  const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
  const slice = String.prototype.slice;
  const dispatchEvent = EventTarget.prototype.dispatchEvent;
  const addEventListener = EventTarget.prototype.addEventListener;
  const getElementById = Document.prototype.getElementById;
  const getAttribute = Element.prototype.getAttribute;
  const hasAttribute = Element.prototype.hasAttribute;
  // getter returns the native getter of a document property, wherever the
  // browser defines it (Document or HTMLDocument).
  const getter = (name) => (getOwnPropertyDescriptor(Document.prototype, name) ||
    getOwnPropertyDescriptor(HTMLDocument.prototype, name)).get;
  const cookieGetter = getter('cookie');
  const bodyGetter = getter('body');
  const readyStateGetter = getter('readyState');
  const textContentGetter = getOwnPropertyDescriptor(Node.prototype, 'textContent').get;
  const baseURIGetter = getOwnPropertyDescriptor(Node.prototype, 'baseURI').get;
  const detailGetter = getOwnPropertyDescriptor(CustomEvent.prototype, 'detail').get;
  const create = Object.create;
  const keys = Object.keys;
  const regexExec = RegExp.prototype.exec;
  const charCodeAt = String.prototype.charCodeAt;
  const requestClone = Request_.prototype.clone;
  const requestText = Request_.prototype.text;
  const Response_ = Response;
  const isArray = Array.isArray;
  const responseClone = Response.prototype.clone;
  const headersGet = Headers_.prototype.get;
  const headersHas = Headers_.prototype.has;
  const headersSet = Headers_.prototype.set;
  const getReader = ReadableStream.prototype.getReader;
  const readerRead = ReadableStreamDefaultReader.prototype.read;
  const readerCancel = ReadableStreamDefaultReader.prototype.cancel;
  const decode = TextDecoder_.prototype.decode;
  const mapGet = Map_.prototype.get;
  const mapSet = Map_.prototype.set;
  const mapDelete = Map_.prototype.delete;
  const weakGet = WeakMap_.prototype.get;
  const weakSet = WeakMap_.prototype.set;
  const promiseThen = Promise_.prototype.then;

  const nativeFetch = G.fetch;
  const XHR = G.XMLHttpRequest;
  const xhrProto = XHR.prototype;
  const xhrStatus = getOwnPropertyDescriptor(xhrProto, 'status').get;
  const xhrResponseType = getOwnPropertyDescriptor(xhrProto, 'responseType').get;
  const xhrResponseText = getOwnPropertyDescriptor(xhrProto, 'responseText').get;
  const xhr = {
    open: xhrProto.open,
    send: xhrProto.send,
    setRequestHeader: xhrProto.setRequestHeader,
    abort: xhrProto.abort,
    getResponseHeader: xhrProto.getResponseHeader,
    getAllResponseHeaders: xhrProto.getAllResponseHeaders,
  };
  const doc = document;
  const loc = location;
  const pageOrigin = loc.origin;

  const SAFE_METHODS = { GET: 1, HEAD: 1, OPTIONS: 1 };
  const MAX_BODY = 16 * 1024; // what the engine reads of a refused response
  const ASK_TIMEOUT = 30000; // the engine answers within its own renewal timeout
  const BODY_TIMEOUT = 300000; // moving a rescue body of many megabytes
  const EVENT_CHANNEL = 'savekeeper:channel';
  const EVENT_REQUEST = 'savekeeper:request';
  const EVENT_REPLY = 'savekeeper:reply';
  const EVENT_FINISH = 'savekeeper:finish';

  // ---- The private channel to the relay ---------------------------------

  // The relay and the page layer both run before any script of the page,
  // in either order (the manifest lists the relay first; scripts registered
  // for a site the user enabled come in no set order). The page layer shows
  // the relay its element in one event, the relay answers on the element;
  // if the relay was not there yet, it announces itself when it comes, and
  // the page layer shows it the element then. Only the first counts.
  const EVENT_RELAY = 'savekeeper:relay';
  const EVENT_LINKED = 'savekeeper:linked';
  const removeEventListener = EventTarget.prototype.removeEventListener;
  const channel = doc.createElement('span');
  let linked = false;
  apply(addEventListener, channel, [EVENT_LINKED, () => { linked = true; }]);
  function link() {
    const parent = doc.documentElement || doc;
    parent.appendChild(channel);
    apply(dispatchEvent, channel, [new CustomEvent_(EVENT_CHANNEL, { __proto__: null, bubbles: true })]);
    parent.removeChild(channel);
  }
  link();
  if (!linked) {
    const onRelay = () => {
      if (!linked) link();
      if (linked) apply(removeEventListener, doc, [EVENT_RELAY, onRelay, true]);
    };
    apply(addEventListener, doc, [EVENT_RELAY, onRelay, true]);
  }

  // ---- Detection -------------------------------------------------------

  let mode = 'pending'; // 'pending' | 'jupyter' | 'off'
  let server = null; // { baseUrl, flavor, hub } once detected
  let designated = ''; // the token that last made a refused request land

  // detect classifies the page once <body> exists and returns the mode.
  function detect() {
    if (mode !== 'pending') return mode;
    const config = apply(getElementById, doc, ['jupyter-config-data']);
    const body = apply(bodyGetter, doc, []);
    let found = null;
    if (config) {
      try {
        const c = JSONparse(apply(textContentGetter, config, []));
        found = {
          baseUrl: c.baseUrl,
          flavor: c.appName === 'Jupyter Notebook' ? 'notebook7' : 'lab',
          hub: typeof c.hubPrefix === 'string' && c.hubPrefix !== '',
        };
      } catch (e) {
        found = null;
      }
    } else if (body && apply(hasAttribute, body, ['data-base-url'])) {
      try {
        found = { baseUrl: decodeURIComponent_(apply(getAttribute, body, ['data-base-url'])), flavor: 'classic', hub: false };
      } catch (e) {
        found = null;
      }
    }
    if (!found && apply(readyStateGetter, doc, []) === 'loading') {
      // Too early to tell: Notebook 7 puts its config inside <body>.
      return mode;
    }
    if (found && validBase(found.baseUrl) && underBase(loc.pathname + '/', found.baseUrl)) {
      mode = 'jupyter';
      server = found;
      hello();
      if (found.flavor === 'classic') apply(addEventListener, doc, ['DOMContentLoaded', classicOnHub]);
      // A page the browser brings back from its back-forward cache says
      // hello again: another document of the tab may have said it since.
      apply(addEventListener, G, ['pageshow', (event) => { if (event.persisted) hello(); }]);
      // And one Chrome prerendered, once it is shown.
      apply(addEventListener, doc, ['prerenderingchange', hello]);
    } else {
      mode = 'off';
      unwrap();
    }
    return mode;
  }

  // helloAgain says hello once more when the engine no longer knows this
  // document (the user forgot its server in the settings, say), at most
  // every HELLO_PAUSE ms.
  const HELLO_PAUSE = 10000;
  let lastHello = 0;
  function helloAgain() {
    if (mode !== 'jupyter' || dateNow() - lastHello < HELLO_PAUSE) return;
    hello();
  }

  // hello tells the engine which server this page belongs to; the answer
  // says whether kept saves are due.
  function hello() {
    lastHello = dateNow();
    apply(promiseThen, ask({ type: 'hello', flavor: server.flavor, baseUrl: server.baseUrl, hub: server.hub }), [(reply) => {
      if ((isArray(reply.rescues) && reply.rescues.length) || reply.retryIn > 0) scheduleFinish(FIRST_PAUSE);
    }]);
  }

  // classicOnHub tells the engine again once the whole classic page is
  // there: under JupyterHub its header holds the hub's control panel link.
  function classicOnHub() {
    if (!server.hub && apply(getElementById, doc, ['jupyterhub-control-panel-link'])) {
      server.hub = true;
      hello();
    }
  }

  // underBase tells whether a URL path lies under a base URL. The classic
  // Notebook gives its base URL-decoded, and paths come encoded.
  function underBase(pathname, base) {
    if (apply(startsWith, pathname, [base])) return true;
    try {
      return apply(startsWith, decodeURIComponent_(pathname), [base]);
    } catch (e) {
      return false;
    }
  }

  function validBase(b) {
    return typeof b === 'string' && b.length < 1024 && apply(startsWith, b, ['/']) && apply(endsWith, b, ['/']) &&
      !apply(includes, b, ['//']) && !apply(includes, b, ['..']);
  }

  // resolve returns rawUrl as the browser resolves a request's URL: against
  // the document's base URL, which a <base href> in the page (a notebook's
  // HTML output can hold one) may point at another site.
  function resolve(rawUrl) {
    return new URL_(rawUrl, apply(baseURIGetter, doc, []));
  }

  // absolute returns rawUrl resolved (see resolve), or rawUrl when it does
  // not resolve.
  function absolute(rawUrl) {
    try {
      return resolve(rawUrl).href;
    } catch (e) {
      return rawUrl;
    }
  }

  // target returns the absolute URL of a request SaveKeeper looks after
  // (same origin, under the base URL, on a Jupyter page), or ''.
  function target(rawUrl) {
    if (detect() !== 'jupyter') return '';
    let u;
    try {
      u = resolve(rawUrl);
    } catch (e) {
      return '';
    }
    if (u.origin !== pageOrigin || !underBase(u.pathname, server.baseUrl)) return '';
    return u.href;
  }

  // ---- Tokens ----------------------------------------------------------

  // headerValue returns a cookie value as tornado compares it (one pair of
  // quotes removed), or '' when it cannot be a header value: empty, over
  // 4096 characters, or holding a control, a space, a character outside
  // ASCII, or one of ; , " \ (the engine's rule: xsrf.HeaderValue). The
  // browser's own Headers would throw on some of these.
  function headerValue(raw) {
    let v = apply(trim, raw, []);
    if (v.length >= 2 && v[0] === '"' && v[v.length - 1] === '"') v = apply(slice, v, [1, -1]);
    if (!v || v.length > 4096) return '';
    for (let i = 0; i < v.length; i++) {
      const c = apply(charCodeAt, v, [i]);
      if (c <= 0x20 || c >= 0x7f || c === 0x3b || c === 0x2c || c === 0x22 || c === 0x5c) return '';
    }
    return v;
  }

  // cookieTokens returns the `_xsrf` values this document can read, in the
  // order the browser sends them (most specific path first), leaving out
  // values that cannot be a token.
  function cookieTokens() {
    const out = [];
    const parts = apply(split, apply(cookieGetter, doc, []), [';']);
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      const eq = apply(indexOf, p, ['=']);
      if (eq < 0) continue;
      if (apply(trim, apply(slice, p, [0, eq]), []) !== '_xsrf') continue;
      const v = headerValue(apply(slice, p, [eq + 1]));
      if (v) out[out.length] = v;
    }
    return out;
  }

  // tokenToSend returns the X-XSRFToken for a request: the designated token
  // (the one a refusal on this page proved) while it is still a cookie,
  // else what the caller set. A caller without an Authorization header that
  // set none gets the cookie the server reads (tornado: the last;
  // JupyterHub: the first). With Authorization a working token makes the
  // server skip the XSRF check, so the designated token changes nothing
  // for it; an expired one (JupyterHub) would otherwise cost every request
  // one refusal.
  function tokenToSend(callerToken, authorized) {
    const tokens = cookieTokens();
    if (designated && apply(arrayIndexOf, tokens, [designated]) >= 0) return designated;
    if (callerToken || authorized || !tokens.length) return callerToken;
    return server && server.hub ? tokens[0] : tokens[tokens.length - 1];
  }

  // ---- Talking to the engine -------------------------------------------

  const pending = new Map_();
  let seq = 0;

  // bare is a JSON.parse reviver that gives every object no prototype: a
  // page script that defines getters or setters on Object.prototype (for
  // "then", "body", "action", …) sees nothing of a reply and steers none.
  function bare(key, value) {
    if (!value || typeof value !== 'object' || isArray(value)) return value;
    const out = create(null);
    const names = keys(value);
    for (let i = 0; i < names.length; i++) out[names[i]] = value[names[i]];
    return out;
  }

  // A reply is a JSON string, followed by "\n" and a rescue body when it
  // carries one (the answer to "body"). The event's detail is read with the
  // browser's own getter: a page's getter would be handed the event, and
  // with it the channel.
  apply(addEventListener, channel, [EVENT_REPLY, (event) => {
    let detail = apply(detailGetter, event, []);
    if (typeof detail !== 'string') return;
    let body;
    const cut = apply(indexOf, detail, ['\n']);
    if (cut >= 0) {
      body = apply(slice, detail, [cut + 1]);
      detail = apply(slice, detail, [0, cut]);
    }
    let m;
    try {
      m = JSONparse(detail, bare);
    } catch (e) {
      return;
    }
    const resolve = m && apply(mapGet, pending, [m.id]);
    if (!resolve) return;
    apply(mapDelete, pending, [m.id]);
    const answer = m.reply && typeof m.reply === 'object' && !isArray(m.reply) ? m.reply : create(null);
    if (body !== undefined) answer.body = body; // an own property: answer has no prototype
    if (answer.sayHello === true) helloAgain();
    resolve(answer);
  }]);

  // ask sends msg (and a rescue body, for "rescue") to the engine and
  // resolves to its reply, an object without prototype (empty when there
  // is none in time).
  function ask(msg, body) {
    return new Promise_((resolve) => {
      seq += 1;
      const id = seq + '.' + apply(slice, '' + random(), [2, 10]);
      apply(mapSet, pending, [id, resolve]);
      setTimeout_(() => {
        if (apply(mapDelete, pending, [id])) resolve(create(null));
      }, body === undefined && msg.type !== 'body' ? ASK_TIMEOUT : BODY_TIMEOUT);
      // Without prototypes, so that no getter of the page's (toJSON) sees it.
      const plain = create(null);
      const names = keys(msg);
      for (let i = 0; i < names.length; i++) plain[names[i]] = msg[names[i]];
      let detail = JSONstringify({ __proto__: null, id, msg: plain });
      if (body !== undefined) detail += '\n' + body;
      apply(dispatchEvent, channel, [new CustomEvent_(EVENT_REQUEST, { __proto__: null, detail })]);
    });
  }

  // recover asks the engine about a refused request and carries out its
  // verdict. It resolves to {token} to retry with, or {reason} to give up.
  async function recover(url, method, contentType, body, sentToken) {
    let verdict = await ask({ type: 'failed', url, method, status: 403, contentType, body, sentToken });
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
    const msg = { type: 'outcome', url, method, status, ok: status >= 200 && status < 300, recovered };
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

  // ---- Rescues ----------------------------------------------------------

  const noop = () => {};
  const versions = new Map_(); // file key → last_modified (ms) the server last reported
  const FIRST_PAUSE = 2000; // ms before the first try at writing rescues
  const MAX_PAUSE = 15000; // the longest pause while the server does not answer
  const MAX_RETRY_IN = 30 * 60 * 1000; // the engine's longest pause after a failed write

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

  // modifiedIn returns the last_modified (ms) in a contents model given as
  // JSON text, or in the start of one, or 0.
  function modifiedIn(text) {
    let m;
    try {
      m = JSONparse(text, bare);
    } catch (e) {
      const found = apply(regexExec, LAST_MODIFIED, [text]);
      m = found ? { __proto__: null, last_modified: found[1] } : null;
    }
    const t = m && typeof m.last_modified === 'string' ? DateParse(m.last_modified) : NaN;
    return t === t ? t : 0; // NaN: not a date
  }

  // track remembers the last_modified in a contents model (JSON text) as
  // the version of key that the page works on.
  function track(key, text) {
    const t = key ? modifiedIn(text) : 0;
    if (t) apply(mapSet, versions, [key, t]);
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
    const stand = () => {
      const before = apply(mapGet, unchecked, [key]);
      apply(mapSet, unchecked, [key, [before ? before[0] + 1 : 1, dateNow()]]);
      return new Response_('{"message": "SaveKeeper: the server did not answer; the save will be kept", "reason": null}',
        { __proto__: null, status: 404, statusText: 'Not Found', headers: { 'Content-Type': 'application/json' } });
    };
    return apply(promiseThen, response, [(r) => {
      if (r.status === 401 || r.status === 403 || r.status >= 500) return stand();
      apply(mapDelete, unchecked, [key]);
      if (r.ok) apply(promiseThen, readPrefix(r), [(t) => track(key, t), noop]);
      return r;
    }, stand]);
  }

  // unchecked holds, per file, how many save checks SaveKeeper answered
  // itself and when it last did: as many saves that follow are kept
  // instead of sent.
  const unchecked = new Map_();
  const UNCHECKED_FOR = 60000; // ms

  // takeUnchecked tells whether a save of key follows a check SaveKeeper
  // answered itself, and counts that check as used.
  function takeUnchecked(key) {
    const c = apply(mapGet, unchecked, [key]);
    if (!c) return false;
    if (c[0] > 1) c[0] -= 1;
    else apply(mapDelete, unchecked, [key]);
    return dateNow() - c[1] < UNCHECKED_FOR;
  }

  // unchangedSince checks the file at url once more, as the save check that
  // SaveKeeper answered itself would have (its recovery may have renewed
  // the token meanwhile, or a proxy's fault passed): true when the server
  // has the version the page works on (or no such file), so the save may
  // go as JupyterLab sent it.
  async function unchangedSince(url, key) {
    const cut = apply(indexOf, url, ['?']);
    const { status, lastModified } = await checkFile(cut < 0 ? url : apply(slice, url, [0, cut]));
    const base = apply(mapGet, versions, [key]) || 0;
    return status === 404 || (status === 200 && base > 0 && lastModified <= base);
  }

  // keptInstead answers a save that was not sent: kept, or not even that.
  function keptInstead(kept) {
    const message = kept
      ? 'SaveKeeper: the server did not say whether the file changed meanwhile; your save is kept and will be written once it answers'
      : 'SaveKeeper: the server did not say whether the file changed meanwhile, and your save could not be kept: save it again, or download a copy';
    return new Response_(JSONstringify({ message, reason: null }),
      { __proto__: null, status: 503, statusText: 'Service Unavailable', headers: { 'Content-Type': 'application/json' } });
  }

  // keepable tells whether a save that ended with status is kept: one the
  // server did not answer or refused for the login or token, or for a
  // while (408, 429, 5xx). Others (400, 404, 409, 413, …) are the save's
  // own fault, and trying them again would not help.
  function keepable(status) {
    return status === 0 || status === 401 || status === 403 || status === 408 || status === 429 || status >= 500;
  }

  // keepRescue sends the body of a save that failed to the background,
  // where it is kept until the server takes it.
  async function keepRescue(url, key, status, reason, text, kept) {
    let body = text;
    if (typeof body !== 'string' && kept) {
      try {
        body = await apply(requestText, kept, []);
      } catch (e) {
        body = null;
      }
    }
    if (typeof body !== 'string') return false;
    const basedOn = apply(mapGet, versions, [key]) || 0;
    const reply = await ask({ type: 'rescue', url, method: 'PUT', status, reason: reason || '', basedOn }, body);
    if (reply.action !== 'ok') return false;
    scheduleFinish(FIRST_PAUSE);
    return true;
  }

  let finishTimer = 0;
  let finishing = false;
  let finishPause = 0; // set while rescues wait for the server

  // scheduleFinish runs finish after ms, unless it is already due sooner.
  function scheduleFinish(ms) {
    if (mode !== 'jupyter') return;
    if (finishTimer) clearTimeout_(finishTimer);
    finishTimer = setTimeout_(() => {
      finishTimer = 0;
      finish();
    }, ms);
  }

  // serverAnswered starts the next try at once when a request of the page
  // shows the server is back.
  function serverAnswered(response) {
    if (finishPause && response && response.ok && !finishing) scheduleFinish(0);
  }

  // finish writes back the rescues the engine says are due for this server,
  // and tries again later while the server does not answer.
  async function finish() {
    if (finishing) return;
    finishing = true;
    let waiting = false;
    let tried = 0;
    let retryIn = 0;
    try {
      const reply = await ask({ type: 'due' });
      const list = isArray(reply.rescues) ? reply.rescues : [];
      retryIn = typeof reply.retryIn === 'number' ? reply.retryIn : 0;
      for (let i = 0; i < list.length; i++) {
        tried++;
        if ((await finishOne(list[i])) === 'wait') waiting = true;
      }
    } finally {
      finishing = false;
    }
    if (waiting) {
      finishPause = finishPause ? min(finishPause * 2, MAX_PAUSE) : FIRST_PAUSE;
      scheduleFinish(finishPause);
    } else {
      finishPause = 0;
      if (tried) scheduleFinish(FIRST_PAUSE); // whatever became due meanwhile
      else if (retryIn > 0) scheduleFinish(min(retryIn, MAX_RETRY_IN)); // a failed write's pause
    }
  }

  // checkFile asks the server for the version of the file at url. A check
  // refused for its token is recovered like any request (a hub checks GETs,
  // and the page's cookies may hold another server's token on "/").
  // Resolves to {status, lastModified}; status 0 when the server does not
  // answer, or answers with something that is not the file's model.
  async function checkFile(url) {
    const check = url + '?content=0';
    let token = tokenToSend('', false);
    let res = await fetchCheck(check, token);
    if (res && res.status === 403) {
      const verdict = await recover(check, 'GET', apply(headersGet, res.headers, ['Content-Type']) || '',
        await readPrefix(res), token);
      if (verdict.token) {
        token = verdict.token;
        res = await fetchCheck(check, token);
        if (res && res.status === 200) designated = token;
      }
    }
    if (!res || res.status !== 200) return { status: res ? res.status : 0, lastModified: 0 };
    // Not tracked: the page has not seen this version of the file.
    const lastModified = modifiedIn(await readPrefix(res));
    return { status: lastModified ? 200 : 0, lastModified }; // without it, not a contents model
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

  // finishOne tries one rescue: it asks the server for the file's version,
  // lets the engine decide, and writes the body when the engine says so.
  // It resolves to 'wait' while the server does not answer.
  async function finishOne(r) {
    const url = r && typeof r.id === 'string' && typeof r.url === 'string' ? target(r.url) : '';
    if (!url) return 'skip';
    const { status, lastModified } = await checkFile(url);
    const verdict = await ask({ type: 'check', id: r.id, status, lastModified });
    if (verdict.action === 'wait' || !verdict.action) return 'wait';
    if (verdict.action !== 'write') return 'kept';
    const got = await ask({ type: 'body', id: r.id });
    let result = 0;
    const note = { reason: '' };
    if (typeof got.body === 'string') {
      try {
        const headers = new Headers_({ 'Content-Type': 'application/json' });
        const request = new Request_(url, { __proto__: null, method: 'PUT', body: got.body, headers, credentials: 'same-origin' });
        result = (await saveWithFetch(request, headers, url, '', false, got.body, note)).status;
      } catch (e) {
        result = 0;
      }
    }
    const ok = result >= 200 && result < 300;
    await ask({ type: 'finished', id: r.id, method: 'PUT', status: result, ok, reason: note.reason });
    return ok ? 'written' : 'failed';
  }

  // The popup's "Save now" reaches the page through the relay.
  apply(addEventListener, channel, [EVENT_FINISH, () => {
    finishPause = 0;
    scheduleFinish(0);
  }]);

  // ---- fetch -----------------------------------------------------------

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

  // guarded tells whether a request under the base URL is sent with a
  // replayable body and recovered when refused: every request that changes
  // something, and on JupyterHub (which checks XSRF on GETs from scripts
  // too) every request. A request with an Authorization header is sent as
  // it is; only a refusal shows that its token did not work.
  function guarded(method) {
    return (server && server.hub) || SAFE_METHODS[apply(toUpperCase, '' + method, [])] !== 1;
  }

  function wrappedFetch(input, init) {
    if (mode === 'off') return apply(nativeFetch, G, arguments);
    let rawUrl;
    let method;
    try {
      const isRequest = input instanceof Request_;
      rawUrl = isRequest ? input.url : '' + input;
      method = (init && init.method) || (isRequest ? input.method : 'GET');
    } catch (e) {
      return apply(nativeFetch, G, arguments);
    }
    const url = target(rawUrl);
    if (!url) return apply(nativeFetch, G, arguments);
    let request;
    try {
      request = new Request_(input, init);
    } catch (e) {
      return apply(nativeFetch, G, arguments); // let the browser report the error
    }
    const headers = new Headers_(request.headers);
    const caller = apply(headersGet, headers, ['X-XSRFToken']) || '';
    const authorized = apply(headersHas, headers, ['Authorization']);
    const check = isSaveCheck(url, request.method);
    if (!guarded(method) && !check) {
      if (!caller && !authorized) {
        const token = tokenToSend('', false);
        if (token) {
          apply(headersSet, headers, ['X-XSRFToken', token]);
          request = new Request_(request, { __proto__: null, headers });
        }
      }
      const response = apply(nativeFetch, G, [request]);
      if (finishPause) apply(promiseThen, response, [serverAnswered, noop]);
      // The version of a file the page loads is the one its edits start
      // from (read before the page reads the body: this callback is first).
      const read = isFileRead(url, request.method);
      if (read) {
        apply(promiseThen, response, [(r) => {
          if (r.ok) apply(promiseThen, readPrefix(r), [(t) => track(read, t), noop]);
        }, noop]);
      }
      return response;
    }
    const text = init && typeof init.body === 'string' ? init.body : null;
    const saving = saveWithFetch(request, headers, url, caller, authorized, text, null);
    return check ? answerSaveCheck(saving, check) : saving;
  }

  // saveWithFetch sends a request that changes something with a replayable
  // body and recovers it when refused. A save that still fails is kept as
  // a rescue (text is its body when the caller passed a string). When
  // writing a rescue back, note is an object that receives the reason the
  // engine gave up, and nothing is kept again.
  async function saveWithFetch(request, headers, url, caller, authorized, text, note) {
    const key = note ? '' : fileKey(url, request.method === 'PUT');
    if (key && takeUnchecked(key) && !(await unchangedSince(url, key))) {
      report(url, request.method, 0, false); // counts the save
      return keptInstead(await keepRescue(url, key, 0, '', text, text === null ? apply(requestClone, request, []) : null));
    }
    const sent = tokenToSend(caller, authorized);
    if (sent) apply(headersSet, headers, ['X-XSRFToken', sent]);
    const credentials = request.credentials === 'omit' ? 'same-origin' : request.credentials;
    const first = new Request_(request, { __proto__: null, headers, credentials });
    const spare = apply(requestClone, first, []); // the replayable body
    const kept = key && text === null ? apply(requestClone, first, []) : null; // a body that is not a string
    const keep = (status, reason) => {
      if (key && keepable(status)) keepRescue(url, key, status, reason, text, kept);
    };
    let response;
    try {
      response = await apply(nativeFetch, G, [first]);
    } catch (e) {
      if (key) report(url, first.method, 0, false); // counts the save
      keep(0, '');
      throw e;
    }
    let reason = '';
    if (response.status === 403) {
      const verdict = await recover(url, first.method, apply(headersGet, response.headers, ['Content-Type']) || '',
        await readPrefix(response), sent);
      if (verdict.token) {
        apply(headersSet, headers, ['X-XSRFToken', verdict.token]);
        try {
          response = await apply(nativeFetch, G, [new Request_(spare, { __proto__: null, headers, credentials })]);
        } catch (e) {
          report(url, first.method, 0, false);
          keep(0, '');
          throw e;
        }
        report(url, first.method, response.status, response.ok);
        if (response.ok) designated = verdict.token;
      } else {
        reason = verdict.reason;
        report(url, first.method, response.status, false);
      }
    } else if (key) {
      report(url, first.method, response.status, false); // counts the save
    }
    if (note) note.reason = reason;
    if (response.ok) {
      if (key || note || isFileRead(url, first.method)) apply(promiseThen, readPrefix(response), [(t) => track(fileKey(url, true), t), noop]);
    } else {
      keep(response.status, reason);
    }
    return response;
  }

  // ---- XMLHttpRequest --------------------------------------------------

  // One record per XHR object that went through open().
  const records = new WeakMap_();
  const MIRRORED = ['readyState', 'status', 'statusText', 'response', 'responseText', 'responseXML', 'responseURL',
    'getResponseHeader', 'getAllResponseHeaders'];

  const wrappedXHR = {
    open(method, url) {
      const old = apply(weakGet, records, [this]);
      if (old && old.mirrored) unmirror(this);
      apply(weakSet, records, [this, {
        method: apply(toUpperCase, '' + method, []),
        url: absolute('' + url), // resolved now, as the browser does
        async: arguments.length < 3 || !!arguments[2],
        headers: [],
        inner: null,
        aborted: false,
        mirrored: false,
      }]);
      return apply(xhr.open, this, arguments);
    },
    setRequestHeader(name, value) {
      const r = apply(weakGet, records, [this]);
      const result = apply(xhr.setRequestHeader, this, arguments);
      if (r) r.headers[r.headers.length] = ['' + name, '' + value];
      return result;
    },
    send(body) {
      const r = apply(weakGet, records, [this]);
      const url = r && r.async && mode !== 'off' ? target(r.url) : '';
      if (!url) return apply(xhr.send, this, arguments);
      const caller = headerOf(r.headers, 'x-xsrftoken');
      const authorized = headerOf(r.headers, 'authorization') !== '';
      if (!guarded(r.method)) {
        if (!caller && !authorized) {
          const token = tokenToSend('', false);
          if (token) apply(xhr.setRequestHeader, this, ['X-XSRFToken', token]);
        }
        const key = isFileRead(url, r.method);
        if (key) {
          const page = this;
          apply(addEventListener, page, ['load', () => {
            if (apply(xhrStatus, page, []) === 200 && apply(xhrResponseType, page, []) === '') {
              track(key, apply(slice, apply(xhrResponseText, page, []), [0, MAX_BODY]));
            }
          }]);
        }
        return apply(xhr.send, this, arguments);
      }
      saveWithXHR(this, r, url, tokenToSend(caller, authorized), body);
      return undefined;
    },
    abort() {
      const r = apply(weakGet, records, [this]);
      if (!r || !r.inner || r.mirrored) return apply(xhr.abort, this, arguments);
      r.aborted = true;
      apply(xhr.abort, r.inner, []);
      mirror(this, r.inner, 'abort');
      return undefined;
    },
  };

  function headerOf(headers, lowerName) {
    let value = '';
    for (let i = 0; i < headers.length; i++) {
      if (apply(toLowerCase, headers[i][0], []) === lowerName) value = headers[i][1];
    }
    return value;
  }

  // sendInner sends the recorded request on a private XHR and resolves to
  // it and the event that ended it.
  function sendInner(page, r, token, body) {
    return new Promise_((resolve) => {
      const inner = new XHR();
      r.inner = inner;
      apply(xhr.open, inner, [r.method, r.url, true]);
      for (let i = 0; i < r.headers.length; i++) {
        if (apply(toLowerCase, r.headers[i][0], []) !== 'x-xsrftoken') apply(xhr.setRequestHeader, inner, r.headers[i]);
      }
      if (token) apply(xhr.setRequestHeader, inner, ['X-XSRFToken', token]);
      inner.responseType = page.responseType;
      inner.timeout = page.timeout;
      inner.withCredentials = page.withCredentials;
      let ending = 'load';
      const note = (e) => { ending = e.type; };
      apply(addEventListener, inner, ['error', note]);
      apply(addEventListener, inner, ['timeout', note]);
      apply(addEventListener, inner, ['abort', note]);
      apply(addEventListener, inner, ['loadend', () => resolve({ inner, ending })]);
      apply(xhr.send, inner, [body]);
    });
  }

  // saveWithXHR sends a request that changes something on a private XHR,
  // recovers it when refused, keeps a save that still fails as a rescue
  // (string bodies: what the classic Notebook sends), and makes the page's
  // XHR show how it ended.
  async function saveWithXHR(page, r, url, sent, body) {
    const key = fileKey(url, r.method === 'PUT');
    let { inner, ending } = await sendInner(page, r, sent, body);
    if (r.aborted) return;
    let reason = '';
    if (inner.status === 403) {
      const text = inner.responseType === '' || inner.responseType === 'text' ? apply(slice, inner.responseText, [0, MAX_BODY]) : '';
      const verdict = await recover(url, r.method, apply(xhr.getResponseHeader, inner, ['Content-Type']) || '', text, sent);
      if (r.aborted) return;
      if (verdict.token) {
        ({ inner, ending } = await sendInner(page, r, verdict.token, body));
        if (r.aborted) return;
        report(url, r.method, inner.status, inner.status >= 200 && inner.status < 300);
        if (inner.status >= 200 && inner.status < 300) designated = verdict.token;
      } else {
        reason = verdict.reason;
        report(url, r.method, inner.status, false);
      }
    } else if (key) {
      report(url, r.method, inner.status, false); // counts the save
    }
    if (key) {
      if (inner.status >= 200 && inner.status < 300) {
        if (inner.responseType === '' || inner.responseType === 'text') track(key, inner.responseText);
      } else if (typeof body === 'string' && keepable(inner.status)) {
        keepRescue(url, key, inner.status, reason, body, null);
      }
    }
    mirror(page, inner, ending);
  }

  // mirror makes the page's XHR show the private XHR's final state, then
  // fires the events a native XHR fires when it finishes.
  function mirror(page, inner, ending) {
    const r = apply(weakGet, records, [page]);
    r.mirrored = true;
    for (let i = 0; i < MIRRORED.length; i++) {
      const name = MIRRORED[i];
      const native = getOwnPropertyDescriptor(xhrProto, name);
      if (!native) continue;
      if (native.get) {
        const get = native.get;
        defineProperty(page, name, { configurable: true, enumerable: true, get: () => apply(get, inner, []) });
      } else {
        const fn = native.value;
        defineProperty(page, name, { configurable: true, writable: true, value: function () { return apply(fn, inner, arguments); } });
      }
    }
    apply(dispatchEvent, page, [new Event_('readystatechange')]);
    apply(dispatchEvent, page, [new ProgressEvent_(ending)]);
    apply(dispatchEvent, page, [new ProgressEvent_('loadend')]);
  }

  function unmirror(page) {
    for (let i = 0; i < MIRRORED.length; i++) delete page[MIRRORED[i]];
  }

  // ---- Installing and removing the wrappers -----------------------------

  // Each wrapper is installed as a Proxy of the browser's own function, so
  // that page code sees the native name, length and "[native code]"
  // source; only calls reach SaveKeeper's code.
  const Proxy_ = Proxy;
  function disguise(native, impl) {
    return new Proxy_(native, { apply: (target, thisArg, args) => apply(impl, thisArg, args) });
  }
  const XHR_METHODS = ['open', 'setRequestHeader', 'send', 'abort'];
  const installedFetch = disguise(nativeFetch, wrappedFetch);
  const installedXHR = {};
  G.fetch = installedFetch;
  for (let i = 0; i < XHR_METHODS.length; i++) {
    const name = XHR_METHODS[i];
    installedXHR[name] = disguise(xhr[name], wrappedXHR[name]);
    xhrProto[name] = installedXHR[name];
  }

  // unwrap gives a page that is not Jupyter the browser's own functions
  // back, where page code has not replaced them since.
  function unwrap() {
    if (G.fetch === installedFetch) G.fetch = nativeFetch;
    for (let i = 0; i < XHR_METHODS.length; i++) {
      const name = XHR_METHODS[i];
      if (xhrProto[name] === installedXHR[name]) xhrProto[name] = xhr[name];
    }
  }

  // Classify the page as soon as <body> is parsed, or on its first request
  // (target calls detect), at the latest when the document is parsed.
  const root = doc.documentElement || doc;
  const observer = new MutationObserver_(() => {
    if (detect() !== 'pending') observer.disconnect();
  });
  observer.observe(root, { childList: true });
  apply(addEventListener, doc, ['DOMContentLoaded', () => {
    detect();
    observer.disconnect();
  }, { once: true }]);
})();

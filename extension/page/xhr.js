// ---- XMLHttpRequest ------------------------------------------------------
//
// The XMLHttpRequest wrapper (the classic Notebook saves with it). open
// and setRequestHeader are recorded; send of a request SaveKeeper does not
// look after, or that is not guarded, goes to the browser's own send (with
// the X-XSRFToken it lacks). A guarded one is sent on a private XHR
// through the pipeline (guard.js), and the page's XHR then mirrors the
// private one's final state and fires the events a native XHR fires.

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
      const check = isSaveCheck(url, r.method);
      if (check && apply(mapGet, ownWrites, [check])) showAsJupyterKnows(this, check);
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

// showAsJupyterKnows makes the answer page (an XHR of a save check of
// key) read as asJupyterKnows gives it: own getters of this one request,
// read when Jupyter reads it.
function showAsJupyterKnows(page, key) {
  const text = () => asJupyterKnows(key, apply(xhrResponseText, page, []));
  const type = () => apply(xhrResponseType, page, []);
  try {
    defineProperty(page, 'responseText', { __proto__: null, configurable: true, enumerable: true, get: text });
    defineProperty(page, 'response', {
      __proto__: null, configurable: true, enumerable: true,
      get: () => (type() === '' || type() === 'text' ? text() : apply(xhrResponse, page, [])),
    });
  } catch (e) {
    // A request the page sealed is left as it is: Jupyter asks its question.
  }
}

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
    apply(addEventListener, inner, ['loadend', () => resolve({ __proto__: null, inner, ending })]);
    apply(xhr.send, inner, [body]);
  });
}

// saveWithXHR sends a guarded request on a private XHR through the
// pipeline (a save that still fails is kept when its body is a string:
// what the classic Notebook sends), and makes the page's XHR show how it
// ended.
async function saveWithXHR(page, r, url, sent, body) {
  let last = null;
  const out = await guardedSend({
    url,
    method: r.method,
    key: fileKey(url, r.method === 'PUT'),
    sent,
    note: null,
    send: async (token) => {
      last = await sendInner(page, r, token, body);
      const inner = last.inner;
      const text = () => {
        const type = apply(xhrResponseType, inner, []);
        return type === '' || type === 'text' ? apply(slice, apply(xhrResponseText, inner, []), [0, MAX_BODY]) : '';
      };
      return {
        __proto__: null,
        status: apply(xhrStatus, inner, []),
        contentType: () => apply(xhr.getResponseHeader, inner, ['Content-Type']) || '',
        prefix: () => resolved(text()),
      };
    },
    aborted: () => r.aborted,
    body: () => resolved(typeof body === 'string' ? body : null),
  });
  if (out) mirror(page, last.inner, last.ending);
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
      defineProperty(page, name, { __proto__: null, configurable: true, enumerable: true, get: () => apply(get, inner, []) });
    } else {
      const fn = native.value;
      defineProperty(page, name, { __proto__: null, configurable: true, writable: true, value: function () { return apply(fn, inner, arguments); } });
    }
  }
  apply(dispatchEvent, page, [new Event_('readystatechange')]);
  apply(dispatchEvent, page, [new ProgressEvent_(ending)]);
  apply(dispatchEvent, page, [new ProgressEvent_('loadend')]);
}

function unmirror(page) {
  for (let i = 0; i < MIRRORED.length; i++) delete page[MIRRORED[i]];
}

// ---- fetch ------------------------------------------------------------------
//
// The fetch wrapper. A request SaveKeeper does not look after goes to the
// browser's own fetch untouched. One it looks after that is not guarded
// gets the X-XSRFToken it lacks (and tells versions.js the version of a
// file the page loads); a guarded one goes through the pipeline
// (guard.js) with a transport that resends a clone of the request; a save
// check gets its answer through versions.js.

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
    if (writeBackPause) apply(promiseThen, response, [serverAnswered, noop]);
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
  const saving = sendWithFetch(request, headers, url, caller, authorized, text, null);
  return check ? answerSaveCheck(saving, check) : saving;
}

// sendWithFetch sends a guarded request through the pipeline and resolves
// to the browser's Response (or throws its error, as fetch would). text is
// the body when the caller passed a string. A save that follows a check
// SaveKeeper answered itself is sent only while the file is still the
// version the page works on (versions.js), else kept. When writing a kept
// save back, note receives the reason the engine gave up (see guardedSend).
async function sendWithFetch(request, headers, url, caller, authorized, text, note) {
  const key = note ? '' : fileKey(url, request.method === 'PUT');
  const credentials = request.credentials === 'omit' ? 'same-origin' : request.credentials;
  // The request as it is sent, whose clones are replayable.
  const template = new Request_(request, { __proto__: null, headers, credentials });
  const body = () => (text !== null ? resolved(text) : apply(requestText, apply(requestClone, template, []), []));
  const stoodFor = key ? takeUnchecked(key) : -1;
  if (stoodFor >= 0 && !(await unchangedSince(url, key))) {
    report(url, request.method, stoodFor, false); // counts the save
    return keptInstead(await keep(url, key, stoodFor, '', body()));
  }
  const out = await guardedSend({
    url,
    method: request.method,
    key,
    sent: tokenToSend(caller, authorized),
    note,
    send: (token) => sendOnce(template, headers, credentials, token),
    // A fetch the page aborts rejects with the browser's AbortError: the
    // pipeline sees no answer (status 0), and a save is kept.
    aborted: () => false,
    body,
  });
  if (out.error) throw out.error;
  return out.response;
}

// sendOnce sends a clone of template, with token as its X-XSRFToken when
// set, and resolves to the pipeline's outcome of it.
async function sendOnce(template, headers, credentials, token) {
  if (token) apply(headersSet, headers, ['X-XSRFToken', token]);
  let response;
  try {
    response = await apply(nativeFetch, G, [new Request_(apply(requestClone, template, []), { __proto__: null, headers, credentials })]);
  } catch (error) {
    return { __proto__: null, status: 0, error, contentType: () => '', prefix: () => resolved('') };
  }
  return {
    __proto__: null,
    status: response.status,
    response,
    contentType: () => apply(headersGet, response.headers, ['Content-Type']) || '',
    prefix: () => readPrefix(response),
  };
}

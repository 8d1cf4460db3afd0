// ---- Tokens ---------------------------------------------------------------
//
// The `_xsrf` cookie values the page can read, and which one a request
// carries as X-XSRFToken. headerValue and tokensIn are pure functions
// (node runs them in e2e/unit/tokens.test.mjs, on the engine's fuzz
// seeds too).

// headerValue returns a cookie value as tornado compares it (surrounding
// ASCII whitespace and one pair of quotes removed), or '' when it cannot be
// a header value: empty, over 4096 characters, or holding a control, a
// space, a character outside ASCII, or one of ; , " \ (the engine's rule,
// xsrf.HeaderValue: both are checked on wasm/xsrf/testdata/header-values.json).
// The browser's own Headers would throw on some of these.
function headerValue(raw) {
  let v = trimASCII(raw);
  if (v.length >= 2 && v[0] === '"' && v[v.length - 1] === '"') v = apply(slice, v, [1, -1]);
  if (!v || v.length > 4096) return '';
  for (let i = 0; i < v.length; i++) {
    const c = apply(charCodeAt, v, [i]);
    if (c <= 0x20 || c >= 0x7f || c === 0x3b || c === 0x2c || c === 0x22 || c === 0x5c) return '';
  }
  return v;
}

// trimASCII returns s without surrounding ASCII whitespace (space, tab,
// line feed, vertical tab, form feed, carriage return). Other whitespace
// is left: it is outside ASCII, so a value holding it is refused.
function trimASCII(s) {
  const space = (c) => c === 0x20 || (c >= 0x09 && c <= 0x0d);
  let start = 0;
  let end = s.length;
  while (start < end && space(apply(charCodeAt, s, [start]))) start++;
  while (end > start && space(apply(charCodeAt, s, [end - 1]))) end--;
  return apply(slice, s, [start, end]);
}

// tokensIn returns the `_xsrf` values in a cookie string as document.cookie
// gives it, in its order (the order the browser sends them: most specific
// path first), leaving out values that cannot be a token.
function tokensIn(cookie) {
  const out = [];
  const pairs = apply(split, cookie, [';']);
  for (let i = 0; i < pairs.length; i++) {
    const p = pairs[i];
    const eq = apply(indexOf, p, ['=']);
    if (eq < 0) continue;
    if (trimASCII(apply(slice, p, [0, eq])) !== '_xsrf') continue;
    const v = headerValue(apply(slice, p, [eq + 1]));
    if (v) out[out.length] = v;
  }
  return out;
}

// cookieTokens returns the `_xsrf` values this document can read.
function cookieTokens() {
  return tokensIn(apply(cookieGetter, doc, []));
}

let provenToken = ''; // the token that last made a refused request land

// tokenToSend returns the X-XSRFToken for a request: the proven token
// (the one a refusal on this page proved) while it is still a cookie,
// else what the caller set. A caller without an Authorization header that
// set none gets the cookie the server reads (tornado: the last;
// JupyterHub: the first). With Authorization a working token makes the
// server skip the XSRF check, so the proven token changes nothing
// for it; an expired one (JupyterHub) would otherwise cost every request
// one refusal.
function tokenToSend(callerToken, authorized) {
  const tokens = cookieTokens();
  if (provenToken && apply(arrayIndexOf, tokens, [provenToken]) >= 0) return provenToken;
  if (callerToken || authorized || !tokens.length) return callerToken;
  return server && server.hub ? tokens[0] : tokens[tokens.length - 1];
}

// ---- Detection ----------------------------------------------------------
//
// Whether this page is Jupyter, and of which server. The page is
// classified as soon as a marker is parsed (body[data-base-url] for the
// classic Notebook, #jupyter-config-data for JupyterLab and Notebook 7,
// which Notebook 7 puts inside <body>), at the latest when the document is
// parsed (install.js). A Jupyter page says hello to the engine with its
// server; any other page gets the browser's own fetch and XMLHttpRequest
// back. target() tells which requests SaveKeeper looks after.

let mode = 'pending'; // 'pending' | 'jupyter' | 'off'
let server = null; // { baseUrl, flavor, hub } once detected

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
    if ((isArray(reply.rescues) && reply.rescues.length) || reply.retryIn > 0) scheduleWriteBack(FIRST_PAUSE);
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

// validBase tells whether b can be a server's base URL: a path of at most
// MAX_BASE_URL characters (the engine's bound) that starts and ends with
// "/" and holds neither "//" nor "..".
const MAX_BASE_URL = 512;
function validBase(b) {
  return typeof b === 'string' && b.length <= MAX_BASE_URL && apply(startsWith, b, ['/']) && apply(endsWith, b, ['/']) &&
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

// ---- Installing the wrappers ------------------------------------------------
//
// Installs the fetch and XMLHttpRequest wrappers, and starts classifying
// the page (detect.js): a page that turns out not to be Jupyter gets the
// browser's own functions back (unwrap).

// Each wrapper is installed as a Proxy of the browser's own function, so
// that page code sees the native name, length and "[native code]"
// source; only calls reach SaveKeeper's code.
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

// End-to-end: a Jupyter page with SaveKeeper looks to its own scripts like
// the same page without it. The page's global names and XMLHttpRequest's
// prototype are the same; fetch and XMLHttpRequest's methods look native
// (name, length, "[native code]"); and an XMLHttpRequest SaveKeeper does
// not touch fires the same events, readyState sequence and upload progress,
// with or without the extension, and aborts the same way.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { startPageServer } from './lib/pages.mjs';
import { browserPair, builtExtension, BROWSERS, waitFor, engineStatus } from './lib/browsers.mjs';

// A page shaped like the classic Notebook's (SaveKeeper detects it and keeps
// its wrappers) whose own scripts add nothing later, so that its globals
// can be compared; a real Notebook page loads some libraries lazily.
const PAGE = '<!doctype html><html><head><title>Notebook</title></head>' +
  '<body data-base-url="/" data-notebook-path="x.ipynb"><p>notebook</p></body></html>';
let fixtures;

before(async () => {
  for (const b of BROWSERS) builtExtension(b);
  fixtures = await startPageServer({ '/notebooks/x.ipynb': PAGE, '/static/logo.png': 'not really a logo' });
});

after(async () => {
  await fixtures.close();
});

/** Runs in the page: what its scripts can see of SaveKeeper. */
async function looks() {
  const src = (f) => Function.prototype.toString.call(f);
  const methods = ['open', 'send', 'setRequestHeader', 'abort'];
  const xhrEvents = (method, url, body, abortAt) => new Promise((resolve) => {
    const x = new XMLHttpRequest();
    const seen = [];
    const note = (e) => seen.push(`${e.type}:${x.readyState}`);
    for (const t of ['readystatechange', 'loadstart', 'load', 'loadend', 'abort', 'error']) x.addEventListener(t, note);
    x.upload.addEventListener('loadstart', () => seen.push('upload.loadstart'));
    x.upload.addEventListener('loadend', () => seen.push('upload.loadend'));
    x.addEventListener('loadend', () => resolve({ seen: seen.filter((s) => !s.startsWith('readystatechange:3')), status: x.status }));
    x.open(method, url);
    const sent = x.send(body);
    seen.push(`send returned ${String(sent)}`);
    if (abortAt === 'sent') x.abort();
  });
  return {
    globals: Object.getOwnPropertyNames(window).sort(),
    xhrProto: Object.getOwnPropertyNames(XMLHttpRequest.prototype).sort(),
    fetch: { native: /\[native code\]/.test(src(fetch)), name: fetch.name, length: fetch.length },
    xhr: methods.map((m) => ({ m, native: /\[native code\]/.test(src(XMLHttpRequest.prototype[m])),
      name: XMLHttpRequest.prototype[m].name, length: XMLHttpRequest.prototype[m].length })),
    // A GET (which gets no header: no token cookie here) and a POST with an
    // upload to another origin: requests SaveKeeper does not touch.
    get: await xhrEvents('GET', '/static/logo.png', null),
    post: await xhrEvents('POST', location.href.replace('127.0.0.1', 'localhost'), 'x'.repeat(100000)),
    aborted: await xhrEvents('GET', '/static/logo.png', null, 'sent'),
    fetchResult: await fetch('/static/logo.png').then((r) => `${r.status} ${r.constructor.name}`),
  };
}

for (const browserName of BROWSERS) {
  describe(browserName, () => {
    const pair = browserPair(browserName);

    test('a Jupyter page sees the same globals, native-looking functions and XHR behaviour with SaveKeeper as without', { timeout: 120000 }, async () => {
      const seen = {};
      for (const [which, b] of [['with', pair.withExt], ['without', pair.without]]) {
        const page = await b.browser.newPage();
        try {
          await page.goto(`${fixtures.url}notebooks/x.ipynb`, { waitUntil: 'load' });
          if (which === 'with') {
            // Proof that SaveKeeper is on there: its page layer said hello.
            await waitFor(async () => (await engineStatus(b, page.url()) || {}).detected, { what: 'the hello' });
          }
          seen[which] = await page.evaluate(looks);
        } finally {
          await page.close();
        }
      }
      assert.deepEqual(seen.with.globals, seen.without.globals, 'global names');
      assert.deepEqual(seen.with.xhrProto, seen.without.xhrProto, 'XMLHttpRequest.prototype');
      assert.deepEqual(seen.with.fetch, { native: true, name: 'fetch', length: seen.without.fetch.length });
      assert.deepEqual(seen.with.xhr, seen.without.xhr, 'XMLHttpRequest methods: name, length, native source');
      for (const k of ['get', 'post', 'aborted', 'fetchResult']) assert.deepEqual(seen.with[k], seen.without[k], k);
    });
  });
}

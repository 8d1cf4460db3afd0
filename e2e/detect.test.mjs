// Page detection, flavor by flavor, in real Chromium and Firefox ESR with
// the built extension: pages shaped like each Jupyter front end's template
// (and like pages that must not count as Jupyter) are served by a small
// fixture server, and the test reads what the engine learnt of the tab from
// the page layer's "hello" (the status the popup shows; the page's own
// scripts cannot see the page layer's messages) and whether fetch is still
// wrapped once the page has loaded.
// The real servers' pages are covered by the other end-to-end files.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { BROWSERS, browserPair, waitFor, engineStatus } from './lib/browsers.mjs';
import { startPageServer } from './lib/pages.mjs';

const config = (c) => `<script id="jupyter-config-data" type="application/json">${JSON.stringify(c)}</script>`;
const page = (head, body, bodyAttrs = '') => `<!doctype html><html><head><title>t</title>${head}</head><body${bodyAttrs}>${body}</body></html>`;

// path → [page, the hello expected, or null for "not Jupyter"]
const CASES = {
  'Notebook 6 / nbclassic notebook page': ['/user/alice/notebooks/x.ipynb',
    page('', '<div id="notebook"></div>', ' class="notebook_app" data-base-url="/user/alice/" data-notebook-path="x.ipynb"'),
    { flavor: 'classic', baseUrl: '/user/alice/', hub: false }],
  'classic page with a URL-encoded base URL': ['/user/al%20ice/tree',
    page('', '', ' data-base-url="/user/al%20ice/"'),
    { flavor: 'classic', baseUrl: '/user/al ice/', hub: false }],
  'JupyterLab (config in <head>)': ['/lab/tree/x.ipynb',
    page(config({ appName: 'JupyterLab', baseUrl: '/', token: '' }), ''),
    { flavor: 'lab', baseUrl: '/', hub: false }],
  'Notebook 7 (config inside <body>)': ['/notebooks/x.ipynb',
    page('', `<div>${'x'.repeat(20000)}</div>${config({ appName: 'Jupyter Notebook', baseUrl: '/', notebookPage: 'notebooks' })}`, ' data-notebook="notebooks"'),
    { flavor: 'notebook7', baseUrl: '/', hub: false }],
  'JupyterLab on JupyterHub (hubPrefix)': ['/user/alice/lab',
    page(config({ appName: 'JupyterLab', baseUrl: '/user/alice/', hubPrefix: '/hub/', hubUser: 'alice', token: 'oauth' }), ''),
    { flavor: 'lab', baseUrl: '/user/alice/', hub: true }],
  'a page that is not Jupyter': ['/plain', page('', '<h1>hello</h1>'), null],
  'malformed config data': ['/lab', page('<script id="jupyter-config-data" type="application/json">{not json</script>', ''), null],
  'a base URL the page is not under': ['/lab', page(config({ appName: 'JupyterLab', baseUrl: '/other/' }), ''), null],
  'a base URL pointing at another host': ['/tree', page('', '', ' data-base-url="//evil.example/"'), null],
};

let fixtures;

before(async () => {
  const routes = {};
  for (const [p, html] of Object.values(CASES)) routes[p] = html;
  fixtures = await startPageServer(routes);
});

after(async () => {
  if (fixtures) await fixtures.close();
});

for (const browserName of BROWSERS) {
  describe(browserName, () => {
    const pair = browserPair(browserName);

    for (const [name, [p, , expected]] of Object.entries(CASES)) {
      test(`${name}: ${expected ? `detected as ${expected.flavor}` : 'left alone'}`, async () => {
        const b = pair.withExt;
        const tab = await b.browser.newPage();
        try {
          const url = new URL(p, fixtures.url).href;
          await tab.goto(url, { waitUntil: 'load' });
          // The browser's own fetch shows its name in its source; the
          // wrapper (a Proxy of it) shows "[native code]" without the name.
          const native = await tab.evaluate(() => /function fetch\(\)/.test(String(window.fetch)));
          if (expected) {
            const st = await waitFor(async () => {
              const s = await engineStatus(b, url);
              return s && s.detected && s;
            }, { what: 'the engine to know the page' });
            assert.deepEqual({ flavor: st.flavor, baseUrl: st.baseUrl, hub: Boolean(st.hub) }, expected);
            assert.equal(native, false, 'fetch stays wrapped');
          } else {
            await new Promise((r) => setTimeout(r, 300)); // a hello would have been answered by now
            const st = await engineStatus(b, url);
            assert.equal(st && st.detected, false, `no hello: ${JSON.stringify(st)}`);
            assert.equal(native, true, 'the browser\'s own fetch is back');
          }
        } finally {
          await tab.close();
        }
      });
    }

    test('the detection test can fail: without the extension a Jupyter page keeps the browser\'s fetch', async () => {
      const tab = await pair.without.browser.newPage();
      try {
        await tab.goto(new URL(CASES['JupyterLab (config in <head>)'][0], fixtures.url).href, { waitUntil: 'load' });
        await waitFor(() => tab.evaluate(() => document.readyState === 'complete'));
        assert.equal(await tab.evaluate(() => /function fetch\(\)/.test(String(window.fetch))), true);
      } finally {
        await tab.close();
      }
    });
  });
}

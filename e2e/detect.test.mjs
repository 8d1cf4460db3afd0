// Page detection, flavor by flavor, in real Chromium and Firefox ESR with
// the built extension: pages shaped like each Jupyter front end's template
// (and like pages that must not count as Jupyter) are served by a small
// fixture server, and the test records the "hello" the page layer sends to
// the engine and whether fetch is still wrapped once the page has loaded.
// The real servers' pages are covered by the other end-to-end files.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { BROWSERS, browserPair, waitFor } from './lib/browsers.mjs';
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
        const tab = await pair.withExt.browser.newPage();
        try {
          await tab.evaluateOnNewDocument(() => {
            window.__hellos = [];
            document.addEventListener('savekeeper:request', (e) => {
              const { msg } = JSON.parse(e.detail);
              if (msg.type === 'hello') window.__hellos.push(msg);
            });
          });
          await tab.goto(new URL(p, fixtures.url).href, { waitUntil: 'load' });
          // The browser's own fetch shows its name in its source; the
          // wrapper (a Proxy of it) shows "[native code]" without the name.
          const seen = await tab.evaluate(() => ({ hellos: window.__hellos, native: /function fetch\(\)/.test(String(window.fetch)) }));
          if (expected) {
            assert.deepEqual(seen.hellos, [{ type: 'hello', ...expected }]);
            assert.equal(seen.native, false, 'fetch stays wrapped');
          } else {
            assert.deepEqual(seen.hellos, [], 'no hello');
            assert.equal(seen.native, true, 'the browser\'s own fetch is back');
          }
        } finally {
          await tab.close();
        }
      });
    }

    test('the detection test can fail: without the extension no page says hello', async () => {
      const tab = await pair.without.browser.newPage();
      try {
        await tab.evaluateOnNewDocument(() => {
          window.__hellos = [];
          document.addEventListener('savekeeper:request', () => window.__hellos.push(1));
        });
        await tab.goto(new URL(CASES['JupyterLab (config in <head>)'][0], fixtures.url).href, { waitUntil: 'load' });
        await waitFor(() => tab.evaluate(() => document.readyState === 'complete'));
        assert.deepEqual(await tab.evaluate(() => window.__hellos), []);
      } finally {
        await tab.close();
      }
    });
  });
}

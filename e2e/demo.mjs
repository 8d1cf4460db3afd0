// make demo: watch SaveKeeper recover a refused save, step by step.
//
// Starts Debian's classic Notebook on 127.0.0.1 and Chromium with
// dist/chrome loaded (headless unless $DISPLAY is set), deletes the _xsrf
// cookie, saves the notebook with its own save, and prints what the server
// saw, what the page showed and what reached the disk. The popup's
// screenshot goes to e2e/artifacts/demo-popup.png.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { startJupyter } from './lib/servers.mjs';
import { launchBrowser, deleteCookie, getCookies, waitFor, openExtensionPage } from './lib/browsers.mjs';
import { openNotebook, editAndSave, firstCellOnDisk } from './lib/classic.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const ext = path.join(here, '..', 'dist', 'chrome');
const shot = path.join(here, 'artifacts', 'demo-popup.png');
const headless = !process.env.DISPLAY;

let step = 0;
const say = (text) => console.log(`\n${++step}. ${text}`);
const show = (text) => console.log(`   ${text}`);

async function main() {
  if (!fs.existsSync(path.join(ext, 'manifest.json'))) throw new Error(`${ext} is missing: run make first`);
  fs.mkdirSync(path.dirname(shot), { recursive: true });

  say('Starting a classic Jupyter Notebook (Debian jupyter-notebook) on 127.0.0.1');
  const server = await startJupyter({ flavor: 'notebook6' });
  let chrome;
  try {
    show(`server: ${server.url}  token: ${server.token}`);
    server.writeNotebook('demo.ipynb', ['print("written before the demo")']);

    say(`Starting Chromium ${headless ? '(headless)' : '(on your display)'} with SaveKeeper from dist/chrome`);
    chrome = await launchBrowser({ browser: 'chromium', extensionDir: ext, headless });
    show(`extension: ${chrome.extensionOrigin}`);

    say('Logging in with the token URL and opening demo.ipynb');
    const page = await openNotebook(chrome.browser, server, 'demo.ipynb');
    const cookie = (await getCookies(chrome.browser, server.url)).find((c) => c.name === '_xsrf');
    show(`the server set _xsrf = ${cookie ? cookie.value.slice(0, 24) + '…' : '(none)'} on path ${cookie && cookie.path}`);

    say('Deleting the _xsrf cookie, as a privacy tool or an expiry would');
    await deleteCookie(chrome.browser, { name: '_xsrf', url: server.url, path: cookie ? cookie.path : '/' });
    const left = (await getCookies(chrome.browser, server.url)).filter((c) => c.name === '_xsrf');
    show(`_xsrf cookies left: ${left.length}. Without SaveKeeper the next save fails with "'_xsrf' argument missing from POST".`);

    say('Editing the cell and saving with the notebook\'s own save');
    const offset = server.logOffset();
    const text = `print("edited at ${new Date().toISOString()}")`;
    const saved = await editAndSave(page, text);
    show(`save ${saved.ok ? 'succeeded' : 'FAILED: ' + saved.error}; notification area: "${saved.notification.trim()}"`);

    say('What the server received');
    await waitFor(() => server.requests(offset).some((r) => r.method === 'PUT' && r.status < 300),
      { timeout: 10000, what: 'the saved PUT in the server log' }).catch(() => {});
    for (const r of server.requests(offset)) {
      if (r.path.startsWith('/api/contents') || r.path === '/tree') {
        const note = r.status === 403 ? '  ← refused: no token'
          : r.path === '/tree' ? '  ← SaveKeeper renews the token'
            : r.method === 'PUT' ? '  ← the same save, sent again' : '';
        show(`${r.status} ${r.method} ${r.path}${note}`);
      }
    }

    say('What is on disk');
    show(firstCellOnDisk(server, 'demo.ipynb'));
    show(firstCellOnDisk(server, 'demo.ipynb') === text ? 'the edit was saved' : 'the edit was NOT saved');

    say('The popup');
    const popup = await chrome.browser.newPage();
    await popup.setViewport({ width: 420, height: 260 });
    await openExtensionPage(popup, `${chrome.extensionOrigin}/popup.html?for=${encodeURIComponent(page.url())}`);
    await waitFor(() => popup.evaluate(() => !document.getElementById('details').hidden), { timeout: 15000, what: 'the popup' });
    const lines = await popup.evaluate(() => [
      document.getElementById('summary').textContent,
      ...[...document.querySelectorAll('dt')].map((dt) => `${dt.textContent}: ${dt.nextElementSibling.textContent}`),
    ]);
    for (const line of lines) show(line);
    await popup.screenshot({ path: shot });
    show(`screenshot: ${path.relative(process.cwd(), shot)}`);
    if (!saved.ok || firstCellOnDisk(server, 'demo.ipynb') !== text) process.exitCode = 1;
  } finally {
    if (chrome) await chrome.close();
    await server.stop();
  }
}

main().catch((err) => {
  console.error(`demo failed: ${err.stack || err}`);
  process.exit(1);
});

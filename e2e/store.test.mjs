// End-to-end: the store images (Chrome Web Store, addons.mozilla.org),
// made from the real extension so that they never go stale.
//
// One classic Notebook 6 server and one Chromium with the built extension.
// The welcome page is shown as installing SaveKeeper opens it. A save whose
// _xsrf cookie was deleted lands (SaveKeeper renews the token), and the
// popup counts it. Then the server stops, the user saves (it fails), and
// SaveKeeper's notice says the edit is kept; the popup lists it. The
// server starts again on the same port, the kept edit reaches the disk by
// itself, and the notice says so; the popup counts the recovered and the
// kept save. What each picture shows is asserted just before it is taken,
// so the test fails if the extension did not do it. (The user closes the
// Notebook's own "Dead kernel" dialog when the server goes: the pictures
// are about saves.)
//
// Each picture is composed in the browser itself (a page of plain HTML
// holding the screenshots, screenshotted at the store's size) and written
// to e2e/artifacts/store/: screenshot-1.png … screenshot-4.png, 1280×800
// (the kept save landed; the save kept; the token renewed; the welcome
// page), and promo-440x280.png, the small promo tile. Each is checked to
// be a PNG of its size, read from its IHDR chunk.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { startJupyter } from './lib/servers.mjs';
import { launchWith, builtExtension, waitFor, deleteXsrf, openExtensionPage } from './lib/browsers.mjs';
import { openNotebook, editAndSave, firstCellOnDisk, jupyterDialogs } from './lib/classic.mjs';
import { noticeText, waitForNotice } from './lib/notice.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const STORE = path.join(HERE, 'artifacts', 'store');
const ICON = path.join(HERE, '..', 'extension', 'icons', '128.png');
const TEST_TIMEOUT = 120000;
const LANDS_WITHIN = 60000; // ms after the restart (see rescue.test.mjs)

// The store's sizes.
const SHOT = { width: 1280, height: 800 };
const PROMO = { width: 440, height: 280 };
const BAND = 96; // px of the caption above the page in a screenshot

before(() => {
  builtExtension('chromium');
  fs.rmSync(STORE, { recursive: true, force: true }); // no stale image can pass
  fs.mkdirSync(STORE, { recursive: true });
});

/**
 * A PNG's size from its IHDR chunk: {width, height}; throws if it is no
 * PNG. `png` is a file name or the bytes.
 */
function pngSize(png) {
  const b = Buffer.isBuffer(png) ? png : fs.readFileSync(png);
  const name = Buffer.isBuffer(png) ? 'the picture' : png;
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  if (b.length < 24 || !b.subarray(0, 8).equals(signature)) throw new Error(`${name} is not a PNG`);
  if (b.toString('latin1', 12, 16) !== 'IHDR') throw new Error(`${name}: the first chunk is not IHDR`);
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

// The notebook the pictures show, as a user would have it: its first cell
// is the one edited and saved (lib/classic.mjs edits the first cell).
const NOTEBOOK = 'rainfall.ipynb';
const FIRST = [
  'import pandas as pd',
  '',
  'rain = pd.read_csv("rainfall-2025.csv", parse_dates=["date"])',
  'monthly = rain.resample("ME", on="date")["mm"].sum()',
  'monthly.tail(3)',
];
const FIRST_CELL = FIRST.join('\n');
// The edit saved while the token cookie is gone, and the one saved while the server is down.
const EDIT_XSRF = [FIRST[0], '', '# rainfall per station, summed per month (mm)', ...FIRST.slice(2)].join('\n');
const EDIT_KEPT = [FIRST[0], '', '# rainfall per station, summed per month (mm)', ...FIRST.slice(2, 4),
  'monthly = monthly.round(1)', FIRST[4]].join('\n');

function notebook() {
  const code = (n, source, text) => ({
    cell_type: 'code', execution_count: n, metadata: {}, source,
    outputs: [{ output_type: 'execute_result', execution_count: n, metadata: {}, data: { 'text/plain': text } }],
  });
  return JSON.stringify({
    cells: [
      code(1, FIRST_CELL, 'date\n2025-10-31     81.4\n2025-11-30    112.9\n2025-12-31     97.3\nFreq: ME, Name: mm, dtype: float64'),
      { cell_type: 'markdown', metadata: {}, source: '## The wettest months\nFor the yearly report: the three months with the most rain.' },
      code(2, 'monthly.nlargest(3)', 'date\n2025-11-30    112.9\n2025-12-31     97.3\n2025-01-31     94.6\nName: mm, dtype: float64'),
    ],
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
    nbformat: 4,
    nbformat_minor: 4,
  }, null, 1);
}

/** The popup for the tab showing `pageUrl`, in a page of its own as wide as Chromium draws it. */
async function openPopup(b, pageUrl) {
  const popup = await b.browser.newPage();
  await popup.setViewport({ width: 420, height: 600 });
  await openExtensionPage(popup, `${b.extensionOrigin}/popup.html?for=${encodeURIComponent(pageUrl)}`);
  return popup;
}

const textOf = (page) => page.evaluate(() => document.body.innerText);

/** Waits until the text of `page` matches `pattern`; resolves to it. */
const waitForText = (page, pattern, what) => waitFor(async () => {
  const t = await textOf(page);
  return pattern.test(t) ? t : '';
}, { timeout: 20000, what });

/** A PNG screenshot of the popup, as tall as what it shows (its body). */
async function popupShot(popup) {
  await popup.bringToFront(); // Chromium draws no frame for a tab in the background
  const body = await popup.$('body');
  try {
    return Buffer.from(await body.screenshot({ type: 'png' }));
  } finally {
    await body.dispose();
  }
}

const dataUrl = (png) => `data:image/png;base64,${Buffer.from(png).toString('base64')}`;
const escapeHtml = (s) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

const FONT = '"DejaVu Sans", "Liberation Sans", system-ui, sans-serif';

/**
 * Draws `html` (a whole document) in `canvas`, a page of the browser, at
 * `size`, and writes the screenshot to `file`.
 */
async function drawTo(canvas, size, html, file) {
  await canvas.bringToFront();
  await canvas.setViewport({ ...size, deviceScaleFactor: 1 });
  await canvas.setContent(html, { waitUntil: 'load' });
  await canvas.evaluate(() => document.fonts.ready.then(() => undefined));
  const missing = await canvas.evaluate(() => [...document.images].filter((i) => !i.complete || !i.naturalWidth).length);
  assert.equal(missing, 0, `every image in ${path.basename(file)} is drawn`);
  fs.writeFileSync(file, await canvas.screenshot({ type: 'png' }));
}

/**
 * A store screenshot: a caption band (the icon, `title`, `sub`) above the
 * page screenshot `page` (SHOT.width × SHOT.height - BAND), with the
 * popup screenshot `popup`, if given, drawn over its top right corner as
 * the browser shows it below the toolbar button.
 */
function screenshotHtml({ title, sub, page, popup = null, icon }) {
  return `<!doctype html><html><head><meta charset="utf-8"><style>
  html, body { margin: 0; width: ${SHOT.width}px; height: ${SHOT.height}px; overflow: hidden; background: #ffffff; font-family: ${FONT}; }
  header { box-sizing: border-box; height: ${BAND}px; padding: 0 32px; display: flex; align-items: center; gap: 20px;
    background: #1f2328; color: #ffffff; border-bottom: 4px solid #f37726; }
  header img { width: 56px; height: 56px; }
  h1 { margin: 0 0 4px; font-size: 27px; font-weight: bold; letter-spacing: -0.2px; }
  p { margin: 0; font-size: 17px; color: #d0d7de; }
  .page { position: absolute; left: 0; top: ${BAND}px; display: block; }
  .popup { position: absolute; right: 28px; top: ${BAND}px; display: block; border: 1px solid #8c959f; border-radius: 8px;
    box-shadow: 0 10px 32px rgba(0, 0, 0, .28), 0 2px 6px rgba(0, 0, 0, .12); }
  </style></head><body>
  <header><img src="${icon}" alt=""><div><h1>${escapeHtml(title)}</h1><p>${escapeHtml(sub)}</p></div></header>
  <img class="page" src="${page}" alt="">
  ${popup ? `<img class="popup" src="${popup}" alt="">` : ''}
  </body></html>`;
}

/** The small promo tile: the icon, the name and what it does. */
function promoHtml(icon) {
  return `<!doctype html><html><head><meta charset="utf-8"><style>
  html, body { margin: 0; width: ${PROMO.width}px; height: ${PROMO.height}px; overflow: hidden; font-family: ${FONT}; }
  body { box-sizing: border-box; display: flex; flex-direction: column; align-items: center; justify-content: center; gap: 10px;
    background: linear-gradient(160deg, #2d333b 0%, #1f2328 100%); color: #ffffff; border-bottom: 6px solid #f37726; }
  img { width: 104px; height: 104px; margin-bottom: 4px; }
  h1 { margin: 0; font-size: 28px; font-weight: bold; letter-spacing: -0.3px; }
  p { margin: 0; font-size: 18px; color: #f6a26b; }
  </style></head><body>
  <img src="${icon}" alt="">
  <h1>SaveKeeper for Jupyter</h1>
  <p>Never lose a Jupyter save</p>
  </body></html>`;
}

/** A screenshot of `page` as it is drawn (Chromium draws no frame for a tab in the background). */
async function shot(page) {
  await page.bringToFront();
  return page.screenshot({ type: 'png' });
}

/**
 * The classic Notebook tells the user in a dialog that its kernel died
 * with the server ("Dead kernel"): the user closes it with its first
 * button ("Don't Restart"), as the pictures are about saves. Waits up to
 * `timeout` ms for such a dialog; resolves to the titles closed.
 */
async function closeJupyterDialogs(page, timeout = 3000) {
  const titles = await waitFor(async () => {
    const open = await jupyterDialogs(page);
    return open.length ? open : '';
  }, { timeout, what: 'a dialog of Jupyter\'s' }).catch(() => []);
  if (!titles.length) return [];
  await page.bringToFront();
  await page.click('.modal.in .modal-footer button');
  await waitFor(() => page.evaluate(() => !document.querySelector('.modal.in, .modal-backdrop')), { what: 'Jupyter\'s dialog to close' });
  return titles;
}

test('chromium: the store images from the real extension: a kept save that lands, a renewed token, the popup, the welcome page, the promo tile; PNGs of the stores\' sizes', { timeout: TEST_TIMEOUT }, async () => {
  const pageSize = { width: SHOT.width, height: SHOT.height - BAND };
  const icon = dataUrl(fs.readFileSync(ICON));
  const files = [];
  let server = await startJupyter({ flavor: 'notebook6' });
  fs.writeFileSync(path.join(server.notebookDir, NOTEBOOK), notebook());
  let b = null;
  try {
    b = await launchWith('chromium', true);

    // The welcome page, as installing SaveKeeper shows it (no tab needs a
    // reload), zoomed to 4/3: it is one narrow column.
    const welcome = await b.browser.newPage();
    await welcome.setViewport({ width: pageSize.width * 3 / 4, height: pageSize.height * 3 / 4, deviceScaleFactor: 4 / 3 });
    await openExtensionPage(welcome, `${b.extensionOrigin}/welcome.html`);
    const welcomeText = await waitForText(welcome, /No Jupyter tab needs a reload/, 'the welcome page to look for tabs');
    assert.match(welcomeText, /SaveKeeper is on[\s\S]*renews the token and sends the save again[\s\S]*keeps your edit and saves it once the server is back/);
    const welcomePng = await shot(welcome);
    await welcome.close();

    const page = await openNotebook(b.browser, server, NOTEBOOK);
    await page.setViewport(pageSize);
    await waitFor(() => page.evaluate(() => Boolean(Jupyter.notebook.kernel && Jupyter.notebook.kernel.is_connected())),
      { timeout: 30000, what: 'the kernel to start' });

    // A save without its token cookie: SaveKeeper renews it and the save lands.
    await deleteXsrf(b.browser, server.url);
    const renewed = await editAndSave(page, EDIT_XSRF);
    assert.equal(renewed.ok, true, `the save without the cookie lands: ${renewed.error}`);
    assert.equal(firstCellOnDisk(server, NOTEBOOK), EDIT_XSRF);
    assert.deepEqual(await jupyterDialogs(page), [], 'no dialog of Jupyter\'s in the picture');
    await waitFor(() => page.evaluate(() => getComputedStyle(document.getElementById('notification_kernel')).display === 'none'),
      { what: 'Jupyter\'s "Kernel ready" to go' });
    const renewedPng = await shot(page);
    const popup = await openPopup(b, page.url());
    await popup.evaluate(() => { document.getElementById('more').open = true; });
    const protectedText = await waitForText(popup, /Saves are protected[\s\S]*Saves recovered\s+1\n/, 'the popup to count the recovered save');
    assert.match(protectedText, /Last renewal\s+\S/, 'the popup shows the renewal');
    const protectedPng = await popupShot(popup);

    // The server stops; the save fails and is kept.
    await server.stop({ keepHome: true });
    const kept = await editAndSave(page, EDIT_KEPT);
    assert.equal(kept.ok, false, 'the save fails while the server is down');
    const keptNotice = await waitForNotice(page, /was not saved/, 'SaveKeeper\'s notice that the save is kept');
    assert.match(keptNotice, /The server did not answer, so “rainfall\.ipynb” was not saved\. Your edit is safe/);
    await closeJupyterDialogs(page);
    assert.deepEqual(await jupyterDialogs(page), [], 'no dialog of Jupyter\'s in the picture');
    assert.match(await noticeText(page), /was not saved/, 'the notice stays');
    const keptPng = await shot(page);
    await popup.evaluate(() => { document.getElementById('more').open = false; });
    const recovering = await waitForText(popup, /could not be finished[\s\S]*rainfall\.ipynb/, 'the kept save in the popup');
    assert.match(recovering, /One save could not be finished\. SaveKeeper keeps it\.[\s\S]*Kept saves[\s\S]*The server did not answer[\s\S]*Download \.ipynb/);
    const recoveringPng = await popupShot(popup);

    // The server is back: the kept edit lands by itself, and the page says so.
    server = await startJupyter({ flavor: server.flavor, port: server.port, home: server.home, token: server.token });
    await waitFor(() => firstCellOnDisk(server, NOTEBOOK) === EDIT_KEPT, { timeout: LANDS_WITHIN, what: 'the kept edit on disk' });
    const landed = await waitForNotice(page, /is saved/, 'SaveKeeper\'s notice that the kept save landed');
    assert.match(landed, /“rainfall\.ipynb” is saved: the edit SaveKeeper kept has reached the server/);
    assert.deepEqual(await jupyterDialogs(page), [], 'no dialog of Jupyter\'s in the picture');
    const landedPng = await shot(page);
    await waitForText(popup, /Saves are protected/, 'the popup to clear');
    await popup.evaluate(() => { document.getElementById('more').open = true; });
    const healthy = await waitForText(popup, /Saves kept\s+1 \(1 finished later\)/, 'the popup to count the kept save that landed');
    assert.ok(!healthy.includes('Kept saves'), `no kept save left: ${healthy}`);
    assert.match(healthy, /Saves recovered\s+1\n/, 'the popup counts the save whose token was renewed');
    assert.match(healthy, /Saves kept\s+1 \(1 finished later\)/, 'and the kept save that landed');
    const healthyPng = await popupShot(popup);
    await popup.close();
    await page.close();

    // The pictures, composed in a page of their own.
    const shots = [
      { title: 'Saved after all', sub: 'The server went away mid-save. SaveKeeper kept the edit and saved it as soon as the server was back.', page: landedPng, popup: healthyPng },
      { title: 'Your edit is safe', sub: 'When a save cannot reach Jupyter, SaveKeeper keeps it, tells you in the page, and lists it in its popup.', page: keptPng, popup: recoveringPng },
      { title: 'No more “\'_xsrf\' argument missing”', sub: 'When Jupyter\'s security token is missing or stale, SaveKeeper renews it and sends the save again.', page: renewedPng, popup: protectedPng },
      { title: 'Nothing to set up', sub: 'It guards Jupyter at localhost from the start; turn it on for your JupyterHub from its toolbar button.', page: welcomePng },
    ];
    for (const s of shots.filter((x) => x.popup)) {
      const { height } = pngSize(s.popup);
      assert.ok(height <= SHOT.height - BAND, `the popup of "${s.title}" fits below the caption: ${height} px`);
    }
    const canvas = await b.browser.newPage();
    for (const [i, s] of shots.entries()) {
      const file = path.join(STORE, `screenshot-${i + 1}.png`);
      await drawTo(canvas, SHOT, screenshotHtml({ ...s, page: dataUrl(s.page), popup: s.popup && dataUrl(s.popup), icon }), file);
      files.push([file, SHOT]);
    }
    const promo = path.join(STORE, `promo-${PROMO.width}x${PROMO.height}.png`);
    await drawTo(canvas, PROMO, promoHtml(icon), promo);
    files.push([promo, PROMO]);
  } finally {
    if (b) await b.close();
    await server.stop();
  }

  // The check of the size can fail: on a PNG of another size, on a file that is none.
  assert.deepEqual(pngSize(ICON), { width: 128, height: 128 });
  assert.throws(() => pngSize(fileURLToPath(import.meta.url)), /is not a PNG/);
  assert.deepEqual(fs.readdirSync(STORE).sort(), files.map(([f]) => path.basename(f)).sort(), 'the store images, and nothing else');
  for (const [file, size] of files) {
    assert.deepEqual(pngSize(file), size, `${path.basename(file)} is a PNG of ${size.width}×${size.height}`);
  }
});

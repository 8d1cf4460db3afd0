// make bench: what SaveKeeper costs a Jupyter user, measured side by side
// with the same browser without it, in real headless Chromium and Firefox
// ESR against real servers: the classic Notebook UI (Debian's nbclassic,
// token login) and JupyterLab 4.6 (the pinned venv, password login, so
// that saves go through SaveKeeper's XSRF path).
//
// Each figure is the median of BENCH_RUNS runs (default 7; twice as many
// for saves; min and max are kept too), taken in turn with and without the extension after one
// warm-up each. The table goes to stdout, bench/results.json and
// docs/benchmarks.md (between the bench markers). Targets are the ones of issue 12;
// a target missed is reported, never asserted: make test has no timings.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';

import { BROWSERS, builtExtension, launchBrowser, launchWith, deleteXsrf, waitFor, openExtensionPage } from '../e2e/lib/browsers.mjs';
import { startJupyter, hashPassword } from '../e2e/lib/servers.mjs';
import { loginWithPassword } from '../e2e/lib/lab.mjs';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const RUNS = Number(process.env.BENCH_RUNS || 7);
const SAVE_RUNS = 2 * RUNS; // saves are quick and vary more than page loads
const SIZES = [['10 KB', 10 * 1024], ['1 MB', 1024 * 1024], ['20 MB', 20 * 1024 * 1024]];
const ENGINE_CALLS = 20; // warm engine answers timed per browser
// Pause after each timed save, longer than the page layer waits before it
// reports a plain save to the engine (QUIET_REPORT in page.js): one save's
// bookkeeping must not fall into the next save, of either browser.
const SAVE_PAUSE = 700;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- numbers -------------------------------------------------------------

/** {median, min, max, n} of a list of numbers. */
function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median, min: s[0], max: s[s.length - 1], n: s.length };
}

const rows = [];

/**
 * Records one figure. `with_` and `without` are lists of samples (without
 * may be null); `value` is what the target applies to, computed from their
 * medians by `measure` ('ratio', 'multiple' of `base`, 'difference', or the
 * median of with_ itself), and `target` an upper bound for it.
 */
function record({ figure, browser, unit, with_, without = null, base = null, measure = 'value', target = null, note = '' }) {
  const w = with_ && with_.length ? stats(with_) : null;
  const wo = without && without.length ? stats(without) : null;
  const b = base && base.length ? stats(base) : null;
  let value = null;
  if (w && measure === 'value') value = w.median;
  if (w && wo && measure === 'ratio') value = w.median / wo.median;
  if (w && wo && measure === 'difference') value = w.median - wo.median;
  if (w && b && measure === 'multiple') value = w.median / b.median;
  const row = { figure, browser, unit, with: w, without: wo, base: b, measure, value, target, met: value === null || target === null ? null : value <= target, note };
  rows.push(row);
  console.error(`bench: ${figure} [${browser}] ${format(row)}`);
  return row;
}

// ---- notebooks -----------------------------------------------------------

/** An nbformat 4 notebook of about `bytes` bytes: one code cell, padded in its metadata (kept and saved, never rendered). */
function paddedNotebook(bytes) {
  const nb = {
    cells: [{ cell_type: 'code', execution_count: null, metadata: { padding: '' }, outputs: [], source: 'x = 1' }],
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
    nbformat: 4,
    nbformat_minor: 4,
  };
  const empty = JSON.stringify(nb, null, 1).length;
  nb.cells[0].metadata.padding = 'p'.repeat(Math.max(0, bytes - empty));
  return JSON.stringify(nb, null, 1);
}

// ---- the two UIs ---------------------------------------------------------

/**
 * How each UI logs in, opens a notebook, tells when it is ready, and saves.
 * A notebook's kernel outlives its page: the next page of the notebook
 * joins the same session, so no kernel starts during a measured load.
 */
const UIS = {
  classic: {
    start: () => startJupyter({ flavor: 'nbclassic' }),
    async login(b, server) {
      const page = await b.browser.newPage();
      await page.goto(`${server.url}tree?token=${server.token}`, { waitUntil: 'domcontentloaded' });
      await page.close();
    },
    url: (server, name) => `${server.url}notebooks/${name}`,
    // Resolves to performance.now() at the first poll that finds the notebook loaded.
    ready: () => Boolean(window.Jupyter && Jupyter.notebook && Jupyter.notebook._fully_loaded) && performance.now(),
    async save(page) {
      return page.evaluate(async () => {
        const nb = Jupyter.notebook;
        nb.get_cell(0).set_text(`x = ${Math.random()}`);
        nb.set_dirty(true);
        const t = performance.now();
        await nb.save_notebook();
        return performance.now() - t;
      });
    },
  },
  lab: {
    start: async () => startJupyter({ flavor: 'lab', password: hashPassword('bench-password') }),
    async login(b, server) {
      const page = await loginWithPassword(b.browser, server);
      await page.close();
    },
    // A workspace of its own each time: the default one would reopen earlier notebooks.
    url: (server, name) => `${server.url}lab/workspaces/b${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}/tree/${name}`,
    ready: () => {
      const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
      return Boolean(w && w.context && w.context.isReady && w.content && w.content.widgets.length &&
        w.content.widgets[0].node.querySelector('.cm-content')) && performance.now();
    },
    async save(page) {
      return page.evaluate(async () => {
        const app = window.jupyterapp;
        app.shell.currentWidget.content.widgets[0].model.sharedModel.setSource(`x = ${Math.random()}`);
        const t = performance.now();
        await app.commands.execute('docmanager:save');
        return performance.now() - t;
      });
    },
  },
};

/** Opens `name` in a new page of b; resolves to {page, loadMs} (ms from navigation start to ready). */
async function open(b, ui, server, name) {
  const page = await b.browser.newPage();
  await page.goto(ui.url(server, name), { waitUntil: 'domcontentloaded', timeout: 60000 });
  const handle = await page.waitForFunction(ui.ready, { polling: 10, timeout: 120000 });
  const loadMs = await handle.jsonValue();
  await handle.dispose();
  return { page, loadMs };
}

/**
 * Runs fn(variant) RUNS times for each variant, after one warm-up each,
 * in turn and in alternating order (A B, B A, …) so that neither side
 * always goes first; resolves to the samples by variant label.
 */
async function interleaved(variants, fn, runs = RUNS) {
  const out = Object.fromEntries(variants.map((v) => [v.label, []]));
  for (let i = -1; i < runs; i++) {
    const order = i % 2 ? variants : [...variants].reverse();
    for (const v of order) {
      const x = await fn(v);
      if (i >= 0) out[v.label].push(x);
    }
  }
  return out;
}

// ---- figures --------------------------------------------------------------

/** Page load to notebook ready, with and without, for one browser and UI. */
async function pageLoad(variants, uiName, ui, server) {
  for (const v of variants) server.writeNotebookText(`load-${v.label}.ipynb`, paddedNotebook(10 * 1024));
  const s = await interleaved(variants, async (v) => {
    const { page, loadMs } = await open(v.b, ui, server, `load-${v.label}.ipynb`);
    await page.close();
    return loadMs;
  });
  record({ figure: `page load to notebook ready, ${uiName}`, browser: variants[0].b.name, unit: 'ms', with_: s.with, without: s.without, measure: 'ratio', target: 1.02 });
  if (variants[0].b.name === 'chromium') await loadProfile(variants.find((v) => v.label === 'with'), uiName, ui, server);
}

/**
 * The share of a notebook load that SaveKeeper's own scripts run, from
 * Chromium's sampling CPU profiler: the self time of page.js and relay.js
 * (which includes native calls they make, such as XHR.send, so it is an
 * upper bound), over the load time. Free of the load-to-load spread that
 * blurs the ratio above.
 */
async function loadProfile(withExt, uiName, ui, server) {
  const shares = [];
  for (let i = -1; i < RUNS; i++) {
    const page = await withExt.b.browser.newPage();
    const cdp = await page.createCDPSession();
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
    await cdp.send('Profiler.start');
    await page.goto(ui.url(server, 'load-with.ipynb'), { waitUntil: 'domcontentloaded', timeout: 60000 });
    const handle = await page.waitForFunction(ui.ready, { polling: 10, timeout: 120000 });
    const loadMs = await handle.jsonValue();
    const { profile } = await cdp.send('Profiler.stop');
    await cdp.detach();
    await page.close();
    const ours = new Set(profile.nodes.filter((n) => n.callFrame.url.startsWith(withExt.b.extensionOrigin)).map((n) => n.id));
    let us = 0;
    profile.samples.forEach((id, k) => { if (ours.has(id)) us += profile.timeDeltas[k] || 0; });
    if (i >= 0) shares.push((100 * us) / 1000 / loadMs);
  }
  record({ figure: `SaveKeeper's scripts' share of a notebook load, ${uiName} (CPU profiler)`, browser: withExt.b.name, unit: '%', with_: shares, target: 2 });
}

/** Save latency per notebook size, with and without; then, with SaveKeeper, a save refused for a deleted _xsrf. */
async function saves(variants, uiName, ui, server) {
  for (const [label, bytes] of SIZES) {
    const pages = {};
    for (const v of variants) {
      const name = `save-${bytes}-${v.label}.ipynb`;
      server.writeNotebookText(name, paddedNotebook(bytes));
      pages[v.label] = (await open(v.b, ui, server, name)).page;
    }
    const s = await interleaved(variants, async (v) => {
      const ms = await ui.save(pages[v.label]);
      await sleep(SAVE_PAUSE); // as a user saves: not back to back
      return ms;
    }, SAVE_RUNS);
    record({ figure: `save, ${label} notebook, ${uiName}`, browser: variants[0].b.name, unit: 'ms', with_: s.with, without: s.without, measure: 'ratio', target: 1.02 });
    if (bytes === SIZES[0][1]) {
      // Recovery: the save is refused for its token, SaveKeeper renews it and sends the save again.
      const withExt = variants.find((v) => v.label === 'with');
      const plain = [];
      const refused = [];
      for (let i = -1; i < SAVE_RUNS; i++) {
        const p = await ui.save(pages.with);
        await deleteXsrf(withExt.b.browser, server.url);
        const r = await ui.save(pages.with);
        if (i >= 0) { plain.push(p); refused.push(r); }
      }
      const onDisk = JSON.parse(fs.readFileSync(path.join(server.notebookDir, `save-${bytes}-with.ipynb`), 'utf8')).cells[0].source;
      const shown = await pages.with.evaluate(uiName === 'classic'
        ? () => Jupyter.notebook.get_cell(0).get_text()
        : () => window.jupyterapp.shell.currentWidget.content.widgets[0].model.sharedModel.getSource());
      if ([].concat(onDisk).join('') !== shown) throw new Error(`recovery: the last refused save did not land (${uiName})`);
      record({ figure: `recovery: refused save to landed, ${label}, ${uiName}`, browser: withExt.b.name, unit: 'ms', with_: refused, base: plain, measure: 'multiple', target: 3, note: 'multiple of a plain save' });
    }
    for (const v of variants) await pages[v.label].close();
  }
}

/**
 * Sends the engine a message from one of the extension's own pages and
 * resolves to the round trip in ms (extension page → background → engine →
 * extension page). A page's own scripts cannot reach the relay (it talks to
 * its page layer only, over a private channel); the hop from the relay to
 * the background is the same runtime message as this one.
 */
function askEngine(extPage) {
  return extPage.evaluate(async () => {
    const t = performance.now();
    const reply = await chrome.runtime.sendMessage({ type: 'status', tabId: -1 });
    if (!reply || reply.error) throw new Error(`no answer from the engine: ${JSON.stringify(reply)}`);
    return performance.now() - t;
  });
}

/** Warm and (Chromium) cold engine answers, and the engine's memory (Chromium). */
async function engine(variants, ui, server) {
  const withExt = variants.find((v) => v.label === 'with');
  const browser = withExt.b.name;
  server.writeNotebookText('engine.ipynb', paddedNotebook(10 * 1024));
  const { page } = await open(withExt.b, ui, server, 'engine.ipynb');
  const ext = await withExt.b.browser.newPage();
  try {
    await openExtensionPage(ext, `${withExt.b.extensionOrigin}/options.html`);
    // As a user comes back to a tab: its kernel idle, its start-up requests over.
    await page.waitForFunction(() => document.querySelector('#kernel_indicator_icon.kernel_idle_icon'), { polling: 100, timeout: 60000 });
    await sleep(2000);
    const warm = [];
    await askEngine(ext);
    for (let i = 0; i < ENGINE_CALLS; i++) warm.push(await askEngine(ext));
    record({ figure: 'engine answer, warm: runtime message → background → engine → back', browser, unit: 'ms', with_: warm, target: 5 });
    if (browser !== 'chromium') {
      record({ figure: 'engine answer, cold (service worker stopped)', browser, unit: 'ms', with_: [], note: 'not measured: the driver cannot stop Firefox\'s event page' });
      return;
    }
    const sw = () => withExt.b.browser.targets().find((t) => t.type() === 'service_worker' && t.url().startsWith(withExt.b.extensionOrigin));
    const cold = [];
    const cdp = await page.createCDPSession();
    await cdp.send('ServiceWorker.enable');
    for (let i = 0; i < RUNS; i++) {
      await cdp.send('ServiceWorker.stopAllWorkers');
      await waitFor(() => !sw(), { timeout: 5000, what: 'the service worker to stop' });
      await sleep(500);
      cold.push(await askEngine(ext));
    }
    await cdp.detach();
    record({ figure: 'engine answer, cold: service worker stopped (runtime message round trip)', browser, unit: 'ms', with_: cold, target: 200 });

    // Attached to the service worker from here on, which keeps it running.
    const inEngine = await (await sw().worker()).evaluate(async (n) => {
      const times = [];
      for (let i = 0; i < n; i++) {
        const t = performance.now();
        await globalThis.savekeeperEngine(JSON.stringify({ type: 'status', tabId: -1 }),
          JSON.stringify({ tabId: -1, url: chrome.runtime.getURL(''), extension: true }));
        times.push(performance.now() - t);
      }
      return times;
    }, ENGINE_CALLS);
    record({ figure: 'engine answer, warm: inside the background (status)', browser, unit: 'ms', with_: inEngine, target: 5 });

    // The engine's memory: the Go program's linear memory and the service worker's JS heap.
    await askEngine(ext);
    const wasmBytes = await (await sw().worker()).evaluate(() => (globalThis.savekeeperMemory ? globalThis.savekeeperMemory.buffer.byteLength : 0));
    const swCdp = await sw().createCDPSession();
    await swCdp.send('HeapProfiler.collectGarbage');
    const { usedSize } = await swCdp.send('Runtime.getHeapUsage');
    await swCdp.detach();
    record({ figure: 'engine memory: wasm linear memory', browser, unit: 'KiB', with_: [wasmBytes / 1024], note: 'one reading' });
    record({ figure: 'engine memory: service worker JS heap', browser, unit: 'KiB', with_: [usedSize / 1024], note: 'one reading' });
  } finally {
    await ext.close();
    await page.close();
  }
}

/**
 * The JS heap of a classic notebook tab after garbage collection, in
 * Chromium: without SaveKeeper, with the relay alone (a copy of the
 * package without page.js), and whole. The page layer's share is whole
 * minus relay alone; the relay's is mostly the isolated world Chromium
 * makes for any content script.
 */
async function tabHeap(variants, ui, server) {
  const relayOnly = fs.mkdtempSync(path.join(os.tmpdir(), 'savekeeper-bench-relay-'));
  fs.cpSync(builtExtension('chromium'), relayOnly, { recursive: true });
  const manifest = JSON.parse(fs.readFileSync(path.join(relayOnly, 'manifest.json'), 'utf8'));
  manifest.content_scripts = manifest.content_scripts.filter((c) => c.world !== 'MAIN');
  fs.writeFileSync(path.join(relayOnly, 'manifest.json'), JSON.stringify(manifest));
  const relay = { label: 'relay', b: { ...(await launchBrowser({ browser: 'chromium', extensionDir: relayOnly })), name: 'chromium' } };
  try {
    await ui.login(relay.b, server);
    const all = [...variants, relay];
    for (const v of all) server.writeNotebookText(`heap-${v.label}.ipynb`, paddedNotebook(10 * 1024));
    const heap = await interleaved(all, async (v) => {
      const { page } = await open(v.b, ui, server, `heap-${v.label}.ipynb`);
      await ui.save(page); // the page layer has seen a save
      await sleep(1000);
      const s = await page.createCDPSession();
      await s.send('HeapProfiler.collectGarbage');
      await s.send('HeapProfiler.collectGarbage');
      const { usedSize } = await s.send('Runtime.getHeapUsage');
      await s.detach();
      await page.close();
      return usedSize / 1024;
    });
    record({ figure: 'JS heap added to a classic notebook tab by the page layer (page.js)', browser: 'chromium', unit: 'KiB', with_: heap.with, without: heap.relay, measure: 'difference', target: 256, note: 'without: relay alone' });
    record({ figure: 'JS heap added to a classic notebook tab by all of SaveKeeper (page layer and relay)', browser: 'chromium', unit: 'KiB', with_: heap.with, without: heap.without, measure: 'difference' });
  } finally {
    await relay.b.close();
    fs.rmSync(relayOnly, { recursive: true, force: true });
  }
}

/** Sizes of what is shipped. */
function sizes() {
  const kb = (bytes) => bytes / 1024;
  const wasm = fs.readFileSync(path.join(ROOT, 'dist', 'chrome', 'engine.wasm'));
  record({ figure: 'engine.wasm, raw', browser: '—', unit: 'KiB', with_: [kb(wasm.length)], target: 3 * 1024 });
  record({ figure: 'engine.wasm, gzip -9', browser: '—', unit: 'KiB', with_: [kb(zlib.gzipSync(wasm, { level: 9 }).length)] });
  const version = fs.readFileSync(path.join(ROOT, 'VERSION'), 'utf8').trim();
  for (const pkg of [`savekeeper-chrome-${version}.zip`, `savekeeper-firefox-${version}.xpi`]) {
    const figure = `package ${pkg.replace(`-${version}`, '')}`; // the same row from one version to the next
    record({ figure, browser: '—', unit: 'KiB', with_: [kb(fs.statSync(path.join(ROOT, 'dist', pkg)).size)], target: 1.2 * 1024 });
  }
}

// ---- output ---------------------------------------------------------------

function num(x, unit) {
  if (x === null || x === undefined) return '—';
  const digits = (unit === 'ms' || unit === '%') && Math.abs(x) < 10 ? 2 : 0;
  return x.toFixed(digits);
}

function sample(s, unit) {
  if (!s) return '—';
  return s.n > 1 ? `${num(s.median, unit)} (${num(s.min, unit)}–${num(s.max, unit)})` : num(s.median, unit);
}

function valueText(r) {
  if (r.value === null) return '—';
  if (r.measure === 'ratio') return `×${r.value.toFixed(3)}`;
  if (r.measure === 'multiple') return `×${r.value.toFixed(2)} of a plain save`;
  if (r.measure === 'difference') return `${r.value >= 0 ? '+' : ''}${num(r.value, r.unit)} ${r.unit}`;
  return `${num(r.value, r.unit)} ${r.unit}`;
}

function targetText(r) {
  if (r.target === null) return '—';
  if (r.measure === 'ratio' || r.measure === 'multiple') return `≤ ×${r.target}`;
  return `≤ ${r.target} ${r.unit}`;
}

function format(r) {
  const met = r.met === null ? '' : r.met ? ' met' : ' MISSED';
  return `${valueText(r)} (with ${sample(r.with, r.unit)}, without ${sample(r.without || r.base, r.unit)})${met}`;
}

function table(machine) {
  const lines = [
    `Machine: ${machine.cpu} × ${machine.cores}, ${machine.memoryGB} GB, ${machine.os}; ${machine.browsers.join(', ')}; ${RUNS} runs per figure, ${SAVE_RUNS} for saves (median, min–max), ${machine.date}.`,
    '',
    '| figure | browser | without SaveKeeper | with SaveKeeper | result | target | met |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const met = r.met === null ? (r.note || '—') : r.met ? 'yes' : '**no**';
    const without = r.measure === 'multiple' ? `plain save: ${sample(r.base, r.unit)}` : sample(r.without, r.unit);
    const figure = r.note && r.met !== null ? `${r.figure} (${r.note})` : r.figure;
    lines.push(`| ${figure} | ${r.browser} | ${without} | ${sample(r.with, r.unit)} | ${valueText(r)} | ${targetText(r)} | ${met} |`);
  }
  return lines.join('\n');
}

function machineInfo(browserVersions) {
  const cpu = os.cpus()[0] ? os.cpus()[0].model.replace(/\s+/g, ' ').trim() : 'unknown CPU';
  let osName = `${os.type()} ${os.release()}`;
  try {
    osName = /PRETTY_NAME="([^"]+)"/.exec(fs.readFileSync('/etc/os-release', 'utf8'))[1];
  } catch { /* keep the kernel's name */ }
  return { cpu, cores: os.cpus().length, memoryGB: Math.round(os.totalmem() / 2 ** 30), os: osName, browsers: browserVersions, date: new Date().toISOString().slice(0, 10), node: process.version };
}

/** Replaces the bench table in docs/benchmarks.md (between its markers) with `text`. */
function updateTable(text) {
  const file = path.join(ROOT, 'docs', 'benchmarks.md');
  const readme = fs.readFileSync(file, 'utf8');
  const start = '<!-- bench:start -->';
  const end = '<!-- bench:end -->';
  const i = readme.indexOf(start);
  const j = readme.indexOf(end);
  if (i < 0 || j < i) throw new Error('docs/benchmarks.md has no bench markers (<!-- bench:start --> … <!-- bench:end -->)');
  fs.writeFileSync(file, `${readme.slice(0, i + start.length)}\n${text}\n${readme.slice(j)}`);
}

// ---- main -----------------------------------------------------------------

async function main() {
  for (const b of BROWSERS) builtExtension(b);
  const servers = {};
  for (const [name, ui] of Object.entries(UIS)) {
    const server = await ui.start();
    server.writeNotebookText = (file, text) => fs.writeFileSync(path.join(server.notebookDir, file), text);
    servers[name] = server;
  }
  const versions = [];
  try {
    for (const browserName of BROWSERS) {
      const variants = [];
      for (const withExtension of [true, false]) {
        const b = await launchWith(browserName, withExtension);
        variants.push({ label: withExtension ? 'with' : 'without', b: { ...b, name: browserName } });
      }
      versions.push(await variants[0].b.browser.version());
      try {
        for (const [name, ui] of Object.entries(UIS)) {
          for (const v of variants) await ui.login(v.b, servers[name]);
          await pageLoad(variants, name, ui, servers[name]);
          await saves(variants, name, ui, servers[name]);
        }
        await engine(variants, UIS.classic, servers.classic);
        if (browserName === 'chromium') await tabHeap(variants, UIS.classic, servers.classic);
        else record({ figure: 'JS heap added to a classic notebook tab by the page layer (page.js)', browser: browserName, unit: 'KiB', with_: [], note: 'not measured: Firefox gives no heap figure to the driver' });
      } finally {
        for (const v of variants) await v.b.close();
      }
    }
  } finally {
    for (const s of Object.values(servers)) await s.stop();
  }
  sizes();
  const machine = machineInfo(versions);
  const text = table(machine);
  fs.writeFileSync(path.join(ROOT, 'bench', 'results.json'), `${JSON.stringify({ machine, runs: RUNS, saveRuns: SAVE_RUNS, rows }, null, 1)}\n`);
  updateTable(text);
  console.log(text);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

// Helpers that drive JupyterLab 4 and Notebook 7 through their own UI:
// the login form, the notebook editor, the save command, the "File Save Error" dialog.
import { waitFor } from './browsers.mjs';

/** Logs in through the server's password form, in a new page. */
export async function loginWithPassword(browser, server) {
  const page = await browser.newPage();
  await page.goto(`${server.url}login`, { waitUntil: 'domcontentloaded' });
  await page.type('input[type=password]', server.password);
  await Promise.all([page.waitForNavigation({ waitUntil: 'domcontentloaded' }), page.keyboard.press('Enter')]);
  if (new URL(page.url()).pathname.endsWith('/login')) throw new Error(`login failed at ${page.url()}`);
  return page;
}

/**
 * Opens notebook `name` in `page` (JupyterLab or Notebook 7) and waits
 * until it can be edited. `url` overrides where it opens (a hub's page).
 */
export async function openLabNotebook(page, server, name, url = '') {
  const where = server.flavor === 'notebook7' ? `notebooks/${name}` : `lab/tree/${name}`;
  // A workspace of its own: the shared "default" one would reopen the
  // notebooks of earlier pages beside this one.
  const workspace = `/lab/workspaces/t${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}/tree/`;
  await page.goto((url || `${server.url}${where}`).replace('/lab/tree/', workspace), { waitUntil: 'domcontentloaded' });
  // Ready: the file is loaded, and its kernel has started (starting it
  // sends requests of its own, whose failure would show a dialog).
  await waitFor(() => page.evaluate(() => {
    const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
    const kernel = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
    return Boolean(w && w.context && w.context.isReady && w.content && w.content.activeCell &&
      kernel && kernel.status === 'idle');
  }), { timeout: 60000, what: `${name} to open in ${server.flavor || 'JupyterLab'} with its kernel idle` });
}

/**
 * Types `words` (plain words: no brackets or quotes, which the editor
 * would close by itself) into the first cell of notebook `name` (or, with
 * intoModel, puts them into the cell's model), saves with
 * the app's save command, and waits until the words are on disk or a dialog shows.
 * Resolves to {dialog}: the dialogs' text (such as "File Save Error for
 * x.ipynb"), or ''. A dialog is closed before it resolves.
 */
export async function typeAndSave(page, server, name, words, { intoModel = false } = {}) {
  if (intoModel) {
    // Where dialogs come and go (a server that stopped), the edit goes
    // into the cell's model, as the typing ends up.
    await page.evaluate((w) => {
      const m = window.jupyterapp.shell.currentWidget.content.widgets[0].model.sharedModel;
      m.setSource(`${m.getSource()} # ${w}`);
    }, words);
  } else {
    // The current notebook's first cell: a restored workspace can hold others.
    const cell = await page.evaluateHandle(() => window.jupyterapp.shell.currentWidget.node.querySelector('.jp-Cell .cm-content'));
    await cell.click();
    await cell.dispose();
    await page.keyboard.type(` # ${words}`);
  }
  await waitFor(() => page.evaluate((w) => window.jupyterapp.shell.currentWidget.content.widgets[0].model.sharedModel
    .getSource().includes(w), words), { timeout: 10000, what: 'the typed words in the cell' });
  // The app's own save command (what Ctrl+S runs), not awaited: a refused
  // save shows its dialog.
  await page.evaluate(() => { window.jupyterapp.commands.execute('docmanager:save').catch(() => {}); });
  const dialogs = () => page.evaluate(() => [...document.querySelectorAll('.jp-Dialog')].map((d) => d.innerText).join(' | '));
  try {
    await waitFor(async () => (await dialogs()) !== '' || cellOnDisk(server, name).includes(words),
      { timeout: 30000, what: 'the words on disk or a dialog' });
  } catch (e) {
    const seen = server.requests().slice(-12).map((r) => `${r.status} ${r.method} ${r.path}`).join(', ');
    throw new Error(`${e.message}; last requests: ${seen}`);
  }
  const dialog = await dialogs();
  if (dialog) await closeDialogs(page);
  return { dialog };
}

/**
 * Closes the dialogs on `page` as a user would, so that the page can be
 * used again: Escape, or the dialog's dismissing button where Escape does
 * nothing (JupyterHub's "Server unavailable" dialog). Resolves to their text.
 */
export async function closeDialogs(page) {
  const dialogs = () => page.evaluate(() => [...document.querySelectorAll('.jp-Dialog')].map((d) => d.innerText).join(' | '));
  const shown = await dialogs();
  await waitFor(async () => {
    if (await dialogs() === '') return true;
    await page.keyboard.press('Escape');
    await new Promise((r) => setTimeout(r, 200));
    await page.evaluate(() => {
      const button = document.querySelector('.jp-Dialog .jp-mod-reject') || document.querySelector('.jp-Dialog button');
      if (button) button.click();
    });
    return false;
  }, { timeout: 10000, interval: 300, what: `the dialog to close: ${shown}` });
  return shown;
}

/** The first cell's source on disk, as one string. */
export function cellOnDisk(server, name) {
  let nb;
  try {
    nb = server.readNotebook(name);
  } catch {
    return ''; // caught between the server's truncate and write
  }
  const src = nb.cells[0].source;
  return Array.isArray(src) ? src.join('') : src;
}

/** A marker made of words only, unique to this run. */
export function marker(label) {
  return `${label} ${Date.now()} ${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * The actions a lost `_xsrf` or login breaks besides a save, done in `page`
 * by JupyterLab's own client (the app's serviceManager: the real
 * @jupyterlab/services requests, through whatever wraps the page's fetch):
 * a new notebook (POST contents), opening a notebook with a kernel (POST
 * sessions, then the kernel's WebSocket), renaming it (PATCH), restarting
 * its kernel (POST …/restart), saving a text file (PUT). Each is tried in
 * turn, also after one failed; resolves to {name: '' (done) or the error}.
 * `tag` makes the file names unique. Also shuts the session down after.
 */
export async function labActions(page, tag) {
  return page.evaluate(async (t) => {
    const app = window.jupyterapp;
    const { contents, sessions } = app.serviceManager;
    const out = {};
    const tryIt = async (name, fn) => {
      try {
        await fn();
        out[name] = '';
      } catch (e) {
        out[name] = String(e && e.message || e).slice(0, 300) || 'failed';
      }
    };
    const within = (p, ms, what) => Promise.race([p, new Promise((_, no) => setTimeout(() => no(new Error(`${what}: no answer in ${ms} ms`)), ms))]);
    let created = null;
    let session = null;
    await tryIt('new notebook', async () => { created = await contents.newUntitled({ type: 'notebook', path: '' }); });
    await tryIt('open with a kernel', async () => {
      if (!created) throw new Error('no notebook to open');
      session = await sessions.startNew({ path: created.path, type: 'notebook', name: created.name, kernel: { name: 'python3' } });
      // The kernel's info arrives over its WebSocket, once it is connected.
      const info = await within(session.kernel.info, 30000, 'the kernel info over its WebSocket');
      if (!info || info.status !== 'ok') throw new Error(`kernel info: ${JSON.stringify(info)}`);
    });
    await tryIt('rename', async () => {
      if (!created) throw new Error('no notebook to rename');
      const to = `renamed-${t}.ipynb`;
      const renamed = await contents.rename(created.path, to);
      if (renamed.path !== to) throw new Error(`renamed to ${renamed.path}`);
    });
    await tryIt('restart the kernel', async () => {
      if (!session || !session.kernel) throw new Error('no kernel to restart');
      await within(session.kernel.restart(), 15000, 'the restart');
    });
    await tryIt('save a text file', async () => {
      await contents.save(`notes-${t}.txt`, { type: 'file', format: 'text', content: `notes ${t}\n` });
    });
    if (session) await session.shutdown().catch(() => {});
    return out;
  }, tag);
}

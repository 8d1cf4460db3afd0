// Helpers that drive the classic Notebook UI (Notebook 6 and nbclassic)
// in a puppeteer page, the way a user would: open, edit a cell, save.
import { waitFor } from './browsers.mjs';

/** Logs in with the server's token URL, then opens the notebook `name`. */
export async function openNotebook(browser, server, name) {
  const page = await browser.newPage();
  await page.goto(`${server.url}tree?token=${server.token}`, { waitUntil: 'domcontentloaded' });
  await openNotebookAt(page, `${server.url}notebooks/${name}`);
  return page;
}

/** Loads the classic notebook page at `url` in `page` and waits until the notebook is ready. */
export async function openNotebookAt(page, url) {
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  await waitFor(
    () => page.evaluate(() => Boolean(window.Jupyter && Jupyter.notebook && Jupyter.notebook._fully_loaded)),
    { timeout: 30000, what: `${url} to load` },
  );
}

/**
 * Replaces the first cell's text with `text` and saves with the notebook's
 * own save. Resolves to {ok, error, notification}: how the save ended and
 * what Jupyter's notification area said.
 */
export async function editAndSave(page, text) {
  await page.evaluate((t) => {
    const cell = Jupyter.notebook.get_cell(0);
    cell.set_text(t);
    Jupyter.notebook.set_dirty(true);
  }, text);
  // What the notification area shows during the save, as it may change
  // again before the save's promise is seen here (on a busy machine).
  await page.evaluate(() => {
    const n = document.querySelector('#notification_notebook');
    window.testNotes = [];
    if (n && !window.testNotesObserver) {
      window.testNotesObserver = new MutationObserver(() => { if (n.textContent) window.testNotes.push(n.textContent); });
      window.testNotesObserver.observe(n, { childList: true, subtree: true, characterData: true });
    }
  });
  const result = await page.evaluate(() => Jupyter.notebook.save_notebook().then(
    () => ({ ok: true, error: '' }),
    (e) => ({ ok: false, error: String((e && e.message) || e) }),
  ));
  const notification = () => page.evaluate(() => {
    const n = document.querySelector('#notification_notebook');
    return (n && n.textContent) || window.testNotes.at(-1) || '';
  });
  // A failed save's notification follows its promise's rejection.
  result.notification = result.ok ? await notification()
    : await waitFor(notification, { timeout: 3000, what: 'the notification' }).catch(() => '');
  return result;
}

/** The first cell's source on disk, as one string. */
export function firstCellOnDisk(server, name) {
  const src = server.readNotebook(name).cells[0].source;
  return Array.isArray(src) ? src.join('') : src;
}

/** Requests in the server log since `offset` that renewed the cookie. */
export function renewals(server, offset) {
  return server.requests(offset).filter((r) => r.method === 'GET' && r.path === `${server.baseUrl}tree`);
}

/** A unique cell text, so a stale file can never pass for the edit. */
export function uniqueText(label) {
  return `print(${JSON.stringify(`${label} ${Date.now()} ${Math.random().toString(36).slice(2, 8)}`)})`;
}

/**
 * The PUT requests the server logged since `offset`, once at least `n` are
 * there (with `status`, if given): a response can reach the browser before
 * the server writes its log line.
 */
export async function putsLogged(server, offset, n, status = 0) {
  const puts = () => server.requests(offset).filter((r) => r.method === 'PUT');
  const enough = () => puts().filter((r) => !status || r.status === status).length >= n;
  await waitFor(enough, { timeout: 10000, what: `${n} PUT requests in the ${server.flavor} log` }).catch(() => {});
  return puts();
}

/** The titles of the classic Notebook's dialogs open in `page` ("Notebook changed", "Dead kernel", …). */
export const jupyterDialogs = (page) => page.evaluate(() => [...document.querySelectorAll('.modal.in .modal-title')].map((e) => e.textContent));

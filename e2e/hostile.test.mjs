// End-to-end: a hostile script talks to SaveKeeper directly.
//
// A script in a Jupyter page (notebook output is code the user did not
// write) and a script in a page of another site dispatch the relay's
// events themselves, with every message the page layer could send and
// some it never sends. They must get no other server's token or kept
// saves, cause no request to another server, and reach none of the
// extension's own messages. The other server is on another host
// (localhost vs 127.0.0.1), so its cookies are out of the page's reach.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { startJupyter } from './lib/servers.mjs';
import { browserPair, builtExtension, BROWSERS, waitFor, getCookies, openExtensionPage, keptCount } from './lib/browsers.mjs';
import { openNotebook, editAndSave, uniqueText } from './lib/classic.mjs';
import { startPlainServer } from './lib/pages.mjs';

const TEST_TIMEOUT = 180000;
const MISSING = '{"message": "\'_xsrf\' argument missing from POST", "reason": null}';

let mine; // the page's own server, on 127.0.0.1
let theirs; // another server, on localhost
let plain;

before(async () => {
  for (const b of BROWSERS) builtExtension(b);
  mine = await startJupyter({ flavor: 'notebook6' });
  theirs = await startJupyter({ flavor: 'nbclassic' });
  plain = await startPlainServer();
});

after(async () => {
  await mine.stop();
  await theirs.stop();
  await plain.close();
});

/**
 * Runs in the page: sends `msg` (and `body`) as the relay's request event
 * and resolves to {reply, body} or null when nothing answers in 3 s.
 */
function forge(msg, body) {
  return new Promise((resolve) => {
    const id = `forged-${Math.random()}`;
    const onReply = (event) => {
      const d = String(event.detail);
      const cut = d.indexOf('\n');
      const head = JSON.parse(cut >= 0 ? d.slice(0, cut) : d);
      if (head.id !== id) return;
      document.removeEventListener('savekeeper:reply', onReply);
      resolve({ reply: head.reply, body: cut >= 0 ? d.slice(cut + 1) : null });
    };
    document.addEventListener('savekeeper:reply', onReply);
    setTimeout(() => {
      document.removeEventListener('savekeeper:reply', onReply);
      resolve(null);
    }, 3000);
    let detail = JSON.stringify({ id, msg });
    if (body !== undefined) detail += `\n${body}`;
    document.dispatchEvent(new CustomEvent('savekeeper:request', { detail }));
  });
}

/** Sends each of `messages` ([msg, body?]) from `page` in turn and returns the answers. */
async function forgeAll(page, messages) {
  const out = [];
  for (const [msg, body] of messages) out.push(await page.evaluate(forge, msg, body));
  return out;
}

for (const browserName of BROWSERS) {
  describe(browserName, () => {
    const pair = browserPair(browserName);
    const theirUrl = () => `http://localhost:${theirs.port}/`;

    /** Keeps a save of `theirs` (stopped meanwhile) and returns its rescue id and _xsrf value. */
    async function theirKeptSave(b) {
      const server = { ...theirs, url: theirUrl() };
      const name = `theirs-${browserName}.ipynb`;
      theirs.writeNotebook(name, ['print("theirs")']);
      const page = await openNotebook(b.browser, server, name);
      const token = (await getCookies(b.browser, theirUrl())).find((c) => c.name === '_xsrf').value;
      await theirs.stop({ keepHome: true });
      try {
        assert.equal((await editAndSave(page, uniqueText('theirs'))).ok, false);
        const popup = await b.browser.newPage();
        await openExtensionPage(popup, `${b.extensionOrigin}/popup.html?for=${encodeURIComponent(page.url())}`);
        const id = await waitFor(() => popup.evaluate(() => {
          const button = document.querySelector('button[data-key$=":download"]');
          return button && button.dataset.key.split(':')[0];
        }), { timeout: 30000, what: 'their kept save' });
        await popup.close();
        return { id, token, name };
      } finally {
        await page.close();
        theirs = await startJupyter({ flavor: 'nbclassic', port: theirs.port, home: theirs.home, token: theirs.token });
      }
    }

    test('a script in a Jupyter page gets nothing of another server through SaveKeeper', { timeout: TEST_TIMEOUT }, async () => {
      const b = pair.withExt;
      const kept = await theirKeptSave(b);
      const keptBefore = await keptCount(b);
      assert.ok(keptBefore >= 1);
      mine.writeNotebook('hostile.ipynb', ['print(1)']);
      const page = await openNotebook(b.browser, mine, 'hostile.ipynb');
      const toTheirs = [];
      page.on('request', (r) => { if (r.url().startsWith(theirUrl())) toTheirs.push(r.url()); });
      try {
        const save = `${theirUrl()}api/contents/${kept.name}`;
        const answers = await forgeAll(page, [
          [{ type: 'failed', url: save, method: 'PUT', status: 403, contentType: 'application/json', body: MISSING, sentToken: '' }],
          [{ type: 'renewed', lease: 'guessed', status: 200, finalUrl: `${theirUrl()}tree` }],
          [{ type: 'rescue', url: save, method: 'PUT', status: 0 }, '{"type":"notebook","content":{}}'],
          [{ type: 'check', id: kept.id, status: 404 }],
          [{ type: 'body', id: kept.id }],
          [{ type: 'finished', id: kept.id, method: 'PUT', status: 200, ok: true }],
          [{ type: 'hello', flavor: 'classic', baseUrl: '/user/else/' }],
        ]);
        const text = JSON.stringify(answers);
        assert.ok(!text.includes(kept.token), 'their token never reaches the page');
        assert.equal(answers[0].reply.action, 'give-up', 'no verdict for another server\'s request');
        assert.equal(answers[1].reply.action, 'give-up');
        assert.ok(answers[2].reply.error, `no kept save for another server: ${JSON.stringify(answers[2])}`);
        assert.equal(answers[3].reply.action, 'keep', 'their kept save is not this page\'s to check');
        assert.ok(answers[4].reply.error && answers[4].body === null, 'their body is not handed out');
        assert.ok(answers[5].reply.error, 'their kept save cannot be cleared');
        assert.ok(answers[6].reply.error, 'a page cannot claim a server it is not under');

        // The extension's own messages do not pass the relay at all.
        const own = await forgeAll(page, [
          [{ type: 'status', tabId: 1 }], [{ type: 'discard', id: kept.id }], [{ type: 'save-now', id: kept.id }],
          [{ type: 'settings', keepDays: 1 }], [{ type: 'sweep', ids: [kept.id] }], [{ type: 'tend' }],
        ]);
        assert.deepEqual(own, [null, null, null, null, null, null]);

        // A flood is cut off.
        const flood = await page.evaluate(async (f) => {
          const forgeIn = new Function(`return ${f}`)();
          const replies = await Promise.all(Array.from({ length: 150 }, () => forgeIn({ type: 'due' })));
          return replies.filter((r) => r && r.reply.reason === 'rate-limited').length;
        }, forge.toString());
        assert.ok(flood > 0, 'some of 150 messages in a burst are refused');

        assert.deepEqual(toTheirs, [], 'no request went to the other server');
        assert.equal(await keptCount(b), keptBefore, 'no kept save was added or cleared');
      } finally {
        await page.close();
      }
    });

    test('a page of another site cannot reach a Jupyter server through SaveKeeper', { timeout: TEST_TIMEOUT }, async () => {
      const b = pair.withExt;
      const page = await b.browser.newPage();
      const toJupyter = [];
      page.on('request', (r) => { if (r.url().startsWith(mine.url)) toJupyter.push(r.url()); });
      try {
        await page.goto(plain.url, { waitUntil: 'load' });
        const save = `${mine.url}api/contents/x.ipynb`;
        const answers = await forgeAll(page, [
          [{ type: 'failed', url: save, method: 'PUT', status: 403, contentType: 'application/json', body: MISSING, sentToken: '' }],
          [{ type: 'hello', flavor: 'classic', baseUrl: '/' }], // it may say hello, for itself
          [{ type: 'failed', url: save, method: 'PUT', status: 403, contentType: 'application/json', body: MISSING, sentToken: '' }],
          [{ type: 'rescue', url: save, method: 'PUT', status: 0 }, '{}'],
          [{ type: 'due' }],
        ]);
        const token = (await getCookies(b.browser, mine.url)).find((c) => c.name === '_xsrf');
        if (token) assert.ok(!JSON.stringify(answers).includes(token.value), 'the Jupyter token never reaches it');
        assert.equal(answers[0].reply.action, 'give-up');
        assert.equal(answers[2].reply.action, 'give-up', 'a request for another origin gets no verdict');
        assert.ok(answers[3].reply.error, 'no kept save for another origin');
        assert.deepEqual(answers[4].reply.rescues || [], []);
        assert.deepEqual(toJupyter, [], 'no request went to the Jupyter server');
      } finally {
        await page.close();
      }
    });
  });
}

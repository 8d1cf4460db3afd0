// End-to-end: a hostile script talks to SaveKeeper directly.
//
// A script in a Jupyter page (notebook output is code the user did not
// write) and a script in a page of another site dispatch the relay's
// events themselves, with every message the page layer could send and
// some it never sends. They must get no other server's token or kept
// saves, cause no request to another server, and reach none of the
// extension's own messages. The other server is on another host
// (localhost vs 127.0.0.1), so its cookies are out of the page's reach.
// On the real JupyterHub 6 alice's and bob's servers share one origin, and
// alice, who may use bob's server, opens his notebook: a script in it tries
// the same on her server, also claiming a base URL above bob's.
import fs from 'node:fs';
import path from 'node:path';
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { startJupyter } from './lib/servers.mjs';
import { browserPair, builtExtension, BROWSERS, waitFor, getCookies, deleteCookie, openExtensionPage, keptCount } from './lib/browsers.mjs';
import { openNotebook, openNotebookAt, editAndSave, firstCellOnDisk, uniqueText } from './lib/classic.mjs';
import { startPlainServer } from './lib/pages.mjs';
import { startHub, loginHub, openSharedServer } from './lib/hub.mjs';
import { forge, everyMessage } from './lib/forge.mjs';

const TEST_TIMEOUT = 180000;

let mine; // the page's own server, on 127.0.0.1
let theirs; // another server, on localhost
let plain;
let hub; // JupyterHub 6 with the classic UI; alice may use bob's server

before(async () => {
  for (const b of BROWSERS) builtExtension(b);
  mine = await startJupyter({ flavor: 'notebook6' });
  theirs = await startJupyter({ flavor: 'nbclassic' });
  plain = await startPlainServer();
  hub = await startHub({ app: 'nbclassic', access: { alice: ['bob'] } });
});

after(async () => {
  await mine.stop();
  await theirs.stop();
  await plain.close();
  await hub.stop();
});

/** The id of the first kept save the popup lists for the page at `pageUrl`. */
async function keptSaveId(b, pageUrl) {
  const popup = await b.browser.newPage();
  try {
    await openExtensionPage(popup, `${b.extensionOrigin}/popup.html?for=${encodeURIComponent(pageUrl)}`);
    return await waitFor(() => popup.evaluate(() => {
      const button = document.querySelector('button[data-key$=":download"]');
      return button && button.dataset.key.split(':')[0];
    }), { timeout: 30000, what: 'a kept save in the popup' });
  } finally {
    await popup.close();
  }
}

/**
 * The control that shows the page layer of `page` talks to the engine: its
 * _xsrf cookies deleted, a save of the open classic notebook still lands.
 */
async function pageLayerWorks(b, page, url, cookiePath) {
  await deleteCookie(b.browser, { name: '_xsrf', url, path: cookiePath });
  const text = uniqueText('control');
  const result = await editAndSave(page, text);
  assert.equal(result.ok, true, `the page's own save lands through SaveKeeper: ${JSON.stringify(result)}`);
}

for (const browserName of BROWSERS) {
  describe(browserName, () => {
    const pair = browserPair(browserName);
    const theirUrl = () => `http://localhost:${theirs.port}/`;

    /** Keeps a save of `theirs` (stopped meanwhile) once, and returns its rescue id and _xsrf value. */
    let theirs1 = null;
    function theirKeptSave(b) {
      theirs1 = theirs1 || (async () => {
        const server = { ...theirs, url: theirUrl() };
        const name = `theirs-${browserName}.ipynb`;
        theirs.writeNotebook(name, ['print("theirs")']);
        const page = await openNotebook(b.browser, server, name);
        const token = (await getCookies(b.browser, theirUrl())).find((c) => c.name === '_xsrf').value;
        await theirs.stop({ keepHome: true });
        try {
          assert.equal((await editAndSave(page, uniqueText('theirs'))).ok, false);
          return { id: await keptSaveId(b, page.url()), token, name };
        } finally {
          await page.close();
          theirs = await startJupyter({ flavor: 'nbclassic', port: theirs.port, home: theirs.home, token: theirs.token });
        }
      })();
      return theirs1;
    }

    test('a script in a Jupyter page gets nothing of another server through SaveKeeper: its events reach no relay', { timeout: TEST_TIMEOUT }, async () => {
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
        const answers = await forge(page, [
          ...everyMessage(save, kept.id, '/'),
          [{ type: 'hello', flavor: 'classic', baseUrl: '/user/else/' }],
          // The extension's own messages.
          [{ type: 'status', tabId: 1 }], [{ type: 'discard', id: kept.id }], [{ type: 'save-now', id: kept.id }],
          [{ type: 'settings', keepDays: 1 }], [{ type: 'sweep', ids: [kept.id] }], [{ type: 'tend' }],
          // A burst.
          ...Array.from({ length: 150 }, () => [{ type: 'due' }]),
        ]);
        assert.ok(!JSON.stringify(answers).includes(kept.token), 'their token never reaches the page');
        assert.deepEqual(answers.filter(Boolean), [], 'no forged message is answered: the relay hears its page layer only');
        assert.deepEqual(toTheirs, [], 'no request went to the other server');
        assert.equal(await keptCount(b), keptBefore, 'no kept save was added or cleared');
        await pageLayerWorks(b, page, mine.url, '/'); // the control: SaveKeeper is on in this page
      } finally {
        await page.close();
      }
    });

    test('a script that redefines built-ins the page layer meets (event detail, Object.prototype) gets neither its channel nor a reply', { timeout: TEST_TIMEOUT }, async () => {
      const b = pair.withExt;
      mine.writeNotebook('prototypes.ipynb', ['print(1)']);
      const page = await openNotebook(b.browser, mine, 'prototypes.ipynb');
      try {
        const seen = await page.evaluate(async (url) => {
          const caught = { targets: 0, fromPrototype: [] };
          const body = JSON.stringify({ type: 'notebook', content: { cells: [], metadata: {}, nbformat: 4, nbformat_minor: 5 } });
          const init = { method: 'PUT', headers: { 'X-XSRFToken': 'wrong' }, body };
          const TYPES = ['hello', 'failed', 'renewed', 'outcome', 'due', 'check', 'finished', 'rescue', 'body'];
          const ours = (o) => {
            if (!o || typeof o !== 'object' || o === init) return false;
            const own = Object.keys(o);
            return ['action', 'sayHello', 'lease', 'retryIn', 'rescues', 'msg'].some((k) => own.includes(k)) ||
              (own.includes('type') && TYPES.includes(o.type));
          };
          const detail = Object.getOwnPropertyDescriptor(CustomEvent.prototype, 'detail').get;
          Object.defineProperty(CustomEvent.prototype, 'detail', {
            configurable: true,
            get() {
              if (this.target && this.target !== document) caught.targets += 1;
              return detail.call(this);
            },
          });
          for (const name of ['then', 'body', 'action', 'token', 'rescues', 'signal', 'toJSON']) {
            Object.defineProperty(Object.prototype, name, {
              configurable: true,
              // The page layer's replies, messages and requests, if they
              // came this way (Jupyter's own objects do too, and are not counted).
              get() {
                if (ours(this)) caught.fromPrototype.push(`get ${name} of ${Object.keys(this)}`);
                return undefined;
              },
              set(v) {
                if (ours(this)) caught.fromPrototype.push(`set ${name} of ${Object.keys(this)}: ${String(v).slice(0, 40)}`);
              },
            });
          }
          // Make the page layer ask the engine: a save refused for its token.
          const status = await fetch(`${url}api/contents/prototypes.ipynb`, init).then((r) => r.status, (e) => String(e));
          for (const name of ['then', 'body', 'action', 'token', 'rescues', 'signal', 'toJSON']) delete Object.prototype[name];
          Object.defineProperty(CustomEvent.prototype, 'detail', { configurable: true, get: detail });
          return { status, ...caught };
        }, mine.url);
        assert.equal(seen.targets, 0, 'no event of the channel went through the page\'s getter');
        assert.deepEqual(seen.fromPrototype, [], 'no reply, message or request of the page layer went through Object.prototype');
        assert.ok([200, 201].includes(seen.status), `the page layer still recovered the save: ${seen.status}`);
      } finally {
        await page.close();
      }
    });

    test('a sandboxed file the server serves (/files/, opaque origin) gets nothing of its server', { timeout: TEST_TIMEOUT }, async () => {
      const b = pair.withExt;
      const kept = await theirKeptSave(b);
      const keptBefore = await keptCount(b);
      fs.writeFileSync(path.join(theirs.notebookDir, 'evil.html'), '<!doctype html><html><body data-base-url="/"><p>a file</p></body></html>');
      const page = await b.browser.newPage();
      const toTheirs = [];
      try {
        await page.goto(`${theirUrl()}tree?token=${theirs.token}`, { waitUntil: 'domcontentloaded' });
        await page.goto(`${theirUrl()}files/evil.html`, { waitUntil: 'load' });
        page.on('request', (r) => { if (r.url().includes('/api/')) toTheirs.push(r.url()); });
        assert.equal(await page.evaluate(() => self.origin), 'null', 'Jupyter serves the file sandboxed');
        const answers = await forge(page, everyMessage(`${theirUrl()}api/contents/${kept.name}`, kept.id, '/'));
        assert.ok(!JSON.stringify(answers).includes(kept.token), 'the server\'s token never reaches the file');
        assert.deepEqual(answers.filter(Boolean), [], 'no message is answered in an opaque origin');
        assert.deepEqual(toTheirs, [], 'no request to the server\'s API');
        assert.equal(await keptCount(b), keptBefore, 'its kept save is neither read nor cleared');
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
        const answers = await forge(page, everyMessage(`${mine.url}api/contents/x.ipynb`, 'x', '/'));
        const token = (await getCookies(b.browser, mine.url)).find((c) => c.name === '_xsrf');
        if (token) assert.ok(!JSON.stringify(answers).includes(token.value), 'the Jupyter token never reaches it');
        assert.deepEqual(answers.filter(Boolean), [], 'no forged message is answered');
        assert.deepEqual(toJupyter, [], 'no request went to the Jupyter server');
      } finally {
        await page.close();
      }
    });

    test('on JupyterHub (one origin), bob\'s page gets nothing of alice\'s: forging as itself, claiming a base above its own, after replaceState, through a window it opened, or from her tab after it left for his server', { timeout: 2 * TEST_TIMEOUT }, async () => {
      const b = pair.withExt;
      const [aliceBase, bobBase] = [hub.userUrl('alice'), hub.userUrl('bob')];
      const alicePath = new URL(aliceBase).pathname;
      const aliceNb = `alice-${browserName}.ipynb`;
      const bobNb = `bob-${browserName}.ipynb`;
      hub.writeNotebook('alice', aliceNb, ['print("alice")']);
      hub.writeNotebook('bob', bobNb, ['print("bob")']);
      await hub.startServer('bob');

      // Alice works on her server; it stops while she saves: the save is kept.
      const alicePage = await loginHub(b.browser, hub, 'alice');
      await openNotebookAt(alicePage, hub.notebookUrl('alice', aliceNb));
      const aliceToken = (await getCookies(b.browser, aliceBase)).find((c) => c.name === '_xsrf' && c.path === alicePath).value;
      await hub.stopServer('alice');
      const aliceText = uniqueText('alice');
      assert.equal((await editAndSave(alicePage, aliceText)).ok, false);
      const kept = await keptSaveId(b, alicePage.url());
      await alicePage.close();
      await hub.startServer('alice'); // running again, so a forged save could reach it

      // Alice opens bob's notebook; the hub asks her to authorize his server once.
      const page = await openSharedServer(b.browser, hub, 'bob');
      await openNotebookAt(page, hub.notebookUrl('bob', bobNb));
      const keptBefore = await keptCount(b);
      const tabsBefore = (await b.browser.pages()).length;
      const offset = hub.logOffset();
      const aliceSave = `${aliceBase}api/contents/${aliceNb}`;
      const answers = {};
      try {
        answers.asBob = await forge(page, [
          ...everyMessage(aliceSave, kept, alicePath),
          ...everyMessage(aliceSave, kept, '/user/'),
          ...everyMessage(aliceSave, kept, '/'),
        ]);
        // The same document moves itself under alice's server and claims it.
        await page.evaluate((p) => history.replaceState(null, '', `${p}nbclassic/tree`), alicePath);
        answers.replaced = await forge(page, everyMessage(aliceSave, kept, alicePath));
        await page.evaluate(() => history.replaceState(null, '', '/'));
        const toAlice = hub.requests(offset).filter((r) => r.path.startsWith(alicePath));
        assert.deepEqual(toAlice, [], 'no request reached alice\'s server: no renewal, no save');
        assert.equal((await b.browser.pages()).length, tabsBefore, 'no background tab was opened');
        assert.equal(await keptCount(b), keptBefore, 'no kept save was added or cleared');

        // Bob's page opens alice's notebook in a window of its own, and
        // speaks into that window's document, which her relay serves. The
        // browser reuses the new window's first, blank one for her page:
        // bob changes its dispatchEvent before her page layer runs, and so
        // gets her page layer's channel.
        await page.evaluate((u) => {
          window.__opened = window.open(u);
          const proto = window.__opened.EventTarget.prototype;
          const dispatch = proto.dispatchEvent;
          proto.dispatchEvent = function (event) {
            if (!window.__channel && this.nodeName === 'SPAN') window.__channel = this;
            return dispatch.call(this, event);
          };
        }, hub.notebookUrl('alice', aliceNb));
        await waitFor(() => page.evaluate(() => Boolean(window.__opened && window.__opened.Jupyter &&
          window.__opened.Jupyter.notebook && window.__opened.Jupyter.notebook._fully_loaded)),
        { timeout: 30000, what: 'alice\'s notebook in the window bob\'s page opened' });
        answers.opened = await forge(page, everyMessage(aliceSave, kept, alicePath), { where: 'opened' });
        // Through her page layer's own channel: it may recover her page's
        // requests (what her page can do itself), but the writing back of
        // kept saves is not done in a window another page opened.
        assert.equal(await page.evaluate(() => Boolean(window.__channel)), true, 'bob\'s page took the channel (the browser allows it)');
        const through = await forge(page, [[{ type: 'due' }], [{ type: 'check', id: kept, status: 404 }], [{ type: 'body', id: kept }],
          [{ type: 'finished', id: kept, method: 'PUT', status: 200, ok: true }]], { where: 'channel' });
        assert.ok(through.every((a) => !a || (!a.body && !(a.reply.rescues || []).length && a.reply.action !== 'write')),
          `no kept save of hers is listed, granted, read or cleared through it: ${JSON.stringify(through).slice(0, 600)}`);
        assert.equal(await keptCount(b), keptBefore, 'her kept save is still there');

        // Her tab, which said hello for her server, goes to a page of bob's
        // server without a Jupyter marker; a script there speaks.
        const opened = await waitFor(async () => (await b.browser.pages()).find((p) => p.url().startsWith(aliceBase)),
          { what: 'the opened window as a page' });
        await opened.goto(`${bobBase}view/${bobNb}`, { waitUntil: 'load' });
        answers.left = await forge(opened, everyMessage(aliceSave, kept, alicePath).slice(1));
        await opened.close();
        // Each way in, in turn: how many forged messages were answered (none may be).
        const answered = Object.fromEntries(Object.entries(answers).map(([k, list]) => [k, list.filter(Boolean).length]));
        assert.deepEqual(answered, { asBob: 0, replaced: 0, opened: 0, left: 0 }, `forged messages answered: ${JSON.stringify(answers).slice(0, 1500)}`);
        assert.ok(!JSON.stringify(answers).includes(aliceToken), 'alice\'s token never reaches bob\'s scripts');

        await pageLayerWorks(b, page, bobBase, new URL(bobBase).pathname); // the control: SaveKeeper is on in bob's page
      } finally {
        await page.close();
      }
      // Alice's kept save was hers all along: her own page finishes it.
      const again = await b.browser.newPage();
      const finishing = hub.logOffset();
      try {
        await openNotebookAt(again, hub.notebookUrl('alice', aliceNb));
        await waitFor(() => firstCellOnDisk({ readNotebook: (name) => hub.readNotebook('alice', name) }, aliceNb) === aliceText,
          { timeout: 30000, what: 'alice\'s kept save on disk' }).catch((e) => {
          const tried = hub.requests(finishing).filter((r) => r.path.includes('/api/contents/'));
          e.message += `; her server saw ${JSON.stringify(tried)}`;
          throw e;
        });
      } finally {
        await again.close();
      }
    });
  });
}

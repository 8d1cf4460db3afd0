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
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { startJupyter } from './lib/servers.mjs';
import { browserPair, builtExtension, BROWSERS, waitFor, getCookies, openExtensionPage, keptCount } from './lib/browsers.mjs';
import { openNotebook, openNotebookAt, editAndSave, firstCellOnDisk, uniqueText } from './lib/classic.mjs';
import { startPlainServer } from './lib/pages.mjs';
import { startHub, loginHub } from './lib/hub.mjs';

const TEST_TIMEOUT = 180000;
const MISSING = '{"message": "\'_xsrf\' argument missing from POST", "reason": null}';

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
        return { id: await keptSaveId(b, page.url()), token, name };
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

    test('on JupyterHub (one origin), a script in bob\'s server page gets nothing of alice\'s through SaveKeeper, even claiming a base URL above bob\'s', { timeout: TEST_TIMEOUT }, async () => {
      const b = pair.withExt;
      const [aliceBase, bobBase] = [hub.userUrl('alice'), hub.userUrl('bob')];
      const aliceNb = `alice-${browserName}.ipynb`;
      const bobNb = `bob-${browserName}.ipynb`;
      hub.writeNotebook('alice', aliceNb, ['print("alice")']);
      hub.writeNotebook('bob', bobNb, ['print("bob")']);
      await hub.startServer('bob');

      // Alice works on her server; it stops while she saves: the save is kept.
      const alicePage = await loginHub(b.browser, hub, 'alice');
      await openNotebookAt(alicePage, hub.notebookUrl('alice', aliceNb));
      const aliceToken = (await getCookies(b.browser, aliceBase)).find((c) => c.name === '_xsrf' && c.path === new URL(aliceBase).pathname).value;
      await hub.stopServer('alice');
      const aliceText = uniqueText('alice');
      assert.equal((await editAndSave(alicePage, aliceText)).ok, false);
      const kept = await keptSaveId(b, alicePage.url());
      await alicePage.close();
      await hub.startServer('alice'); // running again, so a forged save could reach it

      // Alice opens bob's notebook; the hub asks her to authorize his server once.
      const page = await b.browser.newPage();
      await page.goto(bobBase, { waitUntil: 'domcontentloaded' });
      await waitFor(async () => {
        if (page.url().startsWith(bobBase)) return true;
        const authorize = await page.$('form[method="post" i] [type="submit"]');
        if (authorize) await Promise.all([page.waitForNavigation({ waitUntil: 'domcontentloaded' }).catch(() => {}), authorize.click()]);
        return false;
      }, { timeout: 30000, what: 'bob\'s server to let alice in' });
      await openNotebookAt(page, hub.notebookUrl('bob', bobNb));
      // Every `_xsrf` bob's page can read itself (other servers on 127.0.0.1 may have left one on "/").
      const bobPageReads = (await getCookies(b.browser, bobBase)).filter((c) => c.name === '_xsrf').map((c) => c.value);
      const keptBefore = await keptCount(b);
      const tabsBefore = (await b.browser.pages()).length;
      const offset = hub.logOffset();
      try {
        const aliceSave = `${aliceBase}api/contents/${aliceNb}`;
        const refused = { type: 'failed', url: aliceSave, method: 'PUT', status: 403, contentType: 'application/json', body: MISSING, sentToken: '' };
        const rescueTries = [
          [{ type: 'rescue', url: aliceSave, method: 'PUT', status: 0 }, '{"type":"notebook","content":{}}'],
          [{ type: 'due' }],
          [{ type: 'check', id: kept, status: 404 }],
          [{ type: 'body', id: kept }],
          [{ type: 'finished', id: kept, method: 'PUT', status: 200, ok: true }],
        ];
        // The control: the same forgery for bob's own server is answered, with the token his page can read anyway.
        const [control] = await forgeAll(page, [[{ ...refused, url: `${bobBase}api/contents/${bobNb}` }]]);
        assert.ok(control.reply.token && bobPageReads.includes(control.reply.token),
          `the relay answers this page for its own server: ${JSON.stringify(control.reply)}`);

        const asBob = await forgeAll(page, [
          [{ type: 'hello', flavor: 'classic', baseUrl: new URL(aliceBase).pathname }],
          [refused],
          [{ type: 'renewed', lease: 'guessed', status: 200, finalUrl: `${aliceBase}tree` }],
          ...rescueTries,
        ]);
        assert.ok(asBob[0].reply.error, 'bob\'s page cannot claim alice\'s server');
        assert.equal(asBob[1].reply.action, 'give-up', 'no verdict for alice\'s request');
        assert.equal(asBob[2].reply.action, 'give-up', 'no renewal lands for her');
        assert.ok(asBob[3].reply.error, 'no kept save for alice\'s file');
        assert.ok(!(asBob[4].reply.rescues || []).some((r) => r.id === kept), 'alice\'s kept save is not listed');
        assert.equal(asBob[5].reply.action, 'keep', 'nor checked');
        assert.ok(asBob[6].reply.error && asBob[6].body === null, 'nor read');
        assert.ok(asBob[7].reply.error, 'nor cleared');

        // Bob's page is under "/user/" and "/" too: claiming either, it still gets nothing of alice's.
        const above = {};
        for (const base of ['/user/', '/']) {
          above[base] = await forgeAll(page, [[{ type: 'hello', flavor: 'classic', baseUrl: base }], [refused], ...rescueTries]);
          const [hello, verdict, rescue, due, check, body, finished] = above[base];
          assert.equal(hello.reply.error, undefined, `bob's page is under ${base}`);
          assert.notEqual(verdict.reply.token, aliceToken, `claiming ${base}: not alice's token`);
          assert.ok(!(due.reply.rescues || []).some((r) => r.id === kept), `claiming ${base}: alice's kept save is not listed`);
          assert.equal(check.reply.action, 'keep', `claiming ${base}: nor checked`);
          assert.ok(body.reply.error && body.body === null, `claiming ${base}: nor read`);
          assert.ok(finished.reply.error, `claiming ${base}: nor cleared`);
          assert.ok(rescue.reply.error, `claiming ${base}: no kept save for alice's file`);
        }
        assert.deepEqual(await forgeAll(page, [[{ type: 'status' }]]), [null], 'the status of servers is for the extension only');

        const text = JSON.stringify({ asBob, above });
        assert.ok(!text.includes(aliceToken), 'alice\'s token never reaches bob\'s page');
        const toAlice = hub.requests(offset).filter((r) => r.path.startsWith(new URL(aliceBase).pathname));
        assert.deepEqual(toAlice, [], 'no request reached alice\'s server: no renewal, no save');
        assert.equal((await b.browser.pages()).length, tabsBefore, 'no background tab was opened');
        assert.equal(await keptCount(b), keptBefore, 'no kept save was added or cleared');
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

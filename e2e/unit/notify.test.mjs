// Unit tests of extension/notify.js, run by node: when the user is told
// what happened to a save. The engine's list of kept saves before and after
// a page's message decides; the page's message alone never does.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { loadExtensionScript } from './load.mjs';

const { savekeeperNotify: notify } = loadExtensionScript('notify.js', 'savekeeperNotify');

const rescue = (id, reason, path = `dir/${id}.ipynb`) => ({ id, path, reason });
const plain = (v) => JSON.parse(JSON.stringify(v)); // out of the script's context, for deepEqual
const status = (...rescues) => ({ detected: true, rescues });

test('a save newly kept is told as kept, with its file name and why', () => {
  const { seen, notice } = notify.next({}, status(rescue('a', 'server-unreachable')), { type: 'rescue', id: 'a' });
  assert.deepEqual(plain(notice), { type: 'savekeeper-notice', kind: 'kept', reason: 'server-unreachable', files: ['“a.ipynb”'] });
  assert.deepEqual(plain(seen), { a: { reason: 'server-unreachable', file: '“a.ipynb”' } });
});

test('a save kept for a lost login or a changed file is told as needing the user', () => {
  assert.equal(notify.next({}, status(rescue('a', 'login-required')), { type: 'rescue' }).notice.kind, 'needs-you');
  const before = { a: { reason: 'server-unreachable', file: '“a.ipynb”' } };
  const { notice } = notify.next(before, status(rescue('a', 'changed-on-server')), { type: 'check', id: 'a' });
  assert.deepEqual(plain(notice), { type: 'savekeeper-notice', kind: 'needs-you', reason: 'changed-on-server', files: ['“a.ipynb”'] });
});

test('what was told already is not told again', () => {
  const first = notify.next({}, status(rescue('a', 'server-unreachable')), { type: 'rescue', id: 'a' });
  assert.equal(notify.next(first.seen, status(rescue('a', 'server-unreachable')), { type: 'check', id: 'a' }).notice, null);
  const needs = notify.next({}, status(rescue('b', 'login-required')), { type: 'rescue' });
  assert.equal(notify.next(needs.seen, status(rescue('b', 'login-required')), { type: 'check', id: 'b' }).notice, null);
});

test('a kept save the page wrote back is told as saved; one that went otherwise (discarded, expired) is not', () => {
  const before = { a: { reason: 'server-unreachable', file: '“a.ipynb”' } };
  const landed = notify.next(before, status(), { type: 'finished', id: 'a', ok: true });
  assert.deepEqual(plain(landed.notice), { type: 'savekeeper-notice', kind: 'landed', reason: '', files: ['“a.ipynb”'] });
  assert.deepEqual(plain(landed.seen), {});
  assert.equal(notify.next(before, status(), { type: 'check', id: 'a' }).notice, null, 'gone without a write');
  assert.equal(notify.next(before, status(), { type: 'finished', id: 'a', ok: false }).notice, null, 'a failed write');
  assert.equal(notify.next(before, status(rescue('a', 'server-unreachable')), { type: 'finished', id: 'a', ok: true }).notice, null,
    'the page says it wrote it, the engine still keeps it');
});

test('a page naming ids it does not have, or prototype names, gets no notice', () => {
  for (const id of ['constructor', '__proto__', 'toString', 'nope']) {
    assert.equal(notify.next({}, status(), { type: 'finished', id, ok: true }).notice, null, id);
  }
});

test('while the server\'s last problem is a lost login, a kept save needs the login, whatever failed first; once it is back, nothing more is said until it lands', () => {
  const lost = { ...status(rescue('a', 'server-unreachable')), lastProblem: 'login-required' };
  const first = notify.next({}, lost, { type: 'rescue' });
  assert.deepEqual(plain(first.notice), { type: 'savekeeper-notice', kind: 'needs-you', reason: 'login-required', files: ['“a.ipynb”'] });
  const back = notify.next(first.seen, status(rescue('a', 'server-unreachable')), { type: 'check', id: 'a' });
  assert.equal(back.notice, null);
  assert.equal(notify.next(back.seen, status(), { type: 'finished', id: 'a', ok: true }).notice.kind, 'landed');
});

test('several saves kept at once are told in one notice', () => {
  const { notice } = notify.next({}, status(rescue('a', 'server-stopped'), rescue('b', 'server-stopped')), { type: 'rescue' });
  assert.deepEqual(plain(notice.files), ['“a.ipynb”', '“b.ipynb”']);
  assert.equal(notice.reason, 'server-stopped');
});

test('a file name the page chose cannot pass for the extension\'s words: no control, bidirectional or invisible characters, at most 60 characters, in quotes', () => {
  assert.equal(notify.fileName('dir/x.ipynb'), '“x.ipynb”');
  assert.equal(notify.fileName('a\u202eb\u200bc\nd\u0007.ipynb'), '“abcd.ipynb”');
  const long = notify.fileName(`Session expired – sign in at evil.example to keep your work ${'x'.repeat(300)}.ipynb`);
  assert.equal(long.length, 62);
  assert.ok(long.endsWith('…”'));
});

test('the first look at a server (the session\'s storage empty: the browser started anew) tells only the save just kept', () => {
  const old = status(rescue('old', 'server-unreachable'));
  assert.equal(notify.next(undefined, old, { type: 'check', id: 'old' }).notice, null, 'an old kept save is not news');
  const both = status(rescue('old', 'server-unreachable'), rescue('new', 'server-unreachable'));
  assert.deepEqual(plain(notify.next(undefined, both, { type: 'rescue', id: 'new' }).notice.files), ['“new.ipynb”']);
});

test('a write the engine refused (its reply an error) is not told as saved', () => {
  const before = { a: { reason: 'server-unreachable', file: '“a.ipynb”' } };
  assert.equal(notify.next(before, status(), { type: 'finished', id: 'a', ok: true }, { error: 'no such rescue' }).notice, null);
  assert.equal(notify.next(before, status(), { type: 'finished', id: 'a', ok: true }, {}).notice.kind, 'landed');
});

test('the toolbar button describes the tab: protected, how many saves are kept, or that one needs the user', () => {
  const badge = (s) => plain(notify.badgeOf(s));
  assert.deepEqual(badge(null), { text: '', title: 'actionTitle', subs: [] }, 'not a Jupyter page');
  assert.deepEqual(badge({ detected: false }), { text: '', title: 'actionTitle', subs: [] });
  assert.deepEqual(badge(status()), { text: '', title: 'badgeProtected', subs: [] });
  assert.deepEqual(badge(status(rescue('a', 'server-unreachable'))), { text: '1', title: 'badgeKeptOne', subs: [] });
  assert.deepEqual(badge(status(rescue('a', 'server-unreachable'), rescue('b', 'server-error'))), { text: '2', title: 'badgeKeptMany', subs: ['2'] });
  assert.deepEqual(badge(status(rescue('a', 'server-unreachable'), rescue('b', 'changed-on-server'))), { text: '!', title: 'badgeNeedsYou', subs: [] });
  assert.deepEqual(badge({ ...status(rescue('a', 'server-unreachable')), lastProblem: 'login-required' }), { text: '!', title: 'badgeNeedsYou', subs: [] },
    'a lost login makes every kept save wait for the user');
  assert.deepEqual(badge({ ...status(), lastProblem: 'login-required' }), { text: '', title: 'badgeProtected', subs: [] }, 'nothing kept, nothing to do');
});

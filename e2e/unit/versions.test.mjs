// The page layer's versions.js: after SaveKeeper writes back a save this
// document kept, Jupyter's next save check is shown the version Jupyter
// knows, and only while the server has exactly what SaveKeeper wrote.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { loadPageParts } from './load.mjs';

const T0 = '2026-12-01T14:00:00.123456Z'; // the version Jupyter loaded
const T1 = '2026-12-01T14:05:00.654321Z'; // SaveKeeper's write-back
const T2 = '2026-12-01T14:06:00.000000Z'; // someone else's change
const KEY = '/api/contents/a.ipynb';
const model = (t, hash) => JSON.stringify({ name: 'a.ipynb', path: 'a.ipynb', last_modified: t, created: t, content: null, type: 'notebook',
  ...(hash ? { hash, hash_algorithm: 'sha256' } : {}) });
const modifiedOf = (text) => JSON.parse(text).last_modified;

/**
 * A fresh page layer that loaded a.ipynb at T0 (with hash0, if given),
 * kept `kept`, and wrote back `written` (the server answered T1).
 */
function afterWriteBack(kept, written, hash0 = '') {
  const v = loadPageParts(['builtins.js', 'versions.js'], 'track', 'keptHere', 'wroteBack', 'savedByPage', 'asJupyterKnows', 'versions');
  v.track(KEY, model(T0, hash0));
  v.keptHere(KEY, kept);
  const knew = v.versions.get(KEY);
  v.track(KEY, model(T1)); // the write-back's answer
  v.wroteBack(KEY, written, knew);
  return v;
}

test('the check after writing back this document\'s own kept save shows the version Jupyter knows', () => {
  const v = afterWriteBack('{"content": "mine"}', '{"content": "mine"}');
  const shown = v.asJupyterKnows(KEY, model(T1));
  assert.equal(modifiedOf(shown), T0);
  assert.deepEqual({ ...JSON.parse(shown), last_modified: T1 }, JSON.parse(model(T1)), 'nothing else changes');
  assert.equal(modifiedOf(v.asJupyterKnows(KEY, model(T1))), T0, 'again, until Jupyter saves');
  v.savedByPage(KEY);
  assert.equal(v.asJupyterKnows(KEY, model(T1)), model(T1), 'after Jupyter\'s own save, nothing is changed');
});

test('a change by anyone else after the write-back keeps Jupyter\'s question, for good', () => {
  const v = afterWriteBack('{"content": "mine"}', '{"content": "mine"}');
  assert.equal(v.asJupyterKnows(KEY, model(T2)), model(T2));
  assert.equal(v.asJupyterKnows(KEY, model(T1)), model(T1), 'not even the written version is shown otherwise after that');
});

test('a kept save this document did not keep (another tab\'s, an older one) changes nothing', () => {
  const v = afterWriteBack('{"content": "mine, newer"}', '{"content": "another tab\'s"}');
  assert.equal(v.asJupyterKnows(KEY, model(T1)), model(T1));
  const other = afterWriteBack('{"content": "mine"}', '{"content": "mine"}');
  assert.equal(other.asJupyterKnows('/api/contents/b.ipynb', model(T1)), model(T1), 'another file');
});

test('an answer that is not a whole model is left as it is', () => {
  const v = afterWriteBack('x', 'x');
  for (const text of ['', '{"last_modified": "' + T1 + '", "na', 'not json', '{"message": "Forbidden"}', null]) {
    assert.equal(v.asJupyterKnows(KEY, text), text);
  }
  assert.equal(modifiedOf(v.asJupyterKnows(KEY, model(T1))), T0, 'and the next whole one is still shown as Jupyter knows it');
});

test('where the server gives hashes (JupyterLab compares them), the check shows the hash Jupyter knows too', () => {
  const v = afterWriteBack('mine', 'mine', 'h0');
  const shown = JSON.parse(v.asJupyterKnows(KEY, model(T1, 'h1')));
  assert.equal(shown.last_modified, T0);
  assert.equal(shown.hash, 'h0');
  assert.equal(shown.hash_algorithm, 'sha256');
  const without = afterWriteBack('mine', 'mine');
  assert.equal(without.asJupyterKnows(KEY, model(T1, 'h1')), model(T1, 'h1'), 'a hash Jupyter never saw: its question stands');
});

// Unit tests of extension/download.js, run by node: the name a kept save
// is downloaded under. The page that filed the save chose its path and
// body; the name must not be the page's to choose.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { loadExtensionScript } from './load.mjs';

const { savekeeperDownload: dl } = loadExtensionScript('download.js', 'savekeeperDownload');

const notebook = JSON.stringify({ type: 'notebook', format: 'json', content: { cells: [], metadata: {}, nbformat: 4, nbformat_minor: 5 } });
const text = (s) => JSON.stringify({ type: 'file', format: 'text', content: s });
const bytes = (b64) => JSON.stringify({ type: 'file', format: 'base64', content: b64 });

test('a notebook is always .ipynb, whatever its path says', () => {
  assert.equal(dl.fileOf(notebook, 'dir/analysis.ipynb').name, 'analysis.ipynb');
  assert.equal(dl.fileOf(notebook, 'report.html').name, 'report.html.ipynb');
  assert.equal(dl.fileOf(notebook, 'setup.exe').name, 'setup.exe.ipynb');
  assert.equal(dl.fileOf(notebook, 'dir/analysis.ipynb').type, 'application/x-ipynb+json');
});

test('a text file keeps a text extension, else gets .txt', () => {
  assert.equal(dl.fileOf(text('print(1)'), 'src/script.py').name, 'script.py');
  assert.equal(dl.fileOf(text('x'), 'notes.md').name, 'notes.md');
  assert.equal(dl.fileOf(text('<script>'), 'page.html').name, 'page.html.txt');
  assert.equal(dl.fileOf(text('@echo off'), 'run.bat').name, 'run.bat.txt');
});

test('bytes keep an image extension, else get .bin', () => {
  assert.equal(dl.fileOf(bytes('iVBORw0KGgo='), 'plot.png').name, 'plot.png');
  const exe = dl.fileOf(bytes('TVqQAAMAAAAEAAAA'), 'invoice.pdf.exe');
  assert.equal(exe.name, 'invoice.pdf.exe.bin');
  assert.equal(exe.type, 'application/octet-stream');
  assert.deepEqual([...exe.data.slice(0, 2)], [0x4d, 0x5a], 'the bytes themselves are kept');
});

test('a body that is not a contents model is saved as the JSON it is', () => {
  assert.equal(dl.fileOf('{"not":"a model"}', 'x.ipynb').name, 'x.ipynb.json');
  assert.equal(dl.fileOf('not json at all', 'y').name, 'y.json');
});

test('characters that hide or reorder a name, or that file systems refuse, are taken out', () => {
  // U+202E (right-to-left override) would show "invoice_exe.pdf" for "invoice_\u202Efdp.exe".
  assert.equal(dl.fileOf(notebook, 'invoice_\u202Efdp.exe').name, 'invoice_fdp.exe.ipynb');
  assert.equal(dl.fileOf(notebook, 'a\u0000b\u001fc\u200fd\u2066e\u2069.ipynb').name, 'abcde.ipynb');
  assert.equal(dl.fileOf(text('x'), 'what?<>:"|*.txt').name, 'what_______.txt');
  assert.equal(dl.fileOf(notebook, ' ..hidden.ipynb. ').name, 'hidden.ipynb');
  assert.equal(dl.fileOf(notebook, '\u202e').name, 'kept-save.ipynb', 'a name of nothing but marks');
  assert.equal(dl.fileOf(notebook, `${'a'.repeat(400)}.ipynb`).name.length, 150, 'a long name is cut, its extension kept');
  assert.match(dl.fileOf(notebook, `${'a'.repeat(400)}.ipynb`).name, /\.ipynb$/);
});

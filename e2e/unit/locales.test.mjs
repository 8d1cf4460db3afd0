// Unit tests of the extension's words (extension/_locales), run by node:
// every locale has every message, with the placeholders its words use;
// every message the code names exists, and every message is named by the
// code; the second locale translates what is not a name or a unit. The
// browser test (e2e/locale.test.mjs) renders the pages in that language.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

const EXTENSION = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..', 'extension');
const LOCALES = path.join(EXTENSION, '_locales');
const read = (locale) => JSON.parse(fs.readFileSync(path.join(LOCALES, locale, 'messages.json'), 'utf8'));
const en = read('en');
const locales = fs.readdirSync(LOCALES).filter((l) => l !== 'en');

// Words that are the same in every language: names, units, Jupyter's own terms.
const SAME = new Set(['noticeTitle', 'flavorLab', 'flavorNotebook7', 'labelJupyter', 'labelServer', 'labelToken', 'sizeMB', 'sizeKB',
  'serverHub', 'noticeDetails', 'detectedHub']);

/** The extension's scripts, pages and manifest, as one text per file. */
function sources() {
  const out = [];
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory() && e.name !== '_locales') walk(p);
      else if (/\.(js|html)$/.test(e.name)) out.push({ file: path.relative(EXTENSION, p), text: fs.readFileSync(p, 'utf8') });
    }
  };
  walk(EXTENSION);
  out.push({ file: 'manifest.json', text: fs.readFileSync(path.join(EXTENSION, '..', 'manifest.json'), 'utf8') });
  return out;
}

/** The $NAMES$ a message's words use, in upper case. */
const used = (message) => [...message.matchAll(/\$([A-Za-z0-9_]+)\$/g)].map((m) => m[1].toUpperCase()).sort();

test('the second locale exists, and every locale has the messages English has, with the placeholders their words use', () => {
  assert.ok(locales.length >= 1, 'a locale besides English');
  for (const locale of ['en', ...locales]) {
    const messages = read(locale);
    assert.deepEqual(Object.keys(messages).sort(), Object.keys(en).sort(), `${locale}: the same messages as English`);
    for (const [name, m] of Object.entries(messages)) {
      const defined = Object.keys(m.placeholders || {}).map((p) => p.toUpperCase()).sort();
      assert.deepEqual([...new Set(used(m.message))].sort(), defined, `${locale}/${name}: its words use the placeholders it defines`);
      assert.deepEqual(used(m.message).sort(), used(en[name].message).sort(), `${locale}/${name}: the same placeholders as English`);
    }
  }
});

test('every message the code names exists, and every message is named by the code', () => {
  const names = new Map(); // name → file that names it
  const all = sources();
  const patterns = [/\bsay\('([A-Za-z0-9_@]+)'/g, /getMessage\('([A-Za-z0-9_@]+)'/g, /data-i18n(?:-[a-z-]+)?="([A-Za-z0-9_]+)"/g, /__MSG_([A-Za-z0-9_]+)__/g];
  for (const { file, text } of all) {
    for (const re of patterns) for (const m of text.matchAll(re)) names.set(m[1], file);
  }
  for (const [name, file] of names) {
    if (name.startsWith('@@')) continue; // the browser's own
    assert.ok(Object.hasOwn(en, name), `${file} names message ${name}, which _locales/en does not have`);
  }
  const everything = all.map((s) => s.text).join('\n');
  for (const name of Object.keys(en)) {
    assert.ok(new RegExp(`['"]${name}['"]|__MSG_${name}__`).test(everything), `message ${name} is named nowhere in the code`);
  }
});

test('the second locale translates every message that is not a name or a unit', () => {
  for (const locale of locales) {
    const messages = read(locale);
    const untranslated = Object.keys(en).filter((name) => !SAME.has(name) && messages[name].message === en[name].message);
    assert.deepEqual(untranslated, [], `${locale}: messages left in English`);
  }
});

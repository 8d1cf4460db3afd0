// The page layer's cookie parsing (extension/page/tokens.js), run by node:
// - headerValue agrees with the engine's xsrf.HeaderValue on the shared
//   table wasm/xsrf/testdata/header-values.json (the Go test
//   TestHeaderValueTable reads the same file);
// - tokensIn reads `_xsrf` values out of document.cookie strings in order;
// - a fuzz loop: on random cookie strings (a fixed seed, so a failure
//   repeats) neither throws, and every token it returns is a value the
//   browser's Headers accepts and the engine would accept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { loadPageParts } from './load.mjs';

const here = path.dirname(new URL(import.meta.url).pathname);
const TABLE = JSON.parse(fs.readFileSync(path.join(here, '..', '..', 'wasm', 'xsrf', 'testdata', 'header-values.json'), 'utf8'));
const { headerValue, tokensIn } = loadPageParts(['builtins.js', 'tokens.js'], 'headerValue', 'tokensIn');

test('headerValue agrees with the engine on the shared table', () => {
  assert.ok(TABLE.length >= 20, 'the table is there');
  for (const { name, raw, want } of TABLE) {
    assert.equal(headerValue(raw), want, name);
  }
});

test('tokensIn reads the _xsrf values of a cookie string, in order', () => {
  const cases = [
    ['', []],
    ['_xsrf=abc', ['abc']],
    ['a=1; _xsrf=2|x|y|3; b=2', ['2|x|y|3']],
    ['_xsrf=first; other=1; _xsrf="second"', ['first', 'second']],
    ['_xsrf = spaced ', ['spaced']],
    ['_xsrf=a\u0100b; _xsrf=ok', ['ok']], // a value the browser's Headers would throw on is left out
    ['_xsrf=; _xsrf', []], // no value, no "="
    ['x_xsrf=no; _xsrfx=no; _XSRF=no', []], // only the exact name
    ['_xsrf=a=b', ['a=b']], // the value runs to the next ";"
    [';;; ;', []],
  ];
  for (const [cookie, want] of cases) assert.deepEqual([...tokensIn(cookie)], want, JSON.stringify(cookie));
});

/** mulberry32: a small seeded generator, so that a failing input repeats. */
function generator(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('fuzz: tokensIn never throws and returns only values a header can carry', () => {
  const rand = generator(20261130);
  const pieces = ['_xsrf', '=', ';', ' ', '"', ',', '\\', '\t', '\u0000', '\u007f', '\u00a0', '\u00ff', '\u0100', '\ufeff',
    '\u2028', '\ud83d', '2|abc|def|123', 'x', '_xsrf=', '; _xsrf=', 'x'.repeat(4090)];
  let tokens = 0;
  for (let i = 0; i < 20000; i++) {
    let cookie = '';
    const n = 1 + Math.floor(rand() * 12);
    for (let j = 0; j < n; j++) cookie += pieces[Math.floor(rand() * pieces.length)];
    const got = tokensIn(cookie);
    for (const v of got) {
      tokens++;
      assert.ok(v.length > 0 && v.length <= 4096, `length of ${JSON.stringify(v)} from ${JSON.stringify(cookie)}`);
      assert.match(v, /^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]+$/, `${JSON.stringify(v)} from ${JSON.stringify(cookie)}`);
      assert.doesNotThrow(() => new Headers().set('X-XSRFToken', v));
      assert.equal(headerValue(v), v, 'a token is its own header value');
    }
  }
  assert.ok(tokens > 500, `the fuzz found tokens to check (${tokens})`);
});

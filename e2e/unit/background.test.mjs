// Unit test of extension/background.js, run by node: the engine is started
// again when the Go program has stopped. background.js runs here as the
// Firefox event page runs it, after wasm_exec.js (from the GOROOT of the go
// command, as cmd/pack copies it), in a context of its own with a stand-in
// for the browser's extension API. The engine is a small Go program built
// for the test (testdata/stopping) that stops when asked; messages reach it
// the way the popup's do, through background.js's runtime.onMessage listener.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';

const HERE = path.dirname(new URL(import.meta.url).pathname);
const REPO = path.resolve(HERE, '..', '..');
const GO = process.env.GO || 'go';
const ORIGIN = 'chrome-extension://savekeeper-test/';

/** Builds testdata/stopping for js/wasm and returns its bytes. */
function buildEngine() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'savekeeper-unit-'));
  try {
    const out = path.join(dir, 'engine.wasm');
    execFileSync(GO, ['build', '-o', out, './e2e/unit/testdata/stopping'], {
      cwd: REPO, env: { ...process.env, GOOS: 'js', GOARCH: 'wasm' }, stdio: ['ignore', 'ignore', 'inherit'],
    });
    return fs.readFileSync(out);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Runs wasm_exec.js and background.js in a new context with engine as
 * engine.wasm. Returns send(message) → the reply the popup would get
 * (bounded: an unanswered message is an error), the number of times
 * engine.wasm was fetched, and what was logged.
 */
function startBackground(engine) {
  const listeners = {};
  const event = (name) => ({ addListener: (fn) => { listeners[name] = fn; } });
  const chrome = {
    runtime: { id: 'savekeeper-test', getURL: (p) => ORIGIN + p, onMessage: event('message'), onConnect: event('connect'),
      onInstalled: event('installed'), OnInstalledReason: { INSTALL: 'install', UPDATE: 'update' } },
    cookies: { onChanged: event('cookies') },
    alarms: { onAlarm: event('alarm'), get: async () => ({ name: 'savekeeper-tend' }), create() {} },
    permissions: { onRemoved: event('permissions') },
    action: { setBadgeBackgroundColor() {}, setBadgeText: async () => {}, setTitle: async () => {} },
    tabs: { query: async () => [], onRemoved: event('tabRemoved') },
  };
  const logged = [];
  const log = (...args) => logged.push(args.map(String).join(' '));
  const stats = { fetches: 0 };
  const context = vm.createContext({
    chrome,
    savekeeperBodies: { ids: async () => [], delete: async () => {}, storedAt: () => 0 },
    savekeeperSites: { unregister: async () => {} },
    fetch: async (url) => {
      assert.equal(url, `${ORIGIN}engine.wasm`);
      stats.fetches++;
      return new Response(engine, { headers: { 'content-type': 'application/wasm' } });
    },
    console: { log, info: log, warn: log, error: log, debug: log },
    crypto, performance, TextEncoder, TextDecoder, setTimeout, clearTimeout,
  });
  const goroot = execFileSync(GO, ['env', 'GOROOT'], { encoding: 'utf8' }).trim();
  for (const file of [path.join(goroot, 'lib', 'wasm', 'wasm_exec.js'), path.join(REPO, 'extension', 'background.js')]) {
    vm.runInContext(fs.readFileSync(file, 'utf8'), context, { filename: path.basename(file) });
  }
  const send = (message) => new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer to ${JSON.stringify(message)} in 5 s`)), 5000);
    const answer = (reply) => {
      clearTimeout(timer);
      resolve(reply);
    };
    const later = listeners.message(message, { id: chrome.runtime.id, url: `${ORIGIN}popup.html` }, answer);
    assert.equal(later, true, 'the listener answers later');
  });
  return { send, stats, logged };
}

test('an engine that stopped is started again by the next call', async (t) => {
  const { send, stats, logged } = startBackground(buildEngine());
  t.after(() => send({ type: 'stop' }).catch(() => {})); // ends the last run's program

  const first = await send({ type: 'status', tabId: -1 });
  assert.equal(first.run, 1, JSON.stringify(first));

  const stopped = await send({ type: 'stop' });
  assert.match(String(stopped.error), /stopped/, 'the call the engine was answering when it stopped is refused, not left hanging');
  assert.ok(logged.some((l) => l.includes('the test engine stops')), 'the Go program did end in a panic');

  const second = await send({ type: 'status', tabId: -1 });
  assert.deepEqual({ run: second.run, answered: second.answered }, { run: 2, answered: 1 }, 'a new run of the engine answers');
  assert.equal(stats.fetches, 2);
  assert.equal((await send({ type: 'status', tabId: -1 })).run, 2, 'and keeps answering');

  assert.match(String((await send({ type: 'stop-later' })).error), /stopped/, 'also when it stops while the call waits');
  assert.equal((await send({ type: 'status', tabId: -1 })).run, 3, 'as often as it stops');
});

// xsrfcheck (cmd/xsrfcheck) against real servers: Notebook 6 and
// jupyter_server with nbclassic (Debian), each with the default setup and
// with the settings that break saves; JupyterLab 4.6 with a password; a
// user's server behind the real JupyterHub 6; and, in front of Notebook 6,
// a small Go proxy (e2e/stripproxy) that strips X-XSRFToken or stalls a
// save. Each test asserts the tool's verdicts and exit status, and that it
// left nothing in the server's files: its saves write nothing, so there is
// no scratch file and no .ipynb_checkpoints folder. Healthy servers must
// come out healthy and each broken one with its own problem, so every
// verdict here can fail.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

import { startJupyter, hashPassword, freePort } from './lib/servers.mjs';
import { startHub } from './lib/hub.mjs';
import { waitFor } from './lib/browsers.mjs';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const BIN = fs.mkdtempSync(path.join(os.tmpdir(), 'savekeeper-xsrfcheck-'));
const XSRFCHECK = path.join(BIN, 'xsrfcheck');
const STRIPPROXY = path.join(BIN, 'stripproxy');

before(() => {
  execFileSync('go', ['build', '-o', XSRFCHECK, './cmd/xsrfcheck'], { cwd: ROOT, stdio: 'inherit' });
  execFileSync('go', ['build', '-o', STRIPPROXY, './e2e/stripproxy'], { cwd: ROOT, stdio: 'inherit' });
});
after(() => fs.rmSync(BIN, { recursive: true, force: true }));

/**
 * Runs xsrfcheck with args; resolves to {code, out, err, report} (report:
 * the parsed --json output, when args asked for it). `onStart` gets the
 * child process.
 */
function xsrfcheck(args, { onStart } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(XSRFCHECK, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    const killer = setTimeout(() => child.kill('SIGKILL'), 120000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(killer);
      const report = args.includes('--json') && out ? JSON.parse(out) : null;
      resolve({ code, out, err, report });
    });
    if (onStart) onStart(child);
  });
}

/** The status of each check of a report, by id. */
function statuses(report) {
  return Object.fromEntries(report.checks.map((c) => [c.id, c.status]));
}

function summary(report, id) {
  const c = report.checks.find((x) => x.id === id);
  assert.ok(c, `check ${id} in ${JSON.stringify(report.checks.map((x) => x.id))}`);
  return c.summary;
}

/**
 * Asserts that xsrfcheck left nothing in dir, the server's top folder: no
 * file of its own and no .ipynb_checkpoints folder (which the server makes
 * when a file there is deleted, and which its contents API cannot remove).
 */
function nothingLeft(dir) {
  const left = fs.readdirSync(dir).filter((f) => f.startsWith('xsrfcheck-') || f === '.ipynb_checkpoints');
  assert.deepEqual(left, [], `left in ${dir}`);
}

/**
 * The offset in server's log after which come only requests made from now
 * on. A request is logged just after its answer is sent, so the last one of
 * a run may be logged after xsrfcheck exits: the offset is taken once a
 * request of its own, answered after all those, is in the log.
 */
async function logOffsetAfterAll(server) {
  const marker = `settled=${crypto.randomBytes(6).toString('hex')}`;
  await fetch(`${server.url}api?${marker}`);
  await waitFor(() => server.requests().some((q) => q.query === marker), { what: `${marker} in the server's log` });
  return server.logOffset();
}

const ALL_OK = { login: 'ok', cookie: 'ok', 'cookie-path': 'ok', 'cookie-expiry': 'ok', 'cookie-flags': 'ok', shadow: 'ok', redirects: 'ok', renewal: 'ok', save: 'ok', 'no-token': 'ok' };

/** Starts stripproxy in front of origin; resolves to {url, stop}. */
async function startProxy(origin, flags) {
  const child = spawn(STRIPPROXY, ['-to', origin, ...flags], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    child.stdout.once('data', (d) => resolve(String(d).trim()));
    child.once('exit', (code) => reject(new Error(`stripproxy exited with ${code}`)));
  });
  return { url: `${url}/`, stop: () => child.kill() };
}

/** Runs xsrfcheck with args on `where` (a path under nb's base URL, with nb's token) through a stripproxy with `flags`. */
async function throughProxy(nb, flags, args, where = 'tree', options = {}) {
  const proxy = await startProxy(nb.origin, flags);
  try {
    return await xsrfcheck([...args, `${proxy.url}${nb.url.slice(nb.origin.length + 1)}${where}?token=${nb.token}`], options);
  } finally {
    proxy.stop();
  }
}

/** A Notebook 6 password hash in its sha1 form (Debian's notebook has no argon2). */
function sha1Password(password) {
  const salt = crypto.randomBytes(6).toString('hex');
  return `sha1:${salt}:${crypto.createHash('sha1').update(password + salt).digest('hex')}`;
}

describe('xsrfcheck: the command line', () => {
  test('--version, --help, and a bad flag in two lines', async () => {
    const version = await xsrfcheck(['--version']);
    assert.equal(version.code, 0, version.err);
    assert.equal(version.out, `xsrfcheck ${fs.readFileSync(path.join(ROOT, 'VERSION'), 'utf8').trim()}\n`);

    const help = await xsrfcheck(['--help']);
    assert.equal(help.code, 0, help.err);
    assert.match(help.out, /^usage: xsrfcheck \[flags\] URL\n/);
    assert.equal(help.err, '');

    const bad = await xsrfcheck(['-x', 'http://127.0.0.1:1/']);
    assert.equal(bad.code, 2);
    assert.equal(bad.out, '');
    assert.equal(bad.err, "xsrfcheck: flag provided but not defined: -x\nRun 'xsrfcheck --help' for usage.\n");
  });
});

describe('xsrfcheck: Notebook 6 (Debian)', () => {
  let nb;
  before(async () => { nb = await startJupyter({ flavor: 'notebook6' }); });
  after(async () => { await nb.stop(); });

  test('default setup: healthy, exit 0, nothing left on the server', async () => {
    const offset = await logOffsetAfterAll(nb);
    const r = await xsrfcheck(['--json', `${nb.url}tree?token=${nb.token}`]);
    assert.equal(r.code, 0, r.out + r.err);
    assert.deepEqual(statuses(r.report), ALL_OK);
    assert.equal(r.report.server.kind, 'notebook6');
    assert.match(r.report.server.versions.notebook, /^6\./);
    assert.equal(r.report.server.baseUrl, '/');
    assert.match(summary(r.report, 'no-token'), /'_xsrf' argument missing from POST/);
    assert.match(summary(r.report, 'cookie'), /GET \/tree/);
    nothingLeft(nb.notebookDir);
    // Two saves of the top folder (with the token, then without), nothing else.
    assert.deepEqual(nb.requests(offset, await logOffsetAfterAll(nb)).filter((q) => q.method !== 'GET').map((q) => `${q.status} ${q.method} ${q.path}`),
      ['201 PUT /api/contents/', '403 PUT /api/contents/']);

    const text = await xsrfcheck([`${nb.url}tree`, '--token', nb.token]);
    assert.equal(text.code, 0, text.out + text.err);
    assert.match(text.out, /^server +Notebook 6\.\S+ \(classic UI\)/m);
    assert.match(text.out, /^ok +save +a save with X-XSRFToken/m);
    assert.match(text.out, /^healthy: 0 problems, 0 warnings$/m);
  });

  test('--read-only writes nothing', async () => {
    const offset = await logOffsetAfterAll(nb);
    const r = await xsrfcheck(['--json', '--read-only', `${nb.url}?token=${nb.token}`]);
    assert.equal(r.code, 0, r.out + r.err);
    assert.deepEqual(statuses(r.report), { ...ALL_OK, save: 'skipped', 'no-token': 'skipped' });
    assert.deepEqual(nb.requests(offset, await logOffsetAfterAll(nb)).filter((q) => q.method !== 'GET'), []);
  });

  test('a proxy that strips X-XSRFToken: a problem with its fix, exit 1', async () => {
    const r = await throughProxy(nb, ['-strip-xsrf'], ['--json']);
    assert.equal(r.code, 1, r.out + r.err);
    assert.deepEqual(statuses(r.report), { ...ALL_OK, save: 'problem' });
    assert.match(summary(r.report, 'save'), /removes the X-XSRFToken header/);
    assert.match(r.report.checks.find((c) => c.id === 'save').fix, /pass the X-XSRFToken request header/);
    nothingLeft(nb.notebookDir);
  });

  test('a proxy that strips cookies: a problem, exit 1', async () => {
    const r = await throughProxy(nb, ['-strip-cookies'], ['--json']);
    assert.equal(r.code, 1, r.out + r.err);
    assert.equal(statuses(r.report).save, 'problem');
    assert.match(summary(r.report, 'save'), /did not get the cookie the token came from/);
    nothingLeft(nb.notebookDir);
  });

  test('a check that fails after a save was accepted: a problem, exit 1, nothing left', async () => {
    const offset = await logOffsetAfterAll(nb);
    const r = await throughProxy(nb, ['-stall-second-put'], ['--json', '--timeout', '3s']);
    assert.equal(r.code, 1, r.out + r.err);
    assert.equal(statuses(r.report).save, 'ok'); // accepted
    assert.equal(statuses(r.report)['no-token'], 'problem');
    assert.match(summary(r.report, 'no-token'), /no answer within 3s/);
    nothingLeft(nb.notebookDir);
    assert.deepEqual(nb.requests(offset, await logOffsetAfterAll(nb)).filter((q) => q.method === 'DELETE'), []);
  });

  test('interrupted after a save was accepted: exit 2, nothing left', async () => {
    const offset = await logOffsetAfterAll(nb);
    const r = await throughProxy(nb, ['-stall-second-put'], ['--json'], 'tree', {
      onStart: (child) => {
        // The proxy holds the second save: interrupt xsrfcheck waiting for it.
        waitFor(() => nb.requests(offset).some((q) => q.method === 'PUT'), { timeout: 30000, what: 'the first save' })
          .then(() => child.kill('SIGINT'), () => child.kill('SIGKILL'));
      },
    });
    assert.equal(r.code, 2, r.out + r.err);
    assert.equal(r.report.error, 'interrupted');
    assert.equal(statuses(r.report).save, 'ok');
    assert.match(r.err, /xsrfcheck: interrupted/);
    nothingLeft(nb.notebookDir);
  });

  test('bad input: exit 2 with a clear message; nothing answers: exit 3', async () => {
    const notUrl = await xsrfcheck(['localhost:8888']);
    assert.equal(notUrl.code, 2);
    assert.match(notUrl.err, /not a URL: "localhost:8888"/);

    // Nothing answers: exit 3, and a JSON report with its schema and no checks.
    const none = await xsrfcheck(['--json', `http://127.0.0.1:${await freePort()}/`]);
    assert.equal(none.code, 3, none.out + none.err);
    assert.match(none.err, /nothing answers at 127\.0\.0\.1:\d+/);
    assert.equal(none.report.schema, 1);
    assert.equal(none.report.verdict, 'error');
    assert.deepEqual(none.report.checks, []);

    const plain = http.createServer((req, res) => res.end('<html><body>hello</body></html>'));
    await new Promise((r) => plain.listen(0, '127.0.0.1', r));
    try {
      const other = await xsrfcheck([`http://127.0.0.1:${plain.address().port}/`]);
      assert.equal(other.code, 2);
      assert.match(other.err, /no Jupyter page at .*not a Jupyter server/);
    } finally {
      plain.close();
    }

    const wrong = await xsrfcheck([`${nb.url}tree?token=not-${nb.token}`]);
    assert.equal(wrong.code, 2);
    assert.match(wrong.err, /wrong token/);

    const noLogin = await xsrfcheck([`${nb.url}tree`]);
    assert.equal(noLogin.code, 2);
    assert.match(noLogin.err, /asks for a login .*--token or --password/);
  });
});

describe('xsrfcheck: Notebook 6 at a base URL', () => {
  test('a custom base URL: the cookie on / is shared with every server on the host (warning), saves work', async () => {
    const nb = await startJupyter({ flavor: 'notebook6', baseUrl: '/user/alice/' });
    try {
      const r = await xsrfcheck(['--json', `${nb.url}tree?token=${nb.token}`]);
      assert.equal(r.code, 0, r.out + r.err);
      assert.equal(r.report.server.baseUrl, '/user/alice/');
      assert.deepEqual(statuses(r.report), { ...ALL_OK, 'cookie-path': 'warning' });
      assert.match(summary(r.report, 'cookie-path'), /path \/ is above the base URL \/user\/alice\//);
      nothingLeft(nb.notebookDir);
    } finally {
      await nb.stop();
    }
  });

});

describe('xsrfcheck: Notebook 6 at a base URL behind a proxy that drops it from redirects', () => {
  test('exit 2, naming the redirect that left the base URL', async () => {
    const nb = await startJupyter({ flavor: 'notebook6', baseUrl: '/user/alice/' });
    try {
      const r = await throughProxy(nb, ['-drop-prefix', '/user/alice/'], [], '');
      assert.equal(r.code, 2, r.out + r.err);
      assert.match(r.err, /redirect that left the URL's folder \(\/user\/alice\/ → \/tree\)/);
      assert.doesNotMatch(r.out + r.err, new RegExp(nb.token));
    } finally {
      await nb.stop();
    }
  });
});

describe('xsrfcheck: jupyter_server with nbclassic (Debian)', () => {
  test('default setup: healthy', async () => {
    const nb = await startJupyter({ flavor: 'nbclassic' });
    try {
      const r = await xsrfcheck(['--json', `${nb.url}tree?token=${nb.token}`]);
      assert.equal(r.code, 0, r.out + r.err);
      assert.deepEqual(statuses(r.report), ALL_OK);
      assert.equal(r.report.server.kind, 'nbclassic');
      assert.match(r.report.server.versions.jupyter_server, /^1\./);
      nothingLeft(nb.notebookDir);
    } finally {
      await nb.stop();
    }
  });

  test('a custom base URL: the cookie is scoped to it; another server\'s _xsrf on / breaks saves (exit 1)', async () => {
    const nb = await startJupyter({ flavor: 'nbclassic', baseUrl: '/user/alice/' });
    try {
      const r = await xsrfcheck(['--json', `${nb.url}tree?token=${nb.token}`]);
      assert.equal(r.code, 0, r.out + r.err);
      assert.deepEqual(statuses(r.report), ALL_OK);
      assert.match(summary(r.report, 'cookie-path'), /path \/user\/alice\/ is the base URL/);

      const other = '2|1a2b3c4d|5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b|1700000000';
      const shadowed = await xsrfcheck(['--json', '--parent-xsrf', `/=${other}`, `${nb.url}tree?token=${nb.token}`]);
      assert.equal(shadowed.code, 1, shadowed.out + shadowed.err);
      assert.equal(statuses(shadowed.report).shadow, 'problem');
      assert.equal(statuses(shadowed.report).save, 'problem');
      assert.match(summary(shadowed.report, 'save'), /XSRF cookie does not match POST argument/);
      nothingLeft(nb.notebookDir);
    } finally {
      await nb.stop();
    }
  });

});

// Notebook 6 reads NotebookApp options, jupyter_server ServerApp ones.
const APPS = { notebook6: 'NotebookApp', nbclassic: 'ServerApp' };

for (const [flavor, app] of Object.entries(APPS)) {
  describe(`xsrfcheck: ${flavor} with settings that break saves`, () => {
    test('disable_check_xsrf: saves without the token are accepted, a problem, exit 1', async () => {
      const nb = await startJupyter({ flavor, extraArgs: [`--${app}.disable_check_xsrf=True`] });
      try {
        const r = await xsrfcheck(['--json', `${nb.url}tree?token=${nb.token}`]);
        assert.equal(r.code, 1, r.out + r.err);
        assert.deepEqual(statuses(r.report), { ...ALL_OK, 'no-token': 'problem' });
        assert.match(summary(r.report, 'no-token'), /disable_check_xsrf/);
        nothingLeft(nb.notebookDir);
      } finally {
        await nb.stop();
      }
    });

    test('a password instead of a token: logs in with --password; a wrong one is exit 2', async () => {
      const nb = await startJupyter({ flavor, token: '', extraArgs: [`--${app}.password=${sha1Password('nb-secret')}`] });
      try {
        const r = await xsrfcheck(['--json', '--password', 'nb-secret', nb.url]);
        assert.equal(r.code, 0, r.out + r.err);
        assert.deepEqual(statuses(r.report), ALL_OK);
        assert.match(summary(r.report, 'login'), /logged in with the password/);
        nothingLeft(nb.notebookDir);

        const wrong = await xsrfcheck(['--password', 'not-the-password', nb.url]);
        assert.equal(wrong.code, 2, wrong.out + wrong.err);
        assert.match(wrong.err, /wrong password/);
      } finally {
        await nb.stop();
      }
    });

    test('xsrf_cookie_kwargs SameSite=None without Secure on http: browsers drop the cookie, exit 1', async () => {
      const nb = await startJupyter({ flavor, extraArgs: [`--${app}.tornado_settings={'xsrf_cookie_kwargs': {'samesite': 'None'}}`] });
      try {
        const r = await xsrfcheck(['--json', `${nb.url}tree?token=${nb.token}`]);
        assert.equal(r.code, 1, r.out + r.err);
        assert.equal(statuses(r.report)['cookie-flags'], 'problem');
        assert.match(summary(r.report, 'cookie-flags'), /SameSite=None without Secure: browsers drop such a cookie/);
        assert.match(r.report.checks.find((c) => c.id === 'cookie-flags').fix, /remove 'samesite'/);
        assert.equal(statuses(r.report).save, 'problem');
        nothingLeft(nb.notebookDir);
      } finally {
        await nb.stop();
      }
    });
  });
}

describe('xsrfcheck: JupyterLab 4.6 and JupyterHub 6 (the pinned venv)', () => {
  test('JupyterLab 4.6 with a password: healthy', async () => {
    const lab = await startJupyter({ flavor: 'lab', password: hashPassword('lab-secret') });
    try {
      const r = await xsrfcheck(['--json', '--password', 'lab-secret', `${lab.url}lab`]);
      assert.equal(r.code, 0, r.out + r.err);
      assert.deepEqual(statuses(r.report), ALL_OK);
      assert.equal(r.report.server.kind, 'jupyterlab');
      assert.match(r.report.server.versions.jupyterlab, /^4\.6\./);
      assert.match(r.report.server.versions.jupyter_server, /^2\./);
      nothingLeft(lab.notebookDir);
    } finally {
      await lab.stop();
    }
  });

  test('a user\'s server behind JupyterHub: logs in through the hub with --password', async () => {
    const hub = await startHub({ app: 'lab' });
    try {
      await hub.startServer('alice');
      const r = await xsrfcheck(['--json', '--password', hub.password, `${hub.userUrl('alice')}lab`]);
      assert.equal(r.code, 0, r.out + r.err);
      assert.deepEqual(statuses(r.report), ALL_OK);
      assert.equal(r.report.server.hub, true);
      assert.match(r.report.server.versions.jupyterhub, /^6\./);
      assert.equal(r.report.server.baseUrl, '/user/alice/');
      assert.match(summary(r.report, 'login'), /JupyterHub as alice/);
      assert.match(summary(r.report, 'no-token'), /'_xsrf' argument missing from PUT/);
      nothingLeft(hub.notebookDir('alice'));

      const wrong = await xsrfcheck(['--password', `not-${hub.password}`, `${hub.userUrl('alice')}lab`]);
      assert.equal(wrong.code, 2, wrong.out + wrong.err);
      assert.match(wrong.err, /JupyterHub refused the login of alice/);
    } finally {
      await hub.stop();
    }
  });
});

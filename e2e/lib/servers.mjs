// Real Jupyter servers for the end-to-end tests, each in its own temporary
// home, on a free 127.0.0.1 port, with a known token and every request
// logged (debug level), so that tests can count what the server received.
import { execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const running = new Set();
process.on('exit', () => {
  for (const child of running) {
    try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
  }
});

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const VENV = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..', '.venv', 'bin');

/**
 * The options that make a jupyter_server 2 app log in with a password
 * instead of a token (no token in the page), or with the token.
 */
function serverAuth({ token, password }) {
  if (!password) return [`--IdentityProvider.token=${token}`];
  return ['--IdentityProvider.token=', `--PasswordIdentityProvider.hashed_password=${password.hash}`,
    '--PasswordIdentityProvider.password_required=True'];
}

/** How each flavor is started: Debian's packages or the pinned venv, run as root. */
const FLAVORS = {
  // Notebook 6.4 (Debian jupyter-notebook): cookie path "/".
  notebook6: ({ port, token, baseUrl, root }) => ['/usr/bin/jupyter-notebook', [
    '--no-browser', '--allow-root', '--ip=127.0.0.1', `--port=${port}`, '--NotebookApp.port_retries=0',
    `--NotebookApp.token=${token}`, `--NotebookApp.base_url=${baseUrl}`, `--NotebookApp.notebook_dir=${root}`,
    '--NotebookApp.log_level=DEBUG',
  ]],
  // jupyter_server 1.23 with the nbclassic UI (Debian): cookie path = base URL.
  // Application.log_level reaches the nbclassic handlers' logger too.
  nbclassic: ({ port, token, baseUrl, root }) => ['/usr/bin/jupyter-nbclassic', [
    '--no-browser', '--allow-root', '--ServerApp.ip=127.0.0.1', `--ServerApp.port=${port}`, '--ServerApp.port_retries=0',
    `--ServerApp.token=${token}`, `--ServerApp.base_url=${baseUrl}`, `--ServerApp.root_dir=${root}`,
    '--Application.log_level=DEBUG',
  ]],
  // JupyterLab 4.6 on jupyter_server 2 (venv): cookie path = base URL.
  lab: (o) => [path.join(VENV, 'jupyter-lab'), [
    '--no-browser', '--allow-root', '--ServerApp.ip=127.0.0.1', `--ServerApp.port=${o.port}`, '--ServerApp.port_retries=0',
    `--ServerApp.base_url=${o.baseUrl}`, `--ServerApp.root_dir=${o.root}`, '--Application.log_level=DEBUG',
    '--LabApp.expose_app_in_browser=True', '--LabApp.news_url=', '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate',
    ...serverAuth(o),
  ]],
  // Notebook 7.6 on jupyter_server 2 (venv).
  notebook7: (o) => [path.join(VENV, 'jupyter-notebook'), [
    '--no-browser', '--allow-root', '--ServerApp.ip=127.0.0.1', `--ServerApp.port=${o.port}`, '--ServerApp.port_retries=0',
    `--ServerApp.base_url=${o.baseUrl}`, `--ServerApp.root_dir=${o.root}`, '--Application.log_level=DEBUG',
    '--JupyterNotebookApp.expose_app_in_browser=True', ...serverAuth(o),
  ]],
};

/** Hashes a password the way jupyter_server stores it (argon2), with the venv's Python. */
export function hashPassword(password) {
  const out = execFileSync(path.join(VENV, 'python'), ['-c', 'import sys; from jupyter_server.auth import passwd; print(passwd(sys.argv[1]))', password]);
  return { password, hash: out.toString().trim() };
}

// A request as a server logs it once it is answered, e.g.
//   [D 00:09:58.269 NotebookApp] 200 GET /tree (127.0.0.1) 1.20ms
//   [W 2026-11-25 00:22:30.679 ServerApp] 403 PUT /api/contents/y.txt (127.0.0.1) 0.62ms referer=None
//   [I 2026-11-25 00:22:30.679 JupyterHub log:192] 302 GET /hub/ -> /hub/spawn (alice@127.0.0.1) 1.20ms
// (A 4xx is also logged once more with its message and no time; that line
// does not match.)
const REQUEST_LINE = /^\[\w [^\]]*\] (\d{3}) ([A-Z]+) (\S+)(?: -> \S+)? \([^)]*\) [\d.]+ms/;

/** The requests logged in `logFile` after byte `offset` (before byte `end`, if given): [{status, method, path, query}]. */
export function loggedRequests(logFile, offset = 0, end = undefined) {
  const text = fs.readFileSync(logFile).subarray(offset, end).toString('utf8');
  const out = [];
  for (const line of text.split('\n')) {
    const m = REQUEST_LINE.exec(line);
    if (!m) continue;
    const [p, q = ''] = m[3].split('?');
    out.push({ status: Number(m[1]), method: m[2], path: p, query: q });
  }
  return out;
}

/** The environment of a Jupyter process whose every file lives under `home`. */
export function jupyterEnv(home) {
  return {
    ...process.env,
    HOME: home,
    JUPYTER_CONFIG_DIR: path.join(home, 'config'),
    JUPYTER_DATA_DIR: path.join(home, 'data'),
    JUPYTER_RUNTIME_DIR: path.join(home, 'runtime'),
    IPYTHONDIR: path.join(home, 'ipython'),
    PYTHONUNBUFFERED: '1',
  };
}

/** An nbformat 4 notebook with one code cell per source string, as JSON text. */
export function notebookJSON(sources) {
  return JSON.stringify({
    cells: sources.map((source) => ({ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source })),
    // A kernelspec, or JupyterLab asks which kernel to start.
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
    nbformat: 4,
    nbformat_minor: 4,
  }, null, 1);
}

/**
 * Starts a Jupyter server and waits until its API answers.
 * `password` (from hashPassword) makes the server log in with a password and
 * put no token in its pages; otherwise it logs in with `token`.
 * `extraArgs` are more command-line options for the server.
 * @param {{flavor: 'notebook6'|'nbclassic'|'lab'|'notebook7', token?: string, password?: {password: string, hash: string}, baseUrl?: string, port?: number, home?: string, extraArgs?: string[]}} options
 */
export async function startJupyter({ flavor, token = crypto.randomBytes(12).toString('hex'), password = null, baseUrl = '/', port, home, extraArgs = [] } = {}) {
  const command = FLAVORS[flavor];
  if (!command) throw new Error(`unknown Jupyter flavor ${flavor}`);
  port = port || await freePort();
  home = home || fs.mkdtempSync(path.join(os.tmpdir(), `savekeeper-${flavor}-`));
  const root = path.join(home, 'notebooks');
  fs.mkdirSync(root, { recursive: true });
  const env = jupyterEnv(home);
  const [bin, flags] = command({ port, token, password, baseUrl, root });
  const args = [...flags, ...extraArgs];
  if (!fs.existsSync(bin)) throw new Error(`${bin} is missing: run make deps (e2e/install-deps.sh)`);
  const logFile = path.join(home, 'server.log');
  const logFd = fs.openSync(logFile, 'a');
  const child = spawn(bin, args, { env, cwd: root, detached: true, stdio: ['ignore', logFd, logFd] });
  fs.closeSync(logFd);
  running.add(child);
  let exited = null;
  const exit = new Promise((resolve) => child.on('exit', (code, signal) => { exited = { code, signal }; running.delete(child); resolve(); }));

  const origin = `http://127.0.0.1:${port}`;
  const log = () => fs.readFileSync(logFile, 'utf8');
  const deadline = Date.now() + 60000;
  for (;;) {
    if (exited) throw new Error(`${flavor} exited (${JSON.stringify(exited)}):\n${log().slice(-3000)}`);
    try {
      const r = await fetch(`${origin}${baseUrl}api`); // answers without login
      if (r.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      process.kill(-child.pid, 'SIGKILL');
      throw new Error(`${flavor} did not answer within 60 s:\n${log().slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }

  return {
    flavor,
    url: `${origin}${baseUrl}`,
    origin,
    baseUrl,
    port,
    token,
    password: password && password.password,
    home,
    notebookDir: root,
    log,
    /** The log's current length: pass it to requests() to see what came after. */
    logOffset: () => Buffer.byteLength(log()),
    /** Requests answered since `offset` (up to `end`, if given): [{status, method, path, query}]. */
    requests: (offset = 0, end = undefined) => loggedRequests(logFile, offset, end),
    /** Writes an nbformat 4 notebook with one code cell per source string. */
    writeNotebook(name, sources) {
      fs.writeFileSync(path.join(root, name), notebookJSON(sources));
    },
    readNotebook: (name) => JSON.parse(fs.readFileSync(path.join(root, name), 'utf8')),
    /** Stops the server (its whole process group); keepHome leaves its files for a restart. */
    async stop({ keepHome = false } = {}) {
      if (!exited) {
        try { process.kill(-child.pid, 'SIGTERM'); } catch { /* gone */ }
        const killer = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }, 5000);
        await exit;
        clearTimeout(killer);
      }
      if (!keepHome) fs.rmSync(home, { recursive: true, force: true });
    },
  };
}

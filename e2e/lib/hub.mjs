// A real JupyterHub 6 for the end-to-end tests: the pinned hub from the venv,
// the pinned configurable-http-proxy from e2e/node_modules, a shared-password
// login and SimpleLocalProcessSpawner single-user servers (JupyterLab or the
// classic UI through nbclassic), all in one temporary directory, on free
// 127.0.0.1 ports, logging every request (debug level). The single-user
// servers inherit the hub's stdout, so one log holds the requests of both.
import crypto from 'node:crypto';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { waitFor } from './browsers.mjs';
import { startTlsProxy } from './nginx.mjs';
import { freePort, jupyterEnv, loggedRequests, notebookJSON } from './servers.mjs';
import { makeCertificates } from './tls.mjs';

const E2E = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const VENV = path.resolve(E2E, '..', '.venv', 'bin');
const PROXY = path.join(E2E, 'node_modules', 'configurable-http-proxy', 'bin', 'configurable-http-proxy');

/** Every process whose parent chain leads to `pid` (read from /proc). */
function descendants(pid) {
  const parents = new Map();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid …; comm may hold spaces and parentheses.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(entry), ppid);
    } catch { /* exited meanwhile */ }
  }
  const out = [];
  const walk = (p) => {
    for (const [child, parent] of parents) {
      if (parent === p) { out.push(child); walk(child); }
    }
  };
  walk(pid);
  return out;
}

/** Sends `signal` to each process group in `pids` and to each pid; ignores those already gone. */
function killAll(pids, signal) {
  for (const pid of pids) {
    try { process.kill(-pid, signal); } catch { /* not a group leader, or gone */ }
    try { process.kill(pid, signal); } catch { /* gone */ }
  }
}

// The hub, the proxy and the single-user servers each run in their own
// session (the hub starts the others with start_new_session), so the hub's
// process group alone does not reach them.
const running = new Set();
process.on('exit', () => {
  for (const child of running) killAll([child.pid, ...descendants(child.pid)], 'SIGKILL');
});


/** The single-user apps: where the spawner sends the user, and how a notebook opens in it. */
const APPS = {
  // JupyterLab 4.6 (jupyterhub-singleuser as a jupyter_server extension): page config carries the OAuth token.
  lab: {
    defaultUrl: '/lab',
    args: ['--LabApp.expose_app_in_browser=True', '--LabApp.news_url=',
      '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate'],
    notebookPath: (name) => `lab/tree/${name}`,
    landed: /\/lab(\/|$|\?)/,
  },
  // The classic UI from nbclassic 1.3, which lives under <base>nbclassic/ next to Notebook 7.
  nbclassic: {
    defaultUrl: '/nbclassic/tree',
    args: [],
    notebookPath: (name) => `nbclassic/notebooks/${name}`,
    landed: /\/nbclassic\/(tree|notebooks)(\/|$|\?)/,
  },
};

/**
 * Writes the hub's config: every value is a JSON string or number, which
 * Python reads as the same literal.
 */
function hubConfig(o) {
  const py = (v) => JSON.stringify(v);
  return `# Written by e2e/lib/hub.mjs for one run.
import os
c = get_config()
here = ${py(o.home)}
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = ${o.publicPort}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = ${o.hubPort}
c.JupyterHub.log_level = "DEBUG"
c.JupyterHub.db_url = "sqlite:///" + os.path.join(here, "hub.sqlite")
c.JupyterHub.cookie_secret_file = os.path.join(here, "cookie_secret")
${o.publicUrl ? `# Behind the run's TLS proxy (lib/nginx.mjs), at the organisation's name.
c.JupyterHub.public_url = ${py(o.publicUrl)}` : ''}
${o.subdomainHost ? `c.JupyterHub.subdomain_host = ${py(o.subdomainHost)}` : ''}
${o.publicUrl ? `# The login cookies are Secure behind https by themselves; _xsrf is
# Secure too where the admin asks tornado for it, as here.
c.JupyterHub.tornado_settings = {"xsrf_cookie_kwargs": {"secure": True}}` : ''}

c.JupyterHub.proxy_class = "configurable-http-proxy"
c.ConfigurableHTTPProxy.command = [${py(process.execPath)}, ${py(PROXY)}]
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:${o.apiPort}"
c.ConfigurableHTTPProxy.pid_file = os.path.join(here, "proxy.pid")

c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = ${py(o.password)}
c.Authenticator.allow_all = True

# The tests' own API token, to start and stop users' servers.
c.JupyterHub.services = [{"name": "e2e", "api_token": ${py(o.apiToken)}}]
c.JupyterHub.load_roles = [
    {"name": "e2e", "scopes": ["admin:users", "admin:servers", "tokens"], "services": ["e2e"]},
${o.culler ? `    {"name": "idle-culler", "services": ["idle-culler"],
     "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"]},
` : ''}${Object.entries(o.access).map(([user, owners]) => `    {"name": ${py(`${user}-uses`)}, "users": [${py(user)}], "scopes": ${py(owners.map((owner) => `access:servers!user=${owner}`))}},
`).join('')}]

c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = os.path.join(here, "users", "{username}")
c.Spawner.notebook_dir = os.path.join(here, "users", "{username}", "notebooks")
c.Spawner.cmd = [${py(path.join(VENV, 'jupyterhub-singleuser'))}]
c.Spawner.args = ${py(['--allow-root', '--Application.log_level=DEBUG', ...o.app.args,

    ...(o.authCacheMaxAge ? [`--HubOAuth.cache_max_age=${Number(o.authCacheMaxAge)}`] : [])])}
c.Spawner.default_url = ${py(o.app.defaultUrl)}
c.Spawner.environment = {
    "PATH": ${py(`${VENV}:/usr/local/bin:/usr/bin:/bin`)},
    "PYTHONUNBUFFERED": "1",
${o.publicUrl ? `    "JUPYTER_CONFIG_DIR": os.path.join(here, "singleuser-config"),
` : ''}}
c.Spawner.start_timeout = 60
c.Spawner.http_timeout = 60

def make_dirs(spawner):
    os.makedirs(os.path.join(here, "users", spawner.user.name, "notebooks"), exist_ok=True)
c.Spawner.pre_spawn_hook = make_dirs
${o.culler ? `
# jupyterhub-idle-culler as an organisation runs it: a hub-managed service.
c.JupyterHub.services.append({"name": "idle-culler", "command": [
    ${py(path.join(VENV, 'python'))}, "-m", "jupyterhub_idle_culler",
    "--timeout=${Number(o.culler.timeout)}", "--cull-every=${Number(o.culler.every)}"]})
` : ''}`;
}

/**
 * Starts JupyterHub 6 with its proxy and waits until its login page answers
 * through the proxy. Any user name logs in with `password` (8 characters or
 * more, as SharedPasswordAuthenticator requires).
 * A single-user server caches what the hub said about a token for
 * HubOAuth.cache_max_age (300 s by default), and so keeps accepting a revoked
 * or expired token until then: `authCacheMaxAge` (seconds) shortens that.
 * `access` maps a user to the users whose servers they may use as well
 * (the scope access:servers!user=<owner>), e.g. {alice: ['bob']}.
 * `tls` puts the hub where an organisation has it: behind nginx (lib/nginx.mjs)
 * at https://<host>:<port>/ with a certificate of a test CA made for the run
 * (hub.caCert; the browsers must trust it and map hub.hosts to 127.0.0.1);
 * with `subdomains`, each user's server at https://<user>.<host>:<port>/user/<user>/
 * (JupyterHub.subdomain_host). `culler` runs jupyterhub-idle-culler with
 * {timeout, every} in seconds.
 * @param {{app?: 'lab'|'nbclassic', authCacheMaxAge?: number|null, password?: string, access?: Record<string, string[]>,
 *   tls?: {host: string, subdomains?: boolean, users?: string[]}|null, culler?: {timeout: number, every: number}|null}} options
 */
export async function startHub({
  app = 'lab', authCacheMaxAge = null,
  password = crypto.randomBytes(8).toString('hex'), access = {}, tls = null, culler = null,
} = {}) {
  const flavor = APPS[app];
  if (!flavor) throw new Error(`unknown single-user app ${app}`);
  for (const bin of [path.join(VENV, 'jupyterhub'), path.join(VENV, 'jupyterhub-singleuser'), PROXY]) {
    if (!fs.existsSync(bin)) throw new Error(`${bin} is missing: run make deps (e2e/install-deps.sh)`);
  }
  const ports = new Set();
  while (ports.size < 4) ports.add(await freePort());
  const [publicPort, apiPort, hubPort, tlsPort] = [...ports];
  const home = fs.mkdtempSync(path.join(os.tmpdir(), `savekeeper-hub-${app}-`));
  const apiToken = crypto.randomBytes(16).toString('hex');
  // Where the browsers reach the hub: its proxy, or nginx in front of it.
  const origin = tls ? `https://${tls.host}:${tlsPort}` : `http://127.0.0.1:${publicPort}`;
  const userOrigin = (user) => (tls && tls.subdomains ? `https://${user}.${tls.host}:${tlsPort}` : origin);
  const hosts = tls ? [tls.host, ...(tls.subdomains ? (tls.users || []).map((u) => `${u}.${tls.host}`) : [])] : [];
  if (tls) {
    fs.mkdirSync(path.join(home, 'singleuser-config'));
    fs.writeFileSync(path.join(home, 'singleuser-config', 'jupyter_server_config.py'),
      'c.ServerApp.tornado_settings = {"xsrf_cookie_kwargs": {"secure": True}}\n');
  }
  fs.writeFileSync(path.join(home, 'jupyterhub_config.py'),
    hubConfig({ home, publicPort, apiPort, hubPort, password, authCacheMaxAge, access, apiToken, app: flavor, culler,
      publicUrl: tls ? `${origin}/` : '', subdomainHost: tls && tls.subdomains ? origin : '' }));
  const env = jupyterEnv(home);
  const logFile = path.join(home, 'hub.log');
  const logFd = fs.openSync(logFile, 'a');
  const child = spawn(path.join(VENV, 'jupyterhub'), ['-f', path.join(home, 'jupyterhub_config.py')],
    { env, cwd: home, detached: true, stdio: ['ignore', logFd, logFd] });
  fs.closeSync(logFd);
  running.add(child);
  let exited = null;
  const exit = new Promise((resolve) => child.on('exit', (code, signal) => { exited = { code, signal }; running.delete(child); resolve(); }));

  // The tests' own requests (readiness, the REST API) go to the proxy directly.
  const inside = `http://127.0.0.1:${publicPort}`;
  const log = () => fs.readFileSync(logFile, 'utf8');
  let proxy = null;
  const stopAll = async () => {
    const pids = [child.pid, ...descendants(child.pid)];
    if (!exited) {
      // SIGTERM lets the hub stop its single-user servers and the proxy itself.
      try { process.kill(-child.pid, 'SIGTERM'); } catch { /* gone */ }
      const killer = setTimeout(() => killAll([child.pid], 'SIGKILL'), 10000);
      await exit;
      clearTimeout(killer);
    }
    killAll(pids.slice(1), 'SIGKILL');
    if (proxy) await proxy.stop();
  };
  const deadline = Date.now() + 60000;
  for (;;) {
    if (exited) throw new Error(`jupyterhub exited (${JSON.stringify(exited)}):\n${log().slice(-3000)}`);
    try {
      const r = await fetch(`${inside}/hub/login`, { redirect: 'manual' });
      if (r.status === 200) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      await stopAll();
      throw new Error(`jupyterhub did not answer within 60 s:\n${log().slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  let certificates = null;
  if (tls) {
    const names = [tls.host, `*.${tls.host}`];
    certificates = makeCertificates(path.join(home, 'pki'), names);
    try {
      proxy = await startTlsProxy({ upstream: publicPort, port: tlsPort, names, cert: certificates.cert, key: certificates.key });
    } catch (e) {
      await stopAll();
      throw e;
    }
  }

  const notebookDir = (user) => path.join(home, 'users', user, 'notebooks');
  /** Calls the hub's REST API with the tests' token; resolves to {status, body}. */
  const api = async (method, route, body) => {
    const r = await fetch(`${inside}/hub/api/${route}`, {
      method, headers: { Authorization: `token ${apiToken}` }, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : null };
  };
  /** Waits until `user`'s default server is running (ready) or stopped (absent). */
  const serverState = (user, want) => waitFor(async () => {
    const { body } = await api('GET', `users/${user}`);
    const s = body && body.servers && body.servers[''];
    return want === 'ready' ? !!(s && s.ready) : !s;
  }, { timeout: 60000, interval: 250, what: `${user}'s server ${want === 'ready' ? 'running' : 'stopped'}` });
  return {
    app,
    /** The hub's public origin with a trailing slash: http://127.0.0.1:<port>/, or https://<host>:<port>/ with tls. */
    url: `${origin}/`,
    origin,
    port: tls ? tlsPort : publicPort,
    password,
    home,
    /** With tls: the names the browsers must map to 127.0.0.1, and the CA certificate they must trust. */
    hosts,
    caCert: certificates ? certificates.caCert : '',
    /** The requests nginx answered (its access log's lines), with tls. */
    proxyLog: () => (proxy ? proxy.accessLog() : []),
    /** The single-user server's base URL: <origin>/user/<name>/, on the user's own subdomain with subdomains. */
    userUrl: (name) => `${userOrigin(name)}/user/${name}/`,
    /** Where `name` opens in the app: …/lab/tree/<name> or …/nbclassic/notebooks/<name>. */
    notebookUrl: (user, name) => `${userOrigin(user)}/user/${user}/${flavor.notebookPath(name)}`,
    /** The path the app lands on after login: /user/<name>/lab or /user/<name>/nbclassic/tree */
    landed: flavor.landed,
    notebookDir,
    log,
    /** The log's current length: pass it to requests() to see what came after. */
    logOffset: () => fs.statSync(logFile).size,
    /** Requests answered by the hub or a single-user server since `offset`: [{status, method, path, query}]. */
    requests: (offset = 0) => loggedRequests(logFile, offset),
    /** Writes an nbformat 4 notebook with one code cell per source string into `user`'s notebook directory. */
    writeNotebook(user, name, sources) {
      fs.mkdirSync(notebookDir(user), { recursive: true });
      fs.writeFileSync(path.join(notebookDir(user), name), notebookJSON(sources));
    },
    readNotebook: (user, name) => JSON.parse(fs.readFileSync(path.join(notebookDir(user), name), 'utf8')),
    /** Creates `user` if needed and starts their server through the hub's API; resolves once it is ready. */
    async startServer(user) {
      const created = await api('POST', `users/${user}`);
      if (![201, 409].includes(created.status)) throw new Error(`creating ${user}: ${created.status}`);
      const started = await api('POST', `users/${user}/server`);
      if (![201, 202, 400].includes(started.status)) throw new Error(`starting ${user}'s server: ${started.status}`);
      await serverState(user, 'ready');
    },
    /**
     * Revokes every OAuth token the hub gave `user`'s server for them: the
     * token in each Lab page's config and in their jupyterhub-user-<name>
     * cookie stop working, as when they expire (the server learns it once
     * its cache of the hub's answer ages out: authCacheMaxAge). The hub's
     * own login stays. Resolves to how many were revoked.
     */
    async revokeOAuthTokens(user) {
      const { status, body } = await api('GET', `users/${user}/tokens`);
      if (status !== 200) throw new Error(`listing ${user}'s tokens: ${status}`);
      const oauth = body.api_tokens.filter((t) => t.oauth_client && t.oauth_client !== 'JupyterHub');
      for (const t of oauth) {
        // 404: gone with the one revoked before it.
        const r = await api('DELETE', `users/${user}/tokens/${t.id}`);
        if (r.status !== 204 && r.status !== 404) throw new Error(`revoking ${user}'s token ${t.id}: ${r.status}`);
      }
      return oauth.length;
    },
    /** `user`'s default server as the hub's API describes it, or null when it is not running. */
    async serverOf(user) {
      const { body } = await api('GET', `users/${user}`);
      return (body && body.servers && body.servers['']) || null;
    },
    /** Stops `user`'s server through the hub's API; resolves once it is gone. */
    async stopServer(user) {
      const stopped = await api('DELETE', `users/${user}/server`);
      if (![202, 204].includes(stopped.status)) throw new Error(`stopping ${user}'s server: ${stopped.status}`);
      await serverState(user, 'stopped');
    },
    /** Stops the hub, its proxy, the single-user servers and their kernels; keepHome leaves the files. */
    async stop({ keepHome = false } = {}) {
      await stopAll();
      if (!keepHome) fs.rmSync(home, { recursive: true, force: true });
    },
  };
}

/**
 * Logs `user` in through the hub's login form in a new page of `browser`
 * (or in `page`, which shows or is on its way to that form), then waits
 * (bounded) until the spawn has finished and the single-user app (Lab, or
 * the nbclassic tree) has loaded in that page. Returns the page.
 * @param {import('puppeteer-core').Browser} browser
 * @param {Awaited<ReturnType<typeof startHub>>} hub
 * @param {string} user
 * @param {{timeout?: number, page?: import('puppeteer-core').Page|null}} options
 */
export async function loginHub(browser, hub, user, { timeout = 60000, page = null } = {}) {
  if (!page) {
    page = await browser.newPage();
    await page.goto(`${hub.url}hub/login`, { timeout: 20000 });
  }
  await page.waitForSelector('#username_input', { timeout: 10000 });
  await page.type('#username_input', user);
  await page.type('#password_input', hub.password);
  // The form posts, the hub spawns (spawn-pending follows the progress) and
  // the OAuth dance ends on the app: poll instead of counting navigations.
  await page.click('#login_submit');
  const home = new URL(hub.userUrl(user)).pathname;
  try {
    await waitFor(async () => {
      const here = new URL(page.url());
      if (!here.pathname.startsWith(home) || !hub.landed.test(here.pathname)) return false;
      return page.evaluate((app) => {
        if (document.readyState !== 'complete') return false;
        if (app === 'lab') return !!document.querySelector('#jupyter-config-data') && !!document.querySelector('.jp-LabShell');
        return !!window.Jupyter && !!document.querySelector('#notebook_list');
      }, hub.app);
    }, { timeout, interval: 250, what: `${user}'s ${hub.app} page after logging in to the hub` });
  } catch (e) {
    e.message += ` (the page is at ${page.url()})`;
    throw e;
  }
  return page;
}

/**
 * Opens `owner`'s server in a new page of `browser`, logged in to the hub as
 * a user the owner shares it with: the hub asks once to authorize the
 * server, and the page clicks "Authorize". Resolves to the page, at the
 * server's URL.
 */
export async function openSharedServer(browser, hub, owner) {
  const url = hub.userUrl(owner);
  const page = await browser.newPage();
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  await waitFor(async () => {
    if (page.url().startsWith(url)) return true;
    const authorize = await page.$('form[method="post" i] [type="submit"]');
    if (authorize) await Promise.all([page.waitForNavigation({ waitUntil: 'domcontentloaded' }).catch(() => {}), authorize.click()]);
    return false;
  }, { timeout: 30000, what: `${owner}'s server to let the user in` });
  return page;
}

// A TLS reverse proxy for the end-to-end tests, as an organisation puts in
// front of its JupyterHub: Debian's nginx, run for one test file from its
// own directory (config, pid, logs, temp files; nothing under /etc, /var or
// /run), terminating https with lib/tls.mjs's certificate and passing
// everything, WebSockets included, to one upstream on 127.0.0.1.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { freePort } from './servers.mjs';

const NGINX = '/usr/sbin/nginx';

const running = new Set();
process.on('exit', () => {
  for (const child of running) {
    try { process.kill(child.pid, 'SIGKILL'); } catch { /* gone */ }
  }
});

/**
 * The config. Two lines differ from what an admin writes for port 443
 * (docs/admins.md): `Host $http_host` keeps the port, which `$host`
 * drops and which the hub's redirects and tornado's WebSocket origin check
 * need on a high port; `user root`, so that as root the worker can write
 * the run's temp directory (ignored with a notice otherwise).
 */
function config({ dir, port, upstream, names, cert, key }) {
  const d = (f) => path.join(dir, f);
  return `# Written by e2e/lib/nginx.mjs for one run.
daemon off;
master_process on;
worker_processes 1;
pid ${d('nginx.pid')};
error_log ${d('error.log')} info;
user root;
events { worker_connections 256; }
http {
  access_log ${d('access.log')};
  client_body_temp_path ${d('tmp/body')};
  proxy_temp_path ${d('tmp/proxy')};
  fastcgi_temp_path ${d('tmp/fastcgi')};
  uwsgi_temp_path ${d('tmp/uwsgi')};
  scgi_temp_path ${d('tmp/scgi')};
  map $http_upgrade $connection_upgrade { default upgrade; '' close; }
  server {
    listen 127.0.0.1:${port} ssl http2;
    server_name ${names.join(' ')};
    ssl_certificate ${cert};
    ssl_certificate_key ${key};
    client_max_body_size 0;
    location / {
      proxy_pass http://127.0.0.1:${upstream};
      proxy_http_version 1.1;
      proxy_set_header Host $http_host;
      proxy_set_header X-Real-IP $remote_addr;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_buffering off;
      proxy_request_buffering off;
      proxy_read_timeout 1h;
    }
  }
}
`;
}

/** Resolves once something accepts connections on 127.0.0.1:`port`. */
function listening(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
    s.on('error', () => resolve(false));
  });
}

/**
 * Starts nginx on a free port of 127.0.0.1, serving https for `names` with
 * `cert`/`key` and proxying to http://127.0.0.1:`upstream`. Pass `port` to
 * choose the port (the hub must know its public URL before nginx starts).
 * @param {{upstream: number, names: string[], cert: string, key: string, port?: number}} options
 */
export async function startTlsProxy({ upstream, names, cert, key, port = 0 }) {
  if (!fs.existsSync(NGINX)) throw new Error(`${NGINX} is missing: run make deps (e2e/install-deps.sh installs nginx)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'savekeeper-nginx-'));
  for (const t of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) fs.mkdirSync(path.join(dir, 'tmp', t), { recursive: true });
  const listenPort = port || await freePort();
  fs.writeFileSync(path.join(dir, 'nginx.conf'), config({ dir, port: listenPort, upstream, names, cert, key }));
  const child = spawn(NGINX, ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', path.join(dir, 'error.log')],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  running.add(child);
  let stderr = '';
  child.stderr.on('data', (c) => { stderr += c; });
  let exited = null;
  const exit = new Promise((resolve) => child.on('exit', (code, signal) => { exited = { code, signal }; running.delete(child); resolve(); }));
  const errors = () => `${stderr}${fs.existsSync(path.join(dir, 'error.log')) ? fs.readFileSync(path.join(dir, 'error.log'), 'utf8').slice(-2000) : ''}`;
  const deadline = Date.now() + 10000;
  while (!await listening(listenPort)) {
    if (exited) throw new Error(`nginx exited (${JSON.stringify(exited)}): ${errors()}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`nginx did not listen within 10 s: ${errors()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port: listenPort,
    dir,
    /** The lines of nginx's access log (one per request it answered). */
    accessLog: () => fs.readFileSync(path.join(dir, 'access.log'), 'utf8').split('\n').filter(Boolean),
    /** Stops nginx (SIGQUIT: it finishes what it is serving) and deletes its directory. */
    async stop() {
      if (!exited) {
        child.kill('SIGQUIT');
        const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exit;
        clearTimeout(killer);
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

// A reverse proxy on 127.0.0.1 in front of a Jupyter server that can
// misbehave on request: what no packaged server does at will (a renewal
// page that redirects in a loop, a 403 with a 10 MB page, a 403 whose JSON
// is broken, a connection dropped in the middle of a save, a slow renewal).
// Everything else, websockets included, passes through unchanged.
import http from 'node:http';
import net from 'node:net';

/**
 * Starts the proxy for `target` (a server of lib/servers.mjs). Set
 * `proxy.fault` to one of: '' (pass everything), 'loop-renewal' (GET
 * <base>tree redirects to itself), 'big-403' (PUTs get 403 with 10 MB of
 * HTML), 'bad-json-403' (PUTs get 403 with broken JSON), 'drop-put' (PUTs
 * lose their connection once the body has started), 'slow-renewal' (GET
 * <base>tree waits `proxy.delay` ms first), 'slow-answer' (the answer to
 * a PUT, which the server has handled, waits `proxy.delay` ms), 'fail-check'
 * (the next GET of a file's model without content, the check JupyterLab
 * makes before a save, gets a 503 from the proxy; then the fault clears).
 * @returns {Promise<{url: string, port: number, fault: string, delay: number, seen: () => string[], close: () => Promise<void>}>}
 */
export async function startFaultProxy(target) {
  const upstream = new URL(target.url);
  const seen = [];
  const proxy = { fault: '', delay: 0 };
  const server = http.createServer((req, res) => {
    const path = req.url.split('?')[0];
    seen.push(`${req.method} ${path}`);
    const renewal = req.method === 'GET' && path === `${target.baseUrl}tree`;
    if (proxy.fault === 'loop-renewal' && renewal) {
      res.writeHead(302, { Location: req.url });
      res.end();
      return;
    }
    if (proxy.fault === 'big-403' && req.method === 'PUT') {
      req.resume();
      res.writeHead(403, { 'Content-Type': 'text/html' });
      res.end(`<html><body>${'Forbidden by the proxy. '.repeat(10 * 1024 * 1024 / 23)}</body></html>`);
      return;
    }
    if (proxy.fault === 'bad-json-403' && req.method === 'PUT') {
      req.resume();
      res.writeHead(403, { 'Content-Type': 'application/json' });
      res.end('{"message": "\'_xsrf\' argument missing from POST", "reason": nul');
      return;
    }
    if (proxy.fault === 'fail-check' && req.method === 'GET' && /[?&]content=0(&|$)/.test(req.url)) {
      proxy.fault = '';
      req.resume();
      res.writeHead(503, { 'Content-Type': 'text/html' });
      res.end('<html><body>503 Service Temporarily Unavailable</body></html>');
      return;
    }
    if (proxy.fault === 'drop-put' && req.method === 'PUT') {
      req.once('data', () => req.socket.destroy());
      return;
    }
    const forward = () => {
      const out = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          const reply = () => {
            res.writeHead(answer.statusCode, answer.headers);
            answer.pipe(res);
          };
          if (proxy.fault === 'slow-answer' && req.method === 'PUT') setTimeout(reply, proxy.delay);
          else reply();
        });
      out.on('error', () => res.destroy());
      req.pipe(out);
    };
    if (proxy.fault === 'slow-renewal' && renewal) setTimeout(forward, proxy.delay);
    else forward();
  });
  // Websockets (the kernel's channels) are piped through untouched.
  server.on('upgrade', (req, socket, head) => {
    const out = net.connect(Number(upstream.port), upstream.hostname, () => {
      out.write(`${req.method} ${req.url} HTTP/1.1\r\n${Object.entries(req.headers).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`);
      out.write(head);
      socket.pipe(out).pipe(socket);
    });
    out.on('error', () => socket.destroy());
    socket.on('error', () => out.destroy());
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const port = server.address().port;
  return Object.assign(proxy, {
    url: `http://127.0.0.1:${port}${target.baseUrl}`,
    port,
    seen: () => [...seen],
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  });
}

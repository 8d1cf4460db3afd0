// Small loopback HTTP servers for what no Jupyter server provides: a page
// that is not Jupyter, and a server on another origin that records the
// headers it receives.
import http from 'node:http';

function listen(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server.address().port));
  });
}

function closer(server) {
  return () => new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

/**
 * A plain page on http://127.0.0.1:PORT/: what SaveKeeper must leave alone.
 * @returns {Promise<{url: string, close: () => Promise<void>}>}
 */
export async function startPlainServer() {
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><html><head><title>Not Jupyter</title></head><body><h1>Just a page</h1></body></html>');
  });
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}/`, close: closer(server) };
}

/**
 * Serves fixed HTML pages on http://127.0.0.1:PORT/: `routes` maps a path
 * (as the browser sends it, percent-encoded) to a page; others are 404.
 * For tests of page detection on shapes no running server shows at will.
 * @param {Record<string, string>} routes
 * @returns {Promise<{url: string, close: () => Promise<void>}>}
 */
export async function startPageServer(routes) {
  const server = http.createServer((req, res) => {
    const page = routes[req.url.split('?')[0]];
    res.writeHead(page === undefined ? 404 : 200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(page === undefined ? 'not found' : page);
  });
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}/`, close: closer(server) };
}

/**
 * A server on another origin (http://localhost:PORT/, while Jupyter is on
 * 127.0.0.1) that answers every request, CORS preflights included, and
 * records each request's method, URL and headers.
 * @returns {Promise<{url: string, requests: () => object[], clear: () => void, close: () => Promise<void>}>}
 */
export async function startEchoServer() {
  let seen = [];
  const server = http.createServer((req, res) => {
    seen.push({ method: req.method, url: req.url, headers: { ...req.headers } });
    req.resume();
    req.on('end', () => {
      res.writeHead(200, {
        'Access-Control-Allow-Origin': req.headers.origin || '*',
        'Access-Control-Allow-Methods': 'GET, PUT, POST, PATCH, DELETE',
        'Access-Control-Allow-Headers': req.headers['access-control-request-headers'] || '*',
        'Content-Type': 'application/json',
      });
      res.end('{}');
    });
  });
  const port = await listen(server);
  return {
    url: `http://localhost:${port}/`,
    requests: () => seen.slice(),
    clear: () => { seen = []; },
    close: closer(server),
  };
}

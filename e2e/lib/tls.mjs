// An organisation's certificates for the end-to-end tests: a test CA made
// for one run (a unique name, valid for two days, its key deleted once it
// has signed) and a server certificate for the host names the run uses.
// The browsers trust the CA as they trust an organisation's (lib/browsers.mjs),
// never by turning certificate checks off.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** Runs openssl with `args` in `dir`; throws with its output when it fails. */
function openssl(dir, args) {
  try {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    throw new Error(`openssl ${args[0]} failed: ${e.stderr || e.message}`);
  }
}

/**
 * Makes, in `dir`, a test CA and a certificate it signs for `names` (the
 * first is the subject; wildcards such as "*.hub.example.test" allowed).
 * Returns the files' paths: {caCert, cert, key}.
 * @param {string} dir
 * @param {string[]} names
 */
export function makeCertificates(dir, names) {
  fs.mkdirSync(dir, { recursive: true });
  const run = crypto.randomBytes(4).toString('hex');
  openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '2',
    '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', `/O=SaveKeeper test/CN=SaveKeeper test CA ${run}`,
    '-addext', 'basicConstraints=critical,CA:TRUE,pathlen:0', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-keyout', 'server.key', '-out', 'server.csr',
    '-subj', `/CN=${names[0]}`]);
  fs.writeFileSync(path.join(dir, 'server.ext'), [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth',
    `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}`,
  ].join('\n') + '\n');
  openssl(dir, ['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
    '-days', '2', '-sha256', '-extfile', 'server.ext', '-out', 'server.crt']);
  fs.rmSync(path.join(dir, 'ca.key'));
  return { caCert: path.join(dir, 'ca.crt'), cert: path.join(dir, 'server.crt'), key: path.join(dir, 'server.key') };
}

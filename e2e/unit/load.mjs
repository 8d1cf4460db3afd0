// Loads one of the extension's plain scripts (no modules, no bundler: what
// the browser runs) into a fresh context, as a browser page would, and
// returns the globals it defines, for unit tests run by node.
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';

const EXTENSION = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..', 'extension');

/** Runs extension/<file> in a new context and returns {name: value} for each of `names` it defines. */
export function loadExtensionScript(file, ...names) {
  const context = vm.createContext({ atob, btoa, Uint8Array, TextEncoder, TextDecoder, URL, console });
  const source = fs.readFileSync(path.join(EXTENSION, file), 'utf8');
  vm.runInContext(`${source}\n;globalThis.__exports = { ${names.join(', ')} };`, context, { filename: file });
  return context.__exports;
}

/**
 * Runs the page layer's parts (extension/page/<part>, in the order given,
 * joined into one function body as cmd/pack joins them) and returns
 * {name: value} for each of `names` they define. Only parts that touch no
 * page at load time can run here (builtins.js, tokens.js).
 */
export function loadPageParts(parts, ...names) {
  const context = vm.createContext({ console, setTimeout, clearTimeout });
  const source = parts.map((p) => fs.readFileSync(path.join(EXTENSION, 'page', p), 'utf8')).join('\n');
  vm.runInContext(`globalThis.__exports = (function () {\n'use strict';\n${source}\nreturn { ${names.join(', ')} };\n})();`,
    context, { filename: parts.join('+') });
  return context.__exports;
}

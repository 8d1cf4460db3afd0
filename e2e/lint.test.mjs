// The Firefox package as Mozilla's reviewers see it: `web-ext lint` (the
// addons-linter, pinned in package.json) on dist/firefox must report no
// error, warning or notice. (Chromium's own list of manifest warnings,
// developerPrivate.getExtensionInfo().installWarnings, stays empty even for
// an unknown key when the extension is loaded from the command line, so a
// test of it could not fail; not checked.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

import { builtExtension } from './lib/browsers.mjs';

const here = path.dirname(new URL(import.meta.url).pathname);
const WEB_EXT = path.join(here, 'node_modules', '.bin', 'web-ext');

test('web-ext lint finds no error, warning or notice in dist/firefox', { timeout: 120000 }, async () => {
  const dir = builtExtension('firefox');
  // web-ext exits non-zero on errors; the JSON report is on stdout either way.
  const { stdout } = await promisify(execFile)(WEB_EXT, ['lint', '--source-dir', dir, '--output', 'json', '--no-input'],
    { maxBuffer: 16 * 1024 * 1024 }).catch((e) => e);
  const report = JSON.parse(stdout);
  const found = [...report.errors, ...report.warnings, ...report.notices].map((m) => `${m.code}: ${m.description || m.message}`);
  assert.deepEqual(found, [], 'web-ext lint');
  assert.deepEqual(report.summary, { errors: 0, notices: 0, warnings: 0 });
});

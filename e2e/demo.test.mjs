// make demo must keep working for newcomers: run it and read what it prints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

test('make demo shows the recovery step by step', { timeout: 180000 }, async () => {
  const shot = path.join(here, 'artifacts', 'demo-popup.png');
  fs.rmSync(shot, { force: true });
  const env = { ...process.env };
  delete env.DISPLAY; // headless, as in CI
  const out = await new Promise((resolve, reject) => {
    execFile(process.execPath, ['demo.mjs'], { cwd: here, env, timeout: 170000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`demo failed (${err.code}):\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
  });
  assert.match(out, /403 PUT \/api\/contents\/demo\.ipynb {2}← refused: no token/);
  assert.match(out, /200 GET \/tree {2}← SaveKeeper renews the token/);
  assert.match(out, /200 PUT \/api\/contents\/demo\.ipynb {2}← the same save, sent again/);
  assert.match(out, /save succeeded; notification area: "Notebook saved"/);
  assert.match(out, /the edit was saved/);
  assert.match(out, /Saves recovered: 1/);
  assert.ok(fs.statSync(shot).size > 1000, 'the popup screenshot was written');
});

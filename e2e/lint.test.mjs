// The packages as the stores and browsers see them:
// - `web-ext lint` (the addons-linter, pinned in package.json) on
//   dist/firefox reports no error, warning or notice;
// - Chromium reports no manifest warning for dist/chrome. It lists them
//   (chrome://extensions "Errors") only for an extension loaded while
//   developer mode is on: the profile starts in developer mode and the
//   package is loaded through CDP Extensions.loadUnpacked, then
//   developerPrivate.getExtensionInfo(id).manifestErrors is read.
//   (installWarnings stays empty whenever the error console is on.) A copy
//   with an unknown key and an unknown permission shows the check can fail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import puppeteer from 'puppeteer-core';

import { builtExtension, CHROMIUM, CHROMIUM_FLAGS } from './lib/browsers.mjs';

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

/** Loads each unpacked extension in `dirs` into one Chromium in developer mode; resolves to each one's manifest warnings. */
async function chromiumManifestWarnings(dirs) {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'savekeeper-lint-'));
  fs.mkdirSync(path.join(profile, 'Default'));
  fs.writeFileSync(path.join(profile, 'Default', 'Preferences'), JSON.stringify({ extensions: { ui: { developer_mode: true } } }));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM, headless: true, pipe: true, userDataDir: profile,
    enableExtensions: true, // allows Extensions.loadUnpacked
    args: CHROMIUM_FLAGS,
  });
  try {
    const page = await browser.newPage();
    await page.goto('chrome://extensions');
    await page.evaluate(() => chrome.developerPrivate.updateProfileConfiguration({ inDeveloperMode: true }));
    const out = [];
    for (const dir of dirs) {
      const id = await browser.installExtension(path.resolve(dir));
      out.push(await page.evaluate(async (extId) => {
        const info = await chrome.developerPrivate.getExtensionInfo(extId);
        return [...info.installWarnings, ...info.manifestErrors.map((m) => m.message)];
      }, id));
      await browser.uninstallExtension(id);
    }
    return out;
  } finally {
    await browser.close().catch(() => {});
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

test('Chromium loads dist/chrome with no manifest warning (a copy with an unknown key and permission gets two)', { timeout: 120000 }, async () => {
  const dir = builtExtension('chromium');
  const flawed = fs.mkdtempSync(path.join(os.tmpdir(), 'savekeeper-flawed-'));
  try {
    fs.cpSync(dir, flawed, { recursive: true });
    const manifest = JSON.parse(fs.readFileSync(path.join(flawed, 'manifest.json'), 'utf8'));
    manifest.not_a_key = 1;
    manifest.permissions = [...manifest.permissions, 'notapermission'];
    fs.writeFileSync(path.join(flawed, 'manifest.json'), JSON.stringify(manifest));
    const [control, ours] = await chromiumManifestWarnings([flawed, dir]);
    assert.deepEqual(control.toSorted(), ["Permission 'notapermission' is unknown.", "Unrecognized manifest key 'not_a_key'."],
      'the check sees warnings');
    assert.deepEqual(ours, [], 'dist/chrome');
  } finally {
    fs.rmSync(flawed, { recursive: true, force: true });
  }
});

// Lints the extension's JavaScript (`make lint`): each script parses as
// the browser loads it (plain scripts, no modules), names nothing that is
// not defined and leaves nothing unused. The page layer is checked as
// cmd/pack joins it, since its parts share one closure: a name one part
// uses and no part defines is caught.
//
// Usage: node e2e/eslint.mjs <file.js>...  (paths from the repository root)
// ESLint and its globals are pinned in e2e/package.json.
import path from 'node:path';
import { ESLint } from 'eslint';
import globals from 'globals';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

const eslint = new ESLint({
  cwd: root,
  overrideConfigFile: true,
  overrideConfig: [{
    files: ['**/*.js'],
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'script',
      globals: { ...globals.browser, ...globals.webextensions, ...globals.serviceworker },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      'no-undef': 'error',
      'no-unused-vars': ['error', { caughtErrors: 'none' }],
      'no-redeclare': 'error',
      'no-dupe-keys': 'error',
      'no-unreachable': 'error',
      'no-fallthrough': 'error',
      eqeqeq: ['error', 'always'],
    },
  }],
});

const files = process.argv.slice(2);
if (!files.length) {
  console.error('usage: node e2e/eslint.mjs <file.js>...');
  process.exit(2);
}
const results = await eslint.lintFiles(files.map((f) => path.resolve(f)));
const formatter = await eslint.loadFormatter('stylish');
const text = await formatter.format(results);
if (text) console.log(text);
const problems = results.reduce((n, r) => n + r.errorCount + r.warningCount, 0);
if (results.length !== files.length) {
  console.error(`eslint: checked ${results.length} of ${files.length} files`);
  process.exit(1);
}
console.log(`eslint: ${files.length} files, ${problems} problems`);
process.exit(problems ? 1 : 0);

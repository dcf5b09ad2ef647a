// The docs that mirror code must not drift: docs/cli.md is generated from the command definitions, and
// docs/errors.md lists every error code with its exit code.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { renderCliDocs } from '../scripts/gen-cli-docs.js';
import { ERROR_CODES, EXIT_CODES } from '../src/errors.js';

const read = (p: string) => readFileSync(new URL(`../${p}`, import.meta.url), 'utf8');

test('docs/cli.md is generated from the current commands', () => {
  assert.equal(read('docs/cli.md'), renderCliDocs(), 'run `npx tsx scripts/gen-cli-docs.ts`');
});

test('docs/errors.md lists every error code with its exit code', () => {
  const doc = read('docs/errors.md');
  for (const [code, category] of Object.entries(ERROR_CODES)) {
    const row = new RegExp(`^\\| \`${code}\` \\| (\\d+) \\|`, 'm').exec(doc);
    assert.ok(row, `docs/errors.md has no row for ${code}`);
    assert.equal(Number(row[1]), EXIT_CODES[category], `${code}: documented exit code`);
  }
});

test('the Go version the README and setup ask for is the one launcher/go.mod needs', () => {
  const goMod = /^go (\d+\.\d+)/m.exec(read('launcher/go.mod'));
  assert.ok(goMod, 'launcher/go.mod has no go directive');
  const readme = /Go ≥ (\d+\.\d+)/.exec(read('README.md'));
  assert.ok(readme, 'README.md names no Go version (Go ≥ X.Y)');
  assert.equal(readme[1], goMod[1], 'README.md Go version');
  const setup = /need go "Go >= (\d+\.\d+)/.exec(read('scripts/setup.sh'));
  assert.ok(setup, 'scripts/setup.sh checks no Go version');
  assert.equal(setup[1], goMod[1], 'scripts/setup.sh Go version');
});

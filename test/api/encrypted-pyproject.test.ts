// Encrypted [[tool.flavor.slots]] in a pyproject pack: the keys are read right after pyproject.toml, before
// the interpreter, the build tools or any dependency is touched, so a missing key costs nothing; a key is
// read once per source for the whole pack (the builder reuses it from the cache).

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { planFromPyproject } from '../../src/api/python-plan.js';
import { isFlavorError } from '../../src/errors.js';
import type { PythonBuildEvent } from '../../src/python/index.js';
import { CACHE } from '../python/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'flavor-enc-pyproject-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function project(): string {
  mkdirSync(join(dir, 'data'), { recursive: true });
  writeFileSync(join(dir, 'data', 'x.txt'), 'x');
  writeFileSync(
    join(dir, 'pyproject.toml'),
    `[project]
name = "demo"
version = "1.0.0"

[project.scripts]
demo = "demo:main"

[[tool.flavor.slots]]
id = "data"
source = "data"
encryption = "aes256-gcm"
key_source = "env:DEMO_DATA_KEY"

[[tool.flavor.slots]]
id = "more"
source = "data/x.txt"
target = "{workenv}/more.txt"
encryption = "aes256-gcm"
key_source = "env:DEMO_DATA_KEY"
`,
  );
  return join(dir, 'pyproject.toml');
}

const env = (extra: Record<string, string>) => ({
  PATH: process.env.PATH ?? '',
  // The tools cache of the test set-up (uv is there already: nothing is downloaded).
  FLAVOR_CACHE: CACHE,
  FLAVOR_BUILD_CACHE: join(dir, 'build-cache'),
  ...extra,
});

test('a missing key fails right after pyproject.toml is read, before any Python work', async () => {
  const events: PythonBuildEvent[] = [];
  await assert.rejects(
    planFromPyproject(project(), {}, { cwd: dir, env: env({}), log: (e) => events.push(e) }),
    (e: unknown) => isFlavorError(e, 'SLOT_KEY_MISSING') && e.message.includes('env:DEMO_DATA_KEY'),
  );
  assert.deepEqual(
    events.filter((e) => e.kind === 'step-start').map((e) => e.message),
    ['reading pyproject.toml'],
  );
});

test('a malformed key fails at the same point; a good key is read once into the shared cache', async () => {
  await assert.rejects(
    planFromPyproject(project(), {}, { cwd: dir, env: env({ DEMO_DATA_KEY: 'short' }), log: () => {} }),
    (e: unknown) => isFlavorError(e, 'SLOT_KEY_INVALID'),
  );
  const cache = new Map<string, Uint8Array>();
  // Past the keys the plan goes on to the interpreter; stop it there with an interpreter that does not exist.
  await assert.rejects(
    planFromPyproject(
      project(),
      { python: join(dir, 'no-such-python') },
      {
        cwd: dir,
        env: env({ DEMO_DATA_KEY: 'cd'.repeat(32) }),
        log: () => {},
        slotKeys: { env: { DEMO_DATA_KEY: 'cd'.repeat(32) }, cache },
      },
    ),
    (e: unknown) => isFlavorError(e, 'PYTHON_NOT_FOUND'),
  );
  assert.equal(cache.size, 1, 'two slots, one source: one key read');
  assert.deepEqual(Buffer.from([...cache.values()][0]!), Buffer.alloc(32, 0xcd));
});

// The portable runtime as the default for Linux targets (portable/choose.ts): which version a project
// gets, a cached runtime is taken as it is (a cross target needs the host's too), and a machine that has
// neither the runtime nor what the recipe needs says so instead of building.

import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { PythonConstraint } from '../../../src/python/manifest.js';
import { recipeHash } from '../../../src/python/portable/build.js';
import { obtainPortableRuntime, portableVersionFor } from '../../../src/python/portable/choose.js';
import { PYTHON_SOURCES } from '../../../src/python/portable/pins.js';
import { parseSpecifierSet } from '../../../src/python/version-spec.js';
import { tempDir } from '../../helpers/cli.js';

const NEWEST = Object.keys(PYTHON_SOURCES).sort(
  (a, b) => Number(b.split('.')[1]) - Number(a.split('.')[1]),
)[0]!;

function requires(text: string): PythonConstraint[] {
  const clauses = parseSpecifierSet(text);
  assert.ok(Array.isArray(clauses), `bad specifier ${text}`);
  return [{ key: 'project.requires-python', text, clauses }];
}

test('the newest recipe version the project accepts; none when it accepts none', () => {
  assert.equal(portableVersionFor([]), NEWEST);
  assert.equal(portableVersionFor(requires('>=3.8')), NEWEST);
  assert.equal(portableVersionFor(requires(`==${NEWEST}.*`)), NEWEST);
  assert.equal(portableVersionFor(requires('<3.8')), undefined);
  assert.equal(portableVersionFor(requires('>=4')), undefined);
});

/** A finished cache entry as build.ts publishes it (runtime.json beside the tree). */
async function fakeEntry(cache: string, target: 'linux_amd64' | 'linux_arm64'): Promise<string> {
  const pin = PYTHON_SOURCES[NEWEST]!;
  const entry = join(
    cache,
    'portable-runtimes',
    `cpython-${pin.version}-${target}-${await recipeHash(NEWEST, target)}`,
  );
  await mkdir(join(entry, 'runtime', 'bin'), { recursive: true });
  await writeFile(join(entry, 'runtime.json'), '{}\n');
  return entry;
}

const quiet = () => {};
/** An environment where the recipe cannot run: no apt-get, gpgv, make… on PATH. */
const bareEnv = (dir: string): NodeJS.ProcessEnv => ({ PATH: dir, HOME: dir });

test('a cached runtime is used as it is; a cross target also takes the host runtime', async (t) => {
  if (process.platform !== 'linux' || process.arch !== 'x64') return t.skip('x86-64 Linux host');
  const cache = await tempDir('flavor-choose-');
  await fakeEntry(cache, 'linux_amd64');
  const common = { constraints: [], buildCacheDir: cache, toolsDir: cache, env: bareEnv(cache), log: quiet };
  const native = await obtainPortableRuntime({ ...common, target: 'linux_amd64' });
  assert.ok('runtime' in native, JSON.stringify(native));
  assert.equal(native.runtime.target, 'linux_amd64');
  assert.equal(native.runtime.cached, true);
  assert.equal(native.buildRuntime, undefined);

  // arm64 without its own entry: not built, and this environment cannot build it
  const missing = await obtainPortableRuntime({ ...common, target: 'linux_arm64' });
  assert.ok('unavailable' in missing);
  assert.match(
    missing.unavailable,
    /linux_arm64 is not built here, and this machine cannot build it \(missing apt-get/,
  );
  assert.match(missing.hint, new RegExp(`flavor runtime build --python ${NEWEST} --platform linux_arm64`));

  await fakeEntry(cache, 'linux_arm64');
  const cross = await obtainPortableRuntime({ ...common, target: 'linux_arm64' });
  assert.ok('runtime' in cross);
  assert.deepEqual([cross.runtime.target, cross.buildRuntime?.target], ['linux_arm64', 'linux_amd64']);
});

test('a project that accepts no recipe version is told which versions there are', async () => {
  const cache = await tempDir('flavor-choose-');
  const outcome = await obtainPortableRuntime({
    target: 'linux_amd64',
    constraints: requires('<3.8'),
    buildCacheDir: cache,
    toolsDir: cache,
    env: bareEnv(cache),
    log: quiet,
  });
  assert.ok('unavailable' in outcome);
  assert.match(outcome.unavailable, new RegExp(`built for Python ${NEWEST.replace('.', '\\.')}`));
  assert.match(outcome.hint, /requires-python[\s\S]*--python/);
});

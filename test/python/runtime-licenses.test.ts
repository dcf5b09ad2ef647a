// The runtime's components and licences (src/python/runtime-licenses.ts): the portable runtime's read from
// its share/licenses/ (one entry per folder, CPython first, versions and SPDX licences from the table),
// every mismatch a RUNTIME_COMPONENTS_INVALID naming it; any other runtime: CPython with the licence file
// its tree has; a named file missing from the slot is refused. The cached portable runtime, when built,
// is read as it is.

import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { isFlavorError } from '../../src/errors.js';
import { findPortableRuntime } from '../../src/python/portable/build.js';
import { componentVersion, PORTABLE_COMPONENTS } from '../../src/python/portable/components.js';
import {
  checkLicenseFiles,
  cpythonRuntimeLicenses,
  LICENSES_REL,
  portableRuntimeLicenses,
} from '../../src/python/runtime-licenses.js';
import { TEST_RUNTIME_CACHE, tempDir, writeTree } from '../helpers/cli.js';

const MINOR = '3.13';
const NAMES = Object.keys(PORTABLE_COMPONENTS);

/** A runtime tree whose share/licenses/ has one file per component (and `extra` on top). */
async function portableTree(extra: Record<string, string> = {}): Promise<string> {
  const dir = await tempDir('flavor-rt-licenses-');
  const files = Object.fromEntries(NAMES.map((n) => [`${LICENSES_REL}/${n}/LICENSE`, `${n} licence\n`]));
  await writeTree(dir, { ...files, ...extra });
  return dir;
}

const invalid = (pattern: RegExp) => (e: unknown) =>
  isFlavorError(e, 'RUNTIME_COMPONENTS_INVALID') && pattern.test(e.message) && e.hint !== undefined;

test('portable: one entry per share/licenses folder, CPython first, version and licence from the table', async () => {
  const dir = await portableTree({ [`${LICENSES_REL}/sqlite/PUBLIC-DOMAIN`]: 'blessing\n' });
  const licenses = await portableRuntimeLicenses(dir, MINOR);
  assert.equal(licenses.complete, true);
  const names = licenses.components.map((c) => c.name);
  assert.deepEqual(names, ['cpython', ...NAMES.filter((n) => n !== 'cpython').sort()]);
  for (const c of licenses.components) {
    assert.equal(c.version, componentVersion(c.name, MINOR));
    assert.equal(c.license, PORTABLE_COMPONENTS[c.name]!.license);
  }
  const sqlite = licenses.components.find((c) => c.name === 'sqlite')!;
  assert.deepEqual(sqlite.files, [`${LICENSES_REL}/sqlite/LICENSE`, `${LICENSES_REL}/sqlite/PUBLIC-DOMAIN`]);
});

test('portable: a folder the table does not know is refused, naming it', async () => {
  const dir = await portableTree({ [`${LICENSES_REL}/ncurses/COPYING`]: 'x' });
  await assert.rejects(portableRuntimeLicenses(dir, MINOR), (e: unknown) => {
    assert.ok(invalid(/share\/licenses\/ncurses\//)(e), String(e));
    assert.equal((e as { path?: string }).path, dir);
    return true;
  });
});

test('portable: a missing or empty component folder, a stray file, no share/licenses: refused', async () => {
  const dir = await portableTree();
  rmSync(join(dir, LICENSES_REL, 'openssl'), { recursive: true });
  await assert.rejects(portableRuntimeLicenses(dir, MINOR), invalid(/lacks the licence of openssl/));
  mkdirSync(join(dir, LICENSES_REL, 'openssl'));
  await assert.rejects(portableRuntimeLicenses(dir, MINOR), invalid(/openssl\/ holds no licence file/));
  writeFileSync(join(dir, LICENSES_REL, 'openssl', 'LICENSE.txt'), 'apache\n');
  writeFileSync(join(dir, LICENSES_REL, 'README'), 'stray\n');
  await assert.rejects(portableRuntimeLicenses(dir, MINOR), invalid(/share\/licenses\/README is not/));
  rmSync(join(dir, LICENSES_REL), { recursive: true });
  await assert.rejects(portableRuntimeLicenses(dir, MINOR), invalid(/no share\/licenses\/ folder/));
});

test('portable: a Python version with no recorded bundled-library versions is refused, not guessed', async () => {
  const dir = await portableTree();
  await assert.rejects(portableRuntimeLicenses(dir, '3.99'), invalid(/no version of \w+ .*Python 3\.99/));
});

test('another runtime: CPython with the licence file its tree has, not itemised', async () => {
  const dir = await tempDir('flavor-rt-licenses-host-');
  const runtime = { dir, version: '3.13.0', stdlibRel: 'lib/python3.13' };
  assert.deepEqual(cpythonRuntimeLicenses(runtime), {
    complete: false,
    components: [{ name: 'cpython', version: '3.13.0', license: 'PSF-2.0', files: [] }],
  });
  await writeTree(dir, { 'lib/python3.13/LICENSE.txt': 'psf\n' });
  assert.deepEqual(cpythonRuntimeLicenses(runtime).components[0]!.files, ['lib/python3.13/LICENSE.txt']);
  // The Windows embeddable CPython keeps it at the root, its standard library being python313.zip.
  await writeTree(dir, { 'LICENSE.txt': 'psf\n' });
  const windows = { dir, version: '3.13.2', stdlibRel: 'python313.zip' };
  assert.deepEqual(cpythonRuntimeLicenses(windows).components[0]!.files, ['LICENSE.txt']);
});

test('checkLicenseFiles: a recorded licence file missing from the slot source is refused', async () => {
  const dir = await portableTree();
  const licenses = await portableRuntimeLicenses(dir, MINOR);
  checkLicenseFiles(dir, licenses);
  rmSync(join(dir, LICENSES_REL, 'expat', 'LICENSE'));
  assert.throws(
    () => checkLicenseFiles(dir, licenses),
    (e: unknown) => isFlavorError(e, 'INTERNAL') && /share\/licenses\/expat\/LICENSE/.test(e.message),
  );
});

test('the cached portable runtime (when built) is read as it is', async (t) => {
  const runtime = await findPortableRuntime({
    python: MINOR,
    target: 'linux_amd64',
    buildCacheDir: '/nonexistent',
    env: { FLAVOR_RUNTIME_CACHE: TEST_RUNTIME_CACHE },
  });
  if (!runtime) {
    const message = `the portable Python ${MINOR} runtime is not built in ${TEST_RUNTIME_CACHE}`;
    if (process.env.CI === 'true') throw new Error(message);
    return t.skip(message);
  }
  const licenses = await portableRuntimeLicenses(runtime.dir, MINOR);
  assert.equal(licenses.components.length, NAMES.length);
  assert.equal(licenses.components[0]!.version, runtime.version);
  checkLicenseFiles(runtime.dir, licenses);
});

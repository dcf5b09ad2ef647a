// Issue 13 item 7 on real packages: the licences shipped in the runtime slot are listed by `flavor
// inspect` (text and --json) and by the SBOM (CycloneDX and SPDX, both valid), and every file named is in
// the runtime slot. examples/hello packed around an interpreter of this machine (--python: CPython only,
// with its LICENSE.txt), for windows_amd64 (the embeddable CPython: the same, its LICENSE.txt at the root)
// and with default settings around the portable runtime (every component of
// share/licenses/, from the runtime cache the set-up fills); a portable runtime whose share/licenses holds
// a component flavor does not know is refused before the project is built.

import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type TestContext, test } from 'node:test';
import { findPortableRuntime, type PortableRuntime } from '../../src/python/portable/build.js';
import { PORTABLE_COMPONENTS } from '../../src/python/portable/components.js';
import type { RuntimeLicenses } from '../../src/sbom/types.js';
import { parseJson, REPO_ROOT, runFlavor, TEST_RUNTIME_CACHE, tempDir } from '../helpers/cli.js';
import { cycloneDxValidator, schemaErrors, spdxValidator } from '../helpers/sbom-schemas.js';
import { missing, TEST_BUILD_CACHE, TEST_PYTHON } from '../python/helpers.js';

const HELLO = path.join(REPO_ROOT, 'examples', 'hello', 'pyproject.toml');
const PACK_ENV = { FLAVOR_BUILD_CACHE: TEST_BUILD_CACHE, FLAVOR_RUNTIME_CACHE: TEST_RUNTIME_CACHE };

interface Component {
  'bom-ref': string;
  name: string;
  version?: string;
  licenses?: Array<{ expression?: string }>;
  properties?: Array<{ name: string; value: string }>;
}

async function pack(out: string, args: string[], env: Record<string, string> = PACK_ENV) {
  return runFlavor(['pack', '-m', HELLO, '-o', out, '--key-seed', 'licences', ...args], {
    timeoutMs: 900_000,
    env,
  });
}

/** What `flavor inspect` says: the text line, the --json list, the SBOM's runtime components. */
async function inspected(pkg: string) {
  const text = await runFlavor(['inspect', pkg]);
  assert.equal(text.code, 0, text.stderr);
  const json = await runFlavor(['inspect', pkg, '--json']);
  assert.equal(json.code, 0, json.stderr);
  const sbom = await runFlavor(['inspect', pkg, '--sbom']);
  assert.equal(sbom.code, 0, sbom.stderr);
  const bom = parseJson(sbom.stdout) as unknown as { components: Component[] };
  const validate = cycloneDxValidator();
  assert.ok(validate(bom), schemaErrors(validate));
  return {
    line: /^├── runtime licences: (.*)$/m.exec(text.stdout)?.[1],
    licenses: parseJson(json.stdout).runtime_licenses as RuntimeLicenses,
    runtime: bom.components.filter((c) => c['bom-ref'].startsWith('python-runtime')),
  };
}

/** The runtime slot unpacked; every licence file recorded is there, and not empty. */
async function assertFilesInSlot(pkg: string, licenses: RuntimeLicenses): Promise<string> {
  const out = path.join(await tempDir('flavor-licences-slot-'), 'runtime');
  const r = await runFlavor(['extract', pkg, 'runtime', out]);
  assert.equal(r.code, 0, r.stderr);
  for (const file of licenses.components.flatMap((c) => c.files)) {
    assert.ok(existsSync(path.join(out, file)), `${file} is in the runtime slot`);
    assert.ok(readFileSync(path.join(out, file)).length > 0, `${file} is not empty`);
  }
  return out;
}

const prop = (c: Component | undefined, name: string) => c?.properties?.find((p) => p.name === name)?.value;

test('--python (an interpreter of this machine): CPython and its LICENSE.txt, the rest said not itemised', async (t) => {
  if (!TEST_PYTHON) return t.skip(missing('a Python ≥ 3.9') || '');
  const pkg = path.join(await tempDir('flavor-licences-host-'), 'hello.psp');
  const packed = await pack(pkg, ['--python', TEST_PYTHON.path]);
  assert.equal(packed.code, 0, packed.stderr);
  const { line, licenses, runtime } = await inspected(pkg);
  const minor = TEST_PYTHON.version.split('.').slice(0, 2).join('.');
  assert.deepEqual(licenses.complete, false);
  assert.deepEqual(
    licenses.components.map((c) => [c.name, c.version, c.license]),
    [['cpython', TEST_PYTHON.version, 'PSF-2.0']],
  );
  const slot = await assertFilesInSlot(pkg, licenses);
  const license = licenses.components[0]!.files.find((f) => f.endsWith('LICENSE.txt'));
  if (license) {
    assert.equal(license, `lib/python${minor}/LICENSE.txt`);
    assert.match(readFileSync(path.join(slot, license), 'utf8'), /PYTHON SOFTWARE FOUNDATION LICENSE/);
  }
  assert.match(line ?? '', new RegExp(`^cpython ${TEST_PYTHON.version} PSF-2\\.0 \\(.*not itemised\\)$`));
  assert.deepEqual(
    runtime.map((c) => c['bom-ref']),
    ['python-runtime'],
  );
  assert.deepEqual(runtime[0]?.licenses, [{ expression: 'PSF-2.0' }]);
  assert.equal(prop(runtime[0], 'flavorpack:python:runtime_components'), 'cpython-only');
});

test('windows_amd64 (the embeddable CPython): CPython and the LICENSE.txt at the runtime’s root', async () => {
  const pkg = path.join(await tempDir('flavor-licences-windows-'), 'hello.exe');
  const packed = await pack(pkg, ['--platform', 'windows_amd64']);
  assert.equal(packed.code, 0, packed.stderr);
  const { line, licenses, runtime } = await inspected(pkg);
  assert.equal(licenses.complete, false);
  assert.equal(licenses.components.length, 1);
  const cpython = licenses.components[0]!;
  assert.equal(cpython.name, 'cpython');
  assert.match(cpython.version, /^3\.\d+\.\d+$/);
  assert.deepEqual(cpython.files, ['LICENSE.txt']);
  const slot = await assertFilesInSlot(pkg, licenses);
  assert.match(readFileSync(path.join(slot, 'LICENSE.txt'), 'utf8'), /PYTHON SOFTWARE FOUNDATION LICENSE/);
  assert.match(line ?? '', /^cpython 3\.\d+\.\d+ PSF-2\.0 \(licence file LICENSE\.txt; .*not itemised\)$/);
  assert.deepEqual(runtime[0]?.licenses, [{ expression: 'PSF-2.0' }]);
});

/** The cached linux_amd64 portable runtime of the newest pinned Python, or a skip (a failure under CI). */
async function portableOrSkip(t: TestContext): Promise<PortableRuntime | undefined> {
  if (process.arch !== 'x64') {
    t.skip('an x86-64 host packs the linux_amd64 portable runtime natively');
    return undefined;
  }
  const runtime = await findPortableRuntime({
    python: '3.13',
    target: 'linux_amd64',
    buildCacheDir: TEST_BUILD_CACHE,
    env: { FLAVOR_RUNTIME_CACHE: TEST_RUNTIME_CACHE },
  });
  if (runtime) return runtime;
  const message = `the portable Python 3.13 runtime is not built in ${TEST_RUNTIME_CACHE} (scripts/setup-portable-runtime.sh)`;
  if (process.env.CI === 'true') throw new Error(message);
  t.skip(message);
  return undefined;
}

test('default (portable runtime): every component of share/licenses listed with version and licence, files in the slot', async (t) => {
  const portable = await portableOrSkip(t);
  if (!portable) return;
  const pkg = path.join(await tempDir('flavor-licences-portable-'), 'hello.psp');
  const packed = await pack(pkg, []);
  assert.equal(packed.code, 0, packed.stderr);
  assert.doesNotMatch(packed.stderr, /packing with an interpreter of this machine/);
  const { line, licenses, runtime } = await inspected(pkg);
  assert.equal(licenses.complete, true);
  const names = Object.keys(PORTABLE_COMPONENTS);
  assert.deepEqual(licenses.components.map((c) => c.name).sort(), names.sort());
  assert.equal(licenses.components[0]?.name, 'cpython');
  assert.equal(licenses.components[0]?.version, portable.version);
  for (const c of licenses.components) {
    assert.equal(c.license, PORTABLE_COMPONENTS[c.name]!.license, c.name);
    assert.ok(c.files.length > 0 && c.files.every((f) => f.startsWith(`share/licenses/${c.name}/`)), c.name);
  }
  await assertFilesInSlot(pkg, licenses);
  const openssl = licenses.components.find((c) => c.name === 'openssl')!;
  assert.match(
    line ?? '',
    new RegExp(`^cpython ${portable.version} PSF-2\\.0, .*openssl ${openssl.version} Apache-2\\.0`),
  );
  assert.match(line ?? '', /\(licence files in share\/licenses\/\)$/);
  const refs = runtime.map((c) => c['bom-ref']).sort();
  assert.deepEqual(
    refs,
    ['python-runtime', ...names.filter((n) => n !== 'cpython').map((n) => `python-runtime:${n}`)].sort(),
  );
  const sbomOpenssl = runtime.find((c) => c.name === 'openssl');
  assert.equal(sbomOpenssl?.version, openssl.version);
  assert.deepEqual(sbomOpenssl?.licenses, [{ expression: 'Apache-2.0' }]);
  const spdx = await runFlavor(['inspect', pkg, '--sbom', '--format', 'spdx']);
  assert.equal(spdx.code, 0, spdx.stderr);
  const validate = await spdxValidator();
  if (typeof validate === 'string') return t.skip(validate);
  const doc = parseJson(spdx.stdout);
  assert.ok(validate(doc), schemaErrors(validate));
});

test('a portable runtime with a licence folder flavor does not know: RUNTIME_COMPONENTS_INVALID before the build', async (t) => {
  const portable = await portableOrSkip(t);
  if (!portable) return;
  // A copy of the runtime cache entry under its own name, with one more component's licence.
  const cache = await tempDir('flavor-licences-cache-');
  const entry = path.dirname(portable.dir);
  const copy = path.join(cache, path.basename(entry));
  cpSync(entry, copy, {
    recursive: true,
    verbatimSymlinks: true,
    filter: (src) => !path.basename(src).startsWith('slot-'),
  });
  mkdirSync(path.join(copy, 'runtime', 'share', 'licenses', 'ncurses'));
  writeFileSync(path.join(copy, 'runtime', 'share', 'licenses', 'ncurses', 'COPYING'), 'X11\n');
  const out = path.join(cache, 'out', 'hello.psp');
  const r = await pack(out, [], { ...PACK_ENV, FLAVOR_RUNTIME_CACHE: cache });
  assert.equal(r.code, 16, r.stderr);
  assert.match(r.stderr, /error: .*share\/licenses\/ncurses\/, a component flavor has no licence/);
  assert.match(r.stderr, /hint: .*components\.ts/);
  assert.match(r.stderr, /choosing the Python interpreter/);
  assert.doesNotMatch(r.stderr, /building the project/, 'refused before the project is built');
  assert.equal(existsSync(out), false);
});

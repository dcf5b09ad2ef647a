// `flavor pack --platform windows_amd64` refusals that need no wine: a dependency without a Windows
// wheel is WHEEL_UNAVAILABLE naming it (and no package is written); --use-pip is refused before any
// work. The packs that run are in wine.test.ts.

import assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { runFlavor, writeTree } from '../helpers/cli.js';
import { TEST_BUILD_CACHE, testEnv } from '../python/helpers.js';

let dir: string;
before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flavor-windows-pack-'));
});
after(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function project(name: string, dependency: string): Promise<string> {
  const src = path.join(dir, name);
  await writeTree(src, {
    'pyproject.toml': `[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n\n[project]\nname = "${name}"\nversion = "1.0"\nrequires-python = ">=3.10"\ndependencies = ["${dependency}"]\n\n[project.scripts]\n${name} = "${name.replace(/-/g, '_')}:main"\n`,
    [`${name.replace(/-/g, '_')}.py`]: 'def main():\n    return 0\n',
  });
  return path.join(src, 'pyproject.toml');
}

test('a dependency without a win_amd64 wheel is WHEEL_UNAVAILABLE naming it; nothing is written', {
  timeout: 600_000,
}, async () => {
  const manifest = await project('needs-uvloop', 'uvloop==0.21.0');
  const out = path.join(dir, 'needs-uvloop.exe');
  const r = await runFlavor(
    ['pack', '-m', manifest, '--platform', 'windows_amd64', '-o', out, '--key-seed', 'w', '--debug'],
    { env: { ...testEnv(), FLAVOR_BUILD_CACHE: TEST_BUILD_CACHE } },
  );
  assert.equal(r.code, 16, r.stderr);
  assert.match(
    r.stderr,
    /flavor: error: the dependency uvloop has no wheel for windows_amd64 \(Python 3\.\d+, x86_64-pc-windows-msvc\)/,
  );
  assert.match(r.stderr, /WHEEL_UNAVAILABLE/);
  assert.match(r.stderr, /hint: pin a version of uvloop that publishes a wheel for x86_64-pc-windows-msvc/);
  assert.equal(existsSync(out), false);
});

test('--use-pip is refused for windows_amd64 (uv installs Windows wheels)', async () => {
  const manifest = await project('pip-win', 'click');
  const r = await runFlavor(
    ['pack', '-m', manifest, '--platform', 'windows_amd64', '--use-pip', '-o', path.join(dir, 'x.exe')],
    { env: { ...testEnv(), FLAVOR_BUILD_CACHE: TEST_BUILD_CACHE } },
  );
  assert.equal(r.code, 2, r.stderr);
  assert.match(
    r.stderr,
    /installing the dependencies for another platform \(windows_amd64\) needs uv, not pip/,
  );
});

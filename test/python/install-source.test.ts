// install.ts (copyProjectSource): the project (and its local dependencies) are built from a copy, so build backends leave
// nothing in the user's folders (setuptools writes build/ and *.egg-info next to the sources), with uv and
// with pip. The copy skips outputs and caches and links .git (for versions read from git).

import assert from 'node:assert/strict';
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { planPythonBuild } from '../../src/python/index.js';
import { copyProjectSource } from '../../src/python/install.js';
import { ensureTools, REPO, TEST_BUILD_CACHE, testEnv } from './helpers.js';

/** Every file and folder under `dir`, relative, sorted. */
const tree = (dir: string): string[] => (readdirSync(dir, { recursive: true }) as string[]).sort();

const tmp = mkdtempSync(join(tmpdir(), 'flavor-install-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function project(name: string): string {
  const dir = join(tmp, name);
  cpSync(join(REPO, 'examples', 'hello'), dir, {
    recursive: true,
    filter: (src) => !/[\\/](dist|build|[^\\/]*\.egg-info|__pycache__)$/.test(src),
  });
  // a local dependency, built and bundled with the app
  const lib = join(tmp, `${name}-lib`);
  mkdirSync(join(lib, 'hello_lib'), { recursive: true });
  writeFileSync(
    join(lib, 'pyproject.toml'),
    '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n[project]\nname = "hello-lib"\nversion = "0.1"\n',
  );
  writeFileSync(join(lib, 'hello_lib', '__init__.py'), 'X = 1\n');
  const toml = join(dir, 'pyproject.toml');
  writeFileSync(
    toml,
    `${readFileSync(toml, 'utf8')}\n[tool.flavor.build]\ndependencies = ["../${name}-lib"]\n`,
  );
  return dir;
}

for (const usePip of [false, true]) {
  test(`packing leaves the project and its local dependencies untouched (${usePip ? 'pip' : 'uv'})`, async () => {
    await ensureTools();
    const dir = project(usePip ? 'with-pip' : 'with-uv');
    const lib = `${dir}-lib`;
    const before = [tree(dir), tree(lib)];
    const workDir = mkdtempSync(join(tmp, 'work-'));
    const plan = await planPythonBuild({
      manifestPath: join(dir, 'pyproject.toml'),
      usePip,
      workDir,
      buildCacheDir: TEST_BUILD_CACHE,
      log: () => {},
      env: testEnv(),
    });
    assert.equal(plan.spec.package.name, 'hello');
    assert.ok(
      existsSync(join(workDir, 'slots', 'app', 'hello_lib', '__init__.py')),
      'the local dependency is bundled',
    );
    assert.deepEqual([tree(dir), tree(lib)], before, 'no build/ or *.egg-info left behind');
  });
}

test('copyProjectSource skips outputs, caches and egg-info, and links .git', async () => {
  const src = join(tmp, 'copy-src');
  for (const rel of [
    'pkg/mod.py',
    'pkg/__pycache__/mod.pyc',
    'build/lib/x',
    'dist/a.psp',
    '.venv/bin/python',
    'pkg.egg-info/PKG-INFO',
    'docs/build/keep.txt',
    '.git/HEAD',
  ]) {
    mkdirSync(join(src, rel, '..'), { recursive: true });
    writeFileSync(join(src, rel), rel);
  }
  const dest = await copyProjectSource(src, join(tmp, 'copy-dest'));
  assert.deepEqual(tree(dest), [
    '.git',
    '.git/HEAD',
    'docs',
    'docs/build',
    'docs/build/keep.txt',
    'pkg',
    'pkg/mod.py',
  ]);
  assert.ok(lstatSync(join(dest, '.git')).isSymbolicLink());
  assert.equal(readlinkSync(join(dest, '.git')), join(src, '.git'));
});

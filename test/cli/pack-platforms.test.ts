// `flavor pack --platform a,b` (issue 19, item 5): one package per target, named <name>-<platform>.psp
// (.exe for Windows) in the output folder; what does not depend on the platform is built once (the pure
// project wheel) and the app slot made from it has the same bytes in every package. A target without a
// runtime source stops the command before anything is built.

import assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { executableKind } from '../../src/builder/launcher-check.js';
import { LAUNCHER_DIR, launcherFileName } from '../../src/builder/launchers.js';
import { listDir, parseJson, runFlavor, tempDir, writeTree } from '../helpers/cli.js';
import { makeSyntheticDist } from '../helpers/synthetic-dist.js';
import { CACHE } from '../python/helpers.js';

let work: string;
let armDist: string;
let macDist: string;

before(async () => {
  work = await tempDir('flavor-pack-platforms-');
  for (const platform of ['linux_arm64', 'darwin_arm64']) {
    if (existsSync(path.join(LAUNCHER_DIR, launcherFileName(platform)))) continue;
    const built = await runFlavor(['helpers', 'build', '--platform', platform], { timeoutMs: 300_000 });
    assert.equal(built.code, 0, built.stderr);
  }
  armDist = (await makeSyntheticDist(work, 'linux_arm64')).archive;
  macDist = (await makeSyntheticDist(work, 'darwin_arm64')).archive;
  await writeTree(work, {
    'multi/pyproject.toml': [
      '[project]',
      'name = "multi"',
      'version = "1.0"',
      '[project.scripts]',
      'multi = "multi:main"',
      '[build-system]',
      'requires = ["hatchling"]',
      'build-backend = "hatchling.build"',
      '',
    ].join('\n'),
    'multi/multi/__init__.py': 'def main():\n    print("multi")\n',
  });
});

after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

const ENV = () => ({ FLAVOR_CACHE: path.join(work, 'cache'), UV_CACHE_DIR: path.join(CACHE, 'uv') });

// Two --python-dist targets of the same CPython: the .pyc of the app slot are compiled by the same
// interpreter, so the slot is byte-identical (a host package compiled by another Python version is not).
test('--platform linux_arm64,darwin_arm64: one package each, the wheel built once, the app slot shared', async () => {
  const out = path.join(work, 'out');
  const run = await runFlavor(
    [
      'pack',
      '-m',
      path.join(work, 'multi', 'pyproject.toml'),
      '--platform',
      'linux_arm64,darwin_arm64',
      '--python-dist',
      armDist,
      '--python-dist',
      macDist,
      '-o',
      `${out}/`,
      '--key-seed',
      'multi',
      '--json',
    ],
    { env: ENV(), timeoutMs: 300_000 },
  );
  assert.equal(run.code, 0, run.stderr);
  const result = parseJson(run.stdout) as {
    packages: Array<{ platform: string; output: string; slots: Array<{ id: string; sha256: string }> }>;
    reused: string[];
  };
  assert.deepEqual(
    result.packages.map((p) => [p.platform, path.basename(p.output)]),
    [
      ['linux_arm64', 'multi-linux_arm64.psp'],
      ['darwin_arm64', 'multi-darwin_arm64.psp'],
    ],
  );
  assert.deepEqual((await listDir(out)).sort(), ['multi-darwin_arm64.psp', 'multi-linux_arm64.psp']);
  for (const p of result.packages) {
    const head = await fs.readFile(p.output).then((b) => b.subarray(0, 64));
    assert.equal(`${executableKind(head)?.os}_${executableKind(head)?.arch}`, p.platform);
  }
  assert.match(run.stderr, /reusing the wheel of .*multi: multi-1\.0-py[\w.]*-none-any\.whl/);
  assert.ok(
    result.reused.some((r) =>
      /^the wheel of .*multi \(multi-1\.0-py[\w.]*-none-any\.whl\), built once, reused for 1 more package$/.test(
        r,
      ),
    ),
    result.reused.join('\n'),
  );
  const app = result.packages.map((p) => p.slots.find((s) => s.id === 'app')?.sha256);
  assert.equal(app[0], app[1], 'the app slot is the same bytes for both platforms');
  assert.ok(result.reused.some((r) => r.startsWith('slot app: the same bytes in all 2 packages')));
  const runtimes = result.packages.map((p) => p.slots.find((s) => s.id === 'runtime')?.sha256);
  assert.notEqual(runtimes[0], runtimes[1], 'each platform has its own runtime');
});

test('one target without a runtime source stops the command before anything is built', async () => {
  const out = path.join(work, 'refused');
  const run = await runFlavor(
    [
      'pack',
      '-m',
      path.join(work, 'multi', 'pyproject.toml'),
      '--platform',
      'linux_amd64,darwin_arm64',
      '-o',
      `${out}/`,
    ],
    { env: ENV() },
  );
  assert.equal(run.code, 16, run.stderr);
  assert.match(run.stderr, /flavor: error: no Python runtime for darwin_arm64/);
  assert.doesNotMatch(run.stderr, /reading pyproject|choosing the Python/);
  assert.equal(existsSync(out), false);
});

test('several --python-dist archives are matched by their triple; a mismatch or a repeat is a usage error', async () => {
  const base = ['pack', '-m', path.join(work, 'multi', 'pyproject.toml'), '-o', `${work}/x/`];
  const notNamed = await runFlavor(
    [...base, '--platform', 'linux_amd64,linux_arm64', '--python-dist', path.join(work, 'python.tar.gz')],
    { env: ENV() },
  );
  assert.equal(notNamed.code, 2, notNamed.stderr);
  assert.match(notNamed.stderr, /matched by the target triple in its name/);
  const other = await runFlavor(
    [...base, '--platform', 'linux_amd64,windows_amd64', '--python-dist', armDist],
    { env: ENV() },
  );
  assert.equal(other.code, 2, other.stderr);
  assert.match(other.stderr, /is for linux_arm64, which --platform does not name/);
  const twice = await runFlavor([...base, '--platform', 'linux_arm64,linux_arm64'], { env: ENV() });
  assert.equal(twice.code, 2, twice.stderr);
  assert.match(twice.stderr, /--platform names linux_arm64 twice/);
  const single = await runFlavor([...base.slice(0, 3), '--python-dist', armDist, '--python-dist', armDist], {
    env: ENV(),
  });
  assert.equal(single.code, 2, single.stderr);
  assert.match(single.stderr, /--python-dist is given more than once for one platform/);
});

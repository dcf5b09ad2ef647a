// lockfile.ts through planPythonBuild: a uv.lock is installed as written (frozen, even when pyproject.toml
// would now resolve to something newer), without its dev group unless no_dev_deps = false.
// Downloads mdurl and six from PyPI (cached in <repo>/.cache/uv).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { planPythonBuild } from '../../src/python/index.js';
import { findTool } from '../../src/python/tools.js';
import type { PythonBuildEvent } from '../../src/python/types.js';
import { ensureTools, TEST_BUILD_CACHE, testEnv } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'flavor-lock-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
let project: string;

const PYPROJECT = (deps: string, extra = '') => `[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"
[project]
name = "locked"
version = "1.0"
requires-python = ">=3.9"
dependencies = [${deps}]
[dependency-groups]
dev = ["six"]
[project.scripts]
locked = "locked:main"
${extra}
`;

before(async () => {
  await ensureTools();
  project = join(tmp, 'locked');
  mkdirSync(join(project, 'locked'), { recursive: true });
  writeFileSync(join(project, 'locked', '__init__.py'), 'def main():\n    return 0\n');
  writeFileSync(join(project, 'pyproject.toml'), PYPROJECT('"mdurl==0.1.1"'));
  const uv = findTool('uv', { env: testEnv() });
  assert.ok(uv, 'uv is installed by the set-up');
  execFileSync(uv.path, ['lock', '--directory', project], {
    env: { ...testEnv(), UV_PYTHON_DOWNLOADS: 'never' },
    stdio: 'pipe',
  });
  assert.match(readFileSync(join(project, 'uv.lock'), 'utf8'), /name = "six"/, 'the lock has the dev group');
});

async function plan(extra = '') {
  writeFileSync(join(project, 'pyproject.toml'), PYPROJECT('"mdurl"', extra));
  const events: PythonBuildEvent[] = [];
  const p = await planPythonBuild({
    manifestPath: join(project, 'pyproject.toml'),
    workDir: mkdtempSync(join(tmp, 'work-')),
    buildCacheDir: TEST_BUILD_CACHE,
    log: (e) => events.push(e),
    env: testEnv(),
  });
  const python = p.spec.extraMetadata?.python as { dependencies: string[] };
  return { deps: python.dependencies, log: events.map((e) => e.message).join('\n') };
}

test('uv.lock is installed as locked, without the dev group', async () => {
  const { deps, log } = await plan();
  assert.deepEqual(deps, ['mdurl==0.1.1'], 'the locked version, not the newest mdurl; no six');
  assert.match(log, /uv\.lock: installing its 1 pinned distribution \(frozen, without the dev group\)/);
});

test('no_dev_deps = false installs the dev group too', async () => {
  const { deps } = await plan('[tool.flavor.build]\nno_dev_deps = false');
  assert.deepEqual(deps.map((d) => d.split('==')[0]).sort(), ['mdurl', 'six']);
});

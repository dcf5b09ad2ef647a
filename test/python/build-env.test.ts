// build-env.ts through planPythonBuild: a build-time requirement from [tool.flavor.build].dependencies
// reaches the build backend (setup.py imports it), in a venv at venv_path with the system site-packages;
// without it the isolated build fails. Downloads mdurl from PyPI (cached in <repo>/.cache/uv).

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { isFlavorError } from '../../src/errors.js';
import { parseProject, planPythonBuild } from '../../src/python/index.js';
import type { PythonBuildEvent } from '../../src/python/types.js';
import { ensureTools, TEST_BUILD_CACHE, testEnv } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'flavor-build-env-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function project(name: string, build: string): string {
  const dir = join(tmp, name);
  mkdirSync(join(dir, 'needs_dep'), { recursive: true });
  writeFileSync(join(dir, 'needs_dep', '__init__.py'), 'def main():\n    return 0\n');
  writeFileSync(
    join(dir, 'setup.py'),
    'import mdurl  # build-time requirement\nfrom setuptools import setup\n\nsetup()\n',
  );
  writeFileSync(
    join(dir, 'pyproject.toml'),
    `[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n[project]\nname = "needs-dep"\nversion = "1.0"\n[project.scripts]\nneeds-dep = "needs_dep:main"\n[tool.setuptools]\npackages = ["needs_dep"]\n${build}\n`,
  );
  return join(dir, 'pyproject.toml');
}

async function plan(manifestPath: string) {
  const events: PythonBuildEvent[] = [];
  await planPythonBuild({
    manifestPath,
    workDir: mkdtempSync(join(tmp, 'work-')),
    buildCacheDir: TEST_BUILD_CACHE,
    log: (e) => events.push(e),
    env: testEnv(),
  });
  return events.map((e) => e.message).join('\n');
}

before(() => ensureTools());

test('dependencies: requirement strings are build requirements, folders stay local projects', () => {
  const p = parseProject(
    '[project]\nname = "x"\nversion = "1"\n[project.scripts]\nx = "x:main"\n[tool.flavor.build]\ndependencies = ["cython>=3", "../lib", "numpy[extra]==2.0", "./sub/dir"]\n',
    '/p/pyproject.toml',
  );
  assert.deepEqual(p.build.buildRequirements, ['cython>=3', 'numpy[extra]==2.0']);
  assert.deepEqual(p.build.localDependencies, ['/lib', '/p/sub/dir']);
  assert.deepEqual(
    p.build.buildSystemRequires,
    ['setuptools>=40.8.0', 'wheel'],
    "pip's default without [build-system]",
  );
});

test('without the build requirement the isolated build fails (setup.py imports mdurl)', async () => {
  await assert.rejects(
    plan(project('isolated', '')),
    (e: unknown) => isFlavorError(e, 'TOOL_FAILED') && /mdurl/.test(e.message),
  );
});

test('with it: a build venv at venv_path (system site-packages) builds the wheel; the venv is not copied', async () => {
  const manifest = project(
    'with-venv',
    '[tool.flavor.build]\ndependencies = ["mdurl"]\nvenv_path = ".build-venv"\nsystem_site_packages = true',
  );
  const log = await plan(manifest);
  const venv = join(tmp, 'with-venv', '.build-venv');
  assert.match(log, /build venv: creating .*\.build-venv \(with the system site-packages\)/);
  assert.match(log, /build venv: installing setuptools>=61, mdurl/);
  assert.match(readFileSync(join(venv, 'pyvenv.cfg'), 'utf8'), /include-system-site-packages = true/);
  assert.ok(existsSync(join(venv, 'bin', 'python')));
  assert.match(await plan(manifest), /build venv: reusing/, 'a second pack reuses venv_path');
});

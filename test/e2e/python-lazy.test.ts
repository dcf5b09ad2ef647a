// A packed Python app asks for its lazy data slot with flavor_runtime.ensure_slot (docs/python.md "Asking for
// a slot at run time"), run by the real launcher with every host Python hidden: the helper ships in the
// package, starts the package's own launcher (FLAVOR_PACKAGE_PATH, `slot ensure`), and gets a pathlib.Path
// to the verified, extracted data; the second request takes the fast path.
//
// The lazy slot is added to the planned BuildSpec of a pyproject build (the library layer): declaring slots
// in pyproject.toml is another part of issue 17.

import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { pack } from '../../src/api/pack.js';
import { planFromPyproject } from '../../src/api/python-plan.js';
import { runWithoutPython } from '../helpers/hidden-python.js';
import { missing, TEST_BUILD_CACHE, TEST_PYTHON } from '../python/helpers.js';

const PY = TEST_PYTHON ?? (missing('a CPython >= 3.9') as never);
let dir: string;
let pkg: string;

const APP = `import sys

import flavor_runtime


def main():
    if sys.argv[1:] != ["ask"]:
        print("started")
        return 0
    models = flavor_runtime.ensure_slot("models")
    print(type(models).__name__, (models / "config.txt").read_text().strip())
    print("again", flavor_runtime.ensure_slot("models") == models)
    try:
        flavor_runtime.ensure_slot("no-such-slot")
    except flavor_runtime.SlotError as e:
        print("error", e.code, e.exit_status)
    return 0
`;

before(async () => {
  dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'flavor-e2e-pylazy-')));
  const project = path.join(dir, 'project');
  await fs.mkdir(path.join(project, 'lazy_py'), { recursive: true });
  await fs.writeFile(
    path.join(project, 'pyproject.toml'),
    [
      '[project]',
      'name = "lazy-py"',
      'version = "1.0.0"',
      'requires-python = ">=3.9"',
      '[project.scripts]',
      'lazy-py = "lazy_py:main"',
      '[build-system]',
      'requires = ["setuptools>=61"]',
      'build-backend = "setuptools.build_meta"',
      '',
    ].join('\n'),
  );
  await fs.writeFile(path.join(project, 'lazy_py', '__init__.py'), APP);
  await fs.mkdir(path.join(dir, 'models'));
  await fs.writeFile(path.join(dir, 'models', 'config.txt'), 'model data v1\n');
  const env = { ...process.env, FLAVOR_BUILD_CACHE: TEST_BUILD_CACHE };
  const plan = await planFromPyproject(
    path.join(project, 'pyproject.toml'),
    { python: PY.path },
    { cwd: project, env, log: () => {} },
  );
  try {
    plan.spec.slots.push({
      id: 'models',
      source: path.join(dir, 'models'),
      target: '{workenv}/models',
      operations: 'tar.gz',
      purpose: 'data',
      lifecycle: 'lazy',
    });
    pkg = path.join(dir, 'lazy-py.psp');
    await pack(plan.spec, { output: pkg, key: { seed: 'py-lazy' }, env, cwd: dir });
  } finally {
    await plan.cleanup?.();
  }
});

after(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

test('a packed app gets its lazy slot from flavor_runtime.ensure_slot, with no host Python', async () => {
  const cache = path.join(dir, 'cache');
  const env = { PATH: '/usr/bin:/bin', HOME: dir, FLAVOR_CACHE: cache };
  const start = runWithoutPython([pkg], env);
  assert.equal(start.code, 0, start.stderr);
  assert.equal(start.stdout, 'started\n');
  const workenv = path.join(cache, 'workenv');
  const id = (await fs.readdir(workenv)).find((n) => !/\.(lock|ready)$/.test(n))!;
  assert.equal(
    await fs.lstat(path.join(workenv, id, 'models')).catch(() => 'absent'),
    'absent',
    'the lazy slot was extracted at install',
  );

  const asked = runWithoutPython([pkg, 'ask'], env);
  assert.equal(asked.code, 0, asked.stderr);
  assert.equal(asked.stdout, 'PosixPath model data v1\nagain True\nerror USAGE 105\n');
  assert.equal(await fs.readFile(path.join(workenv, id, 'models', 'config.txt'), 'utf8'), 'model data v1\n');
});

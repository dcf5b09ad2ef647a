// [tool.flavor.build] bytecode settings through planPythonBuild: compile_bytecode = false ships no .pyc,
// optimization_level puts -O/-OO on every command and precompiles that level, and the settings are
// recorded in the metadata (python.bytecode).

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { planPythonBuild } from '../../src/python/index.js';
import { ensureTools, TEST_BUILD_CACHE, testEnv } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'flavor-bytecode-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
before(() => ensureTools());
const tree = (dir: string) => (readdirSync(dir, { recursive: true }) as string[]).sort();

async function plan(name: string, build: string) {
  const dir = join(tmp, name);
  mkdirSync(join(dir, 'bc'), { recursive: true });
  writeFileSync(join(dir, 'bc', '__init__.py'), 'def main():\n    return 0\n');
  writeFileSync(
    join(dir, 'pyproject.toml'),
    `[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n[project]\nname = "bc"\nversion = "1.0"\n[project.scripts]\nbc = "bc:main"\nother = "bc:main"\n[tool.flavor.build]\n${build}\n`,
  );
  const workDir = mkdtempSync(join(tmp, 'work-'));
  const p = await planPythonBuild({
    manifestPath: join(dir, 'pyproject.toml'),
    workDir,
    buildCacheDir: TEST_BUILD_CACHE,
    log: () => {},
    env: testEnv(),
  });
  return { spec: p.spec, app: tree(join(workDir, 'slots', 'app')) };
}

test('compile_bytecode = false: no .pyc in the app slot; recorded in the metadata', async () => {
  const { spec, app } = await plan('nocompile', 'compile_bytecode = false');
  assert.ok(app.includes('bc/__init__.py'));
  assert.deepEqual(
    app.filter((f) => f.endsWith('.pyc')),
    [],
  );
  assert.deepEqual((spec.extraMetadata?.python as { bytecode?: unknown } | undefined)?.bytecode, {
    optimization_level: 0,
    compiled: false,
    sources: true,
  });
});

test('optimization_level = 1: every command runs python -O; .opt-1.pyc precompiled', async () => {
  const { spec, app } = await plan('level1', 'optimization_level = 1');
  for (const command of [spec.execution.command, ...Object.values(spec.execution.commands ?? {})]) {
    assert.match(command, /" -I -B -O -m _flavor_run /);
  }
  assert.ok(
    app.some((f) => /^bc\/__pycache__\/__init__\.cpython-\d+\.opt-1\.pyc$/.test(f)),
    app.join('\n'),
  );
});

test('defaults: level-0 .pyc, no -O, nothing recorded', async () => {
  const { spec, app } = await plan('defaults', '');
  assert.match(spec.execution.command, /" -I -B -m _flavor_run /);
  assert.ok(app.some((f) => /^bc\/__pycache__\/__init__\.cpython-\d+\.pyc$/.test(f)));
  assert.equal((spec.extraMetadata?.python as { bytecode?: unknown } | undefined)?.bytecode, undefined);
});

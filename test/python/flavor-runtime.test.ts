// flavor_runtime, the helper shipped in every Python package (src/python/flavor-runtime.ts), run by the
// machine's oldest and newest interpreters against a fake workenv and a fake package file (a shell script
// standing in for `FLAVOR_LAUNCHER_CLI=1 <package> slot ensure ID`). The real launcher is exercised in
// test/e2e/python-lazy.test.ts.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, test } from 'node:test';
import {
  checkRuntimeNameFree,
  FLAVOR_RUNTIME_MODULE,
  FLAVOR_RUNTIME_SOURCE,
} from '../../src/python/flavor-runtime.js';
import { MACHINE_PYTHONS, missing } from './helpers.js';

const PYTHONS = [
  ...new Set([MACHINE_PYTHONS[0]?.path, MACHINE_PYTHONS[MACHINE_PYTHONS.length - 1]?.path]),
].filter((p): p is string => p !== undefined);
const skip = PYTHONS.length === 0 ? missing('a CPython') : false;

let dir: string;
let workenv: string;
let fakePackage: string;

before(async () => {
  dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'flavor-runtime-')));
  await fs.mkdir(path.join(dir, 'lib'));
  await fs.writeFile(path.join(dir, 'lib', `${FLAVOR_RUNTIME_MODULE}.py`), FLAVOR_RUNTIME_SOURCE);
  workenv = path.join(dir, 'workenv');
  await fs.mkdir(path.join(workenv, '.flavor-lazy'), { recursive: true });
  await fs.mkdir(path.join(workenv, 'ready-slot'));
  await fs.writeFile(
    path.join(workenv, '.flavor-lazy', '3.ready'),
    JSON.stringify({
      marker: 'flavor-lazy-slot/1',
      index: 3,
      id: 'ready',
      path: path.join(workenv, 'ready-slot'),
    }),
  );
  // The fake launcher logs its calls and answers like the real one.
  fakePackage = path.join(dir, 'app.psp');
  await fs.writeFile(
    fakePackage,
    [
      '#!/bin/sh',
      'echo "$FLAVOR_LAUNCHER_CLI $*" >> "$CALLS"',
      'case "$3" in',
      `  models) echo "${workenv}/models" ;;`,
      '  bad) echo "app.psp: error: slot 1 (bad) checksum mismatch: the stored bytes do not match [SLOT_CHECKSUM]" >&2',
      '       echo "app.psp: hint: get a fresh copy" >&2; exit 107 ;;',
      '  elsewhere) echo /somewhere/else ;;',
      'esac',
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
});

after(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** Runs `code` with the helper importable, as an app in the package would (-I: no PYTHON* variables). */
function py(python: string, code: string, env: Record<string, string> = {}) {
  const r = spawnSync(
    python,
    ['-I', '-c', `import sys; sys.path.insert(0, ${JSON.stringify(path.join(dir, 'lib'))})\n${code}`],
    {
      encoding: 'utf8',
      env: {
        PATH: '/usr/bin:/bin',
        FLAVOR_WORKENV: workenv,
        FLAVOR_PACKAGE_PATH: fakePackage,
        CALLS: path.join(dir, 'calls.log'),
        ...env,
      },
    },
  );
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function calls(): Promise<string[]> {
  const text = await fs.readFile(path.join(dir, 'calls.log'), 'utf8').catch(() => '');
  await fs.rm(path.join(dir, 'calls.log'), { force: true });
  return text.split('\n').filter(Boolean);
}

beforeEach(calls); // each test sees only its own launcher calls

for (const python of PYTHONS) {
  test(`${python}: an extracted lazy slot comes from its marker, without starting the launcher`, {
    skip,
  }, async () => {
    const r = py(
      python,
      'import flavor_runtime as f\nprint(f.ensure_slot("ready"))\nprint(f.ensure_slot("3"))',
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${path.join(workenv, 'ready-slot')}\n`.repeat(2));
    assert.deepEqual(await calls(), []);
  });

  test(`${python}: otherwise the package's launcher is asked: slot ensure ID, in CLI mode`, {
    skip,
  }, async () => {
    const r = py(
      python,
      'import flavor_runtime as f, pathlib\np = f.ensure_slot("models")\nprint(type(p).__name__, p)',
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^\\w*Path ${path.join(workenv, 'models')}\\n$`));
    assert.deepEqual(await calls(), ['1 slot ensure models']);
  });

  test(`${python}: a launcher failure is a SlotError with its message, code and exit status`, {
    skip,
  }, async () => {
    const r = py(
      python,
      'import flavor_runtime as f\ntry:\n    f.ensure_slot("bad")\nexcept f.SlotError as e:\n    print(e.code, e.exit_status, isinstance(e, RuntimeError))\n    print(e)',
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      "SLOT_CHECKSUM 107 True\nslot 'bad': slot 1 (bad) checksum mismatch: the stored bytes do not match\n",
    );
  });

  test(`${python}: a path outside this workenv, or no launcher environment, is refused`, { skip }, () => {
    const out = py(
      python,
      'import flavor_runtime as f\ntry:\n    f.ensure_slot("elsewhere")\nexcept f.SlotError as e:\n    print(e)',
    );
    assert.match(out.stdout, /not in this app's workenv/);
    const none = py(
      python,
      'import flavor_runtime as f\ntry:\n    f.ensure_slot("models")\nexcept f.SlotError as e:\n    print(e)',
      {
        FLAVOR_WORKENV: '',
      },
    );
    assert.match(
      none.stdout,
      /FLAVOR_WORKENV is not set: flavor_runtime works only in an app started by a FlavorPack launcher/,
    );
  });
}

test('a dependency or app module named flavor_runtime is refused at pack (PROJECT_INVALID)', async () => {
  const deps = path.join(dir, 'deps');
  const app = path.join(dir, 'app');
  await fs.mkdir(path.join(deps, 'flavor_runtime'), { recursive: true });
  await fs.mkdir(app, { recursive: true });
  await assert.rejects(
    checkRuntimeNameFree({ 'the dependencies': deps, 'the app': app }),
    (e: Error & { code?: string }) => {
      assert.equal(e.code, 'PROJECT_INVALID');
      assert.match(
        e.message,
        /the dependencies ship a top-level flavor_runtime: the module name flavor_runtime is reserved/,
      );
      return true;
    },
  );
  await fs.rm(path.join(deps, 'flavor_runtime'), { recursive: true });
  await fs.writeFile(path.join(app, 'flavor_runtime.py'), '');
  await assert.rejects(
    checkRuntimeNameFree({ 'the dependencies': deps, 'the app': app }),
    /the app ship a top-level flavor_runtime\.py/,
  );
  await fs.rm(path.join(app, 'flavor_runtime.py'));
  await fs.writeFile(path.join(app, 'flavor_runtimes.py'), '');
  await checkRuntimeNameFree({ 'the dependencies': deps, 'the app': app });
});

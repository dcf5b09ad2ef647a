// compile.ts: the .pyc an interpreter run with -O/-OO looks for, and the sources-free layout.
// Uses python3 from PATH (the set-up needs it too).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { compileTree } from '../../src/python/compile.js';

const PYTHON = spawnSync('sh', ['-c', 'command -v python3'], { encoding: 'utf8' }).stdout.trim();
const tmp = mkdtempSync(join(tmpdir(), 'flavor-compile-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const tree = (dir: string) => (readdirSync(dir, { recursive: true }) as string[]).sort();

function project(name: string): string {
  const dir = join(tmp, name);
  mkdirSync(join(dir, 'pkg'), { recursive: true });
  writeFileSync(
    join(dir, 'pkg', '__init__.py'),
    '"""doc of pkg"""\n\ndef f():\n    """doc of f"""\n    assert False, "asserts run"\n',
  );
  writeFileSync(join(dir, 'pkg', 'bad.py'), 'print "python 2"\n');
  return dir;
}

function importIn(dir: string, flags: string[], code: string) {
  return spawnSync(
    PYTHON,
    ['-I', '-B', ...flags, '-c', `import sys; sys.path.insert(0, ${JSON.stringify(dir)}); ${code}`],
    {
      encoding: 'utf8',
    },
  );
}

test('python3 is on PATH', () => assert.ok(PYTHON, 'python3 not found on PATH'));

test('level 2: .opt-2.pyc written; the -OO interpreter uses it (no docstrings, no asserts)', async () => {
  const dir = project('level2');
  const warnings: string[] = [];
  await compileTree(PYTHON, dir, 'app', (e) => warnings.push(e.message), { optimizationLevel: 2 });
  const files = tree(dir);
  assert.ok(
    files.some((f) => /__pycache__\/__init__\.cpython-\d+\.opt-2\.pyc$/.test(f)),
    files.join('\n'),
  );
  assert.ok(!files.some((f) => /__init__\.cpython-\d+\.pyc$/.test(f)), 'no level-0 pyc');
  assert.match(warnings.join('\n'), /did not compile/, 'the Python-2 file is a warning');
  const r = importIn(
    dir,
    ['-OO'],
    'import pkg; print(pkg.__doc__, pkg.__cached__.endswith(".opt-2.pyc")); pkg.f(); print("ok")',
  );
  assert.equal(r.stdout, 'None True\nok\n', r.stderr);
});

test('alsoLevel0 writes both levels (the runtime: any level may run)', async () => {
  const dir = project('both');
  await compileTree(PYTHON, dir, 'lib', () => {}, { optimizationLevel: 1, alsoLevel0: true });
  const files = tree(dir);
  assert.ok(files.some((f) => /__init__\.cpython-\d+\.pyc$/.test(f)));
  assert.ok(files.some((f) => /__init__\.cpython-\d+\.opt-1\.pyc$/.test(f)));
});

test('sourceless: pkg/__init__.pyc next to where the source was; sources that compiled are gone', async () => {
  const dir = project('sourceless');
  await compileTree(PYTHON, dir, 'app', () => {}, { sourceless: true });
  assert.deepEqual(tree(dir), ['pkg', 'pkg/__init__.pyc', 'pkg/bad.py']);
  const r = importIn(dir, [], 'import pkg; print(pkg.__file__.endswith("__init__.pyc"), pkg.__doc__)');
  assert.equal(r.stdout, 'True doc of pkg\n', r.stderr);
});

// The stdlib archive step (src/python/stdlib-zip.ts) on a small stdlib-shaped tree, with the machine's
// Python: what goes into lib/python3X.zip, what stays on disk, deterministic bytes, no build path, the
// sources option, importability through zipimport, and a tree that already has its archive.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { isFlavorError } from '../../src/errors.js';
import { stdlibZipName, zipStandardLibrary } from '../../src/python/stdlib-zip.js';
import type { PythonBuildEvent } from '../../src/python/types.js';
import { missing, TEST_PYTHON } from './helpers.js';

const PY = TEST_PYTHON;
const tmp = mkdtempSync(join(tmpdir(), 'flavor-stdlib-zip-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const FILES: Record<string, string> = {
  'os.py': 'NAME = "os"\n',
  'LICENSE.txt': 'licence text\n',
  'zmod.py': 'def f():\n    raise ValueError("boom")\n',
  'zpkg/__init__.py':
    'from importlib import resources\nDATA = resources.files(__name__).joinpath("data.txt").read_text()\n',
  'zpkg/data.txt': 'package data\n',
  'zpkg/__pycache__/stale.cpython-39.pyc': 'stale',
  'py2only.py': 'print "python 2"\n',
  'lib-dynload/_fake.so': 'ELF',
  'site-packages/keep.py': 'x = 1\n',
};

/** A runtime-shaped tree: <root>/lib/python3.X with FILES. */
function makeTree(name: string): { root: string; stdlib: string; zip: string } {
  const root = join(tmp, name);
  const stdlib = join(root, 'lib', 'python3.x');
  for (const [rel, text] of Object.entries(FILES)) {
    mkdirSync(dirname(join(stdlib, rel)), { recursive: true });
    writeFileSync(join(stdlib, rel), text);
  }
  return { root, stdlib, zip: join(root, 'lib', 'python3x.zip') };
}

async function zipTree(tree: ReturnType<typeof makeTree>, includeSources = false) {
  const events: PythonBuildEvent[] = [];
  const result = await zipStandardLibrary({
    python: PY!.path,
    root: tree.root,
    stdlibDir: tree.stdlib,
    zipPath: tree.zip,
    optimizationLevel: 0,
    includeSources,
    log: (e) => events.push(e),
  });
  return { result, events };
}

/** name → bytes of every archive entry (read by the Python's zipfile). */
function entries(zip: string): Record<string, string> {
  const script =
    'import sys, zipfile, json, base64\nz = zipfile.ZipFile(sys.argv[1])\nprint(json.dumps({i.filename: base64.b64encode(z.read(i)).decode() for i in z.infolist()}))';
  return JSON.parse(execFileSync(PY!.path, ['-I', '-c', script, zip], { encoding: 'utf8' })) as Record<
    string,
    string
  >;
}

describe('zipStandardLibrary', { skip: PY ? false : missing('a CPython >= 3.9') }, () => {
  test('archive: .pyc per module, package data, dirs; uncompiled files as source with a warning', async () => {
    const tree = makeTree('basic');
    const { result, events } = await zipTree(tree);
    assert.equal(result.created, true);
    assert.equal(result.zipRel, 'lib/python3x.zip');
    const names = Object.keys(entries(tree.zip)).sort();
    assert.deepEqual(names, [
      'LICENSE.txt',
      'os.pyc',
      'py2only.py',
      'zmod.pyc',
      'zpkg/',
      'zpkg/__init__.pyc',
      'zpkg/data.txt',
    ]);
    assert.ok(events.some((e) => e.kind === 'warning' && e.message.includes('py2only.py')));
  });

  test('on disk: the landmark, the licence, lib-dynload and site-packages stay; the rest is gone', () => {
    const stdlib = join(tmp, 'basic', 'lib', 'python3.x');
    for (const kept of ['os.py', 'LICENSE.txt', 'lib-dynload/_fake.so', 'site-packages/keep.py']) {
      assert.ok(existsSync(join(stdlib, kept)), kept);
    }
    for (const gone of ['zmod.py', 'zpkg', 'py2only.py']) assert.ok(!existsSync(join(stdlib, gone)), gone);
  });

  test('the .pyc: unchecked-hash, the archive path as file name, no build path', () => {
    const pyc = Buffer.from(entries(join(tmp, 'basic', 'lib', 'python3x.zip'))['zmod.pyc']!, 'base64');
    assert.equal(pyc.readUInt32LE(4), 1, 'flags: hash-based, unchecked');
    assert.ok(pyc.includes(Buffer.from('lib/python3x.zip/zmod.py')));
    assert.ok(!pyc.includes(Buffer.from(tmp)), 'a build path in the bytecode');
  });

  test('zipimport loads modules and package data from it', () => {
    const script =
      'import sys; sys.path.insert(0, sys.argv[1]); import zmod, zpkg; print(zmod.__file__); print(zpkg.DATA.strip())';
    const out = execFileSync(PY!.path, ['-I', '-c', script, join(tmp, 'basic', 'lib', 'python3x.zip')], {
      encoding: 'utf8',
    });
    assert.match(out, /python3x\.zip\/zmod\.pyc\npackage data\n$/);
  });

  test('deterministic: two trees give the same bytes', async () => {
    const a = makeTree('det-a');
    const b = makeTree('det-b');
    await zipTree(a);
    await zipTree(b);
    const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
    assert.equal(sha(a.zip), sha(b.zip));
  });

  test('include sources: .py beside .pyc, and tracebacks show the source line', async () => {
    const tree = makeTree('sources');
    await zipTree(tree, true);
    const names = Object.keys(entries(tree.zip));
    assert.ok(names.includes('zmod.py') && names.includes('zmod.pyc'));
    const script =
      'import sys, traceback; sys.path.insert(0, sys.argv[1]); import zmod\ntry:\n    zmod.f()\nexcept ValueError:\n    traceback.print_exc(file=sys.stdout)';
    const out = execFileSync(PY!.path, ['-I', '-c', script, tree.zip], { encoding: 'utf8' });
    assert.match(out, /zmod\.py", line 2, in f\n\s+raise ValueError\("boom"\)/);
  });

  test('a tree that already has its archive is left as it is', async () => {
    const tree = makeTree('present');
    writeFileSync(tree.zip, 'existing');
    const { result } = await zipTree(tree);
    assert.equal(result.created, false);
    assert.equal(readFileSync(tree.zip, 'utf8'), 'existing');
    assert.ok(existsSync(join(tree.stdlib, 'zmod.py')), 'nothing was removed');
  });

  test('a stdlib that cannot be read fails with TOOL_FAILED and a hint', async () => {
    const tree = makeTree('broken');
    await assert.rejects(
      zipStandardLibrary({
        python: PY!.path,
        root: tree.root,
        stdlibDir: join(tree.root, 'no-such-folder'),
        zipPath: tree.zip,
        optimizationLevel: 0,
        includeSources: false,
        log: () => {},
      }),
      (e: unknown) => isFlavorError(e) && e.code === 'TOOL_FAILED' && /zip_stdlib = false/.test(e.hint ?? ''),
    );
  });

  test('the archive name follows CPython: python3X.zip', () => {
    assert.equal(stdlibZipName('3.9'), 'python39.zip');
    assert.equal(stdlibZipName('3.13'), 'python313.zip');
  });
});

// `flavor pack` checks what it can before building (issue 12, bugs 3 and 4): the launcher is a PSPF
// launcher, the trust keys include the signing key, the output is a writable file path. Each failure
// comes before the (long) Python build, names the path the user gave, and leaves nothing behind.
// keygen / extract-all into a read-only folder say so in words.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, type TestContext, test } from 'node:test';
import { signingKeyFromSeedText } from '../../src/crypto/keys.js';
import { listDir, runFlavor, tempDir, writeLauncher, writeTree } from '../helpers/cli.js';

let work: string;
let launcher: string;
const mounts: string[] = [];

const PYPROJECT = [
  '[project]',
  'name = "checked"',
  'version = "1.0"',
  '[project.scripts]',
  'checked = "checked:main"',
  '',
].join('\n');

const MANIFEST = {
  package: { name: 'checked', version: '1.0' },
  execution: { command: '{workenv}/f.txt' },
  slots: [{ id: 'f', source: 'file.txt', target: '{workenv}/f.txt', operations: 'gzip' }],
};

before(async () => {
  work = await tempDir('flavor-pack-checks-');
  launcher = await writeLauncher(work);
  await writeTree(work, {
    'py/pyproject.toml': PYPROJECT,
    'py/checked/__init__.py': 'def main():\n    return 0\n',
    'json/file.txt': 'data\n',
    'json/m.json': JSON.stringify(MANIFEST),
  });
});

after(async () => {
  for (const m of mounts.reverse()) execFileSync('umount', [m]);
  await fs.rm(work, { recursive: true, force: true });
});

/** A folder nobody can create files in: mode 0555, or for root a read-only tmpfs. */
async function readOnlyDir(t: TestContext, name: string): Promise<string | undefined> {
  const dir = path.join(work, name);
  await fs.mkdir(dir);
  if (process.getuid?.() !== 0) {
    await fs.chmod(dir, 0o555);
    return dir;
  }
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', dir], { stdio: 'ignore' });
    mounts.push(dir);
    return dir;
  } catch {
    t.skip('running as root without mount: no way to make a read-only folder');
    return undefined;
  }
}

const pyproject = () => path.join(work, 'py', 'pyproject.toml');
const BUILD_STEPS = /reading pyproject|choosing the Python|building the|installing/;

test('--launcher-bin /bin/ls: LAUNCHER_INVALID (exit 15) before building, nothing written', async () => {
  const r = await runFlavor(['pack', '-m', pyproject(), '--launcher-bin', '/bin/ls', '--key-seed', 'k']);
  assert.equal(r.code, 15, r.stderr);
  assert.match(r.stderr, /flavor: error: not a launcher: .*\(\/bin\/ls\)/);
  assert.match(r.stderr, /hint: pass a FlavorPack launcher/);
  assert.doesNotMatch(r.stderr, BUILD_STEPS, 'refused before the Python build');
  assert.deepEqual(await listDir(path.join(work, 'py')), ['checked', 'pyproject.toml']);
});

test('--launcher-bin naming a shell script or a package is refused too', async () => {
  await fs.writeFile(path.join(work, 'script.sh'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  const out = path.join(work, 'json', 'ok.psp');
  const ok = await runFlavor(
    ['pack', '-m', 'm.json', '-o', out, '--launcher-bin', launcher, '--key-seed', 'k'],
    {
      cwd: path.join(work, 'json'),
    },
  );
  assert.equal(ok.code, 0, ok.stderr);
  for (const [bin, message] of [
    [path.join(work, 'script.sh'), /not an executable/],
    [out, /is a package/],
  ] as const) {
    const r = await runFlavor(
      ['pack', '-m', 'm.json', '-o', 'x.psp', '--launcher-bin', bin, '--key-seed', 'k'],
      {
        cwd: path.join(work, 'json'),
      },
    );
    assert.equal(r.code, 15, r.stderr);
    assert.match(r.stderr, message);
  }
  await fs.rm(out);
});

test('--trust-key without the signing key: KEY_INVALID (exit 13) before building', async () => {
  const other = Buffer.from(signingKeyFromSeedText('someone else').publicKeyRaw).toString('hex');
  const r = await runFlavor(['pack', '-m', pyproject(), '--key-seed', 'k', '--trust-key', other]);
  assert.equal(r.code, 13, r.stderr);
  assert.match(r.stderr, /--trust-key does not include the signing key \(sha256:[0-9a-f]{64}\)/);
  assert.match(r.stderr, /refuse this package on every run/);
  assert.doesNotMatch(r.stderr, BUILD_STEPS);
  const ephemeral = await runFlavor(['pack', '-m', pyproject(), '--trust-key', other]);
  assert.equal(ephemeral.code, 13);
  assert.match(ephemeral.stderr, /hint: sign with the key you trust: add --private-key/);
});

test('--trust-key listing the signing key among others packs, and the package runs', async () => {
  const own = Buffer.from(signingKeyFromSeedText('k').publicKeyRaw).toString('hex');
  const other = Buffer.from(signingKeyFromSeedText('someone else').publicKeyRaw).toString('hex');
  const out = path.join(work, 'trusted.psp');
  const r = await runFlavor(
    [
      'pack',
      '-m',
      'm.json',
      '-o',
      out,
      '--launcher-bin',
      launcher,
      '--key-seed',
      'k',
      '--trust-key',
      other,
      '--trust-key',
      own,
    ],
    { cwd: path.join(work, 'json') },
  );
  assert.equal(r.code, 0, r.stderr);
  const v = await runFlavor(['verify', out]);
  assert.equal(v.code, 0, v.stderr);
});

test('-o naming a folder: usage error (exit 2) before building, naming the folder', async () => {
  const dir = path.join(work, 'outdir');
  await fs.mkdir(dir);
  const r = await runFlavor(['pack', '-m', pyproject(), '-o', dir, '--key-seed', 'k']);
  assert.equal(r.code, 2, r.stderr);
  assert.match(
    r.stderr,
    new RegExp(`flavor: error: -o/--output names a folder, not a package file \\(${dir}\\)`),
  );
  assert.doesNotMatch(r.stderr, BUILD_STEPS);
  assert.doesNotMatch(r.stderr, /\.tmp-/, 'no temp file is named');
  assert.deepEqual(await listDir(dir), []);
});

test('-o in a read-only folder: IO_ERROR (exit 3) before building, in words, naming the folder', async (t) => {
  const ro = await readOnlyDir(t, 'ro-out');
  if (!ro) return;
  const r = await runFlavor([
    'pack',
    '-m',
    pyproject(),
    '-o',
    path.join(ro, 'sub', 'app.psp'),
    '--key-seed',
    'k',
  ]);
  assert.equal(r.code, 3, r.stderr);
  assert.match(
    r.stderr,
    new RegExp(`flavor: error: cannot write to ${ro}: (it is on a read-only file system|permission denied)`),
  );
  assert.match(r.stderr, /hint: choose another -o\/--output/);
  assert.doesNotMatch(r.stderr, BUILD_STEPS);
  assert.doesNotMatch(r.stderr, /\.tmp-|no such file/);
});

test('-o below a regular file: IO_ERROR naming the file', async () => {
  const r = await runFlavor([
    'pack',
    '-m',
    pyproject(),
    '-o',
    path.join(work, 'script.sh', 'x.psp'),
    '--key-seed',
    'k',
  ]);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /script\.sh is a file, not a folder/);
});

test('keygen --out-dir in a read-only folder: a clear error, not "no such file or directory"', async (t) => {
  const ro = await readOnlyDir(t, 'ro-keys');
  if (!ro) return;
  for (const dir of [ro, path.join(ro, 'keys')]) {
    const r = await runFlavor(['keygen', '--out-dir', dir]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(
        `flavor: error: cannot write to ${ro}: (it is on a read-only file system|permission denied)`,
      ),
    );
    assert.match(r.stderr, /hint: choose another --out-dir/);
    assert.doesNotMatch(r.stderr, /no such file|\.tmp-/);
  }
});

test('extract-all into a read-only folder: a clear error, not "no such file or directory"', async (t) => {
  const ro = await readOnlyDir(t, 'ro-extract');
  if (!ro) return;
  const pkg = path.join(work, 'for-extract.psp');
  const p = await runFlavor(
    ['pack', '-m', 'm.json', '-o', pkg, '--launcher-bin', launcher, '--key-seed', 'k'],
    {
      cwd: path.join(work, 'json'),
    },
  );
  assert.equal(p.code, 0, p.stderr);
  const r = await runFlavor(['extract-all', pkg, path.join(ro, 'out')]);
  assert.equal(r.code, 3, r.stderr);
  assert.match(
    r.stderr,
    new RegExp(`flavor: error: cannot write to ${ro}: (it is on a read-only file system|permission denied)`),
  );
  assert.doesNotMatch(r.stderr, /no such file/);
});

test('--manifest setup.py without console_scripts: "nothing to run" with the fix, not "not valid JSON"', async () => {
  const dir = path.join(work, 'setup-py-only');
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(
    path.join(dir, 'setup.py'),
    'from setuptools import setup\nsetup(name="bare", version="1.0")\n',
  );
  const r = await runFlavor(['pack', '-m', path.join(dir, 'setup.py'), '--key-seed', 'k'], {
    timeoutMs: 300_000,
  });
  assert.equal(r.code, 16, r.stderr);
  assert.match(r.stderr, /flavor: error: nothing to run: the project has no scripts/);
  assert.match(r.stderr, /hint: add \[project\.scripts\]/);
  assert.doesNotMatch(r.stderr, /JSON/);
});

// A reader that goes away (`flavor verify PKG | head -1`) is not an error: every command that prints
// finishes its work quietly and exits with its own status, with nothing on stderr. Each case runs the
// real CLI in a child process whose stdout (or stderr) pipe is closed before it writes anything, so the
// first write fails with EPIPE.

import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { listDir, runFlavor, tempDir, writeJson, writeLauncher, writeTree } from '../helpers/cli.js';

let work: string;
let pkg: string;
let manifest: string;
let launcher: string;

before(async () => {
  work = await tempDir('flavor-pipe-');
  launcher = await writeLauncher(work);
  await writeTree(path.join(work, 'app'), { 'a.txt': 'a\n', 'b/c.txt': 'c\n' });
  manifest = await writeJson(path.join(work, 'flavor.json'), {
    package: { name: 'pipe', version: '1.0.0' },
    execution: { command: '{workenv}/a.txt' },
    slots: ['one', 'two', 'three'].map((id) => ({
      id,
      source: 'app',
      target: `{workenv}/${id}`,
      operations: 'tar.gz',
    })),
  });
  pkg = path.join(work, 'pipe.psp');
  const r = await runFlavor([
    'pack',
    '-m',
    manifest,
    '-o',
    pkg,
    '--launcher-bin',
    launcher,
    '--key-seed',
    'pipe',
    '-q',
  ]);
  assert.equal(r.code, 0, r.stderr);
});

after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

describe('stdout closed by the reader', { concurrency: 4 }, () => {
  const cases: Array<{ name: string; args: () => string[]; env?: () => Record<string, string> }> = [
    { name: 'verify', args: () => ['verify', pkg] },
    { name: 'verify --json', args: () => ['verify', '--json', pkg] },
    { name: 'inspect', args: () => ['inspect', '--slot-details', '--compression-stats', pkg] },
    { name: 'inspect --json', args: () => ['inspect', '--json', pkg] },
    { name: '--help', args: () => ['--help'] },
    { name: '--version', args: () => ['--version'] },
    { name: 'pack --help', args: () => ['pack', '--help'] },
    { name: 'helpers list', args: () => ['helpers', 'list'] },
    {
      name: 'workenv info',
      args: () => ['workenv', 'info'],
      env: () => ({ FLAVOR_CACHE: path.join(work, 'cache-info') }),
    },
    {
      name: 'workenv list --json',
      args: () => ['workenv', 'list', '--json'],
      env: () => ({ FLAVOR_CACHE: path.join(work, 'cache-list') }),
    },
  ];
  for (const c of cases) {
    test(`flavor ${c.name} exits 0 with nothing on stderr`, async () => {
      const r = await runFlavor(c.args(), { closed: ['stdout'], ...(c.env ? { env: c.env() } : {}) });
      assert.equal(r.stderr, '', 'stderr must stay empty');
      assert.equal(r.code, 0);
    });
  }

  test('commands that write files still finish their work (extract-all, keygen, pack --json)', async () => {
    const out = path.join(work, 'extract-all');
    const x = await runFlavor(['extract-all', pkg, out], { closed: ['stdout'] });
    assert.deepEqual([x.code, x.stderr], [0, '']);
    assert.deepEqual(await listDir(out), ['00-one', '01-two', '02-three', 'metadata.json']);

    const keys = path.join(work, 'keys');
    const k = await runFlavor(['keygen', '--out-dir', keys], { closed: ['stdout'] });
    assert.deepEqual([k.code, k.stderr], [0, '']);
    assert.deepEqual(await listDir(keys), ['flavor-private.key', 'flavor-public.key']);

    const again = path.join(work, 'again.psp');
    const p = await runFlavor(
      ['pack', '-m', manifest, '-o', again, '--launcher-bin', launcher, '--key-seed', 'pipe', '--json'],
      { closed: ['stdout'] },
    );
    assert.equal(p.code, 0, p.stderr);
    assert.doesNotMatch(p.stderr, /EPIPE|Error:|at /);
    assert.ok((await fs.stat(again)).size > 0);
  });

  test('a failing command keeps its exit code and still explains itself on stderr', async () => {
    const r = await runFlavor(['verify', '--json', path.join(work, 'missing.psp')], { closed: ['stdout'] });
    assert.equal(r.code, 3);
    assert.match(r.stderr, /^flavor: error: .*missing\.psp/);
    assert.doesNotMatch(r.stderr, /EPIPE|at /);
  });
});

describe('stdout and stderr both closed', () => {
  test('an error is not turned into a crash: the exit code is the error’s', async () => {
    const r = await runFlavor(['verify', path.join(work, 'missing.psp')], { closed: ['stdout', 'stderr'] });
    assert.equal(r.code, 3);
  });

  test('a warning on a closed stderr does not stop pack', async () => {
    // No key: pack warns on stderr (closed) and prints nothing else.
    const out = path.join(work, 'ephemeral.psp');
    const r = await runFlavor(['pack', '-m', manifest, '-o', out, '--launcher-bin', launcher], {
      closed: ['stdout', 'stderr'],
    });
    assert.equal(r.code, 0);
    assert.ok((await fs.stat(out)).size > 0);
  });
});

describe('stdout that fails for another reason', () => {
  test('a full disk (/dev/full) is an IO_ERROR (exit 3), not a crash and not a silent success', async (t) => {
    if (process.platform !== 'linux') {
      t.skip('/dev/full is Linux-only');
      return;
    }
    const r = await runFlavor(['inspect', pkg], { stdoutFile: '/dev/full' });
    assert.equal(r.code, 3, r.stderr);
    assert.equal(r.stderr, 'flavor: error: cannot write the output: ENOSPC\n');
  });
});

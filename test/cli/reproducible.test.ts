// Reproducible builds: the same manifest, sources, --key-seed and SOURCE_DATE_EPOCH give byte-identical
// packages, whatever the folder, the order and time the files were created in, umask, TZ and LANG.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { hostLauncher, runFlavor, tempDir, writeJson } from '../helpers/cli.js';

const FILES: Array<[string, string, number]> = [
  ['app/bin/run', '#!/bin/sh\necho run\n', 0o755],
  ['app/lib/a.py', 'print("a")\n', 0o644],
  ['app/lib/b.py', 'print("b")\n', 0o644],
  ['app/share/z.txt', 'z'.repeat(10_000), 0o644],
  ['tool.bin', 'tool '.repeat(2000), 0o755],
];

const MANIFEST = {
  package: { name: 'repro', version: '3.0.0' },
  execution: { command: '{workenv}/bin/run', env: { A: '1' } },
  slots: [
    { id: 'app', source: 'app', target: '{workenv}', operations: 'tar.zst' },
    { id: 'app-gz', source: 'app', target: '{workenv}/gz', operations: 'tar.gz' },
    { id: 'tool', source: 'tool.bin', target: '{workenv}/bin/tool', operations: 'gzip', permissions: '0755' },
  ],
};

const dirs: string[] = [];

async function workspace(order: 'forward' | 'reverse', mtime: number): Promise<string> {
  const dir = await tempDir(`flavor-repro-${order}-`);
  dirs.push(dir);
  const list = order === 'forward' ? FILES : [...FILES].reverse();
  for (const [rel, content, mode] of list) {
    const file = path.join(dir, rel);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, content);
    await fs.chmod(file, mode);
    await fs.utimes(file, mtime, mtime);
  }
  for (const d of ['app', 'app/bin', 'app/lib', 'app/share']) await fs.chmod(path.join(dir, d), 0o755);
  await fs.copyFile(hostLauncher(), path.join(dir, 'launcher.sh'));
  await writeJson(path.join(dir, 'flavor.json'), MANIFEST);
  return dir;
}

async function pack(dir: string, env: Record<string, string>, umask: number): Promise<Buffer> {
  const r = await runFlavor(
    [
      'pack',
      '-m',
      'flavor.json',
      '-o',
      'out/repro.psp',
      '--launcher-bin',
      'launcher.sh',
      '--key-seed',
      'repro-seed',
      '-q',
    ],
    { cwd: dir, env, umask },
  );
  assert.equal(r.code, 0, r.stderr);
  return fs.readFile(path.join(dir, 'out', 'repro.psp'));
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
let first: Buffer;
let second: Buffer;

before(async () => {
  const [a, b] = await Promise.all([
    workspace('forward', 1_000_000_000),
    workspace('reverse', 1_700_000_000),
  ]);
  [first, second] = await Promise.all([
    pack(a, { SOURCE_DATE_EPOCH: '1767225600', TZ: 'UTC', LANG: 'C', LC_ALL: 'C' }, 0o022),
    pack(
      b,
      {
        SOURCE_DATE_EPOCH: '1767225600',
        TZ: 'Pacific/Kiritimati',
        LANG: 'de_DE.UTF-8',
        LC_ALL: 'tr_TR.UTF-8',
      },
      0o077,
    ),
  ]);
});

after(async () => {
  await Promise.all(dirs.map((d) => fs.rm(d, { recursive: true, force: true })));
});

test('two builds in different folders, orders, umasks, TZ and LANG are byte-identical', () => {
  assert.equal(first.length, second.length);
  assert.equal(sha(first), sha(second));
});

test('the package names no build folder and records the deterministic build time', () => {
  for (const d of dirs) assert.equal(first.includes(Buffer.from(d)), false, `package contains ${d}`);
  assert.equal(first.includes(Buffer.from('/tmp/')), false);
});

test('metadata says deterministic with the SOURCE_DATE_EPOCH timestamp', async () => {
  const dir = dirs[0]!;
  const r = await runFlavor(['inspect', path.join(dir, 'out', 'repro.psp'), '--json']);
  assert.equal(r.code, 0, r.stderr);
  const build = (JSON.parse(r.stdout) as { build: { deterministic: boolean; timestamp: string } }).build;
  assert.equal(build.deterministic, true);
  assert.equal(build.timestamp, '2026-01-01T00:00:00Z');
});

test('a different SOURCE_DATE_EPOCH changes the bytes (the epoch is really used)', async () => {
  const dir = dirs[0]!;
  const other = await pack(dir, { SOURCE_DATE_EPOCH: '1767225601' }, 0o022);
  assert.notEqual(sha(other), sha(first));
});

test('a malformed SOURCE_DATE_EPOCH is a usage error (exit 2)', async () => {
  const dir = dirs[0]!;
  const r = await runFlavor(
    ['pack', '-m', 'flavor.json', '-o', 'out/bad.psp', '--launcher-bin', 'launcher.sh', '--key-seed', 's'],
    { cwd: dir, env: { SOURCE_DATE_EPOCH: '2026-01-01' } },
  );
  assert.equal(r.code, 2);
  assert.match(r.stderr, /flavor: error: SOURCE_DATE_EPOCH must be whole seconds/);
  await assert.rejects(fs.stat(path.join(dir, 'out', 'bad.psp')), { code: 'ENOENT' });
});

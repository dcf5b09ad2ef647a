// `flavor keygen`: file modes, refusal to overwrite (exit 13, files unchanged), --force, and that the keys
// it writes sign packages `verify --key` trusts.

import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { listDir, parseJson, runFlavor, tempDir, writeJson, writeLauncher } from '../helpers/cli.js';

let work: string;

before(async () => {
  work = await tempDir('flavor-keygen-');
});

after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

const mode = async (file: string) => (await fs.stat(file)).mode & 0o777;

test('keygen writes a 0600 private key and a 0644 public key, even under umask 000', async () => {
  const dir = path.join(work, 'k1');
  const r = await runFlavor(['keygen', '--out-dir', dir], { umask: 0 });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(await listDir(dir), ['flavor-private.key', 'flavor-public.key']);
  assert.equal(await mode(path.join(dir, 'flavor-private.key')), 0o600);
  assert.equal(await mode(path.join(dir, 'flavor-public.key')), 0o644);
  const priv = await fs.readFile(path.join(dir, 'flavor-private.key'), 'utf8');
  const pub = await fs.readFile(path.join(dir, 'flavor-public.key'), 'utf8');
  assert.match(priv, /^-----BEGIN PRIVATE KEY-----\n/);
  assert.match(pub, /^-----BEGIN PUBLIC KEY-----\n/);
  assert.match(r.stdout, /fingerprint: sha256:[0-9a-f]{64}/);
  assert.equal(r.stdout.includes(priv.split('\n')[1]!), false, 'private key material printed');
});

test('keygen --json reports the paths and fingerprint', async () => {
  const dir = path.join(work, 'k2');
  const r = await runFlavor(['keygen', '--out-dir', dir, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const doc = parseJson(r.stdout);
  assert.deepEqual(Object.keys(doc).sort(), ['fingerprint', 'ok', 'private_key', 'public_key']);
  assert.equal(doc.private_key, path.join(dir, 'flavor-private.key'));
  assert.match(String(doc.fingerprint), /^sha256:[0-9a-f]{64}$/);
});

test('keygen refuses to overwrite (KEY_EXISTS, exit 13), leaves the files unchanged and no temp files', async () => {
  const dir = path.join(work, 'k3');
  assert.equal((await runFlavor(['keygen', '--out-dir', dir])).code, 0);
  const before = await Promise.all(
    ['flavor-private.key', 'flavor-public.key'].map((f) => fs.readFile(path.join(dir, f))),
  );
  const r = await runFlavor(['keygen', '--out-dir', dir, '--json']);
  assert.equal(r.code, 13);
  assert.equal((parseJson(r.stdout).error as { code: string }).code, 'KEY_EXISTS');
  assert.match(r.stderr, /flavor: error: key file already exists; refusing to overwrite it/);
  assert.match(r.stderr, /hint: use --force/);
  const now = await Promise.all(
    ['flavor-private.key', 'flavor-public.key'].map((f) => fs.readFile(path.join(dir, f))),
  );
  assert.ok(now[0]!.equals(before[0]!) && now[1]!.equals(before[1]!), 'key files changed');
  assert.deepEqual(await listDir(dir), ['flavor-private.key', 'flavor-public.key']);
});

test('keygen refuses when only the public key exists', async () => {
  const dir = path.join(work, 'k4');
  await fs.mkdir(dir);
  await fs.writeFile(path.join(dir, 'flavor-public.key'), 'mine');
  const r = await runFlavor(['keygen', '--out-dir', dir]);
  assert.equal(r.code, 13);
  assert.deepEqual(await listDir(dir), ['flavor-public.key']);
  assert.equal(await fs.readFile(path.join(dir, 'flavor-public.key'), 'utf8'), 'mine');
});

test('keygen --force replaces both files and keeps the modes', async () => {
  const dir = path.join(work, 'k5');
  assert.equal((await runFlavor(['keygen', '--out-dir', dir])).code, 0);
  const old = await fs.readFile(path.join(dir, 'flavor-private.key'), 'utf8');
  await fs.chmod(path.join(dir, 'flavor-private.key'), 0o644);
  const r = await runFlavor(['keygen', '--out-dir', dir, '--force']);
  assert.equal(r.code, 0, r.stderr);
  assert.notEqual(await fs.readFile(path.join(dir, 'flavor-private.key'), 'utf8'), old);
  assert.equal(await mode(path.join(dir, 'flavor-private.key')), 0o600);
  assert.deepEqual(await listDir(dir), ['flavor-private.key', 'flavor-public.key']);
});

test('a package signed with the generated key is trusted by --key <public key file>, not by another key', async () => {
  const dir = path.join(work, 'sign');
  await fs.mkdir(dir);
  assert.equal((await runFlavor(['keygen', '--out-dir', 'keys'], { cwd: dir })).code, 0);
  assert.equal((await runFlavor(['keygen', '--out-dir', 'other'], { cwd: dir })).code, 0);
  const launcher = await writeLauncher(dir);
  await fs.writeFile(path.join(dir, 'f.txt'), 'f');
  await writeJson(path.join(dir, 'm.json'), {
    package: { name: 'signed', version: '1' },
    execution: { command: '/bin/true' },
    slots: [{ id: 'f', source: 'f.txt', target: '{workenv}/f.txt' }],
  });
  const packed = await runFlavor(
    [
      'pack',
      '-m',
      'm.json',
      '-o',
      'p.psp',
      '--launcher-bin',
      launcher,
      '--private-key',
      'keys/flavor-private.key',
      '--public-key',
      'keys/flavor-public.key',
    ],
    { cwd: dir },
  );
  assert.equal(packed.code, 0, packed.stderr);
  const ok = await runFlavor(['verify', 'p.psp', '--key', 'keys/flavor-public.key'], { cwd: dir });
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /signed by trusted key/);
  const bad = await runFlavor(['verify', 'p.psp', '--key', 'other/flavor-public.key'], { cwd: dir });
  assert.equal(bad.code, 12);
  // a mismatching --public-key is refused at pack time (KEY_INVALID, exit 13) and writes nothing
  const mismatch = await runFlavor(
    [
      'pack',
      '-m',
      'm.json',
      '-o',
      'q.psp',
      '--launcher-bin',
      launcher,
      '--private-key',
      'keys/flavor-private.key',
      '--public-key',
      'other/flavor-public.key',
    ],
    { cwd: dir },
  );
  assert.equal(mismatch.code, 13);
  assert.match(mismatch.stderr, /--public-key does not belong to --private-key/);
  await assert.rejects(fs.stat(path.join(dir, 'q.psp')), { code: 'ENOENT' });
});

// Encrypted slots end to end (docs/supply-chain.md): a build manifest with two encrypted slots (a tar.gz
// folder keyed by an environment variable, a gzip file keyed by a key file) and a plain one, packed by the
// real CLI and run by the real launcher. With the keys it runs, and the decrypted slots are owner-only;
// without a key, with a malformed or a wrong one, the launcher refuses with the documented code and the
// cache holds nothing but the lock file; `flavor extract` / `extract-all` decide the same and write nothing.
// The key never appears in the package, the metadata, the cache marker or any message. A `prompt` key is
// asked for on the terminal by both `flavor pack` and the launcher (through script(1)).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { assertBuilt, FLAVOR_BIN, runFlavor, tempDir, writeJson, writeTree } from '../helpers/cli.js';

const APP_KEY = createHash('sha256').update('e2e app key').digest();
const FILE_KEY = createHash('sha256').update('e2e file key').digest();
const OTHER_KEY = createHash('sha256').update('e2e other key').digest();

let work: string;
let pkg: string;

async function writeProject(dir: string): Promise<void> {
  await writeTree(dir, {
    'app/bin/run.sh':
      '#!/bin/sh\necho "secret app says: $(cat "$FLAVOR_WORKENV/etc/secret.txt") / $(cat "$FLAVOR_WORKENV/etc/plain.txt")"\n',
    'app/lib/data.txt': 'private data\n',
    'secret.txt': 'the secret file\n',
    'plain.txt': 'plain config\n',
    'keys/file.key': `${FILE_KEY.toString('base64')}\n`,
  });
  await writeJson(path.join(dir, 'build.json'), {
    package: { name: 'enc-e2e', version: '1.0.0' },
    execution: { command: '/bin/sh {workenv}/bin/run.sh' },
    slots: [
      {
        id: 'app',
        source: 'app',
        target: '{workenv}',
        operations: 'tar.gz',
        encryption: 'aes256-gcm',
        key_source: 'env:ENC_E2E_KEY',
      },
      {
        id: 'secret',
        source: 'secret.txt',
        target: '{workenv}/etc/secret.txt',
        operations: 'gzip',
        permissions: '0644',
        encryption: 'aes256-gcm',
        key_source: 'file:keys/file.key',
      },
      {
        id: 'plain',
        source: 'plain.txt',
        target: '{workenv}/etc/plain.txt',
        operations: 'raw',
        permissions: '0644',
      },
    ],
  });
}

function pack(cwd: string, out: string, env: Record<string, string | undefined>) {
  return runFlavor(['pack', '--manifest', 'build.json', '-o', out, '--key-seed', 'enc-e2e'], {
    cwd,
    env: { SOURCE_DATE_EPOCH: '1767225600', ...env },
  });
}

function run(cache: string, env: Record<string, string> = {}) {
  return spawnSync(pkg, [], {
    encoding: 'utf8',
    env: { PATH: '/usr/bin:/bin', FLAVOR_CACHE: cache, ...env },
    timeout: 60_000,
  });
}

/** Every path under dir, relative, sorted. */
async function tree(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    out.push(path.relative(dir, path.join(e.parentPath, e.name)));
  }
  return out.sort();
}

before(async () => {
  assertBuilt();
  work = await tempDir('flavor-encrypted-');
  await writeProject(path.join(work, 'project'));
  pkg = path.join(work, 'dist', 'enc.psp');
  const r = await pack(path.join(work, 'project'), pkg, { ENC_E2E_KEY: APP_KEY.toString('hex') });
  assert.equal(r.code, 0, r.stderr);
  // The launcher reads a relative key file next to the package.
  await writeTree(path.join(work, 'dist'), { 'keys/file.key': `${FILE_KEY.toString('hex')}\n` });
});

after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

test('the package signs the ciphertext and records only where the keys are', async () => {
  const bytes = await fs.readFile(pkg);
  for (const key of [APP_KEY, FILE_KEY]) {
    assert.equal(bytes.indexOf(key), -1, 'raw key in the package');
    assert.equal(bytes.indexOf(key.toString('hex')), -1, 'hex key in the package');
    assert.equal(bytes.indexOf(key.toString('base64')), -1, 'base64 key in the package');
  }
  assert.equal(bytes.indexOf('private data'), -1, 'plaintext of the encrypted folder in the package');
  const verify = await runFlavor(['verify', pkg]);
  assert.equal(verify.code, 0, verify.stderr);
  const inspect = await runFlavor(['inspect', '--json', pkg]);
  assert.equal(inspect.code, 0, inspect.stderr);
  const slots = (JSON.parse(inspect.stdout) as { slots: Array<Record<string, unknown>> }).slots;
  assert.deepEqual(
    slots.map((s) => [s.operations, s.encryption]),
    [
      ['tar|gzip|aes256-gcm', { algorithm: 'aes256-gcm', key_source: 'env:ENC_E2E_KEY' }],
      ['gzip|aes256-gcm', { algorithm: 'aes256-gcm', key_source: 'file:keys/file.key' }],
      ['raw', null],
    ],
  );
  const text = await runFlavor(['inspect', pkg]);
  assert.match(
    text.stdout,
    /\[0\] app: .* tar\|gzip\|aes256-gcm → \{workenv\} \(data, runtime, encrypted, key from env:ENC_E2E_KEY\)/,
  );
  assert.ok(!inspect.stdout.includes(APP_KEY.toString('hex')));
});

test('the launcher runs it with the keys; decrypted slots are owner-only; the marker has no key', async () => {
  const cache = path.join(work, 'cache-ok');
  const r = run(cache, { ENC_E2E_KEY: APP_KEY.toString('hex') });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'secret app says: the secret file / plain config');
  const base = path.join(cache, 'workenv');
  const id = (await fs.readdir(base)).find((n) => /^enc-e2e-1\.0\.0-[0-9a-f]+$/.test(n));
  assert.ok(id, `no workenv in ${await fs.readdir(base)}`);
  const we = path.join(base, id);
  for (const dir of ['bin', 'lib']) {
    assert.equal((await fs.stat(path.join(we, dir))).mode & 0o777, 0o700, `${dir} of the encrypted slot`);
  }
  assert.equal((await fs.stat(path.join(we, 'bin', 'run.sh'))).mode & 0o077, 0, 'run.sh is owner-only');
  assert.equal(
    (await fs.stat(path.join(we, 'etc', 'secret.txt'))).mode & 0o777,
    0o600,
    '0644 masked to 0600',
  );
  assert.equal(
    (await fs.stat(path.join(we, 'etc', 'plain.txt'))).mode & 0o777,
    0o644,
    'a plain slot keeps 0644',
  );
  const marker = await fs.readFile(path.join(base, `${id}.ready`), 'utf8');
  for (const key of [APP_KEY, FILE_KEY]) {
    assert.ok(!marker.includes(key.toString('hex')) && !marker.includes(key.toString('base64')));
  }
});

for (const [name, env, code] of [
  ['no key', {}, 'SLOT_KEY_MISSING'],
  ['an empty key', { ENC_E2E_KEY: '' }, 'SLOT_KEY_MISSING'],
  ['a malformed key', { ENC_E2E_KEY: APP_KEY.toString('hex').slice(2) }, 'SLOT_KEY_INVALID'],
  ['a wrong key', { ENC_E2E_KEY: OTHER_KEY.toString('hex') }, 'SLOT_KEY_WRONG'],
] as const) {
  test(`the launcher refuses with ${name} (${code}) and leaves only the lock file`, async () => {
    const cache = path.join(work, `cache-${code}-${name.replace(/ /g, '-')}`);
    const r = run(cache, env);
    assert.equal(r.status, 103, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, new RegExp(`\\[${code}\\]`));
    assert.ok(!r.stderr.includes(OTHER_KEY.toString('hex')) && !r.stderr.includes(APP_KEY.toString('hex')));
    const left = await tree(path.join(cache, 'workenv'));
    assert.equal(left.length, 1, `left in the cache: ${left.join(', ')}`);
    assert.match(left[0]!, /^enc-e2e-1\.0\.0-[0-9a-f]+\.lock$/);
  });
}

test('a missing key file refuses too (SLOT_KEY_MISSING), and the env slot key is not asked twice', async () => {
  const moved = path.join(work, 'dist', 'keys', 'file.key');
  await fs.rename(moved, `${moved}.away`);
  try {
    const cache = path.join(work, 'cache-no-file');
    const r = run(cache, { ENC_E2E_KEY: APP_KEY.toString('hex') });
    assert.equal(r.status, 103, r.stderr);
    assert.match(
      r.stderr,
      /no slot key from file:keys\/file\.key: cannot read the key file \(ENOENT\) \[SLOT_KEY_MISSING\]/,
    );
    assert.equal((await tree(path.join(cache, 'workenv'))).length, 1);
  } finally {
    await fs.rename(`${moved}.away`, moved);
  }
});

test('flavor extract-all decrypts with the keys and writes owner-only output', async () => {
  const out = path.join(work, 'extract-ok');
  const r = await runFlavor(['extract-all', pkg, out], { env: { ENC_E2E_KEY: APP_KEY.toString('base64') } });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(await fs.readFile(path.join(out, '00-app', 'lib', 'data.txt'), 'utf8'), 'private data\n');
  assert.equal(await fs.readFile(path.join(out, '01-secret'), 'utf8'), 'the secret file\n');
  assert.equal((await fs.stat(path.join(out, '00-app'))).mode & 0o777, 0o700);
  assert.equal((await fs.stat(path.join(out, '00-app', 'lib'))).mode & 0o777, 0o700);
  assert.equal((await fs.stat(path.join(out, '01-secret'))).mode & 0o777, 0o600);
});

for (const [name, env, code, exit] of [
  ['no key', {}, 'SLOT_KEY_MISSING', 13],
  ['a wrong key', { ENC_E2E_KEY: OTHER_KEY.toString('hex') }, 'SLOT_KEY_WRONG', 13],
] as const) {
  test(`flavor extract and extract-all refuse with ${name} (${code}) and write nothing`, async () => {
    const dir = path.join(work, `extract-${code}`);
    await fs.mkdir(dir);
    const all = await runFlavor(['extract-all', '--json', pkg, path.join(dir, 'all')], {
      env: { ENC_E2E_KEY: undefined, ...env },
    });
    assert.equal(all.code, exit, all.stderr);
    assert.equal((JSON.parse(all.stdout) as { error: { code: string } }).error.code, code);
    const one = await runFlavor(['extract', pkg, 'app', path.join(dir, 'app')], {
      env: { ENC_E2E_KEY: undefined, ...env },
    });
    assert.equal(one.code, exit, one.stderr);
    assert.deepEqual(await fs.readdir(dir), []);
  });
}

test('flavor extract --slot-key overrides the key source the slot names', async () => {
  const out = path.join(work, 'extract-override');
  const r = await runFlavor(['extract', '--slot-key', 'env:MY_OWN_VAR', pkg, 'app', out], {
    env: { ENC_E2E_KEY: undefined, MY_OWN_VAR: APP_KEY.toString('hex') },
  });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    await fs.readFile(path.join(out, 'bin', 'run.sh'), 'utf8').then((t) => t.startsWith('#!/bin/sh')),
    true,
  );
  const bad = await runFlavor(['extract', '--slot-key', 'nope:x', pkg, 'app', `${out}-2`]);
  assert.equal(bad.code, 2, bad.stderr);
});

test('pack without the key fails before writing anything; with it, the package is reproducible', async () => {
  const project = path.join(work, 'project');
  const out = path.join(work, 'dist2', 'enc.psp');
  const missing = await pack(project, out, { ENC_E2E_KEY: undefined });
  assert.equal(missing.code, 13, missing.stderr);
  assert.match(missing.stderr, /no slot key from env:ENC_E2E_KEY/);
  assert.equal(await fs.stat(path.dirname(out)).catch(() => undefined), undefined);
  const again = await pack(project, out, { ENC_E2E_KEY: APP_KEY.toString('hex') });
  assert.equal(again.code, 0, again.stderr);
  assert.ok((await fs.readFile(out)).equals(await fs.readFile(pkg)), 'same inputs, same key: same bytes');
});

test('prompt: flavor pack and the launcher ask for the key on the terminal (script(1) provides one)', async () => {
  // script is in util-linux (bsdutils), part of every Debian/Ubuntu base system: fail, never skip, without it.
  assert.equal(spawnSync('script', ['--version']).status, 0, 'script(1) from util-linux is needed');
  const dir = path.join(work, 'prompt');
  await writeTree(dir, { 'app/bin/run.sh': '#!/bin/sh\necho "asked and opened"\n' });
  await writeJson(path.join(dir, 'build.json'), {
    package: { name: 'enc-prompt', version: '1.0.0' },
    execution: { command: '/bin/sh {workenv}/bin/run.sh' },
    slots: [
      {
        id: 'app',
        source: 'app',
        target: '{workenv}',
        operations: 'tar.gz',
        encryption: 'aes256-gcm',
        key_source: 'prompt',
      },
    ],
  });
  const key = APP_KEY.toString('hex');
  // The answer is typed after a pause, once the prompt waits with echo off.
  const onTerminal = (command: string, env: Record<string, string>) =>
    spawnSync('/bin/sh', ['-c', `(sleep 2; printf '%s\\n' "$TYPED") | script -qec "$CMD" /dev/null`], {
      cwd: dir,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', TYPED: key, CMD: command, ...env },
      timeout: 120_000,
    });
  const flavor = `${process.execPath} ${FLAVOR_BIN}`;
  const packed = onTerminal(`${flavor} pack --manifest build.json -o p.psp --key-seed enc-e2e`, {});
  assert.equal(packed.status, 0, packed.stdout + packed.stderr);
  assert.match(packed.stdout, /slot key: /);
  const ran = onTerminal('./p.psp', { FLAVOR_CACHE: path.join(dir, 'cache') });
  assert.equal(ran.status, 0, ran.stdout + ran.stderr);
  assert.match(ran.stdout, /slot key: [\s\S]*asked and opened/);
  // Without a terminal there is nobody to ask: SLOT_KEY_MISSING, nothing installed.
  // setsid (util-linux) starts it in a new session: no controlling terminal, whatever runs the tests.
  const noTty = spawnSync('setsid', ['-w', path.join(dir, 'p.psp')], {
    encoding: 'utf8',
    env: { PATH: '/usr/bin:/bin', FLAVOR_CACHE: path.join(dir, 'cache2') },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  });
  assert.equal(noTty.status, 103, noTty.stderr);
  assert.match(noTty.stderr, /no slot key from prompt: there is no terminal to ask on \[SLOT_KEY_MISSING\]/);
});

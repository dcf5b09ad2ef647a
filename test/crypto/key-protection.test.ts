// A private key must be private (src/crypto/key-protection.ts): a key file group or others can access, or
// one in a folder everyone can write to without the sticky bit, is refused with KEY_UNPROTECTED and a
// `chmod` hint; FLAVOR_ALLOW_UNPROTECTED_KEY (allowUnprotected) turns that into a warning.

import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileExposure, folderExposure } from '../../src/crypto/key-protection.js';
import { generateSigningKey, loadPrivateKey, saveKeyPair } from '../../src/crypto/keys.js';
import { type FlavorError, isFlavorError } from '../../src/errors.js';

let work: string;
let pem: string;
let n = 0;

before(async () => {
  work = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'flavor-keyprot-')));
  pem = generateSigningKey().privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
});

after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

/** A key file with `mode` in a fresh folder with `folderMode` (chmod after creation: umask plays no part). */
async function keyFile(mode: number, folderMode = 0o700): Promise<string> {
  const dir = path.join(work, `d${n++}`);
  await fs.mkdir(dir);
  const file = path.join(dir, 'k.pem');
  await fs.writeFile(file, pem);
  await fs.chmod(file, mode);
  await fs.chmod(dir, folderMode);
  return file;
}

const unprotected = (pattern: RegExp) => (e: unknown) =>
  isFlavorError(e, 'KEY_UNPROTECTED') && pattern.test(e.message) && e.exitCode === 13;

describe('the rule', () => {
  test('only the owner may have access to the key file', () => {
    for (const mode of [0o600, 0o400, 0o700, 0o100600]) assert.equal(fileExposure(mode), undefined);
    assert.match(fileExposure(0o644)!, /readable by others \(mode 0644\)/);
    assert.match(fileExposure(0o640)!, /readable by its group \(mode 0640\)/);
    assert.match(fileExposure(0o604)!, /readable by others/);
    assert.match(fileExposure(0o620)!, /writable by its group/);
    assert.match(fileExposure(0o601)!, /accessible by others/);
    assert.match(fileExposure(0o100666)!, /mode 0666/);
  });

  test('the folder must not be writable by everyone, unless sticky (like /tmp)', () => {
    for (const mode of [0o700, 0o755, 0o775, 0o1777, 0o40700]) assert.equal(folderExposure(mode), undefined);
    assert.match(folderExposure(0o777)!, /writable by everyone \(mode 0777\)/);
    assert.match(folderExposure(0o40703)!, /mode 0703/);
  });
});

describe('loadPrivateKey', { skip: process.platform === 'win32' && 'no POSIX modes' }, () => {
  test('accepts 0600 and 0400 keys in a private or sticky folder', async () => {
    for (const [mode, folder] of [
      [0o600, 0o700],
      [0o400, 0o755],
      [0o600, 0o1777],
    ] as const) {
      await loadPrivateKey(await keyFile(mode, folder));
    }
  });

  test('refuses 0644, 0640 and 0604 keys: KEY_UNPROTECTED (exit 13) with a chmod 600 hint', async () => {
    for (const mode of [0o644, 0o640, 0o604, 0o666]) {
      const file = await keyFile(mode);
      await assert.rejects(loadPrivateKey(file), (e: unknown) => {
        assert.ok(unprotected(/^private key file is (readable|writable|accessible) by/)(e), String(e));
        assert.equal((e as FlavorError).path, file);
        assert.match((e as FlavorError).hint!, new RegExp(`^chmod 600 '${file}'`));
        return true;
      });
    }
  });

  test('refuses a 0600 key in a folder everyone can write to (0777) with a chmod o-w hint', async () => {
    const file = await keyFile(0o600, 0o777);
    await assert.rejects(loadPrivateKey(file), (e: unknown) => {
      assert.ok(unprotected(/folder of the private key is writable by everyone/)(e), String(e));
      assert.match((e as FlavorError).hint!, new RegExp(`^chmod o-w '${path.dirname(file)}'`));
      return true;
    });
  });

  test('checks the real file and folder behind a symlink', async () => {
    const file = await keyFile(0o600, 0o777);
    const link = path.join(work, `link${n++}.pem`);
    await fs.symlink(file, link);
    await assert.rejects(loadPrivateKey(link), unprotected(/writable by everyone/));
  });

  test('allowUnprotected: the key loads and each problem becomes a warning', async () => {
    const file = await keyFile(0o644, 0o777);
    const warnings: string[] = [];
    const key = await loadPrivateKey(file, { allowUnprotected: true, warn: (m) => warnings.push(m) });
    assert.equal(key.publicKeyRaw.length, 32);
    assert.equal(warnings.length, 2);
    assert.match(warnings[0]!, /readable by others .*FLAVOR_ALLOW_UNPROTECTED_KEY=1/);
    assert.match(warnings[1]!, /writable by everyone/);
  });
});

describe('saveKeyPair', { skip: process.platform === 'win32' && 'no POSIX modes' }, () => {
  test('refuses to write into a folder everyone can write to, and writes nothing', async () => {
    const dir = path.join(work, `open${n++}`);
    await fs.mkdir(dir);
    await fs.chmod(dir, 0o777);
    await assert.rejects(saveKeyPair(generateSigningKey(), dir, false), unprotected(/writable by everyone/));
    assert.deepEqual(await fs.readdir(dir), []);
  });

  test('creates a missing folder 0700 and a key that loadPrivateKey accepts', async () => {
    const dir = path.join(work, `new${n++}`, 'keys');
    const files = await saveKeyPair(generateSigningKey(), dir, false);
    assert.equal((await fs.stat(dir)).mode & 0o777, 0o700);
    assert.equal((await fs.stat(files.privateKeyPath)).mode & 0o777, 0o600);
    await loadPrivateKey(files.privateKeyPath);
  });
});

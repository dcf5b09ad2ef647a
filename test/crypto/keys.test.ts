import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import {
  fingerprint,
  generateSigningKey,
  loadPrivateKey,
  loadPublicKeyFile,
  loadPublicKeySpec,
  saveKeyPair,
  signingKeyFromSeedText,
} from '../../src/crypto/keys.js';
import { signMessage, verifySignature } from '../../src/crypto/signature.js';
import { isFlavorError } from '../../src/errors.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

test('seed "test123" gives upstream key and signature (facts §8)', () => {
  const key = signingKeyFromSeedText('test123');
  assert.equal(hex(key.publicKeyRaw), 'd27367ba3d436463c468ecc68cfd2735b4d33b6be611355d72ac03666b47335d');
  const sig = signMessage(new TextEncoder().encode('{"hello": "world"}'), key);
  assert.equal(
    hex(sig),
    '34f3912ec7715499081d0b8b771ffec93a037ed7f833435ae698ff84218e365428a0ea13ea6070da173ef927e8a690a82118ca13250f8f7d7270d1dee5efd403',
  );
});

test('seed "repro999" gives upstream public key', () => {
  const key = signingKeyFromSeedText('repro999');
  assert.equal(hex(key.publicKeyRaw), '423a69302d211e874cb6b7a2e3eb266ab7659211932d6c8a210b80f4e753c2f5');
});

test('signatures verify and reject changed messages and other keys', () => {
  const key = generateSigningKey();
  const other = generateSigningKey();
  const msg = new TextEncoder().encode('metadata');
  const sig = signMessage(msg, key);
  assert.equal(verifySignature(msg, sig, key.publicKeyRaw), true);
  assert.equal(verifySignature(new TextEncoder().encode('metadatA'), sig, key.publicKeyRaw), false);
  assert.equal(verifySignature(msg, sig, other.publicKeyRaw), false);
});

test('saveKeyPair writes 0600/0644 PEM files and refuses to overwrite', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flavor-keys-'));
  try {
    const key = generateSigningKey();
    const files = await saveKeyPair(key, dir, false);
    assert.equal((await fs.stat(files.privateKeyPath)).mode & 0o777, 0o600);
    assert.equal((await fs.stat(files.publicKeyPath)).mode & 0o777, 0o644);
    const loaded = await loadPrivateKey(files.privateKeyPath);
    assert.equal(hex(loaded.publicKeyRaw), hex(key.publicKeyRaw));
    assert.equal(hex(await loadPublicKeyFile(files.publicKeyPath)), hex(key.publicKeyRaw));
    const before = await fs.readFile(files.privateKeyPath, 'utf8');
    await assert.rejects(saveKeyPair(generateSigningKey(), dir, false), (e) =>
      isFlavorError(e, 'KEY_EXISTS'),
    );
    assert.equal(await fs.readFile(files.privateKeyPath, 'utf8'), before);
    await saveKeyPair(generateSigningKey(), dir, true);
    assert.notEqual(await fs.readFile(files.privateKeyPath, 'utf8'), before);
    assert.equal((await fs.stat(files.privateKeyPath)).mode & 0o777, 0o600);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('public key specs: hex, fingerprint, PEM; garbage is KEY_INVALID or NOT_FOUND', async () => {
  const key = signingKeyFromSeedText('test123');
  const h = hex(key.publicKeyRaw);
  assert.equal((await loadPublicKeySpec(h)).fingerprint, fingerprint(key.publicKeyRaw));
  assert.equal((await loadPublicKeySpec(fingerprint(key.publicKeyRaw))).raw, undefined);
  await assert.rejects(loadPublicKeySpec('/no/such/key.pem'), (e) => isFlavorError(e, 'NOT_FOUND'));
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flavor-keys-'));
  try {
    const bad = path.join(dir, 'bad.pem');
    await fs.writeFile(bad, 'not a key', { mode: 0o600 });
    await assert.rejects(loadPublicKeySpec(bad), (e) => isFlavorError(e, 'KEY_INVALID'));
    await assert.rejects(loadPrivateKey(bad), (e) => isFlavorError(e, 'KEY_INVALID'));
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

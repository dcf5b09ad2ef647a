// DSSE v1 (crypto/dsse.ts): the Pre-Authentication Encoding against the specification's own example,
// signing and verifying, and every way an envelope can be tampered with.

import assert from 'node:assert/strict';
import { verify as nodeVerify } from 'node:crypto';
import { test } from 'node:test';
import {
  type DsseEnvelope,
  decodeBase64,
  preAuthEncoding,
  signEnvelope,
  verifyEnvelope,
} from '../../src/crypto/dsse.js';
import { fingerprint, signingKeyFromSeedText } from '../../src/crypto/keys.js';
import { keySigner } from '../../src/crypto/signature.js';
import { isFlavorError } from '../../src/errors.js';

const KEY = signingKeyFromSeedText('dsse-publisher');
const OTHER = signingKeyFromSeedText('dsse-someone-else');
const TYPE = 'application/vnd.in-toto+json';
const PAYLOAD = new TextEncoder().encode('{"_type":"https://in-toto.io/Statement/v1"}');

const refused = (message: RegExp) => (e: unknown) =>
  isFlavorError(e) && e.code === 'PROVENANCE_INVALID' && message.test(e.message);

test('PAE is the DSSE v1 example byte for byte', () => {
  // github.com/secure-systems-lab/dsse, protocol.md: PAE("http://example.com/HelloWorld", "hello world")
  const pae = preAuthEncoding('http://example.com/HelloWorld', new TextEncoder().encode('hello world'));
  assert.equal(Buffer.from(pae).toString('utf8'), 'DSSEv1 29 http://example.com/HelloWorld 11 hello world');
});

test('PAE counts bytes, not characters, and keeps the payload verbatim', () => {
  const payload = new Uint8Array([0xe2, 0x82, 0xac, 0x20, 0x00]); // "€ \0"
  const pae = Buffer.from(preAuthEncoding('tÿpe', payload));
  assert.equal(pae.subarray(0, 14).toString('utf8'), 'DSSEv1 5 tÿpe');
  assert.deepEqual([...pae.subarray(-7)], [0x35, 0x20, 0xe2, 0x82, 0xac, 0x20, 0x00]);
});

test('a signed envelope: keyid is the key fingerprint, sig an Ed25519 signature over the PAE', () => {
  const env = signEnvelope(TYPE, PAYLOAD, keySigner(KEY));
  assert.equal(env.payloadType, TYPE);
  assert.deepEqual(new Uint8Array(Buffer.from(env.payload, 'base64')), PAYLOAD);
  assert.equal(env.signatures.length, 1);
  assert.equal(env.signatures[0]!.keyid, fingerprint(KEY.publicKeyRaw));
  const sig = Buffer.from(env.signatures[0]!.sig, 'base64');
  assert.equal(sig.length, 64);
  assert.ok(nodeVerify(null, preAuthEncoding(TYPE, PAYLOAD), KEY.publicKey, sig), 'node:crypto agrees');
  assert.deepEqual(verifyEnvelope(env, KEY.publicKeyRaw, TYPE), PAYLOAD);
});

test('signing is deterministic (Ed25519): the same payload gives the same envelope', () => {
  assert.deepEqual(signEnvelope(TYPE, PAYLOAD, keySigner(KEY)), signEnvelope(TYPE, PAYLOAD, keySigner(KEY)));
});

function tampered(edit: (env: DsseEnvelope) => void): DsseEnvelope {
  const env = signEnvelope(TYPE, PAYLOAD, keySigner(KEY));
  edit(env);
  return env;
}

test('a modified payload is refused', () => {
  const env = tampered((e) => {
    e.payload = Buffer.from('{"_type":"https://in-toto.io/Statement/v0"}').toString('base64');
  });
  assert.throws(() => verifyEnvelope(env, KEY.publicKeyRaw, TYPE), refused(/signature does not match/));
});

test('a modified payloadType is refused, also when the expected type is the modified one', () => {
  const env = tampered((e) => {
    e.payloadType = 'application/json';
  });
  assert.throws(() => verifyEnvelope(env, KEY.publicKeyRaw, TYPE), refused(/payloadType/));
  // The type is inside the PAE: the signature does not carry over to another type.
  assert.throws(() => verifyEnvelope(env, KEY.publicKeyRaw, 'application/json'), refused(/does not match/));
});

test('a flipped signature bit is refused', () => {
  const env = tampered((e) => {
    const sig = Buffer.from(e.signatures[0]!.sig, 'base64');
    sig[10]! ^= 0x01;
    e.signatures[0]!.sig = sig.toString('base64');
  });
  assert.throws(() => verifyEnvelope(env, KEY.publicKeyRaw, TYPE), refused(/does not match/));
});

test('a truncated signature is refused', () => {
  const env = tampered((e) => {
    e.signatures[0]!.sig = Buffer.from(e.signatures[0]!.sig, 'base64').subarray(0, 63).toString('base64');
  });
  assert.throws(() => verifyEnvelope(env, KEY.publicKeyRaw, TYPE), refused(/does not match/));
});

test('an envelope signed by another key is refused: by keyid, and by signature under a forged keyid', () => {
  const other = signEnvelope(TYPE, PAYLOAD, keySigner(OTHER));
  assert.throws(
    () => verifyEnvelope(other, KEY.publicKeyRaw, TYPE),
    refused(/no signature by the package key/),
  );
  other.signatures[0]!.keyid = fingerprint(KEY.publicKeyRaw);
  assert.throws(() => verifyEnvelope(other, KEY.publicKeyRaw, TYPE), refused(/does not match/));
});

test('a second, bad signature under the package keyid is refused even next to a good one', () => {
  const env = tampered((e) => {
    e.signatures.push({ keyid: e.signatures[0]!.keyid, sig: Buffer.alloc(64).toString('base64') });
  });
  assert.throws(() => verifyEnvelope(env, KEY.publicKeyRaw, TYPE), refused(/does not match/));
});

test('payload and signatures must be strict base64', () => {
  assert.throws(() => decodeBase64('aGVsbG8', 'x'), refused(/not base64/)); // no padding
  assert.throws(() => decodeBase64('aGVs bG8=', 'x'), refused(/not base64/));
  assert.throws(() => decodeBase64('aGVsbG8_', 'x'), refused(/not base64/)); // URL alphabet
  assert.deepEqual(Buffer.from(decodeBase64('aGVsbG8=', 'x')).toString(), 'hello');
  const env = tampered((e) => {
    e.payload = `${e.payload}!`;
  });
  assert.throws(() => verifyEnvelope(env, KEY.publicKeyRaw, TYPE), refused(/payload is not base64/));
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adler32, createSha256, sha256Hex } from '../../src/crypto/digest.js';

test('adler32 matches the reference values', () => {
  assert.equal(adler32(new TextEncoder().encode('Wikipedia')), 0x11e60398);
  assert.equal(adler32(new Uint8Array(0)), 1);
  assert.equal(adler32(new Uint8Array(8192)), 0x20000001);
});

test('adler32 stays exact past the NMAX block size', () => {
  const data = new Uint8Array(100_000).fill(0xff);
  // Reference computed the slow way: modulo after every byte.
  let a = 1;
  let b = 0;
  for (const byte of data) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  assert.equal(adler32(data), ((b << 16) | a) >>> 0);
});

test('sha256 one-shot and streaming agree', () => {
  const h = createSha256();
  h.update('hello ');
  h.update('world');
  assert.equal(h.digest('hex'), sha256Hex('hello world'));
  assert.equal(sha256Hex(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
});

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { adler32 } from '../../src/crypto/digest.js';
import { isFlavorError } from '../../src/errors.js';
import { FORMAT_VERSION, INDEX_SIZE } from '../../src/format/constants.js';
import {
  checkIndexZeroRegions,
  checkKeyFingerprintField,
  decodeIndexBlock,
  emptyIndexBlock,
  encodeIndexBlock,
  encodeKeyFingerprintField,
  INDEX_FIELDS,
  indexChecksumInput,
  KEY_FINGERPRINT_FIELD,
  keyFingerprintField,
} from '../../src/format/index-block.js';

/** A block with every field non-zero where the format allows it. */
function fullBlock(): Uint8Array {
  const bytes = new Uint8Array(randomBytes(INDEX_SIZE));
  bytes.fill(0, 192, 640); // signature padding
  bytes.fill(0, 692, 704); // field padding
  bytes.fill(0, 864); // future_crypto and reserved
  return bytes;
}

test('all 8192 bytes round-trip through decode and encode', () => {
  for (let i = 0; i < 20; i++) {
    const bytes = fullBlock();
    assert.deepEqual(encodeIndexBlock(decodeIndexBlock(bytes)), bytes);
  }
});

test('fields sit at the canonical offsets', () => {
  const index = emptyIndexBlock(FORMAT_VERSION);
  index.packageSize = 0x0102030405060708n;
  index.slotCount = 7;
  index.publicKey = new Uint8Array(32).fill(0xaa);
  index.signature = new Uint8Array(64).fill(0xbb);
  index.capabilities = 0x83n;
  index.protocolVersion = 1;
  const bytes = encodeIndexBlock(index);
  const view = Buffer.from(bytes);
  assert.equal(view.readUInt32LE(0), 0x20250001);
  assert.equal(view.readBigUInt64LE(INDEX_FIELDS.packageSize), 0x0102030405060708n);
  assert.equal(view.readUInt32LE(56), 7);
  assert.equal(view[64], 0xaa);
  assert.equal(view[128], 0xbb);
  assert.equal(view[191], 0xbb);
  assert.equal(view[192], 0);
  assert.equal(view.readBigUInt64LE(832), 0x83n);
  assert.equal(view.readUInt32LE(860), 1);
});

test('the checksum input zeroes exactly bytes 4..7', () => {
  const bytes = fullBlock();
  const input = indexChecksumInput(bytes);
  assert.deepEqual([...input.subarray(4, 8)], [0, 0, 0, 0]);
  assert.deepEqual(input.subarray(8), bytes.subarray(8));
  assert.deepEqual(input.subarray(0, 4), bytes.subarray(0, 4));
  assert.equal(adler32(new Uint8Array(INDEX_SIZE)), 0x20000001);
});

test('non-zero padding, reserved bytes and wrong sizes are refused', () => {
  assert.doesNotThrow(() => checkIndexZeroRegions(fullBlock()));
  for (const at of [192, 639, 692, 703, 864, 1375, 1440, 8191]) {
    const reserved = fullBlock();
    reserved[at] = 1;
    assert.throws(
      () => checkIndexZeroRegions(reserved),
      (e) => isFlavorError(e, 'LAYOUT_INVALID'),
      `byte ${at}`,
    );
  }
  const fingerprintByte = fullBlock();
  fingerprintByte[1376] = 1;
  assert.doesNotThrow(() => checkIndexZeroRegions(fingerprintByte), 'the key fingerprint field is separate');
  assert.throws(
    () => decodeIndexBlock(new Uint8Array(100)),
    (e) => isFlavorError(e, 'LAYOUT_INVALID'),
  );
});

test('the key fingerprint field (1376..1439) is all zero or exactly the signing key fingerprint', () => {
  const fp = 'ab'.repeat(32);
  const block = fullBlock();
  assert.doesNotThrow(() => checkKeyFingerprintField(block, fp), 'absent (all zero)');
  block.set(encodeKeyFingerprintField(fp), KEY_FINGERPRINT_FIELD.offset);
  assert.doesNotThrow(() => checkKeyFingerprintField(block, fp), 'upstream 0.5.4 writes it');
  assert.equal(new TextDecoder().decode(keyFingerprintField(block)), fp);
  const refused = (edit: (b: Uint8Array) => void, why: string) => {
    const bytes = block.slice();
    edit(bytes);
    assert.throws(
      () => checkKeyFingerprintField(bytes, fp),
      (e) => isFlavorError(e, 'KEY_FINGERPRINT_MISMATCH'),
      why,
    );
  };
  refused((b) => b.set(encodeKeyFingerprintField('cd'.repeat(32)), 1376), 'another key');
  refused((b) => b.set(new TextEncoder().encode('AB'.repeat(32)), 1376), 'upper-case hex');
  refused((b) => b.fill(0, 1400, 1440), 'truncated');
  refused((b) => {
    b[1439] = 0x20;
  }, 'one byte changed');
});

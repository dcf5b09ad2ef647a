// Upstream's published descriptor and operation-chain vectors (testdata/upstream, facts sheet §9).
// Bytes 0..55 of the descriptor vectors follow the current layout; bytes 56..63 follow an older one, so
// the tail is checked only as a raw round trip.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { sha256 } from '../../src/crypto/digest.js';
import { isFlavorError } from '../../src/errors.js';
import { packOperations, unpackOperations } from '../../src/format/operations.js';
import { decodeDescriptor, digestPrefixU64, encodeDescriptor } from '../../src/format/slot-descriptor.js';

const dir = new URL('../../testdata/upstream/', import.meta.url);

interface DescriptorVector {
  name: string;
  offset: number;
  hex: string;
  fields: Record<string, string | number>;
  expected_operations: number[];
  expected_operations_packed: string | number;
}

/** The JSON holds u64 values above 2^53: quote them before parsing so no digit is lost. */
function readExact<T>(file: string): T {
  const text = readFileSync(new URL(file, dir), 'utf8').replace(
    /"(name_hash|checksum|operations|packed|expected_operations_packed|offset|size|original_size|id)": (\d+)/g,
    '"$1": "$2"',
  );
  return JSON.parse(text) as T;
}

const vectors = readExact<DescriptorVector[]>('test_vectors.json');
const blob = readFileSync(new URL('descriptors.bin', dir));
const NAMES: Record<string, string> = {
  raw_data: 'test_raw.txt',
  gzip_only: 'test_gzip.txt',
  tar_gzip: 'archive.tar.gz',
};

test('upstream descriptor vectors exist', () => {
  assert.equal(vectors.length, 4);
  assert.equal(blob.length, 256);
});

for (const v of vectors) {
  test(`upstream descriptor ${v.name}: bytes 0..55 decode to the documented fields`, () => {
    const bytes = new Uint8Array(Buffer.from(v.hex, 'hex'));
    assert.deepEqual(bytes, new Uint8Array(blob.subarray(Number(v.offset), Number(v.offset) + 64)));
    const d = decodeDescriptor(bytes);
    assert.equal(d.id, BigInt(v.fields.id!));
    assert.equal(d.nameHash, BigInt(v.fields.name_hash!));
    assert.equal(d.offset, BigInt(v.fields.offset!));
    assert.equal(d.size, BigInt(v.fields.size!));
    assert.equal(d.originalSize, BigInt(v.fields.original_size!));
    assert.equal(d.operations, BigInt(v.fields.operations!));
    assert.equal(d.checksum, BigInt(v.fields.checksum!));
    assert.deepEqual(encodeDescriptor(d), bytes, 'all 64 bytes round-trip, including the stale tail');
    const name = NAMES[v.name];
    if (name) assert.equal(digestPrefixU64(sha256(name)), d.nameHash, 'name_hash = SHA-256(name)[0:8] LE');
  });
}

test('upstream chain vectors: known v0 chains pack and unpack', () => {
  for (const v of vectors.filter((x) =>
    x.expected_operations.every((op) => [1, 16, 19, 22, 27].includes(op)),
  )) {
    assert.equal(packOperations(v.expected_operations), BigInt(v.expected_operations_packed));
  }
  const chains = readExact<Array<{ operations: number[]; packed: string }>>('operations.json');
  assert.equal(chains.length, 7);
  for (const c of chains) {
    if (c.operations.every((op) => [1, 16, 19, 22, 27].includes(op))) {
      assert.equal(packOperations(c.operations), BigInt(c.packed));
      assert.deepEqual(unpackOperations(BigInt(c.packed)), c.operations);
    } else {
      // 0x31 (AES256_GCM) is not a v0 operation: strict readers refuse it.
      assert.throws(
        () => packOperations(c.operations),
        (e) => isFlavorError(e, 'UNKNOWN_OPERATION'),
      );
      assert.throws(
        () => unpackOperations(BigInt(c.packed)),
        (e) => isFlavorError(e, 'UNKNOWN_OPERATION'),
      );
    }
  }
});

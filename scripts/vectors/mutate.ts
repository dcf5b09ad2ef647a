// Byte-level edits for failure vectors: each returns a modified copy and, where the edit is not meant to
// break the index checksum, recomputes the Adler-32 so only the intended check fails.

import { adler32 } from '../../src/crypto/digest.js';
import {
  DESCRIPTOR_SIZE,
  decodeIndexBlock,
  INDEX_FIELDS,
  INDEX_SIZE,
  type IndexBlock,
  indexChecksumInput,
  TRAILER_SIZE,
} from '../../src/format/index.js';

export const indexStart = (pkg: Uint8Array) => pkg.length - TRAILER_SIZE + 4;

export function readIndex(pkg: Uint8Array): IndexBlock {
  const at = indexStart(pkg);
  return decodeIndexBlock(pkg.slice(at, at + INDEX_SIZE));
}

/** Recomputes the index checksum in place. */
export function fixIndexChecksum(pkg: Uint8Array): Uint8Array {
  const at = indexStart(pkg);
  const block = pkg.subarray(at, at + INDEX_SIZE);
  const sum = adler32(indexChecksumInput(block));
  Buffer.from(block.buffer, block.byteOffset, block.byteLength).writeUInt32LE(
    sum,
    INDEX_FIELDS.indexChecksum,
  );
  return pkg;
}

export function setIndexU32(pkg: Uint8Array, field: number, value: number): Uint8Array {
  const copy = pkg.slice();
  Buffer.from(copy.buffer).writeUInt32LE(value, indexStart(copy) + field);
  return fixIndexChecksum(copy);
}

export function setIndexU64(pkg: Uint8Array, field: number, value: bigint): Uint8Array {
  const copy = pkg.slice();
  Buffer.from(copy.buffer).writeBigUInt64LE(value, indexStart(copy) + field);
  return fixIndexChecksum(copy);
}

export function flipByte(pkg: Uint8Array, offset: number, fixIndex = false): Uint8Array {
  const copy = pkg.slice();
  copy[offset] = copy[offset]! ^ 0x01;
  return fixIndex ? fixIndexChecksum(copy) : copy;
}

/** File offset of a field of descriptor `i` (descriptors are not covered by the index checksum). */
export function descriptorField(pkg: Uint8Array, i: number, field: number): number {
  return Number(readIndex(pkg).slotTableOffset) + i * DESCRIPTOR_SIZE + field;
}

export function setDescriptorU64(pkg: Uint8Array, i: number, field: number, value: bigint): Uint8Array {
  const copy = pkg.slice();
  Buffer.from(copy.buffer).writeBigUInt64LE(value, descriptorField(copy, i, field));
  return copy;
}

// The 8192-byte index block: decode and encode every field of the canonical (Python/Rust) layout.
// Values only; checksums are computed by crypto/ and compared by reader/.

import { FlavorError } from '../errors.js';
import { ByteReader, ByteWriter, isAllZero } from './bytes.js';
import {
  INDEX_SIZE,
  PUBLIC_KEY_SIZE,
  SHA256_SIZE,
  SIGNATURE_FIELD_SIZE,
  SIGNATURE_SIZE,
} from './constants.js';

export interface IndexBlock {
  formatVersion: number;
  indexChecksum: number;
  packageSize: bigint;
  launcherSize: bigint;
  metadataOffset: bigint;
  metadataSize: bigint;
  slotTableOffset: bigint;
  slotTableSize: bigint;
  slotCount: number;
  flags: number;
  publicKey: Uint8Array; // 32
  metadataChecksum: Uint8Array; // 32: SHA-256 of the compressed metadata
  signature: Uint8Array; // 64: Ed25519 over the uncompressed metadata JSON
  accessMode: number;
  cacheStrategy: number;
  reservedHint1: number;
  reservedHint2: number;
  pageSize: number;
  maxMemory: bigint;
  minMemory: bigint;
  cpuFeatures: bigint;
  gpuRequirements: bigint;
  numaHints: bigint;
  streamChunkSize: number;
  buildTimestamp: bigint;
  buildMachine: Uint8Array; // 32
  sourceHash: Uint8Array; // 32
  dependencyHash: Uint8Array; // 32
  licenseId: Uint8Array; // 16
  provenanceUri: Uint8Array; // 8
  capabilities: bigint;
  requirements: bigint;
  extensions: bigint;
  compatibility: number;
  protocolVersion: number;
  futureCrypto: Uint8Array; // 512, opaque
  reserved: Uint8Array; // 6816, opaque
}

/** Byte offsets inside the index block (docs/format.md, "Index block"). */
export const INDEX_FIELDS = {
  formatVersion: 0,
  indexChecksum: 4,
  packageSize: 8,
  launcherSize: 16,
  metadataOffset: 24,
  metadataSize: 32,
  slotTableOffset: 40,
  slotTableSize: 48,
  slotCount: 56,
  flags: 60,
  publicKey: 64,
  metadataChecksum: 96,
  signature: 128,
  accessMode: 640,
  cacheStrategy: 641,
  reservedHint1: 642,
  reservedHint2: 643,
  pageSize: 644,
  maxMemory: 648,
  minMemory: 656,
  cpuFeatures: 664,
  gpuRequirements: 672,
  numaHints: 680,
  streamChunkSize: 688,
  padding: 692,
  buildTimestamp: 704,
  buildMachine: 712,
  sourceHash: 744,
  dependencyHash: 776,
  licenseId: 808,
  provenanceUri: 824,
  capabilities: 832,
  requirements: 840,
  extensions: 848,
  compatibility: 856,
  protocolVersion: 860,
  futureCrypto: 864,
  reserved: 1376,
} as const;

const F = INDEX_FIELDS;
const PADDING_SIZE = 12;
const FUTURE_CRYPTO_SIZE = 512;
const RESERVED_SIZE = INDEX_SIZE - F.reserved;

/**
 * Decodes an index block. Values only: the bytes the format defines as zero are checked separately
 * (checkIndexZeroRegions), after the index checksum, as the launcher does.
 */
export function decodeIndexBlock(bytes: Uint8Array): IndexBlock {
  if (bytes.length !== INDEX_SIZE) {
    throw new FlavorError('LAYOUT_INVALID', `index block is ${bytes.length} bytes, expected ${INDEX_SIZE}`);
  }
  const r = new ByteReader(bytes);
  const signatureField = r.slice(F.signature, SIGNATURE_FIELD_SIZE);
  return {
    formatVersion: r.u32(F.formatVersion),
    indexChecksum: r.u32(F.indexChecksum),
    packageSize: r.u64(F.packageSize),
    launcherSize: r.u64(F.launcherSize),
    metadataOffset: r.u64(F.metadataOffset),
    metadataSize: r.u64(F.metadataSize),
    slotTableOffset: r.u64(F.slotTableOffset),
    slotTableSize: r.u64(F.slotTableSize),
    slotCount: r.u32(F.slotCount),
    flags: r.u32(F.flags),
    publicKey: r.slice(F.publicKey, PUBLIC_KEY_SIZE),
    metadataChecksum: r.slice(F.metadataChecksum, SHA256_SIZE),
    signature: signatureField.slice(0, SIGNATURE_SIZE),
    accessMode: r.u8(F.accessMode),
    cacheStrategy: r.u8(F.cacheStrategy),
    reservedHint1: r.u8(F.reservedHint1),
    reservedHint2: r.u8(F.reservedHint2),
    pageSize: r.u32(F.pageSize),
    maxMemory: r.u64(F.maxMemory),
    minMemory: r.u64(F.minMemory),
    cpuFeatures: r.u64(F.cpuFeatures),
    gpuRequirements: r.u64(F.gpuRequirements),
    numaHints: r.u64(F.numaHints),
    streamChunkSize: r.u32(F.streamChunkSize),
    buildTimestamp: r.u64(F.buildTimestamp),
    buildMachine: r.slice(F.buildMachine, 32),
    sourceHash: r.slice(F.sourceHash, 32),
    dependencyHash: r.slice(F.dependencyHash, 32),
    licenseId: r.slice(F.licenseId, 16),
    provenanceUri: r.slice(F.provenanceUri, 8),
    capabilities: r.u64(F.capabilities),
    requirements: r.u64(F.requirements),
    extensions: r.u64(F.extensions),
    compatibility: r.u32(F.compatibility),
    protocolVersion: r.u32(F.protocolVersion),
    futureCrypto: r.slice(F.futureCrypto, FUTURE_CRYPTO_SIZE),
    reserved: r.slice(F.reserved, RESERVED_SIZE),
  };
}

/**
 * The regions that must be zero: the 448 bytes after the signature, the field padding 692..703, and
 * future_crypto + reserved (864..8191) except the key fingerprint field 1376..1439 (checked by
 * checkKeyFingerprintField). They are unsigned and unused, so non-zero bytes could only carry smuggled data.
 */
export function checkIndexZeroRegions(bytes: Uint8Array): void {
  const zero = (from: number, to: number) => isAllZero(bytes.subarray(from, to));
  if (!zero(F.signature + SIGNATURE_SIZE, F.signature + SIGNATURE_FIELD_SIZE)) {
    throw new FlavorError('LAYOUT_INVALID', 'index bytes 192..639 after the signature must be zero', {
      details: { region: 'index.signature_padding' },
    });
  }
  if (!zero(F.padding, F.padding + PADDING_SIZE)) {
    throw new FlavorError('LAYOUT_INVALID', 'index padding bytes 692..703 must be zero', {
      details: { region: 'index.padding' },
    });
  }
  if (!zero(F.futureCrypto, KEY_FINGERPRINT_FIELD.offset) || !zero(KEY_FINGERPRINT_FIELD.end, INDEX_SIZE)) {
    throw new FlavorError(
      'LAYOUT_INVALID',
      'index bytes 864..1375 and 1440..8191 (future_crypto, reserved) must be zero',
      { details: { region: 'index.reserved' } },
    );
  }
}

/**
 * Index bytes 1376..1439: upstream's 0.5.4 builders write the signing key's fingerprint there as 64 ASCII
 * characters (lower-case hex SHA-256 of the raw public key). The field is optional but never free:
 * all zero, or exactly the fingerprint of the key in the index (docs/compat.md).
 */
export const KEY_FINGERPRINT_FIELD = { offset: 1376, size: 64, end: 1440 } as const;

/** The fingerprint field as written (all zero when absent). */
export function keyFingerprintField(bytes: Uint8Array): Uint8Array {
  return bytes.subarray(KEY_FINGERPRINT_FIELD.offset, KEY_FINGERPRINT_FIELD.end);
}

/** The field's content for a key: its fingerprint (64 lower-case hex digits) as ASCII. */
export function encodeKeyFingerprintField(fingerprintHex: string): Uint8Array {
  if (!/^[0-9a-f]{64}$/.test(fingerprintHex)) {
    throw new FlavorError(
      'INTERNAL',
      `key fingerprint must be 64 lower-case hex digits, got ${fingerprintHex}`,
    );
  }
  return new TextEncoder().encode(fingerprintHex);
}

/**
 * Refuses a fingerprint field that is neither all zero nor the fingerprint of the signing key
 * (`fingerprintHex`: lower-case hex SHA-256 of the index's public key).
 */
export function checkKeyFingerprintField(bytes: Uint8Array, fingerprintHex: string): void {
  const field = keyFingerprintField(bytes);
  if (isAllZero(field)) return;
  const expected = encodeKeyFingerprintField(fingerprintHex);
  if (field.every((b, i) => b === expected[i])) return;
  const printable = field.every((b) => b >= 0x20 && b < 0x7f);
  const written = printable ? `"${new TextDecoder().decode(field)}"` : 'non-text bytes';
  throw new FlavorError(
    'KEY_FINGERPRINT_MISMATCH',
    `index bytes 1376..1439 name the key fingerprint ${written}, but the package is signed by ${fingerprintHex}`,
    {
      hint: 'the public key or the fingerprint field was replaced; rebuild the package or get an untouched copy',
      details: { region: 'index.key_fingerprint', expected: fingerprintHex },
    },
  );
}

/** Encodes every field; `decodeIndexBlock(encodeIndexBlock(x))` gives back `x`. */
export function encodeIndexBlock(index: IndexBlock): Uint8Array {
  const w = new ByteWriter(INDEX_SIZE);
  w.u32(F.formatVersion, index.formatVersion);
  w.u32(F.indexChecksum, index.indexChecksum);
  w.u64(F.packageSize, index.packageSize);
  w.u64(F.launcherSize, index.launcherSize);
  w.u64(F.metadataOffset, index.metadataOffset);
  w.u64(F.metadataSize, index.metadataSize);
  w.u64(F.slotTableOffset, index.slotTableOffset);
  w.u64(F.slotTableSize, index.slotTableSize);
  w.u32(F.slotCount, index.slotCount);
  w.u32(F.flags, index.flags);
  w.fixed(F.publicKey, PUBLIC_KEY_SIZE, exact(index.publicKey, PUBLIC_KEY_SIZE, 'public key'));
  w.fixed(F.metadataChecksum, SHA256_SIZE, exact(index.metadataChecksum, SHA256_SIZE, 'metadata checksum'));
  w.fixed(F.signature, SIGNATURE_FIELD_SIZE, exact(index.signature, SIGNATURE_SIZE, 'signature'));
  w.u8(F.accessMode, index.accessMode);
  w.u8(F.cacheStrategy, index.cacheStrategy);
  w.u8(F.reservedHint1, index.reservedHint1);
  w.u8(F.reservedHint2, index.reservedHint2);
  w.u32(F.pageSize, index.pageSize);
  w.u64(F.maxMemory, index.maxMemory);
  w.u64(F.minMemory, index.minMemory);
  w.u64(F.cpuFeatures, index.cpuFeatures);
  w.u64(F.gpuRequirements, index.gpuRequirements);
  w.u64(F.numaHints, index.numaHints);
  w.u32(F.streamChunkSize, index.streamChunkSize);
  w.u64(F.buildTimestamp, index.buildTimestamp);
  w.fixed(F.buildMachine, 32, exact(index.buildMachine, 32, 'build machine'));
  w.fixed(F.sourceHash, 32, exact(index.sourceHash, 32, 'source hash'));
  w.fixed(F.dependencyHash, 32, exact(index.dependencyHash, 32, 'dependency hash'));
  w.fixed(F.licenseId, 16, exact(index.licenseId, 16, 'license id'));
  w.fixed(F.provenanceUri, 8, exact(index.provenanceUri, 8, 'provenance uri'));
  w.u64(F.capabilities, index.capabilities);
  w.u64(F.requirements, index.requirements);
  w.u64(F.extensions, index.extensions);
  w.u32(F.compatibility, index.compatibility);
  w.u32(F.protocolVersion, index.protocolVersion);
  w.fixed(F.futureCrypto, FUTURE_CRYPTO_SIZE, exact(index.futureCrypto, FUTURE_CRYPTO_SIZE, 'future crypto'));
  w.fixed(F.reserved, RESERVED_SIZE, exact(index.reserved, RESERVED_SIZE, 'reserved'));
  return w.bytes;
}

function exact(value: Uint8Array, size: number, what: string): Uint8Array {
  if (value.length !== size) {
    throw new FlavorError('INTERNAL', `index ${what} must be ${size} bytes, got ${value.length}`);
  }
  return value;
}

/** The bytes the index checksum (Adler-32) is computed over: the block with bytes 4..7 zeroed. */
export function indexChecksumInput(block: Uint8Array): Uint8Array {
  const copy = block.slice();
  copy.fill(0, F.indexChecksum, F.indexChecksum + 4);
  return copy;
}

/** An index with every field zero except the format version: the starting point of a builder. */
export function emptyIndexBlock(formatVersion: number): IndexBlock {
  return decodeIndexBlock(
    (() => {
      const w = new ByteWriter(INDEX_SIZE);
      w.u32(F.formatVersion, formatVersion);
      return w.bytes;
    })(),
  );
}

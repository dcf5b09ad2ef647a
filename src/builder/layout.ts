// Where every region of a new package goes, and the index block that describes it. Shared by the builder
// and by the test-vector assembler, so both lay packages out the same way.

import { adler32, sha256 } from '../crypto/digest.js';
import {
  CAPABILITIES,
  DESCRIPTOR_SIZE,
  digestPrefixU64,
  emptyIndexBlock,
  encodeIndexBlock,
  encodeKeyFingerprintField,
  FORMAT_VERSION,
  indexChecksumInput,
  lifecycleCode,
  packOperations,
  parseChain,
  parsePermissions,
  platformCode,
  purposeCode,
  type SlotDescriptor,
  TRAILER_SIZE,
} from '../format/index.js';

/** Slots and the slot table start on 8-byte boundaries (as upstream's Go and Rust builders do). */
export const ALIGN = 8;
export const align = (n: number): number => Math.ceil(n / ALIGN) * ALIGN;

export interface LayoutSlot {
  id: string;
  operations: string;
  purpose: string;
  lifecycle: string;
  permissions?: string;
  /** "linux", "darwin_arm64", …: the descriptor byte records the OS (format/platform.ts). */
  platform?: string;
  size: number;
  originalSize: number;
  sha256: string;
}

export interface PlannedLayout {
  metadataOffset: number;
  metadataSize: number;
  slotTableOffset: number;
  slotCount: number;
  descriptors: SlotDescriptor[];
  dataEnd: number;
  packageSize: number;
}

export function planLayout(
  launcherSize: number,
  metadataSize: number,
  slots: readonly LayoutSlot[],
): PlannedLayout {
  const metadataOffset = launcherSize;
  const slotTableOffset = slots.length === 0 ? 0 : align(metadataOffset + metadataSize);
  let cursor =
    slots.length === 0 ? metadataOffset + metadataSize : slotTableOffset + slots.length * DESCRIPTOR_SIZE;
  const descriptors = slots.map((slot, i): SlotDescriptor => {
    cursor = align(cursor);
    const offset = cursor;
    cursor += slot.size;
    return {
      id: BigInt(i),
      nameHash: digestPrefixU64(sha256(slot.id)),
      offset: BigInt(offset),
      size: BigInt(slot.size),
      originalSize: BigInt(slot.originalSize),
      operations: packOperations(parseChain(slot.operations)),
      checksum: digestPrefixU64(Buffer.from(slot.sha256, 'hex')),
      purpose: purposeCode(slot.purpose),
      lifecycle: lifecycleCode(slot.lifecycle) ?? 2,
      priority: 0,
      platform: platformCode(slot.platform),
      reserved1: 0,
      reserved2: 0,
      permissions: slot.permissions === undefined ? 0 : (parsePermissions(slot.permissions) ?? 0),
    };
  });
  const dataEnd = align(cursor);
  return {
    metadataOffset,
    metadataSize,
    slotTableOffset,
    slotCount: slots.length,
    descriptors,
    dataEnd,
    packageSize: dataEnd + TRAILER_SIZE,
  };
}

export interface IndexInputs {
  launcherSize: number;
  compressed: Uint8Array;
  publicKey: Uint8Array;
  signature: Uint8Array;
  /** Seconds since the epoch. */
  timestamp: number;
  /** Lower-case hex fingerprint to write into the key fingerprint field (1376..1439); absent = zero. */
  keyFingerprint?: string;
}

/** The encoded index block, checksum included. */
export function makeIndexBlock(layout: PlannedLayout, inputs: IndexInputs): Uint8Array {
  const index = emptyIndexBlock(FORMAT_VERSION);
  Object.assign(index, {
    packageSize: BigInt(layout.packageSize),
    launcherSize: BigInt(inputs.launcherSize),
    metadataOffset: BigInt(layout.metadataOffset),
    metadataSize: BigInt(layout.metadataSize),
    slotTableOffset: BigInt(layout.slotTableOffset),
    slotTableSize: BigInt(layout.slotCount * DESCRIPTOR_SIZE),
    slotCount: layout.slotCount,
    publicKey: inputs.publicKey,
    metadataChecksum: sha256(inputs.compressed),
    signature: inputs.signature,
    accessMode: 2,
    cacheStrategy: 1,
    pageSize: 4096,
    streamChunkSize: 65536,
    buildTimestamp: BigInt(inputs.timestamp),
    capabilities: CAPABILITIES.MMAP | CAPABILITIES.SIGNED,
    compatibility: FORMAT_VERSION,
    protocolVersion: 1,
  });
  if (inputs.keyFingerprint !== undefined) {
    index.reserved = index.reserved.slice();
    index.reserved.set(encodeKeyFingerprintField(inputs.keyFingerprint), 0);
  }
  index.indexChecksum = adler32(indexChecksumInput(encodeIndexBlock(index)));
  return encodeIndexBlock(index);
}

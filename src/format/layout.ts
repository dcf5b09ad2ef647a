// Structural validation of a whole package from its index, descriptors and metadata: every offset and
// size inside the file, no overlaps, counts that agree. Pure arithmetic on decoded values (bigint, so a
// forged 2^63 never loses precision or turns into an allocation).

import { FlavorError } from '../errors.js';
import { DESCRIPTOR_SIZE, FORMAT_VERSION, LIMITS, TRAILER_SIZE } from './constants.js';
import type { IndexBlock } from './index-block.js';
import type { PackageMetadata } from './metadata.js';
import { parseChain, sameChain, unpackOperations } from './operations.js';
import { parsePermissions, type SlotDescriptor } from './slot-descriptor.js';

const UPSTREAM_RAW_CHAIN_HINT =
  'the package contradicts itself (the original FlavorPack\'s Rust builder does this for operations "tar.gz"); rebuild it with "tgz"';

/** Region boundaries of a package, as safe JS numbers once validated. */
export interface Layout {
  fileLength: number;
  launcherSize: number;
  metadataOffset: number;
  metadataSize: number;
  slotTableOffset: number;
  slotTableSize: number;
  slotCount: number;
  /** Where slot data must end: the trailer's offset. */
  dataEnd: number;
}

export interface SlotRange {
  index: number;
  offset: number;
  size: number;
}

function layoutError(message: string, region: string): FlavorError {
  return new FlavorError('LAYOUT_INVALID', message, { details: { region } });
}

/** The format version must be the one this tool reads. Checked before anything else in the index. */
export function checkFormatVersion(index: IndexBlock): void {
  if (index.formatVersion !== FORMAT_VERSION) {
    throw new FlavorError(
      'BAD_VERSION',
      `unsupported format version 0x${index.formatVersion.toString(16).padStart(8, '0')}, expected 0x20250001`,
      {
        hint: 'the package was made by an incompatible tool or is corrupt',
        details: { region: 'index.format_version' },
      },
    );
  }
}

/** Declared size and region bounds from the index alone. */
export function validateLayout(index: IndexBlock, fileLength: number): Layout {
  checkFormatVersion(index);
  const length = BigInt(fileLength);
  if (index.packageSize !== length) {
    throw new FlavorError(
      'PACKAGE_SIZE_MISMATCH',
      `index says the package is ${index.packageSize} bytes, the file is ${fileLength}`,
      { hint: 'the file was truncated or extended', details: { region: 'index.package_size' } },
    );
  }
  const dataEnd = length - BigInt(TRAILER_SIZE);
  const metadataEnd = index.metadataOffset + index.metadataSize;
  if (index.launcherSize > index.metadataOffset) {
    throw layoutError(
      `launcher (${index.launcherSize} bytes) overlaps metadata at ${index.metadataOffset}`,
      'index.launcher_size',
    );
  }
  if (index.metadataSize === 0n || metadataEnd > dataEnd) {
    throw new FlavorError(
      'LAYOUT_INVALID',
      `metadata at ${index.metadataOffset}+${index.metadataSize} is outside the package data (ends at ${dataEnd})`,
      { details: { region: 'index.metadata' } },
    );
  }
  if (index.metadataSize > BigInt(LIMITS.maxMetadataSize)) {
    throw new FlavorError(
      'METADATA_TOO_LARGE',
      `compressed metadata is ${index.metadataSize} bytes, limit 16 MiB`,
    );
  }
  if (
    index.slotCount > LIMITS.maxSlotCount ||
    index.slotTableSize !== BigInt(index.slotCount * DESCRIPTOR_SIZE)
  ) {
    throw new FlavorError(
      'SLOT_TABLE_INVALID',
      `slot table size ${index.slotTableSize} does not match ${index.slotCount} slots × 64 bytes`,
      { details: { region: 'index.slot_table' } },
    );
  }
  if (index.slotCount === 0) {
    if (index.slotTableOffset !== 0n)
      throw layoutError('slot table offset must be 0 when there are no slots', 'index.slot_table_offset');
  } else if (index.slotTableOffset < metadataEnd || index.slotTableOffset + index.slotTableSize > dataEnd) {
    throw layoutError(
      `slot table at ${index.slotTableOffset}+${index.slotTableSize} is outside ${metadataEnd}..${dataEnd}`,
      'index.slot_table_offset',
    );
  }
  return {
    fileLength,
    launcherSize: Number(index.launcherSize),
    metadataOffset: Number(index.metadataOffset),
    metadataSize: Number(index.metadataSize),
    slotTableOffset: Number(index.slotTableOffset),
    slotTableSize: Number(index.slotTableSize),
    slotCount: index.slotCount,
    dataEnd: Number(dataEnd),
  };
}

/**
 * The slot table against the layout and the signed metadata, in the order of docs/format.md (the same
 * as DecodeSlotTable in launcher/internal/format/descriptor.go): the count, then for each descriptor
 * in turn its id, its bounds, its operations and the fields the signed metadata also states; then
 * that no two slots overlap.
 */
export function checkSlotTable(
  descriptors: readonly SlotDescriptor[],
  metadata: PackageMetadata,
  layout: Layout,
): SlotRange[] {
  checkSlotCount(descriptors, metadata);
  const ranges = descriptors.map((d, i) => {
    checkSlotId(d, i);
    const range = slotRange(d, i, layout);
    checkDescriptorAgreement(d, i, metadata.slots[i]!);
    return range;
  });
  checkOverlap(ranges);
  return ranges;
}

/** Every slot inside [slot table end, trailer), ids equal positions, no two slots overlap. */
export function validateSlotRanges(descriptors: readonly SlotDescriptor[], layout: Layout): SlotRange[] {
  const ranges = descriptors.map((d, i) => {
    checkSlotId(d, i);
    return slotRange(d, i, layout);
  });
  checkOverlap(ranges);
  return ranges;
}

function checkSlotId(d: SlotDescriptor, i: number): void {
  if (d.id !== BigInt(i)) {
    throw new FlavorError('SLOT_TABLE_INVALID', `slot descriptor ${i} has id ${d.id}, expected ${i}`, {
      details: { region: `slot_table[${i}]` },
    });
  }
}

function slotRange(d: SlotDescriptor, i: number, layout: Layout): SlotRange {
  const dataStart = BigInt(layout.slotTableOffset + layout.slotTableSize);
  const dataEnd = BigInt(layout.dataEnd);
  const empty = d.size === 0n && d.offset === 0n;
  if (!empty && (d.offset < dataStart || d.offset + d.size > dataEnd)) {
    throw new FlavorError(
      'SLOT_OUT_OF_BOUNDS',
      `slot ${i} at ${d.offset}+${d.size} is outside the slot data region ${dataStart}..${dataEnd}`,
      { details: { region: `slot_table[${i}]` } },
    );
  }
  return { index: i, offset: Number(d.offset), size: Number(d.size) };
}

function checkOverlap(ranges: readonly SlotRange[]): void {
  const sorted = ranges.filter((r) => r.size > 0).sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    const cur = sorted[i]!;
    if (cur.offset < prev.offset + prev.size) {
      throw new FlavorError('SLOT_OVERLAP', `slot ${cur.index} overlaps slot ${prev.index}`, {
        details: { region: `slot_table[${cur.index}]` },
      });
    }
  }
}

function checkSlotCount(descriptors: readonly SlotDescriptor[], metadata: PackageMetadata): void {
  if (metadata.slots.length !== descriptors.length) {
    throw new FlavorError(
      'SLOT_COUNT_MISMATCH',
      `metadata lists ${metadata.slots.length} slots, the slot table has ${descriptors.length}`,
    );
  }
}

/**
 * The descriptors are not signed; the metadata is. They must agree: same count, and each descriptor's
 * operation chain equals the chain the signed metadata names.
 */
export function checkDescriptorsAgainstMetadata(
  descriptors: readonly SlotDescriptor[],
  metadata: PackageMetadata,
): void {
  checkSlotCount(descriptors, metadata);
  descriptors.forEach((d, i) => {
    checkDescriptorAgreement(d, i, metadata.slots[i]!);
  });
}

function checkDescriptorAgreement(
  d: SlotDescriptor,
  i: number,
  slot: PackageMetadata['slots'][number],
): void {
  let chain: ReturnType<typeof unpackOperations>;
  try {
    chain = unpackOperations(d.operations);
  } catch (e) {
    if (!(e instanceof FlavorError) || e.details) throw e;
    throw new FlavorError(e.code, `slot ${i}: ${e.message}`, { details: { region: `slot_table[${i}]` } });
  }
  if (!sameChain(chain, parseChain(slot.operations))) {
    throw new FlavorError(
      'SLOT_TABLE_INVALID',
      `slot ${i} (${slot.id}): descriptor operations 0x${d.operations.toString(16)} differ from the signed metadata "${slot.operations}"`,
      {
        details: { region: `slot_table[${i}]` },
        // The one known source of a raw descriptor under a signed chain (docs/compat.md).
        ...(chain.length === 0 ? { hint: UPSTREAM_RAW_CHAIN_HINT } : {}),
      },
    );
  }
  // Fields the signed metadata also states must agree with it, so no unsigned byte changes what a
  // reader reports or does (original_size is optional in upstream metadata; permissions may be null).
  if (slot.original_size !== undefined && d.originalSize !== BigInt(slot.original_size)) {
    throw new FlavorError(
      'SLOT_TABLE_INVALID',
      `slot ${i} (${slot.id}): descriptor original size ${d.originalSize} differs from the signed metadata (${slot.original_size})`,
      { details: { region: `slot_table[${i}]` } },
    );
  }
  const permissions = typeof slot.permissions === 'string' ? parsePermissions(slot.permissions) : undefined;
  if (permissions !== undefined && d.permissions !== permissions) {
    throw new FlavorError(
      'SLOT_TABLE_INVALID',
      `slot ${i} (${slot.id}): descriptor permissions 0${d.permissions.toString(8)} differ from the signed metadata "${slot.permissions}"`,
      { details: { region: `slot_table[${i}]` } },
    );
  }
}

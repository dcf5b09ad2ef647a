// validateLayout / validateSlotRanges / checkDescriptorsAgainstMetadata with bigint extremes.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type ErrorCode, isFlavorError } from '../../src/errors.js';
import {
  checkDescriptorsAgainstMetadata,
  emptyIndexBlock,
  FORMAT_VERSION,
  type IndexBlock,
  type Layout,
  type PackageMetadata,
  type SlotDescriptor,
  TRAILER_SIZE,
  validateLayout,
  validateSlotRanges,
} from '../../src/format/index.js';

const U64_MAX = 0xffff_ffff_ffff_ffffn;
const P63 = 1n << 63n;
const FILE = 20_000;

/** launcher 100, metadata 100..400, table 400..528 (2 slots), data up to FILE − 8200. */
function goodIndex(): IndexBlock {
  return Object.assign(emptyIndexBlock(FORMAT_VERSION), {
    packageSize: BigInt(FILE),
    launcherSize: 100n,
    metadataOffset: 100n,
    metadataSize: 300n,
    slotTableOffset: 400n,
    slotTableSize: 128n,
    slotCount: 2,
  });
}

function rejects(fn: () => unknown, code: ErrorCode, region?: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isFlavorError(e), `not a FlavorError: ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (region !== undefined) assert.equal(e.details?.region, region);
    return true;
  });
}

describe('validateLayout', () => {
  test('a valid index gives safe numbers', () => {
    const l = validateLayout(goodIndex(), FILE);
    assert.deepEqual(l, {
      fileLength: FILE,
      launcherSize: 100,
      metadataOffset: 100,
      metadataSize: 300,
      slotTableOffset: 400,
      slotTableSize: 128,
      slotCount: 2,
      dataEnd: FILE - TRAILER_SIZE,
    });
  });

  test('wrong format version first', () => {
    rejects(
      () => validateLayout({ ...goodIndex(), formatVersion: 0x20240001, packageSize: 0n }, FILE),
      'BAD_VERSION',
      'index.format_version',
    );
  });

  for (const size of [0n, BigInt(FILE - 1), BigInt(FILE + 1), P63, U64_MAX]) {
    test(`package_size ${size} ≠ file length`, () => {
      rejects(
        () => validateLayout({ ...goodIndex(), packageSize: size }, FILE),
        'PACKAGE_SIZE_MISMATCH',
        'index.package_size',
      );
    });
  }

  test('launcher overlapping the metadata', () => {
    rejects(
      () => validateLayout({ ...goodIndex(), launcherSize: 101n }, FILE),
      'LAYOUT_INVALID',
      'index.launcher_size',
    );
    rejects(
      () => validateLayout({ ...goodIndex(), launcherSize: U64_MAX }, FILE),
      'LAYOUT_INVALID',
      'index.launcher_size',
    );
  });

  test('a launcher shorter than the metadata offset is allowed (upstream Rust leaves a gap)', () => {
    assert.equal(validateLayout({ ...goodIndex(), launcherSize: 50n }, FILE).launcherSize, 50);
  });

  for (const [name, patch] of [
    ['size 0', { metadataSize: 0n }],
    ['ending past the data', { metadataSize: BigInt(FILE) }],
    ['offset 2^63', { metadataOffset: P63, launcherSize: 0n }],
    ['offset u64 max', { metadataOffset: U64_MAX, launcherSize: 0n }],
    ['size u64 max', { metadataSize: U64_MAX }],
    [
      'offset+size wrapping in u64 arithmetic',
      { metadataOffset: U64_MAX - 10n, metadataSize: 20n, launcherSize: 0n },
    ],
  ] as Array<[string, Partial<IndexBlock>]>) {
    test(`metadata ${name} → LAYOUT_INVALID`, () => {
      rejects(() => validateLayout({ ...goodIndex(), ...patch }, FILE), 'LAYOUT_INVALID', 'index.metadata');
    });
  }

  test('metadata over 16 MiB → METADATA_TOO_LARGE even when inside the file', () => {
    const big = 40 * 1024 * 1024;
    rejects(
      () =>
        validateLayout(
          {
            ...goodIndex(),
            packageSize: BigInt(big),
            metadataSize: 17n * 1024n * 1024n,
            slotCount: 0,
            slotTableSize: 0n,
            slotTableOffset: 0n,
          },
          big,
        ),
      'METADATA_TOO_LARGE',
    );
  });

  for (const [name, patch] of [
    ['size not 64 × count', { slotTableSize: 127n }],
    ['size u64 max', { slotTableSize: U64_MAX }],
    ['count over the limit', { slotCount: 65537, slotTableSize: 65537n * 64n }],
    ['count u32 max', { slotCount: 0xffff_ffff }],
  ] as Array<[string, Partial<IndexBlock>]>) {
    test(`slot table ${name} → SLOT_TABLE_INVALID`, () => {
      rejects(
        () => validateLayout({ ...goodIndex(), ...patch }, FILE),
        'SLOT_TABLE_INVALID',
        'index.slot_table',
      );
    });
  }

  for (const [name, patch] of [
    ['inside the metadata', { slotTableOffset: 399n }],
    ['past the data end', { slotTableOffset: BigInt(FILE - TRAILER_SIZE - 127) }],
    ['at 2^63', { slotTableOffset: P63 }],
    ['at u64 max', { slotTableOffset: U64_MAX }],
    ['non-zero with no slots', { slotCount: 0, slotTableSize: 0n }],
  ] as Array<[string, Partial<IndexBlock>]>) {
    test(`slot table offset ${name} → LAYOUT_INVALID`, () => {
      rejects(
        () => validateLayout({ ...goodIndex(), ...patch }, FILE),
        'LAYOUT_INVALID',
        'index.slot_table_offset',
      );
    });
  }

  test('a slot table ending exactly at the trailer is valid', () => {
    const l = validateLayout({ ...goodIndex(), slotTableOffset: BigInt(FILE - TRAILER_SIZE - 128) }, FILE);
    assert.equal(l.slotTableOffset + l.slotTableSize, l.dataEnd);
  });
});

const LAYOUT: Layout = validateLayout(goodIndex(), FILE);
const DATA_START = 528n;
const DATA_END = BigInt(FILE - TRAILER_SIZE);

function desc(id: number, offset: bigint, size: bigint, extra: Partial<SlotDescriptor> = {}): SlotDescriptor {
  return {
    id: BigInt(id),
    nameHash: 0n,
    offset,
    size,
    originalSize: size,
    operations: 0n,
    checksum: 0n,
    purpose: 0,
    lifecycle: 2,
    priority: 0,
    platform: 0,
    reserved1: 0,
    reserved2: 0,
    permissions: 0,
    ...extra,
  };
}

describe('validateSlotRanges', () => {
  test('adjacent slots and an empty slot are valid', () => {
    const r = validateSlotRanges(
      [desc(0, DATA_START, 100n), desc(1, DATA_START + 100n, DATA_END - DATA_START - 100n), desc(2, 0n, 0n)],
      LAYOUT,
    );
    assert.deepEqual(
      r.map((x) => [x.index, x.offset, x.size]),
      [
        [0, 528, 100],
        [1, 628, Number(DATA_END) - 628],
        [2, 0, 0],
      ],
    );
  });

  test('id not equal to the position', () => {
    rejects(
      () => validateSlotRanges([desc(1, DATA_START, 1n)], LAYOUT),
      'SLOT_TABLE_INVALID',
      'slot_table[0]',
    );
    rejects(
      () => validateSlotRanges([desc(0, DATA_START, 1n), desc(0, DATA_START + 1n, 1n)], LAYOUT),
      'SLOT_TABLE_INVALID',
      'slot_table[1]',
    );
  });

  for (const [name, offset, size] of [
    ['before the data region', DATA_START - 1n, 1n],
    ['inside the slot table', 400n, 10n],
    ['one byte past the trailer', DATA_END - 9n, 10n],
    ['offset 2^63', P63, 1n],
    ['offset u64 max, size 1 (would wrap in u64)', U64_MAX, 1n],
    ['size u64 max', DATA_START, U64_MAX],
    ['size 2^63', DATA_START, P63],
    ['size 0 at offset 2^63', P63, 0n],
  ] as Array<[string, bigint, bigint]>) {
    test(`slot ${name} → SLOT_OUT_OF_BOUNDS`, () => {
      rejects(
        () => validateSlotRanges([desc(0, offset, size)], LAYOUT),
        'SLOT_OUT_OF_BOUNDS',
        'slot_table[0]',
      );
    });
  }

  test('overlapping slots (in any order) → SLOT_OVERLAP', () => {
    rejects(
      () => validateSlotRanges([desc(0, DATA_START, 100n), desc(1, DATA_START + 99n, 10n)], LAYOUT),
      'SLOT_OVERLAP',
    );
    rejects(
      () => validateSlotRanges([desc(0, DATA_START + 50n, 100n), desc(1, DATA_START, 51n)], LAYOUT),
      'SLOT_OVERLAP',
    );
    rejects(
      () => validateSlotRanges([desc(0, DATA_START, 10n), desc(1, DATA_START, 10n)], LAYOUT),
      'SLOT_OVERLAP',
    );
  });
});

function meta(slots: Array<Partial<PackageMetadata['slots'][number]>>): PackageMetadata {
  return {
    format: 'PSPF/2025',
    package: { name: 'x', version: '1' },
    execution: { primary_slot: 0, command: 'x' },
    slots: slots.map((s, i) => ({
      slot: i,
      id: `s${i}`,
      target: '{workenv}',
      size: 1,
      checksum: `sha256:${'0'.repeat(64)}`,
      operations: 'raw',
      purpose: 'data',
      lifecycle: 'runtime',
      ...s,
    })),
  };
}

describe('checkDescriptorsAgainstMetadata', () => {
  test('agreeing descriptors pass (named and "|" chains, null permissions)', () => {
    checkDescriptorsAgainstMetadata(
      [desc(0, 0n, 0n, { operations: 0x1001n }), desc(1, 0n, 0n, { operations: 0x1bn, permissions: 0o644 })],
      meta([{ operations: 'tgz' }, { operations: 'ZSTD', permissions: null }]),
    );
    checkDescriptorsAgainstMetadata(
      [desc(0, 0n, 0n, { operations: 0x1001n })],
      meta([{ operations: 'tar|gzip' }]),
    );
  });

  test('count mismatch → SLOT_COUNT_MISMATCH', () => {
    rejects(() => checkDescriptorsAgainstMetadata([desc(0, 0n, 0n)], meta([{}, {}])), 'SLOT_COUNT_MISMATCH');
    rejects(() => checkDescriptorsAgainstMetadata([], meta([{}])), 'SLOT_COUNT_MISMATCH');
  });

  test('chain differing from the signed metadata → SLOT_TABLE_INVALID', () => {
    rejects(
      () =>
        checkDescriptorsAgainstMetadata(
          [desc(0, 0n, 0n, { operations: 0x10n })],
          meta([{ operations: 'raw' }]),
        ),
      'SLOT_TABLE_INVALID',
      'slot_table[0]',
    );
    rejects(
      () =>
        checkDescriptorsAgainstMetadata(
          [desc(0, 0n, 0n, { operations: 0x10_01n })],
          meta([{ operations: 'tar.zst' }]),
        ),
      'SLOT_TABLE_INVALID',
    );
  });

  for (const ops of [0xffn, 0x01_00_10n, U64_MAX, P63, 0x10_10_10_10_10_10_10_10n + 0x0100_0000_0000_0000n]) {
    test(`descriptor operations 0x${ops.toString(16)} → UNKNOWN_OPERATION`, () => {
      rejects(
        () => checkDescriptorsAgainstMetadata([desc(0, 0n, 0n, { operations: ops })], meta([{}])),
        'UNKNOWN_OPERATION',
      );
    });
  }

  test('original size differing from the signed metadata → SLOT_TABLE_INVALID; absent in metadata → not checked', () => {
    rejects(
      () =>
        checkDescriptorsAgainstMetadata(
          [desc(0, 0n, 0n, { originalSize: 11n })],
          meta([{ original_size: 10 }]),
        ),
      'SLOT_TABLE_INVALID',
      'slot_table[0]',
    );
    rejects(
      () =>
        checkDescriptorsAgainstMetadata(
          [desc(0, 0n, 0n, { originalSize: U64_MAX })],
          meta([{ original_size: 10 }]),
        ),
      'SLOT_TABLE_INVALID',
    );
    checkDescriptorsAgainstMetadata([desc(0, 0n, 0n, { originalSize: 12345n })], meta([{}]));
  });

  test('permissions differing from the signed metadata → SLOT_TABLE_INVALID', () => {
    rejects(
      () =>
        checkDescriptorsAgainstMetadata(
          [desc(0, 0n, 0n, { permissions: 0o777 })],
          meta([{ permissions: '0755' }]),
        ),
      'SLOT_TABLE_INVALID',
      'slot_table[0]',
    );
    checkDescriptorsAgainstMetadata(
      [desc(0, 0n, 0n, { permissions: 0o755 })],
      meta([{ permissions: '0o755' }]),
    );
  });
});

// The 64-byte slot descriptor and the slot table (an array of them), plus the purpose, lifecycle and
// platform code tables. Values only: hashing of names and slot bytes is done by the caller.

import { FlavorError } from '../errors.js';
import { ByteReader, ByteWriter } from './bytes.js';
import { DESCRIPTOR_SIZE } from './constants.js';

export interface SlotDescriptor {
  id: bigint;
  nameHash: bigint;
  offset: bigint;
  size: bigint;
  originalSize: bigint;
  operations: bigint;
  checksum: bigint;
  purpose: number;
  lifecycle: number;
  priority: number;
  platform: number;
  reserved1: number;
  reserved2: number;
  permissions: number;
}

export const DESCRIPTOR_FIELDS = {
  id: 0x00,
  nameHash: 0x08,
  offset: 0x10,
  size: 0x18,
  originalSize: 0x20,
  operations: 0x28,
  checksum: 0x30,
  purpose: 0x38,
  lifecycle: 0x39,
  priority: 0x3a,
  platform: 0x3b,
  reserved1: 0x3c,
  reserved2: 0x3d,
  permissions: 0x3e,
} as const;

const D = DESCRIPTOR_FIELDS;

export function decodeDescriptor(bytes: Uint8Array): SlotDescriptor {
  if (bytes.length !== DESCRIPTOR_SIZE) {
    throw new FlavorError('SLOT_TABLE_INVALID', `slot descriptor is ${bytes.length} bytes, expected 64`);
  }
  const r = new ByteReader(bytes);
  return {
    id: r.u64(D.id),
    nameHash: r.u64(D.nameHash),
    offset: r.u64(D.offset),
    size: r.u64(D.size),
    originalSize: r.u64(D.originalSize),
    operations: r.u64(D.operations),
    checksum: r.u64(D.checksum),
    purpose: r.u8(D.purpose),
    lifecycle: r.u8(D.lifecycle),
    priority: r.u8(D.priority),
    platform: r.u8(D.platform),
    reserved1: r.u8(D.reserved1),
    reserved2: r.u8(D.reserved2),
    permissions: r.u16(D.permissions),
  };
}

export function encodeDescriptor(d: SlotDescriptor): Uint8Array {
  const w = new ByteWriter(DESCRIPTOR_SIZE);
  w.u64(D.id, d.id);
  w.u64(D.nameHash, d.nameHash);
  w.u64(D.offset, d.offset);
  w.u64(D.size, d.size);
  w.u64(D.originalSize, d.originalSize);
  w.u64(D.operations, d.operations);
  w.u64(D.checksum, d.checksum);
  w.u8(D.purpose, d.purpose);
  w.u8(D.lifecycle, d.lifecycle);
  w.u8(D.priority, d.priority);
  w.u8(D.platform, d.platform);
  w.u8(D.reserved1, d.reserved1);
  w.u8(D.reserved2, d.reserved2);
  w.u16(D.permissions, d.permissions);
  return w.bytes;
}

export function decodeSlotTable(bytes: Uint8Array, count: number): SlotDescriptor[] {
  if (bytes.length !== count * DESCRIPTOR_SIZE) {
    throw new FlavorError(
      'SLOT_TABLE_INVALID',
      `slot table is ${bytes.length} bytes, expected ${count} × 64 = ${count * DESCRIPTOR_SIZE}`,
    );
  }
  const table: SlotDescriptor[] = [];
  for (let i = 0; i < count; i++) {
    table.push(decodeDescriptor(bytes.subarray(i * DESCRIPTOR_SIZE, (i + 1) * DESCRIPTOR_SIZE)));
  }
  return table;
}

export function encodeSlotTable(table: readonly SlotDescriptor[]): Uint8Array {
  const out = new Uint8Array(table.length * DESCRIPTOR_SIZE);
  table.forEach((d, i) => {
    out.set(encodeDescriptor(d), i * DESCRIPTOR_SIZE);
  });
  return out;
}

/** Reads the first 8 bytes of a digest as a little-endian u64 (name_hash and checksum fields). */
export function digestPrefixU64(digest: Uint8Array): bigint {
  if (digest.length < 8) throw new FlavorError('INTERNAL', 'digest shorter than 8 bytes');
  return new ByteReader(digest).u64(0);
}

export const PURPOSE = { DATA: 0, CODE: 1, CONFIG: 2, MEDIA: 3 } as const;

/** Purpose strings → byte. Python-builder mapping for the canonical names; runtime/tool as Go/Rust do. */
const PURPOSE_BY_NAME: Record<string, number> = {
  data: PURPOSE.DATA,
  payload: PURPOSE.DATA,
  code: PURPOSE.CODE,
  runtime: PURPOSE.CODE,
  tool: PURPOSE.CONFIG,
  config: PURPOSE.CONFIG,
  media: PURPOSE.MEDIA,
};

export function purposeCode(name: string): number {
  return PURPOSE_BY_NAME[name.toLowerCase()] ?? PURPOSE.DATA;
}

export const LIFECYCLE = {
  INIT: 0,
  STARTUP: 1,
  RUNTIME: 2,
  SHUTDOWN: 3,
  CACHE: 4,
  TEMPORARY: 5,
  LAZY: 6,
  EAGER: 7,
  DEV: 8,
  CONFIG: 9,
  PLATFORM: 10,
} as const;

const LIFECYCLE_BY_NAME: Record<string, number> = {
  init: LIFECYCLE.INIT,
  initialization: LIFECYCLE.INIT,
  startup: LIFECYCLE.STARTUP,
  runtime: LIFECYCLE.RUNTIME,
  shutdown: LIFECYCLE.SHUTDOWN,
  cache: LIFECYCLE.CACHE,
  cached: LIFECYCLE.CACHE,
  temp: LIFECYCLE.TEMPORARY,
  temporary: LIFECYCLE.TEMPORARY,
  volatile: LIFECYCLE.TEMPORARY,
  lazy: LIFECYCLE.LAZY,
  eager: LIFECYCLE.EAGER,
  dev: LIFECYCLE.DEV,
  development: LIFECYCLE.DEV,
  config: LIFECYCLE.CONFIG,
  platform: LIFECYCLE.PLATFORM,
  persistent: LIFECYCLE.RUNTIME,
};

export const LIFECYCLE_NAMES = Object.keys(LIFECYCLE_BY_NAME);

/** Lifecycle string → byte; undefined for an unknown name (the builder reports it). */
export function lifecycleCode(name: string): number | undefined {
  return LIFECYCLE_BY_NAME[name.toLowerCase()];
}

export const PLATFORM = { ANY: 0, LINUX: 1, DARWIN: 2, WINDOWS: 3 } as const;

/** Parses an octal permission string ("0755", "0o644", "755"); undefined if not valid octal ≤ 0o7777. */
export function parsePermissions(text: string): number | undefined {
  const trimmed = text.trim().replace(/^0o/i, '');
  if (!/^[0-7]{1,5}$/.test(trimmed)) return undefined;
  const value = Number.parseInt(trimmed, 8);
  return value <= 0o7777 ? value : undefined;
}

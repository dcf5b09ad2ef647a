// Bounds-checked little-endian reads and writes over a fixed byte range. A read past the end is a
// programming error here (callers check lengths first), so it throws INTERNAL rather than returning junk.

import { FlavorError } from '../errors.js';

function outOfRange(what: string, offset: number, size: number, length: number): FlavorError {
  return new FlavorError('INTERNAL', `${what} at ${offset}+${size} is outside a ${length}-byte buffer`);
}

export class ByteReader {
  private readonly view: DataView;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private check(offset: number, size: number): void {
    if (!Number.isInteger(offset) || offset < 0 || offset + size > this.bytes.length) {
      throw outOfRange('read', offset, size, this.bytes.length);
    }
  }

  u8(offset: number): number {
    this.check(offset, 1);
    return this.view.getUint8(offset);
  }

  u16(offset: number): number {
    this.check(offset, 2);
    return this.view.getUint16(offset, true);
  }

  u32(offset: number): number {
    this.check(offset, 4);
    return this.view.getUint32(offset, true);
  }

  u64(offset: number): bigint {
    this.check(offset, 8);
    return this.view.getBigUint64(offset, true);
  }

  /** A copy, so later mutation of the source cannot change decoded values. */
  slice(offset: number, size: number): Uint8Array {
    this.check(offset, size);
    return this.bytes.slice(offset, offset + size);
  }
}

export class ByteWriter {
  readonly bytes: Uint8Array;
  private readonly view: DataView;

  constructor(size: number) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
  }

  private check(offset: number, size: number): void {
    if (!Number.isInteger(offset) || offset < 0 || offset + size > this.bytes.length) {
      throw outOfRange('write', offset, size, this.bytes.length);
    }
  }

  u8(offset: number, value: number): void {
    this.check(offset, 1);
    this.view.setUint8(offset, value);
  }

  u16(offset: number, value: number): void {
    this.check(offset, 2);
    this.view.setUint16(offset, value, true);
  }

  u32(offset: number, value: number): void {
    this.check(offset, 4);
    this.view.setUint32(offset, value, true);
  }

  u64(offset: number, value: bigint): void {
    this.check(offset, 8);
    this.view.setBigUint64(offset, value, true);
  }

  /** Writes `value` into a field of exactly `size` bytes (value must not be longer). */
  fixed(offset: number, size: number, value: Uint8Array): void {
    this.check(offset, size);
    if (value.length > size) throw outOfRange('field value', offset, value.length, size);
    this.bytes.set(value, offset);
  }
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

export function fromHex(hex: string): Uint8Array {
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(hex)) {
    throw new FlavorError('INTERNAL', `not a hex string: ${hex.slice(0, 40)}`);
  }
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

export function isAllZero(bytes: Uint8Array): boolean {
  for (const b of bytes) if (b !== 0) return false;
  return true;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// Digests: SHA-256 (node:crypto) and Adler-32 (own implementation; node:zlib does not export it).

import { createHash, type Hash } from 'node:crypto';

export function sha256(data: Uint8Array | string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest());
}

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Incremental SHA-256 for streamed slot bytes. */
export function createSha256(): Hash {
  return createHash('sha256');
}

const ADLER_MOD = 65521;
/** Largest n such that 255·n·(n+1)/2 + (n+1)·(MOD−1) fits in 2^32 − 1 (zlib's NMAX). */
const ADLER_NMAX = 5552;

/** Adler-32 as in zlib (RFC 1950): initial value 1, modulus 65521. */
export function adler32(data: Uint8Array, start = 1): number {
  let a = start & 0xffff;
  let b = (start >>> 16) & 0xffff;
  let i = 0;
  while (i < data.length) {
    const end = Math.min(i + ADLER_NMAX, data.length);
    for (; i < end; i++) {
      a += data[i]!;
      b += a;
    }
    a %= ADLER_MOD;
    b %= ADLER_MOD;
  }
  return ((b << 16) | a) >>> 0;
}

// Operation codes of a slot's operation chain, as seen by payload/. The format module keeps its own
// table (a cross-module test checks they agree); payload/ must not import format/.

import { FlavorError } from '../errors.js';

/**
 * Operation codes (v0, plus 0x4F streaming AES-256-GCM, docs/format.md). In a chain array the
 * first-applied operation comes first.
 */
export const OP = {
  TAR: 0x01,
  GZIP: 0x10,
  BZIP2: 0x13,
  XZ: 0x16,
  ZSTD: 0x1b,
  AES256_GCM_STREAM: 0x4f,
} as const;

export type OpCode = (typeof OP)[keyof typeof OP];

const NAMES: Record<number, string> = {
  [OP.TAR]: 'tar',
  [OP.GZIP]: 'gzip',
  [OP.BZIP2]: 'bzip2',
  [OP.XZ]: 'xz',
  [OP.ZSTD]: 'zstd',
  [OP.AES256_GCM_STREAM]: 'aes256-gcm',
};

/** Lower-case name of an operation code, or `0x..` for unknown codes. */
export function opName(op: number): string {
  return NAMES[op] ?? `0x${op.toString(16).padStart(2, '0')}`;
}

/** Human form of a chain: `tar|zstd`, or `raw` for the empty chain. */
export function chainName(chain: readonly number[]): string {
  return chain.length === 0 ? 'raw' : chain.map(opName).join('|');
}

/**
 * Checks a chain: every code known, TAR at most once and only as the first operation, the encryption
 * op at most once and only as the last.
 * Returns true when the chain starts with TAR. Throws UNSUPPORTED_OPERATION otherwise.
 */
export function checkChain(chain: readonly number[]): boolean {
  chain.forEach((op, i) => {
    if (NAMES[op] === undefined) {
      throw new FlavorError('UNSUPPORTED_OPERATION', `unknown operation ${opName(op)} in chain`, {
        details: { chain: [...chain], index: i },
        hint: 'supported operations: tar, gzip, bzip2, xz, zstd, aes256-gcm',
      });
    }
    if (op === OP.TAR && i !== 0) {
      throw new FlavorError('UNSUPPORTED_OPERATION', `tar must be the first operation of a chain`, {
        details: { chain: chainName(chain) },
      });
    }
    if (op === OP.AES256_GCM_STREAM && i !== chain.length - 1) {
      throw new FlavorError('UNSUPPORTED_OPERATION', `aes256-gcm must be the last operation of a chain`, {
        details: { chain: chainName(chain) },
      });
    }
  });
  return chain[0] === OP.TAR;
}

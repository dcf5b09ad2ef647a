// Operation chains: how a slot's bytes were transformed at build time. A chain is packed into a u64,
// one op per byte, the first-applied op in the lowest byte; extraction reverses it.

import { FlavorError } from '../errors.js';
import { LIMITS } from './constants.js';

/**
 * The operations this format version defines: upstream's v0 codes, and 0x4F for this project's streaming
 * AES-256-GCM encryption (docs/format.md, "Encrypted slots"): an unassigned code of the registry's
 * encryption range (0x30–0x4F), not upstream's 0x31, whose (never implemented) meaning is another format.
 */
export const OP = {
  TAR: 0x01,
  GZIP: 0x10,
  BZIP2: 0x13,
  XZ: 0x16,
  ZSTD: 0x1b,
  AES256_GCM_STREAM: 0x4f,
} as const;

export type OperationCode = (typeof OP)[keyof typeof OP];

const OP_NAMES: Record<OperationCode, string> = {
  [OP.TAR]: 'tar',
  [OP.GZIP]: 'gzip',
  [OP.BZIP2]: 'bzip2',
  [OP.XZ]: 'xz',
  [OP.ZSTD]: 'zstd',
  [OP.AES256_GCM_STREAM]: 'aes256-gcm',
};

const NAME_TO_OP = new Map<string, OperationCode>(
  Object.entries(OP_NAMES).map(([code, name]) => [name, Number(code) as OperationCode]),
);

/** Named chains, in the order used to name a packed value (first match wins). */
export const NAMED_CHAINS: ReadonlyArray<readonly [string, readonly OperationCode[]]> = [
  ['raw', []],
  ['gzip', [OP.GZIP]],
  ['bzip2', [OP.BZIP2]],
  ['xz', [OP.XZ]],
  ['zstd', [OP.ZSTD]],
  ['tar', [OP.TAR]],
  ['tar.gz', [OP.TAR, OP.GZIP]],
  ['tar.bz2', [OP.TAR, OP.BZIP2]],
  ['tar.xz', [OP.TAR, OP.XZ]],
  ['tar.zst', [OP.TAR, OP.ZSTD]],
  ['tgz', [OP.TAR, OP.GZIP]],
  ['tbz2', [OP.TAR, OP.BZIP2]],
  ['txz', [OP.TAR, OP.XZ]],
];

const ALIASES: Record<string, readonly OperationCode[]> = { '': [], none: [] };

export function isOperationCode(value: number): value is OperationCode {
  return value in OP_NAMES;
}

export function operationName(code: OperationCode): string {
  return OP_NAMES[code];
}

/** Packs a chain into its u64 form. Rejects unknown ops and chains longer than 8. */
export function packOperations(chain: readonly number[]): bigint {
  if (chain.length > LIMITS.maxChainLength) {
    throw new FlavorError('CHAIN_TOO_LONG', `operation chain has ${chain.length} operations, at most 8 fit`);
  }
  let packed = 0n;
  chain.forEach((op, i) => {
    if (!isOperationCode(op)) {
      throw new FlavorError('UNKNOWN_OPERATION', `unknown operation code 0x${hex2(op)}`);
    }
    packed |= BigInt(op) << BigInt(8 * i);
  });
  return packed;
}

/**
 * Unpacks a u64 chain: bytes from the lowest, stopping at the first 0x00. Strict: every byte after the
 * terminator must be zero too, and every op must be known.
 */
export function unpackOperations(packed: bigint): OperationCode[] {
  if (packed < 0n || packed > 0xffff_ffff_ffff_ffffn) {
    throw new FlavorError('UNKNOWN_OPERATION', `operation chain value ${packed} is not a u64`);
  }
  const chain: OperationCode[] = [];
  let ended = false;
  for (let i = 0; i < 8; i++) {
    const byte = Number((packed >> BigInt(8 * i)) & 0xffn);
    if (byte === 0) {
      ended = true;
      continue;
    }
    if (ended) {
      throw new FlavorError(
        'UNKNOWN_OPERATION',
        `operation byte ${i} (0x${hex2(byte)}) follows the end of the chain`,
      );
    }
    if (!isOperationCode(byte)) {
      throw new FlavorError('UNKNOWN_OPERATION', `unknown operation code 0x${hex2(byte)} at position ${i}`);
    }
    chain.push(byte);
  }
  return chain;
}

/**
 * Parses a chain string: a named chain (`tar.gz`, `tgz`, `raw`, …) or ops joined by `|`
 * (`tar|gzip`). Case-insensitive. Commas are not accepted.
 */
export function parseChain(text: string): OperationCode[] {
  const name = text.trim().toLowerCase();
  const alias = ALIASES[name];
  if (alias) return [...alias];
  const named = NAMED_CHAINS.find(([n]) => n === name);
  if (named) return [...named[1]];
  // Upstream's Rust builder writes comma lists ("tar,gzip"); "|" and "," separate operations alike.
  const parts = name
    .replaceAll(',', '|')
    .split('|')
    .map((p) => p.trim());
  const chain = parts.map((part) => {
    const op = NAME_TO_OP.get(part);
    if (op === undefined) {
      throw new FlavorError('UNKNOWN_OPERATION', `unknown operation "${part}" in chain "${text}"`, {
        hint: `use one of: ${NAMED_CHAINS.map(([n]) => n).join(', ')}, or ops joined by "|" (e.g. "tar|gzip")`,
      });
    }
    return op;
  });
  if (chain.length > LIMITS.maxChainLength) {
    throw new FlavorError(
      'CHAIN_TOO_LONG',
      `operation chain "${text}" has ${chain.length} operations, at most 8`,
    );
  }
  return chain;
}

/** The canonical name of a chain: a named chain if one matches, else op names joined by `|`. */
export function chainName(chain: readonly number[]): string {
  const named = NAMED_CHAINS.find(([, ops]) => sameChain(ops, chain));
  if (named) return named[0];
  return chain.map((op) => (isOperationCode(op) ? OP_NAMES[op] : `0x${hex2(op)}`)).join('|');
}

export function sameChain(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((op, i) => op === b[i]);
}

export function chainHasTar(chain: readonly number[]): boolean {
  return chain.includes(OP.TAR);
}

/** Whether the chain ends with the encryption op (the only place it may be: docs/format.md). */
export function chainIsEncrypted(chain: readonly number[]): boolean {
  return chain.includes(OP.AES256_GCM_STREAM);
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

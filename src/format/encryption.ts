// Encrypted slots in the signed metadata: a slot whose chain ends with the encryption op carries
// `encryption: {algorithm: "aes256-gcm", key_source: "env:NAME" | "file:PATH" | "prompt"}` — where the
// launcher finds the key, never the key itself (docs/format.md, "Encrypted slots").

import { OP } from './operations.js';

/** The one algorithm this format version knows: streaming AES-256-GCM (the chain op 0x4F). */
export const ENCRYPTION_ALGORITHM = 'aes256-gcm';

/** Where a slot key comes from. The same shape as crypto/slot-key.ts's KeySource. */
export type KeySource = { kind: 'env'; name: string } | { kind: 'file'; path: string } | { kind: 'prompt' };

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Parses `env:NAME`, `file:PATH` or `prompt`; undefined when the text is none of them. */
export function parseKeySource(text: string): KeySource | undefined {
  if (text === 'prompt') return { kind: 'prompt' };
  if (text.startsWith('env:')) {
    const name = text.slice(4);
    return ENV_NAME.test(name) ? { kind: 'env', name } : undefined;
  }
  if (text.startsWith('file:')) {
    const path = text.slice(5);
    return path.length > 0 && !path.includes('\0') ? { kind: 'file', path } : undefined;
  }
  return undefined;
}

export const KEY_SOURCE_FORMS = '"env:NAME", "file:PATH" or "prompt"';

/**
 * The chain rule for encryption: the op appears at most once, and only as the last op (compression
 * before encryption; ciphertext does not compress). Returns a problem description, or undefined.
 */
export function encryptionChainProblem(chain: readonly number[]): string | undefined {
  const at = chain.indexOf(OP.AES256_GCM_STREAM);
  if (at < 0) return undefined;
  if (at !== chain.length - 1) return 'aes256-gcm must be the last operation of the chain';
  return undefined;
}

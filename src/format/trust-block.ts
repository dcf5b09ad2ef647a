// The launcher's trust block (docs/launcher.md): a 17-byte magic, a count byte, then room for 8 raw
// Ed25519 public keys. `flavor pack --trust-key` writes keys into it (builder/trust-block.ts) and the
// launcher refuses packages signed by any other key; `flavor verify` reads it with pinnedKeys() so it
// refuses exactly what that launcher refuses (launcher/internal/verify/trust.go, PinnedKeys).

import { FlavorError } from '../errors.js';

export const TRUST_MAGIC = Uint8Array.from([0x00, ...new TextEncoder().encode('FLAVOR-TRUST-V1'), 0x00]);
export const TRUST_MAX_KEYS = 8;
export const TRUST_BLOCK_SIZE = TRUST_MAGIC.length + 1 + TRUST_MAX_KEYS * 32;

/** Every offset at which the magic occurs in `bytes` (non-overlapping, like Go's bytes.Count). */
export function findTrustMagic(bytes: Uint8Array): number[] {
  const haystack = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const found: number[] = [];
  for (
    let at = haystack.indexOf(TRUST_MAGIC);
    at >= 0;
    at = haystack.indexOf(TRUST_MAGIC, at + TRUST_MAGIC.length)
  ) {
    found.push(at);
  }
  return found;
}

/**
 * The keys a launcher pins: none without a trust block; the count byte is capped at 8 (as the
 * launcher reads it); more than one block, or one cut off by the end of the launcher, is refused
 * (UNTRUSTED_KEY): which keys that launcher pins cannot be told.
 */
export function pinnedKeys(launcher: Uint8Array): Uint8Array[] {
  const found = findTrustMagic(launcher);
  if (found.length === 0) return [];
  if (found.length > 1) {
    throw new FlavorError(
      'UNTRUSTED_KEY',
      'the launcher has more than one trust block, so the keys it pins are ambiguous',
      { details: { region: 'launcher' } },
    );
  }
  const at = found[0]!;
  if (at + TRUST_BLOCK_SIZE > launcher.length) {
    throw new FlavorError(
      'UNTRUSTED_KEY',
      "the launcher's trust block is cut off by the end of the launcher",
      {
        details: { region: 'launcher' },
      },
    );
  }
  const count = Math.min(launcher[at + TRUST_MAGIC.length]!, TRUST_MAX_KEYS);
  const keys: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const off = at + TRUST_MAGIC.length + 1 + 32 * i;
    keys.push(launcher.slice(off, off + 32));
  }
  return keys;
}

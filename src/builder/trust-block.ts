// The launcher's patchable trust block (docs/launcher.md): a 17-byte magic, a count byte, then 8 raw
// Ed25519 public keys. `flavor pack --trust-key` writes keys into it so the launcher refuses packages
// signed by any other key.

import { FlavorError } from '../errors.js';
import { TRUST_MAX_KEYS as MAX_KEYS, TRUST_MAGIC } from '../format/index.js';

const MAGIC = Buffer.from(TRUST_MAGIC);

export function patchTrustBlock(launcher: Uint8Array, keys: readonly Uint8Array[]): Uint8Array {
  if (keys.length === 0) return launcher;
  if (keys.length > MAX_KEYS) {
    throw new FlavorError('USAGE', `at most ${MAX_KEYS} trust keys fit in the launcher, got ${keys.length}`);
  }
  const buf = Buffer.from(launcher.buffer, launcher.byteOffset, launcher.byteLength);
  const at = buf.indexOf(MAGIC);
  if (at < 0 || buf.indexOf(MAGIC, at + 1) >= 0) {
    throw new FlavorError('LAUNCHER_NOT_FOUND', 'the launcher has no (or more than one) trust block', {
      hint: 'use a launcher built by this version of flavor (flavor helpers build)',
    });
  }
  const out = new Uint8Array(launcher);
  const countAt = at + MAGIC.length;
  if (out[countAt] !== 0) {
    throw new FlavorError('LAUNCHER_NOT_FOUND', 'the launcher already carries trust keys');
  }
  out[countAt] = keys.length;
  keys.forEach((key, i) => {
    if (key.length !== 32)
      throw new FlavorError('KEY_INVALID', 'a trust key must be a raw 32-byte Ed25519 key');
    out.set(key, countAt + 1 + 32 * i);
  });
  return out;
}

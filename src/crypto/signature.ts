// Ed25519 signatures over a message (pure RFC 8032, no pre-hash, no context).

import { sign, verify } from 'node:crypto';
import { FlavorError } from '../errors.js';
import { publicKeyFromRaw, type SigningKey } from './keys.js';

export function signMessage(message: Uint8Array, key: SigningKey): Uint8Array {
  return new Uint8Array(sign(null, message, key.privateKey));
}

/** Whatever produces the package's Ed25519 signatures: a key, or (for a rebuild check) a replay of them. */
export interface Signer {
  /** Raw 32-byte public key the signatures verify under. */
  publicKeyRaw: Uint8Array;
  sign(message: Uint8Array): Uint8Array;
}

/** A Signer for a key held in memory. */
export function keySigner(key: SigningKey | Signer): Signer {
  if ('sign' in key) return key;
  return { publicKeyRaw: key.publicKeyRaw, sign: (message) => signMessage(message, key) };
}

/** True when `signature` is a valid Ed25519 signature of `message` by `publicKeyRaw`. */
export function verifySignature(
  message: Uint8Array,
  signature: Uint8Array,
  publicKeyRaw: Uint8Array,
): boolean {
  if (signature.length !== 64) throw new FlavorError('SIGNATURE_INVALID', 'an Ed25519 signature is 64 bytes');
  const key = publicKeyFromRaw(publicKeyRaw);
  try {
    return verify(null, message, key, signature);
  } catch {
    return false;
  }
}

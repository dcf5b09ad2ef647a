// Which key pack() signs with: PEM files, a seed text, a key object — or, with none, an ephemeral key
// (the package can then be checked for integrity, not authenticity).

import path from 'node:path';
import {
  generateSigningKey,
  loadPrivateKey,
  loadPublicKeyFile,
  type SigningKey,
  signingKeyFromSeedText,
} from '../crypto/keys.js';
import type { Signer } from '../crypto/signature.js';
import { FlavorError } from '../errors.js';

export type { SigningKey } from '../crypto/keys.js';

/** How pack() gets its signing key. */
export type KeySource =
  /** PKCS#8 PEM private key file; the optional public key file must belong to it. */
  | { privateKey: string; publicKey?: string }
  /** Derive the key from a text (secret = SHA-256(text)): for tests and reproducible demos. */
  | { seed: string }
  /** A key you already hold. */
  | { signingKey: SigningKey }
  /** Something that signs without handing out a key (the rebuild check replays the original signatures). */
  | { signer: Signer };

export async function resolveSigningKey(
  source: KeySource | undefined,
  cwd: string,
  protection: { allowUnprotected: boolean; warn: (message: string, hint?: string) => void },
): Promise<SigningKey | Signer> {
  if (source === undefined) {
    protection.warn(
      'no signing key given: using an ephemeral key; the package can be checked for integrity, not authenticity',
      'create a key with `flavor keygen` and pass --private-key keys/flavor-private.key',
    );
    return generateSigningKey();
  }
  if ('signingKey' in source) return source.signingKey;
  if ('signer' in source) return source.signer;
  if ('seed' in source) return signingKeyFromSeedText(source.seed);
  // A key file others can read or swap is refused (KEY_UNPROTECTED) unless allowUnprotected.
  const key = await loadPrivateKey(path.resolve(cwd, source.privateKey), {
    allowUnprotected: protection.allowUnprotected,
    warn: (message) => protection.warn(message),
  });
  if (source.publicKey !== undefined) {
    const pub = await loadPublicKeyFile(path.resolve(cwd, source.publicKey));
    if (Buffer.compare(Buffer.from(pub), Buffer.from(key.publicKeyRaw)) !== 0) {
      throw new FlavorError('KEY_INVALID', '--public-key does not belong to --private-key', {
        path: source.publicKey,
      });
    }
  }
  return key;
}

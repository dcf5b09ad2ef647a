import type { KeyProtectionOptions } from '../crypto/key-protection.js';
import type { Output } from './output.js';

/**
 * How to treat a private key others can access: refused, unless FLAVOR_ALLOW_UNPROTECTED_KEY=1 (then a
 * warning). For CI secrets mounted 0644 that cannot be changed; docs/security.md.
 */
export function keyProtection(env: NodeJS.ProcessEnv, out: Output): KeyProtectionOptions {
  return { allowUnprotected: env.FLAVOR_ALLOW_UNPROTECTED_KEY === '1', warn: (m) => out.warn(m) };
}

// Trusted keys from the environment: FLAVOR_TRUSTED_KEYS holds hex keys or sha256: fingerprints,
// separated by commas or white space (the launcher reads the same variable).

export function trustedKeysFromEnv(env: NodeJS.ProcessEnv): string[] {
  return (env.FLAVOR_TRUSTED_KEYS ?? '')
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

// verify(): the full check of a package (structure, checksums, signature, every slot, the launcher),
// returned as the same document `flavor verify --json` prints.

import { loadPublicKeySpec } from '../crypto/keys.js';
import { type VerifyCheck, verifyPackage } from '../reader/verify.js';

export interface VerifyOptions {
  /**
   * Trusted keys: PEM file paths, 64 hex digits or `sha256:<fingerprint>`. With none, a valid package is
   * reported as `self-signed` (integrity only); with some, the signer must be one of them.
   */
  keys?: string[];
  /** Called after each passed check, in order. */
  onCheck?: (check: VerifyCheck) => void;
}

export interface VerifyResult {
  ok: true;
  /** The path as given. */
  package: string;
  name: string;
  version: string;
  trust: 'trusted' | 'self-signed';
  /** `sha256:…` of the signing key. */
  fingerprint: string;
  /** Workenv id the launcher will use. */
  identity: string;
  checks: VerifyCheck[];
}

/** Verifies the package at `pkgPath`; throws a FlavorError naming the first check that fails. */
export async function verify(pkgPath: string, options: VerifyOptions = {}): Promise<VerifyResult> {
  const trustedKeys = await Promise.all((options.keys ?? []).map((s) => loadPublicKeySpec(s)));
  const report = await verifyPackage(pkgPath, {
    trustedKeys,
    ...(options.onCheck ? { onCheck: options.onCheck } : {}),
  });
  const meta = report.package.metadata;
  return {
    ok: true,
    package: pkgPath,
    name: meta.package.name,
    version: meta.package.version,
    trust: report.trust,
    fingerprint: report.fingerprint,
    identity: report.package.identity,
    checks: report.checks,
  };
}

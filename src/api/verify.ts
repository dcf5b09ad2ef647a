// verify(): the full check of a package (structure, checksums, signature, every slot, the launcher),
// returned as the same document `flavor verify --json` prints.

import { loadPublicKeySpec } from '../crypto/keys.js';
import { checkProvenance } from '../reader/provenance.js';
import { type TrustLevel, type VerifyCheck, verifyPackage } from '../reader/verify.js';
import { type ProvenanceSummary, summarizeProvenance } from './provenance-summary.js';

export type { TrustLevel } from '../reader/verify.js';
export type { ProvenanceSummary } from './provenance-summary.js';

export interface VerifyOptions {
  /**
   * Required keys (`flavor verify --key`): PEM file paths, 64 hex digits or `sha256:<fingerprint>`; the
   * signer must be one of them. With none, a valid package is `self-signed` (integrity only) — unless its
   * launcher pins keys (`flavor pack --trust-key`), which are honoured as the launcher does.
   */
  keys?: string[];
  /** Keys added to those the package's launcher pins, as FLAVOR_TRUSTED_KEYS does for the launcher. */
  launcherKeys?: string[];
  /**
   * Also check the embedded provenance (DSSE signature by the package key, statement shape, subjects
   * equal to the slots and launcher) and return what it records.
   */
  provenance?: boolean;
  /** Called after each passed check, in order. */
  onCheck?: (check: VerifyCheck) => void;
}

export interface VerifyResult {
  ok: true;
  /** The path as given. */
  package: string;
  name: string;
  version: string;
  /** trusted: signed by one of `keys`; pinned: by a key the package's launcher pins; else self-signed. */
  trust: TrustLevel;
  /** `sha256:…` of the signing key. */
  fingerprint: string;
  /** Fingerprints of the keys the package's launcher pins; [] if none. */
  pinned_keys: string[];
  /** Workenv id the launcher will use. */
  identity: string;
  checks: VerifyCheck[];
  /** With `provenance`: the subjects, builder and inputs the package's signed provenance records. */
  provenance?: ProvenanceSummary;
}

/** Verifies the package at `pkgPath`; throws a FlavorError naming the first check that fails. */
export async function verify(pkgPath: string, options: VerifyOptions = {}): Promise<VerifyResult> {
  const load = (specs: string[] = []) => Promise.all(specs.map((s) => loadPublicKeySpec(s)));
  const report = await verifyPackage(pkgPath, {
    trustedKeys: await load(options.keys),
    launcherKeys: await load(options.launcherKeys),
    ...(options.onCheck ? { onCheck: options.onCheck } : {}),
  });
  const meta = report.package.metadata;
  let provenance: ProvenanceSummary | undefined;
  if (options.provenance) {
    const checked = await checkProvenance(report.package);
    const check = {
      name: 'provenance',
      detail: `DSSE signature by ${checked.keyid}; subjects match the launcher and ${meta.slots.length} slots`,
    };
    report.checks.push(check);
    options.onCheck?.(check);
    provenance = summarizeProvenance(checked);
  }
  return {
    ok: true,
    package: pkgPath,
    name: meta.package.name,
    version: meta.package.version,
    trust: report.trust,
    fingerprint: report.fingerprint,
    pinned_keys: report.pinned,
    identity: report.package.identity,
    checks: report.checks,
    ...(provenance ? { provenance } : {}),
  };
}

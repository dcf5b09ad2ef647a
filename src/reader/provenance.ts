// Checking the provenance a package carries (docs/supply-chain.md), after verifyPackage() has proven the
// package authentic under the trust rules: the metadata field `provenance` is a DSSE envelope signed by
// that same package key, its payload an in-toto Statement v1 with a SLSA provenance v1 predicate of our
// build type, and its subjects are exactly the package's launcher and slots with their SHA-256.

import { verifyEnvelope } from '../crypto/dsse.js';
import { fingerprint } from '../crypto/keys.js';
import { FlavorError } from '../errors.js';
import {
  checkEnvelopeShape,
  checksumHex,
  DSSE_PAYLOAD_TYPE,
  FLAVOR_BUILD_TYPE,
  LAUNCHER_SUBJECT,
  type ProvenanceStatement,
  parseStatement,
  type Subject,
  slotSubject,
} from '../format/index.js';
import type { OpenedPackage } from './open.js';
import { hashRange } from './verify.js';

export interface ProvenanceReport {
  statement: ProvenanceStatement;
  /** keyid of the signature that verified: the package key's fingerprint. */
  keyid: string;
  subjects: Subject[];
}

/** The embedded statement, its DSSE signature checked against the package key; subjects not checked. */
export function embeddedStatement(pkg: OpenedPackage): ProvenanceStatement {
  const envelope = pkg.metadata.provenance;
  if (envelope === undefined) {
    throw new FlavorError('PROVENANCE_MISSING', 'the package carries no provenance', {
      hint: 'it was packed by another builder or an older flavor: repack it with this flavor',
      details: { region: 'metadata.provenance' },
    });
  }
  checkEnvelopeShape(envelope);
  const payload = verifyEnvelope(envelope as never, pkg.index.publicKey, DSSE_PAYLOAD_TYPE);
  const statement = parseStatement(payload);
  const buildType = statement.predicate.buildDefinition.buildType;
  if (buildType !== FLAVOR_BUILD_TYPE) {
    throw new FlavorError('PROVENANCE_INVALID', `the provenance has build type "${buildType}"`, {
      hint: `flavor reads its own build type ${FLAVOR_BUILD_TYPE}`,
      details: { region: 'metadata.provenance' },
    });
  }
  return statement;
}

/** The full check: signature, shape, and subjects equal to the package's launcher and slots. */
export async function checkProvenance(pkg: OpenedPackage): Promise<ProvenanceReport> {
  const statement = embeddedStatement(pkg);
  const expected = await packageDigests(pkg);
  checkSubjects(statement.subject, expected);
  return { statement, keyid: fingerprint(pkg.index.publicKey), subjects: statement.subject };
}

/** What the subjects must be: the launcher region and each slot, by SHA-256. */
async function packageDigests(pkg: OpenedPackage): Promise<Map<string, string>> {
  const declared = pkg.metadata.launcher?.checksum;
  const launcher =
    (declared && checksumHex(declared)) ??
    Buffer.from(await hashRange(pkg.path, 0, pkg.layout.launcherSize)).toString('hex');
  const out = new Map([[LAUNCHER_SUBJECT, launcher]]);
  for (const slot of pkg.metadata.slots) out.set(slotSubject(slot.id), checksumHex(slot.checksum)!);
  return out;
}

function checkSubjects(subjects: Subject[], expected: Map<string, string>): void {
  const seen = new Set<string>();
  for (const s of subjects) {
    const want = expected.get(s.name);
    if (want === undefined || seen.has(s.name)) {
      throw mismatch(`the provenance names a subject the package does not have: ${s.name}`);
    }
    if (s.digest.sha256 !== want) {
      throw mismatch(
        `provenance subject ${s.name} is sha256:${s.digest.sha256}, the package has sha256:${want}`,
      );
    }
    seen.add(s.name);
  }
  const missing = [...expected.keys()].filter((name) => !seen.has(name));
  if (missing.length > 0) throw mismatch(`the provenance does not name ${missing.join(', ')}`);
}

function mismatch(message: string): FlavorError {
  return new FlavorError('PROVENANCE_MISMATCH', message, {
    hint: 'the provenance belongs to another build of this package',
    details: { region: 'metadata.provenance' },
  });
}

// The provenance a package carries (docs/supply-chain.md, "Provenance"): an in-toto Statement v1 whose
// predicate is SLSA provenance v1, inside a DSSE envelope signed by the package key, stored as the
// top-level metadata field `provenance`. This file holds the constants, the types and the shape checks;
// signing is crypto/dsse.ts, assembling builder/provenance.ts, verifying reader/provenance.ts.

import { FlavorError } from '../errors.js';
import { Checker, describeValue, type Table } from '../schema/checker.js';

export const PROVENANCE_FIELD = 'provenance';
export const DSSE_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const SLSA_PROVENANCE_TYPE = 'https://slsa.dev/provenance/v1';
/** Our build type: what externalParameters/internalParameters mean (docs/supply-chain.md). */
export const FLAVOR_BUILD_TYPE = 'https://flavorpack.dev/provenance/pack/v1';
/** runDetails.builder.id is this prefix + the flavorpack version. */
export const FLAVOR_BUILDER_ID = 'https://flavorpack.dev/builder/flavorpack@';

/** Subject names: the launcher region and each slot by id (their signed SHA-256). */
export const LAUNCHER_SUBJECT = 'launcher';
export const slotSubject = (id: string) => `slot/${id}`;

/** An in-toto ResourceDescriptor (the subset we write and read). */
export interface ResourceDescriptor {
  name?: string;
  uri?: string;
  digest?: Record<string, string>;
  annotations?: Record<string, unknown>;
}

export interface Subject {
  name: string;
  digest: { sha256: string; [algorithm: string]: string };
}

export interface ProvenanceStatement {
  _type: string;
  subject: Subject[];
  predicateType: string;
  predicate: {
    buildDefinition: {
      buildType: string;
      externalParameters: Record<string, unknown>;
      internalParameters?: Record<string, unknown>;
      resolvedDependencies?: ResourceDescriptor[];
    };
    runDetails: {
      builder: { id: string; version?: Record<string, string> };
      metadata?: { invocationId?: string; startedOn?: string; finishedOn?: string };
    };
  };
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

const check = new Checker(
  (field, expected, value) => {
    const got = value === undefined ? 'it is missing' : `got ${describeValue(value)}`;
    throw new FlavorError('PROVENANCE_INVALID', `provenance ${field}: expected ${expected}, ${got}`, {
      details: { region: 'metadata.provenance', field },
    });
  },
  { table: 'an object', emptiness: 'empty' },
);

/** The envelope's shape (DSSE v1 JSON): payloadType, payload, at least one {keyid, sig}. */
export function checkEnvelopeShape(value: unknown): void {
  const env = check.table(value, 'envelope');
  check.string(env.payloadType, 'envelope.payloadType');
  check.string(env.payload, 'envelope.payload');
  const sigs = check.array(env.signatures, 'envelope.signatures');
  if (sigs.length === 0) check.fail('envelope.signatures', 'at least one signature', sigs);
  sigs.forEach((s, i) => {
    const sig = check.table(s, `envelope.signatures[${i}]`);
    check.string(sig.keyid, `envelope.signatures[${i}].keyid`, { nonEmpty: false });
    check.string(sig.sig, `envelope.signatures[${i}].sig`);
  });
}

/** Parses the (already authenticated) payload as an in-toto Statement v1 with a SLSA provenance v1 predicate. */
export function parseStatement(payload: Uint8Array): ProvenanceStatement {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
  } catch (cause) {
    throw new FlavorError('PROVENANCE_INVALID', 'the provenance payload is not UTF-8 JSON', {
      cause,
      details: { region: 'metadata.provenance' },
    });
  }
  const root = check.table(value, 'statement');
  expectConstant(root._type, '_type', STATEMENT_TYPE);
  expectConstant(root.predicateType, 'predicateType', SLSA_PROVENANCE_TYPE);
  check.array(root.subject, 'subject').forEach((s, i) => {
    checkDescriptor(s, `subject[${i}]`, { name: true, digest: true });
  });
  checkPredicate(check.table(root.predicate, 'predicate'));
  return value as ProvenanceStatement;
}

function checkPredicate(predicate: Table): void {
  const def = check.table(predicate.buildDefinition, 'predicate.buildDefinition');
  check.string(def.buildType, 'predicate.buildDefinition.buildType');
  check.table(def.externalParameters, 'predicate.buildDefinition.externalParameters');
  check.optTable(def.internalParameters, 'predicate.buildDefinition.internalParameters');
  if (def.resolvedDependencies !== undefined) {
    check
      .array(def.resolvedDependencies, 'predicate.buildDefinition.resolvedDependencies')
      .forEach((d, i) => {
        checkDescriptor(d, `predicate.buildDefinition.resolvedDependencies[${i}]`, {});
      });
  }
  const run = check.table(predicate.runDetails, 'predicate.runDetails');
  const builder = check.table(run.builder, 'predicate.runDetails.builder');
  check.string(builder.id, 'predicate.runDetails.builder.id');
  check.optStringMap(builder.version, 'predicate.runDetails.builder.version');
  const meta = check.optTable(run.metadata, 'predicate.runDetails.metadata');
  for (const key of ['invocationId', 'startedOn', 'finishedOn']) {
    check.optString(meta?.[key], `predicate.runDetails.metadata.${key}`);
  }
}

/** A ResourceDescriptor: at least one of uri/digest; digests are lower-case hex. */
function checkDescriptor(value: unknown, field: string, need: { name?: boolean; digest?: boolean }): void {
  const d = check.table(value, field);
  if (need.name) check.string(d.name, `${field}.name`);
  else check.optString(d.name, `${field}.name`);
  check.optString(d.uri, `${field}.uri`);
  const digest = need.digest
    ? check.stringMap(d.digest, `${field}.digest`)
    : check.optStringMap(d.digest, `${field}.digest`);
  if (digest === undefined && d.uri === undefined) check.fail(field, 'a uri or a digest', value);
  if (need.digest && digest?.sha256 === undefined)
    check.fail(`${field}.digest.sha256`, 'a SHA-256', undefined);
  if (digest?.sha256 !== undefined && !SHA256_HEX.test(digest.sha256)) {
    check.fail(`${field}.digest.sha256`, '64 lowercase hex digits', digest.sha256);
  }
  check.optTable(d.annotations, `${field}.annotations`);
}

function expectConstant(value: unknown, field: string, expected: string): void {
  if (check.string(value, field) !== expected) check.fail(field, `"${expected}"`, value);
}

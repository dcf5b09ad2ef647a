// The provenance every package carries: an in-toto Statement v1 with a SLSA provenance v1 predicate
// (format/provenance.ts), signed by the package key as a DSSE envelope (crypto/dsse.ts) and stored in the
// metadata, which the package signature then covers too. The statement cannot name the package file's own
// digest (the file contains it), so its subjects are what the file's signature already binds: the launcher
// and every slot, by SHA-256. `flavor pack --provenance-out` writes a second envelope whose subject is the
// finished file (api/provenance-out.ts).

import { type DsseEnvelope, signEnvelope } from '../crypto/dsse.js';
import type { Signer } from '../crypto/signature.js';
import {
  DSSE_PAYLOAD_TYPE,
  FLAVOR_BUILD_TYPE,
  FLAVOR_BUILDER_ID,
  FORMAT_NAME,
  LAUNCHER_SUBJECT,
  METADATA_FORMAT_VERSION,
  type ProvenanceStatement,
  type ResourceDescriptor,
  SLSA_PROVENANCE_TYPE,
  STATEMENT_TYPE,
  type Subject,
  slotSubject,
} from '../format/index.js';
import type { ProvenanceInputs } from './build-spec.js';

export interface ProvenanceBuild {
  inputs: ProvenanceInputs | undefined;
  slots: Array<{ id: string; sha256: string }>;
  launcher: { sha256: string; size: number; version: string; tool: string };
  toolVersion: string;
  /** Seconds since the epoch: SOURCE_DATE_EPOCH, or the build time. */
  timestamp: number;
  /** The timestamp came from SOURCE_DATE_EPOCH. */
  deterministic: boolean;
}

/** The signed envelope stored as metadata `provenance`. */
export function provenanceEnvelope(build: ProvenanceBuild, signer: Signer): DsseEnvelope {
  return signEnvelope(DSSE_PAYLOAD_TYPE, encodeStatement(provenanceStatement(build)), signer);
}

/** Compact JSON, keys in the order written here: the same inputs give the same bytes. */
export function encodeStatement(statement: ProvenanceStatement): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(statement));
}

export function provenanceStatement(build: ProvenanceBuild): ProvenanceStatement {
  const time = new Date(build.timestamp * 1000).toISOString().replace('.000Z', 'Z');
  return {
    _type: STATEMENT_TYPE,
    subject: packageSubjects(build),
    predicateType: SLSA_PROVENANCE_TYPE,
    predicate: {
      buildDefinition: {
        buildType: FLAVOR_BUILD_TYPE,
        externalParameters: build.inputs?.externalParameters ?? { source: { kind: 'build-spec' } },
        internalParameters: {
          format: FORMAT_NAME,
          format_version: METADATA_FORMAT_VERSION,
          source_date_epoch: build.deterministic ? build.timestamp : null,
        },
        resolvedDependencies: [...(build.inputs?.resolvedDependencies ?? []), launcherDependency(build)],
      },
      runDetails: {
        builder: {
          id: `${FLAVOR_BUILDER_ID}${build.toolVersion}`,
          version: { flavorpack: build.toolVersion },
        },
        metadata: { startedOn: time, finishedOn: time },
      },
    },
  };
}

/** The launcher region and each slot, by the SHA-256 the package signature binds. */
export function packageSubjects(build: Pick<ProvenanceBuild, 'slots' | 'launcher'>): Subject[] {
  return [
    { name: LAUNCHER_SUBJECT, digest: { sha256: build.launcher.sha256 } },
    ...build.slots.map((s) => ({ name: slotSubject(s.id), digest: { sha256: s.sha256 } })),
  ];
}

function launcherDependency(build: ProvenanceBuild): ResourceDescriptor {
  return {
    name: LAUNCHER_SUBJECT,
    uri: `pkg:generic/${encodeURIComponent(build.launcher.tool)}@${encodeURIComponent(build.launcher.version)}`,
    digest: { sha256: build.launcher.sha256 },
    annotations: { size: build.launcher.size },
  };
}

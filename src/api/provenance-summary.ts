// The provenance of a verified package as `flavor verify --provenance --json` prints it: the statement's
// subjects, builder and inputs flattened into snake_case fields (the statement itself keeps the in-toto
// and SLSA field names).

import type { ProvenanceReport } from '../reader/provenance.js';

export interface ProvenanceSummary {
  /** The DSSE signature's keyid: the package key's fingerprint. */
  keyid: string;
  predicate_type: string;
  build_type: string;
  builder_id: string;
  /** SOURCE_DATE_EPOCH of the build, or null when it was not reproducible. */
  source_date_epoch: number | null;
  started_on: string | null;
  subjects: Array<{ name: string; sha256: string }>;
  /** externalParameters: the project and the pack options. */
  parameters: Record<string, unknown>;
  /** resolvedDependencies: project and lock files, interpreter, tools, launcher. */
  inputs: Array<{
    name: string;
    uri: string | null;
    sha256: string | null;
    annotations: Record<string, unknown>;
  }>;
}

export function summarizeProvenance(report: ProvenanceReport): ProvenanceSummary {
  const { predicate } = report.statement;
  const def = predicate.buildDefinition;
  const epoch = def.internalParameters?.source_date_epoch;
  return {
    keyid: report.keyid,
    predicate_type: report.statement.predicateType,
    build_type: def.buildType,
    builder_id: predicate.runDetails.builder.id,
    source_date_epoch: typeof epoch === 'number' ? epoch : null,
    started_on: predicate.runDetails.metadata?.startedOn ?? null,
    subjects: report.subjects.map((s) => ({ name: s.name, sha256: s.digest.sha256 })),
    parameters: def.externalParameters,
    inputs: (def.resolvedDependencies ?? []).map((d) => ({
      name: d.name ?? d.uri ?? '',
      uri: d.uri ?? null,
      sha256: d.digest?.sha256 ?? null,
      annotations: d.annotations ?? {},
    })),
  };
}

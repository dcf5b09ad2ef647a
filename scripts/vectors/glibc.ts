// testdata/vectors/glibc-requirement.json: which `compatibility.glibc` values a reader accepts and
// whether the launcher starts such a package on a machine with a given C library. Read by
// test/format/glibc-vectors.test.ts (TypeScript: parseMetadata, glibcVerdict) and
// launcher/internal/launch/glibc_vectors_test.go (the launcher: ParseMetadata, CheckGlibc).
//
// Each case sets compatibility.glibc of `metadata` to `glibc` (left out when the case has no "glibc"
// key) and parses the document with the real metadata parser; when it is accepted, the launcher's check
// runs against `host`: "glibc <version>", "musl" or "unknown". `expect` is "run", "GLIBC_REQUIRED" or
// the error code the parser must raise.

interface GlibcCase {
  glibc?: unknown;
  host: string;
  expect: 'run' | 'GLIBC_REQUIRED' | 'METADATA_SCHEMA';
}

const METADATA = {
  format: 'PSPF/2025',
  package: { name: 'glibc-vector', version: '1.0.0' },
  slots: [],
  execution: { primary_slot: 0, command: '/bin/true' },
  compatibility: { min_format_version: '1.0.0', features: [] },
};

const CASES: GlibcCase[] = [
  // no requirement: every machine
  { host: 'musl', expect: 'run' },
  { host: 'glibc 2.17', expect: 'run' },
  // comparison: numeric per part, missing parts are 0
  { glibc: '2.17', host: 'glibc 2.31', expect: 'run' },
  { glibc: '2.31', host: 'glibc 2.31', expect: 'run' },
  { glibc: '2.36', host: 'glibc 2.31', expect: 'GLIBC_REQUIRED' },
  { glibc: '2.34', host: 'glibc 2.33', expect: 'GLIBC_REQUIRED' },
  { glibc: '2.10', host: 'glibc 2.9', expect: 'GLIBC_REQUIRED' },
  { glibc: '2.9', host: 'glibc 2.10', expect: 'run' },
  { glibc: '2.3.4', host: 'glibc 2.3', expect: 'GLIBC_REQUIRED' },
  { glibc: '2.3', host: 'glibc 2.3.0', expect: 'run' },
  { glibc: '2.2.5', host: 'glibc 2.17', expect: 'run' },
  { glibc: '3.0', host: 'glibc 2.99', expect: 'GLIBC_REQUIRED' },
  { glibc: '2.17', host: 'glibc 3.0', expect: 'run' },
  // another C library blocks; an unknown one does not
  { glibc: '2.17', host: 'musl', expect: 'GLIBC_REQUIRED' },
  { glibc: '2.36', host: 'unknown', expect: 'run' },
  // the field's form
  { glibc: '', host: 'glibc 2.31', expect: 'METADATA_SCHEMA' },
  { glibc: '2', host: 'glibc 2.31', expect: 'METADATA_SCHEMA' },
  { glibc: '2.', host: 'glibc 2.31', expect: 'METADATA_SCHEMA' },
  { glibc: '.17', host: 'glibc 2.31', expect: 'METADATA_SCHEMA' },
  { glibc: '02.17', host: 'glibc 2.31', expect: 'METADATA_SCHEMA' },
  { glibc: '2.17.1.1.1', host: 'glibc 2.31', expect: 'METADATA_SCHEMA' },
  { glibc: '2.12345', host: 'glibc 2.31', expect: 'METADATA_SCHEMA' },
  { glibc: 'GLIBC_2.17', host: 'glibc 2.31', expect: 'METADATA_SCHEMA' },
  { glibc: '2.17 ', host: 'glibc 2.31', expect: 'METADATA_SCHEMA' },
  { glibc: '2.-1', host: 'glibc 2.31', expect: 'METADATA_SCHEMA' },
  { glibc: '２.17', host: 'glibc 2.31', expect: 'METADATA_SCHEMA' },
  { glibc: 2.17, host: 'glibc 2.31', expect: 'METADATA_SCHEMA' },
  { glibc: null, host: 'glibc 2.31', expect: 'METADATA_SCHEMA' },
  { glibc: ['2.17'], host: 'glibc 2.31', expect: 'METADATA_SCHEMA' },
];

/** The file's bytes (stable: `npm run vectors -- --check` compares them). */
export function glibcVectorFile(): Uint8Array {
  const doc = {
    comment:
      'compatibility.glibc values: accepted or METADATA_SCHEMA, and started or GLIBC_REQUIRED on host (scripts/vectors/glibc.ts)',
    metadata: METADATA,
    cases: CASES,
  };
  return Buffer.from(`${JSON.stringify(doc, null, 2)}\n`);
}

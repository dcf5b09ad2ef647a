// testdata/vectors/platform-match.json: which slot `platform` values a reader accepts and on which
// machines such a slot is extracted. Read by test/format/platform-vectors.test.ts (TypeScript reader and
// `flavor extract`) and launcher/internal/format/platform_vectors_test.go (the launcher's install).
//
// Each case sets slots[0].platform of `metadata` to `platform` (left out when the case has no
// "platform" key), parses the document with the real metadata parser and, when it is accepted, asks
// whether the slot is extracted on `host` ("<GOOS>_<GOARCH>"). `expect` is "extract", "skip" or the
// error code the parser must raise.

interface PlatformCase {
  platform?: unknown;
  host: string;
  expect: 'extract' | 'skip' | 'METADATA_SCHEMA';
}

const METADATA = {
  format: 'PSPF/2025',
  package: { name: 'platform-vector', version: '1.0.0' },
  slots: [
    {
      slot: 0,
      id: 'data',
      target: '{workenv}/data',
      size: 0,
      checksum: `sha256:${'0'.repeat(64)}`,
      operations: 'raw',
      purpose: 'data',
      lifecycle: 'runtime',
    },
  ],
  execution: { primary_slot: 0, command: '{workenv}/data' },
};

const CASES: PlatformCase[] = [
  { host: 'linux_amd64', expect: 'extract' },
  { platform: null, host: 'darwin_arm64', expect: 'extract' },
  { platform: 'linux', host: 'linux_amd64', expect: 'extract' },
  { platform: 'linux', host: 'linux_arm64', expect: 'extract' },
  { platform: 'linux', host: 'darwin_amd64', expect: 'skip' },
  { platform: 'linux', host: 'windows_amd64', expect: 'skip' },
  { platform: 'darwin', host: 'darwin_arm64', expect: 'extract' },
  { platform: 'darwin', host: 'linux_arm64', expect: 'skip' },
  { platform: 'windows', host: 'windows_arm64', expect: 'extract' },
  { platform: 'windows', host: 'linux_amd64', expect: 'skip' },
  { platform: 'linux_amd64', host: 'linux_amd64', expect: 'extract' },
  { platform: 'linux_amd64', host: 'linux_arm64', expect: 'skip' },
  { platform: 'linux_amd64', host: 'darwin_amd64', expect: 'skip' },
  { platform: 'darwin_arm64', host: 'darwin_arm64', expect: 'extract' },
  { platform: 'darwin_arm64', host: 'darwin_amd64', expect: 'skip' },
  { platform: 'linux_riscv64', host: 'linux_riscv64', expect: 'extract' },
  { platform: 'linux_riscv64', host: 'linux_amd64', expect: 'skip' },
  { platform: '', host: 'linux_amd64', expect: 'METADATA_SCHEMA' },
  { platform: 'Linux', host: 'linux_amd64', expect: 'METADATA_SCHEMA' },
  { platform: 'macos', host: 'darwin_arm64', expect: 'METADATA_SCHEMA' },
  { platform: 'any', host: 'linux_amd64', expect: 'METADATA_SCHEMA' },
  { platform: 'linux_', host: 'linux_amd64', expect: 'METADATA_SCHEMA' },
  { platform: 'linux-amd64', host: 'linux_amd64', expect: 'METADATA_SCHEMA' },
  { platform: 'linux_amd64_v3', host: 'linux_amd64', expect: 'METADATA_SCHEMA' },
  { platform: 'linux_AMD64', host: 'linux_amd64', expect: 'METADATA_SCHEMA' },
  { platform: ' linux', host: 'linux_amd64', expect: 'METADATA_SCHEMA' },
  { platform: 'linux_amd64\n', host: 'linux_amd64', expect: 'METADATA_SCHEMA' },
  { platform: `linux_${'a'.repeat(17)}`, host: 'linux_amd64', expect: 'METADATA_SCHEMA' },
  { platform: 1, host: 'linux_amd64', expect: 'METADATA_SCHEMA' },
  { platform: ['linux'], host: 'linux_amd64', expect: 'METADATA_SCHEMA' },
  { platform: { os: 'linux' }, host: 'linux_amd64', expect: 'METADATA_SCHEMA' },
];

/** The file's bytes (stable: `npm run vectors -- --check` compares them). */
export function platformVectorFile(): Uint8Array {
  const doc = {
    comment:
      'slot platform values: accepted or METADATA_SCHEMA, and extracted on host or skipped (scripts/vectors/platforms.ts)',
    metadata: METADATA,
    cases: CASES,
  };
  return Buffer.from(`${JSON.stringify(doc, null, 2)}\n`);
}

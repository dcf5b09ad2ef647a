// testdata/vectors/glibc-requirement.json through the TypeScript reader: the metadata parser accepts or
// refuses each compatibility.glibc value, and glibcVerdict decides whether the launcher starts the
// package on the host (the Go launcher's launcher/internal/launch/glibc_vectors_test.go checks the same
// file).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { isFlavorError } from '../../src/errors.js';
import {
  compareGlibc,
  glibcVerdict,
  type HostLibc,
  parseGlibcVersion,
  thisMachineLibc,
} from '../../src/format/glibc.js';
import { parseMetadata } from '../../src/format/metadata.js';

interface Case {
  glibc?: unknown;
  host: string;
  expect: string;
}

const FILE = new URL('../../testdata/vectors/glibc-requirement.json', import.meta.url);
const doc = JSON.parse(readFileSync(FILE, 'utf8')) as { metadata: object; cases: Case[] };

function hostOf(text: string): HostLibc {
  if (text === 'musl') return { kind: 'musl' };
  if (text === 'unknown') return { kind: 'unknown' };
  const version = /^glibc (.+)$/.exec(text)?.[1];
  assert.ok(version, `bad host in the vectors: ${text}`);
  return { kind: 'glibc', version };
}

function decide(c: Case): string {
  const metadata = structuredClone(doc.metadata) as { compatibility: Record<string, unknown> };
  if ('glibc' in c) metadata.compatibility.glibc = c.glibc;
  try {
    const parsed = parseMetadata(Buffer.from(JSON.stringify(metadata)));
    return glibcVerdict(parsed.compatibility?.glibc, hostOf(c.host));
  } catch (error) {
    if (isFlavorError(error)) return error.code;
    throw error;
  }
}

test('the glibc vectors cover run, refuse and a malformed field', () => {
  const expects = new Set(doc.cases.map((c) => c.expect));
  assert.deepEqual([...expects].sort(), ['GLIBC_REQUIRED', 'METADATA_SCHEMA', 'run']);
});

for (const c of doc.cases) {
  const name = 'glibc' in c ? JSON.stringify(c.glibc) : '(absent)';
  test(`glibc ${name} on ${c.host}: ${c.expect}`, () => {
    assert.equal(decide(c), c.expect);
  });
}

test('versions compare per number, not as text', () => {
  const v = (s: string) => parseGlibcVersion(s)!;
  assert.equal(compareGlibc(v('2.10'), v('2.9')), 1);
  assert.equal(compareGlibc(v('2.3'), v('2.3.0')), 0);
  assert.equal(compareGlibc(v('2.2.5'), v('2.17')), -1);
});

test("this machine's glibc is the one Node reports (Linux with glibc)", (t) => {
  const libc = thisMachineLibc();
  if (process.platform !== 'linux') {
    assert.equal(libc.kind, 'unknown');
    return;
  }
  assert.equal(libc.kind, 'glibc', 'the CI machine is Debian (glibc)');
  assert.ok(libc.kind === 'glibc' && parseGlibcVersion(libc.version), 'a parsable version');
  t.diagnostic(`this machine: ${JSON.stringify(libc)}`);
});

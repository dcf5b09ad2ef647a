// testdata/vectors/platform-match.json through the TypeScript reader: the metadata parser accepts or
// refuses each slot platform value, and platformMatches decides extract/skip (the Go launcher's
// launcher/internal/format/platform_vectors_test.go checks the same file).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { isFlavorError } from '../../src/errors.js';
import { parseMetadata } from '../../src/format/metadata.js';
import { platformCode, platformMatches } from '../../src/format/platform.js';

interface Case {
  platform?: unknown;
  host: string;
  expect: string;
}

const FILE = new URL('../../testdata/vectors/platform-match.json', import.meta.url);
const doc = JSON.parse(readFileSync(FILE, 'utf8')) as { metadata: { slots: object[] }; cases: Case[] };

function decide(c: Case): string {
  const metadata = structuredClone(doc.metadata) as { slots: Record<string, unknown>[] };
  if ('platform' in c) metadata.slots[0]!.platform = c.platform;
  try {
    const parsed = parseMetadata(Buffer.from(JSON.stringify(metadata)));
    const [os, arch] = c.host.split('_') as [string, string];
    return platformMatches(parsed.slots[0]!.platform ?? undefined, { os, arch }) ? 'extract' : 'skip';
  } catch (error) {
    if (isFlavorError(error)) return error.code;
    throw error;
  }
}

test('the platform vectors cover accept, skip and refuse', () => {
  const expects = new Set(doc.cases.map((c) => c.expect));
  assert.deepEqual([...expects].sort(), ['METADATA_SCHEMA', 'extract', 'skip']);
});

for (const c of doc.cases) {
  const name = 'platform' in c ? JSON.stringify(c.platform) : '(absent)';
  test(`platform ${name} on ${c.host}: ${c.expect}`, () => {
    assert.equal(decide(c), c.expect);
  });
}

test('the descriptor byte carries the OS only', () => {
  assert.equal(platformCode(undefined), 0);
  assert.equal(platformCode('linux'), 1);
  assert.equal(platformCode('linux_arm64'), 1);
  assert.equal(platformCode('darwin_amd64'), 2);
  assert.equal(platformCode('windows'), 3);
});

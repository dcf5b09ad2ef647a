// The metadata `sbom` field: written by builder/sbom-field.ts (gzip+base64 with size and SHA-256),
// read back by reader/sbom.ts, which refuses anything that does not decode to exactly what was recorded.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sbomField } from '../../src/builder/sbom-field.js';
import { readSbom } from '../../src/reader/sbom.js';
import { cycloneDx } from '../../src/sbom/cyclonedx.js';

const DOC = cycloneDx({
  package: { name: 'p', version: '1' },
  toolVersion: '0.1.0',
  sourceDateEpoch: 1_767_225_600,
  launcher: { tool: 'flavor-launcher', version: '0.1.0', sha256: 'a'.repeat(64), size: 1 },
  slots: [],
});

test('round trip: the field decodes to the document; deterministic; small and one string', () => {
  const field = sbomField(DOC);
  assert.deepEqual(readSbom({ sbom: field }), DOC);
  assert.deepEqual(sbomField(DOC), field, 'same document, same field');
  assert.equal(field.media_type, 'application/vnd.cyclonedx+json');
  assert.equal(field.spec_version, '1.6');
  assert.equal(field.size, JSON.stringify(DOC).length);
  assert.equal(readSbom({}), undefined, 'no field: no SBOM');
});

test('a field that does not decode to what it records is refused with METADATA_SCHEMA, naming the key', () => {
  const field = sbomField(DOC);
  const other = sbomField({ ...DOC, version: 2 });
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ ...field, encoding: 'base64' }, /sbom\.encoding/],
    [{ ...field, media_type: 'application/spdx+json' }, /sbom\.media_type/],
    [{ ...field, data: '%%%' }, /sbom\.data/],
    [{ ...field, data: other.data }, /sbom\.(size|sha256)/],
    [{ ...field, size: field.size + 1 }, /sbom\.size/],
    [{ ...field, sha256: 'b'.repeat(64) }, /sbom\.sha256/],
  ];
  for (const [sbom, message] of cases) {
    assert.throws(
      () => readSbom({ sbom }),
      (e: Error & { code?: string }) => e.code === 'METADATA_SCHEMA' && message.test(e.message),
      JSON.stringify(Object.keys(sbom)),
    );
  }
  assert.throws(
    () => readSbom({ sbom: { ...field, data: Buffer.from('not gzip').toString('base64') } }),
    (e: Error & { code?: string }) => e.code === 'METADATA_COMPRESSION',
  );
});

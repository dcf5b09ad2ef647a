// Every shared vector through the TypeScript reader: failures raise exactly the expected code; successes
// decode to exactly the golden JSON (the Go launcher's tests check the same files).

import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { goldenOf } from '../scripts/vectors/golden.js';
import { fingerprint } from '../src/crypto/keys.js';
import { ERROR_CODES, isFlavorError } from '../src/errors.js';
import { verifyPackage } from '../src/reader/verify.js';
import { readVectors } from './helpers/vectors.js';

const vectors = readVectors();
let dir: string;
before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flavor-vectors-'));
});
after(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

test('the vector set covers every failure class the issue names', () => {
  const expects = new Set(vectors.map((v) => v.expect));
  for (const code of [
    'success',
    'BAD_START_MAGIC',
    'BAD_END_MAGIC',
    'BAD_VERSION',
    'INDEX_CHECKSUM',
    'METADATA_CHECKSUM',
    'SIGNATURE_INVALID',
    'UNTRUSTED_KEY',
    'FILE_TOO_SMALL',
    'SLOT_OUT_OF_BOUNDS',
    'SLOT_OVERLAP',
    'SLOT_CHECKSUM',
    'UNKNOWN_OPERATION',
    'CHAIN_TOO_LONG',
    'METADATA_JSON',
    'METADATA_SCHEMA',
  ]) {
    assert.ok(expects.has(code), `no vector expects ${code}`);
  }
  for (const v of vectors) {
    assert.ok(v.expect === 'success' || v.expect in ERROR_CODES, `${v.name}: unknown expect "${v.expect}"`);
  }
});

for (const v of vectors) {
  test(`vector ${v.name}: ${v.expect}`, async () => {
    const file = path.join(dir, `${v.name}.psp`);
    await fs.writeFile(file, v.bytes);
    const trustedKeys = v.trustedKey
      ? [
          {
            raw: Buffer.from(v.trustedKey, 'hex'),
            fingerprint: fingerprint(Buffer.from(v.trustedKey, 'hex')),
          },
        ]
      : [];
    if (v.expect === 'success') {
      const report = await verifyPackage(file, { trustedKeys });
      assert.deepEqual(goldenOf(report.package), v.golden);
      // ok-pinned-*: the package's launcher pins the signing key (its trust block).
      const pinned = v.name.startsWith('ok-pinned');
      assert.equal(report.trust, v.trustedKey ? 'trusted' : pinned ? 'pinned' : 'self-signed');
      assert.equal(report.pinned.length > 0, pinned);
    } else {
      await assert.rejects(verifyPackage(file, { trustedKeys }), (e: unknown) => {
        assert.ok(isFlavorError(e), `expected a FlavorError, got ${String(e)}`);
        assert.equal(e.code, v.expect, e.message);
        return true;
      });
    }
  });
}

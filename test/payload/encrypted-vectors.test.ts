// Every shared encrypted-slot vector (testdata/vectors/encrypted/*.vec) through the TypeScript path that
// `flavor extract` uses: the key read from its source (crypto/slot-key.ts) with the vector's environment,
// then the stream decrypted (payload/encrypted.ts). A success gives exactly the plaintext; a failure the
// exact code, with no plaintext released before the failing chunk authenticated. The Go launcher's
// payload tests read the same files (launcher/internal/payload/encrypted_vectors_test.go).

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { resolveSlotKey } from '../../src/crypto/slot-key.js';
import { ERROR_CODES, FlavorError } from '../../src/errors.js';
import { parseKeySource } from '../../src/format/encryption.js';
import { decryptStage } from '../../src/payload/encrypted.js';

const DIR = fileURLToPath(new URL('../../testdata/vectors/encrypted/', import.meta.url));

interface Vector {
  name: string;
  headers: Record<string, string>;
  bytes: Buffer;
}

function readVectors(): Vector[] {
  return readdirSync(DIR)
    .filter((f) => f.endsWith('.vec'))
    .sort()
    .map((f) => {
      const raw = readFileSync(`${DIR}${f}`);
      const cut = raw.indexOf('\n\n');
      const headers: Record<string, string> = {};
      for (const line of raw.subarray(0, cut).toString('utf8').split('\n')) {
        const at = line.indexOf(':');
        headers[line.slice(0, at).trim()] = line.slice(at + 1).trim();
      }
      return { name: f.replace(/\.vec$/, ''), headers, bytes: raw.subarray(cut + 2) };
    });
}

const vectors = readVectors();

/** Resolves the key and decrypts; returns the plaintext, or throws the FlavorError. */
async function open(v: Vector): Promise<Buffer> {
  const source = parseKeySource(v.headers['key-source'] ?? '');
  assert.ok(source, `${v.name}: bad key-source header`);
  const envValue = v.headers['env-value'];
  const env: Record<string, string> = {};
  if (envValue !== undefined && source.kind === 'env') env[source.name] = JSON.parse(envValue) as string;
  const key = await resolveSlotKey(source, { env, baseDir: DIR });
  const out: Buffer[] = [];
  // Fed in 7-byte pieces, so that chunk boundaries never line up with the input's.
  const pieces = async function* () {
    for (let i = 0; i < v.bytes.length; i += 7) yield v.bytes.subarray(i, i + 7);
  };
  for await (const chunk of decryptStage(key, v.headers['slot-id'] ?? '')(pieces()))
    out.push(Buffer.from(chunk));
  return Buffer.concat(out);
}

test('the encrypted vectors cover the key, tampering, truncation and reordering cases', () => {
  const names = new Set(vectors.map((v) => v.name));
  for (const n of [
    'ok-multi-chunk',
    'fail-key-missing',
    'fail-key-short-hex',
    'fail-wrong-key',
    'fail-tampered-chunk',
    'fail-truncated-last-chunk',
    'fail-truncated-mid-chunk',
    'fail-reordered-chunks',
    'fail-duplicated-chunk',
    'fail-chunk-from-other-slot',
  ]) {
    assert.ok(names.has(n), `missing vector ${n}`);
  }
  for (const v of vectors) {
    const e = v.headers.expect ?? '';
    assert.ok(e === 'success' || e in ERROR_CODES, `${v.name}: unknown expect "${e}"`);
  }
});

for (const v of vectors) {
  test(`encrypted vector ${v.name}: ${v.headers.expect}`, async () => {
    if (v.headers.expect === 'success') {
      const plain = await open(v);
      assert.equal(plain.length, Number(v.headers['plaintext-size']));
      assert.equal(createHash('sha256').update(plain).digest('hex'), v.headers['plaintext-sha256']);
      return;
    }
    await assert.rejects(open(v), (err: unknown) => {
      assert.ok(err instanceof FlavorError, `not a FlavorError: ${String(err)}`);
      assert.equal(err.code, v.headers.expect, err.message);
      return true;
    });
  });
}

test('no error message or hint of the key vectors contains the key', async () => {
  for (const v of vectors.filter((x) => x.headers.expect !== 'success')) {
    const value = v.headers['env-value'] ? (JSON.parse(v.headers['env-value']) as string).trim() : '';
    const err = await open(v).then(
      () => undefined,
      (e: unknown) => e as FlavorError,
    );
    assert.ok(err, v.name);
    if (value.length >= 16) {
      for (const text of [err.message, err.hint ?? '', JSON.stringify(err.details ?? {})]) {
        assert.ok(!text.includes(value) && !text.includes(value.slice(0, 16)), `${v.name} leaks the key`);
      }
    }
  }
});

// The encryption keys of a build manifest slot (docs/manifest.md): `encryption` and `key_source` go
// together, only "aes256-gcm" and the three key source forms are accepted, the chain in `operations` stays
// the compression chain, and `--compat upstream` refuses encrypted slots. Every error names the field.

import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { applyUpstreamCompat } from '../../src/builder/compat.js';
import { manifestToSpec } from '../../src/builder/manifest.js';
import { FlavorError } from '../../src/errors.js';

const FILE = path.resolve('/proj/build.json');

function manifest(slot: Record<string, unknown>) {
  return {
    package: { name: 'p', version: '1' },
    execution: { command: '{workenv}/x' },
    slots: [{ id: 'app', source: 'app', target: '{workenv}', operations: 'tar.gz', ...slot }],
  };
}

function refused(slot: Record<string, unknown>, field: string, message: RegExp) {
  assert.throws(
    () => manifestToSpec(manifest(slot), FILE),
    (e: unknown) =>
      e instanceof FlavorError &&
      e.code === 'MANIFEST_INVALID' &&
      (e.details as { field: string }).field === field &&
      message.test(e.message),
  );
}

test('an encrypted slot keeps its key source as written and reads relative key files from the manifest folder', () => {
  for (const source of ['env:APP_KEY', 'file:keys/app.key', 'file:/etc/app.key', 'prompt']) {
    const { spec } = manifestToSpec(manifest({ encryption: 'aes256-gcm', key_source: source }), FILE);
    assert.deepEqual(spec.slots[0]!.encryption, {
      algorithm: 'aes256-gcm',
      keySource: source,
      keyBaseDir: path.dirname(FILE),
    });
    assert.equal(spec.slots[0]!.operations, 'tar.gz');
  }
  assert.equal(manifestToSpec(manifest({}), FILE).spec.slots[0]!.encryption, undefined);
});

test('encryption and key_source errors name the field', () => {
  refused({ encryption: 'aes256-gcm' }, 'slots[0].key_source', /is required with encryption/);
  refused({ key_source: 'env:K' }, 'slots[0].key_source', /the slot has no encryption/);
  refused(
    { encryption: 'aes128-gcm', key_source: 'env:K' },
    'slots[0].encryption',
    /"aes128-gcm" is not supported/,
  );
  for (const bad of ['env:', 'env:1K', 'env:A-B', 'file:', 'ENV:K', 'prompt:x', 'K']) {
    refused({ encryption: 'aes256-gcm', key_source: bad }, 'slots[0].key_source', /is not a key source/);
  }
  refused(
    { operations: 'tar|gzip|aes256-gcm', encryption: 'aes256-gcm', key_source: 'env:K' },
    'slots[0].operations',
    /names the encryption operation/,
  );
  refused({ operations: 'gzip|aes256-gcm' }, 'slots[0].operations', /names the encryption operation/);
});

test('--compat upstream refuses an encrypted slot (upstream launchers cannot decrypt it)', async () => {
  const { spec } = manifestToSpec(manifest({ encryption: 'aes256-gcm', key_source: 'env:K' }), FILE);
  await assert.rejects(
    applyUpstreamCompat(spec),
    (e: unknown) =>
      e instanceof FlavorError && e.code === 'MANIFEST_INVALID' && /slots\[0\]\.encryption/.test(e.message),
  );
});

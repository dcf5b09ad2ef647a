// parseMetadata / checksumHex: our builder's output, an upstream-Python-style document (facts §4.2), and
// every missing or wrongly typed required field.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assembleMetadata } from '../../src/builder/metadata.js';
import { isFlavorError } from '../../src/errors.js';
import { checksumHex, encodeMetadata, parseMetadata } from '../../src/format/metadata.js';

const HEX = 'ab'.repeat(32);
const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

function ours() {
  return assembleMetadata(
    {
      package: { name: 'demo', version: '1.0.0' },
      execution: { command: '{workenv}/bin/demo', env: { A: 'b' }, primarySlot: 0 },
      slots: [
        {
          id: 'app',
          source: '/abs/app',
          target: '{workenv}',
          operations: 'tar.zst',
          purpose: 'code',
          lifecycle: 'runtime',
        },
      ],
      runtime: { env: { unset: ['PYTHONPATH'] } },
      workenv: { directories: [{ path: '{workenv}/tmp', mode: '0700' }] },
    },
    [{ sha256: HEX, size: 10, originalSize: 20, operations: 'tar.zst', sourceLabel: 'app' }],
    {
      toolVersion: '0.1.0',
      timestamp: 0,
      deterministic: true,
      launcher: { size: 5, sha256: HEX, version: 'x' },
    },
  );
}

/** Upstream Python builder output (facts §4.2), trimmed to one slot of each kind. */
function upstream(): Record<string, unknown> {
  return {
    format: 'PSPF/2025',
    format_version: '1.0.0',
    package: { name: 'taster', version: '1.0.0' },
    slots: [
      {
        slot: 0,
        id: 'uv',
        source: '/tmp/flavor_build_x/payload/bin/uv',
        target: '{workenv}/bin/uv',
        size: 40000000,
        checksum: `sha256:${HEX}`,
        operations: 'gzip',
        purpose: 'tool',
        lifecycle: 'runtime',
        permissions: '0700',
      },
      {
        slot: 1,
        id: 'python',
        source: '/tmp/flavor_build_x/python.tgz',
        target: '{workenv}',
        size: 31000000,
        checksum: `sha256:${HEX}`,
        operations: 'tgz',
        purpose: 'runtime',
        lifecycle: 'runtime',
        permissions: null,
      },
    ],
    execution: { primary_slot: 0, command: '{workenv}/bin/taster', env: {} },
    verification: {
      integrity_seal: { required: true, algorithm: 'ed25519' },
      signed: true,
      require_verification: true,
    },
    build: {
      tool: 'flavor-python',
      tool_version: '0.3.0',
      deterministic: true,
      platform: { os: 'linux', arch: 'amd64', host: 'deterministic-build' },
      timestamp: '2025-01-01T00:00:00+00:00',
    },
    launcher: {
      tool: 'launcher',
      tool_version: '0.3.0',
      size: 3580354,
      checksum: `sha256:sha256:${HEX}`,
      capabilities: ['mmap'],
    },
    compatibility: { min_format_version: '1.0.0', features: ['setup_commands'] },
    cache_validation: { check_file: '{workenv}/metadata/installed', expected_content: 'taster-1.0.0' },
    setup_commands: [{ type: 'chmod', path: '{workenv}/bin/*', mode: '700' }],
    runtime: { env: { unset: ['PYTHONPATH'] } },
    workenv: { directories: [{ path: '{workenv}/tmp', mode: '0700' }], env: { TMPDIR: '{workenv}/tmp' } },
  };
}

function schemaError(doc: unknown, field: string): void {
  assert.throws(
    () => parseMetadata(enc(doc)),
    (e: unknown) =>
      isFlavorError(e, 'METADATA_SCHEMA') &&
      e.details?.field === field &&
      e.message.startsWith(`metadata field ${field}: expected`),
    `expected METADATA_SCHEMA naming ${field}`,
  );
}

describe('parseMetadata accepts', () => {
  test('our builder output, byte for byte as encoded', () => {
    const m = ours();
    const parsed = parseMetadata(encodeMetadata(m));
    assert.deepEqual(parsed, JSON.parse(JSON.stringify(m)));
    assert.equal(parsed.slots[0]!.checksum, `sha256:${HEX}`);
    assert.deepEqual(parsed.execution.env, { A: 'b' });
    assert.deepEqual(parsed.execution.environment, { A: 'b' });
  });

  test('an upstream-Python-style document (doubled launcher prefix, null permissions, tgz)', () => {
    const parsed = parseMetadata(enc(upstream()));
    assert.equal(parsed.package.name, 'taster');
    assert.equal(parsed.slots[1]!.permissions, null);
    assert.equal(checksumHex(parsed.launcher!.checksum!), HEX);
  });

  test('what upstream 0.5.4 builders omit: no primary_slot (slot 0), env only, format_version ""', () => {
    const doc = upstream();
    doc.format_version = '';
    const execution = doc.execution as Record<string, unknown>;
    delete execution.primary_slot;
    execution.env = { GREETING: 'hi' };
    const parsed = parseMetadata(enc(doc));
    assert.equal(parsed.execution.primary_slot, 0);
    assert.equal(parsed.execution.environment, undefined);
    assert.deepEqual(parsed.execution.env, { GREETING: 'hi' });
    assert.equal(parsed.format_version, '');
  });

  test('unknown extra keys (forward compatible)', () => {
    const doc = upstream();
    doc.future_section = { x: 1 };
    (doc.package as Record<string, unknown>).homepage = 'https://example.org';
    assert.equal(parseMetadata(enc(doc)).future_section !== undefined, true);
  });
});

describe('parseMetadata rejects', () => {
  const cases: Array<[string, (d: Record<string, unknown>) => void]> = [
    ['format', (d) => delete d.format],
    ['format', (d) => (d.format = 'PSPF/2024')],
    ['format_version', (d) => (d.format_version = 1)],
    ['package', (d) => delete d.package],
    ['package', (d) => (d.package = 'x')],
    ['package.name', (d) => delete (d.package as Record<string, unknown>).name],
    ['package.name', (d) => ((d.package as Record<string, unknown>).name = '')],
    ['package.version', (d) => ((d.package as Record<string, unknown>).version = 1)],
    ['slots', (d) => delete d.slots],
    ['slots', (d) => (d.slots = {})],
    ['slots[0]', (d) => ((d.slots as unknown[])[0] = 'x')],
    ['slots[0].slot', (d) => delete (d.slots as Array<Record<string, unknown>>)[0]!.slot],
    ['slots[1].slot', (d) => ((d.slots as Array<Record<string, unknown>>)[1]!.slot = 0)],
    ['slots[0].slot', (d) => ((d.slots as Array<Record<string, unknown>>)[0]!.slot = -1)],
    ['slots[0].slot', (d) => ((d.slots as Array<Record<string, unknown>>)[0]!.slot = 0.5)],
    ['slots[0].id', (d) => delete (d.slots as Array<Record<string, unknown>>)[0]!.id],
    ['slots[0].target', (d) => ((d.slots as Array<Record<string, unknown>>)[0]!.target = null)],
    ['slots[0].size', (d) => ((d.slots as Array<Record<string, unknown>>)[0]!.size = '10')],
    ['slots[0].size', (d) => ((d.slots as Array<Record<string, unknown>>)[0]!.size = 2 ** 60)],
    ['slots[0].original_size', (d) => ((d.slots as Array<Record<string, unknown>>)[0]!.original_size = -1)],
    ['slots[0].checksum', (d) => delete (d.slots as Array<Record<string, unknown>>)[0]!.checksum],
    ['slots[0].checksum', (d) => ((d.slots as Array<Record<string, unknown>>)[0]!.checksum = HEX)],
    [
      'slots[0].checksum',
      (d) => ((d.slots as Array<Record<string, unknown>>)[0]!.checksum = `sha256:${HEX.toUpperCase()}`),
    ],
    [
      'slots[0].checksum',
      (d) => ((d.slots as Array<Record<string, unknown>>)[0]!.checksum = `sha256:sha256:${HEX}`),
    ],
    ['slots[0].operations', (d) => delete (d.slots as Array<Record<string, unknown>>)[0]!.operations],
    ['slots[0].purpose', (d) => ((d.slots as Array<Record<string, unknown>>)[0]!.purpose = 3)],
    ['slots[0].lifecycle', (d) => delete (d.slots as Array<Record<string, unknown>>)[0]!.lifecycle],
    ['slots[0].permissions', (d) => ((d.slots as Array<Record<string, unknown>>)[0]!.permissions = '0999')],
    ['slots[0].permissions', (d) => ((d.slots as Array<Record<string, unknown>>)[0]!.permissions = 493)],
    ['slots[0].source', (d) => ((d.slots as Array<Record<string, unknown>>)[0]!.source = 1)],
    ['execution', (d) => delete d.execution],
    ['execution.primary_slot', (d) => ((d.execution as Record<string, unknown>).primary_slot = -1)],
    ['execution.command', (d) => ((d.execution as Record<string, unknown>).command = '')],
    ['execution.env.X', (d) => ((d.execution as Record<string, unknown>).env = { X: 1 })],
    ['execution.environment', (d) => ((d.execution as Record<string, unknown>).environment = [])],
    ['launcher.checksum', (d) => ((d.launcher as Record<string, unknown>).checksum = 5)],
    ['cache_validation.check_file', (d) => (d.cache_validation = {})],
    ['setup_commands', (d) => (d.setup_commands = {})],
    ['runtime.env.unset[0]', (d) => (d.runtime = { env: { unset: [1] } })],
    ['runtime.env.set', (d) => (d.runtime = { env: { set: 'x' } })],
    ['workenv.directories[0].path', (d) => (d.workenv = { directories: [{ mode: '0700' }] })],
    ['workenv.directories', (d) => (d.workenv = { directories: 'x' })],
    ['build', (d) => (d.build = 'x')],
  ];
  for (const [field, edit] of cases) {
    test(`${field}: ${edit
      .toString()
      .replace(/^\(d\) => /, '')
      .slice(0, 70)}`, () => {
      const d = upstream();
      edit(d);
      schemaError(d, field);
    });
  }

  test('a root that is not an object', () => {
    schemaError([], '(root)');
    schemaError(null, '(root)');
  });

  test('an unknown operation chain is UNKNOWN_OPERATION', () => {
    const d = upstream();
    (d.slots as Array<Record<string, unknown>>)[0]!.operations = 'lz4';
    assert.throws(
      () => parseMetadata(enc(d)),
      (e: unknown) => isFlavorError(e, 'UNKNOWN_OPERATION'),
    );
  });

  test('non-UTF-8 bytes → METADATA_JSON', () => {
    const bytes = enc(upstream());
    const bad = new Uint8Array([...bytes.subarray(0, 20), 0xff, 0xfe, ...bytes.subarray(20)]);
    assert.throws(
      () => parseMetadata(bad),
      (e: unknown) => isFlavorError(e, 'METADATA_JSON') && /UTF-8/.test(e.message),
    );
  });

  test('invalid JSON → METADATA_JSON', () => {
    for (const text of ['', '{', '{"format": "PSPF/2025",}', 'NaN', '\u0000']) {
      assert.throws(
        () => parseMetadata(new TextEncoder().encode(text)),
        (e: unknown) => isFlavorError(e, 'METADATA_JSON'),
        JSON.stringify(text),
      );
    }
  });

  test('more than 16 MiB of JSON → METADATA_TOO_LARGE before parsing', () => {
    const big = new Uint8Array(16 * 1024 * 1024 + 1).fill(0x20);
    assert.throws(
      () => parseMetadata(big),
      (e: unknown) => isFlavorError(e, 'METADATA_TOO_LARGE'),
    );
  });
});

describe('checksumHex', () => {
  test('accepts sha256:<hex> and the doubled upstream prefix', () => {
    assert.equal(checksumHex(`sha256:${HEX}`), HEX);
    assert.equal(checksumHex(`sha256:sha256:${HEX}`), HEX);
  });
  test('rejects anything else', () => {
    for (const bad of [
      HEX,
      `sha256:${HEX.slice(2)}`,
      `sha256:${HEX}00`,
      `sha256:sha256:sha256:${HEX}`,
      `SHA256:${HEX}`,
      `sha256:${HEX.toUpperCase()}`,
      `md5:${HEX}`,
      '',
    ]) {
      assert.equal(checksumHex(bad), undefined, bad);
    }
  });
});

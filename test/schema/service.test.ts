// Service mode settings (src/schema/service.ts): one rule for pyproject.toml [tool.flavor.runtime], build
// manifests' `runtime` and the signed metadata's `runtime`, which the Go launcher checks the same way
// (shared vectors ok-service, fail-service-*).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { manifestToSpec } from '../../src/builder/manifest.js';
import { assembleMetadata } from '../../src/builder/metadata.js';
import { type FlavorError, isFlavorError } from '../../src/errors.js';
import { encodeMetadata, parseMetadata } from '../../src/format/metadata.js';
import { parseProject } from '../../src/python/manifest.js';

const PYPROJECT = `[project]
name = "web"
version = "1.0.0"

[project.scripts]
web = "web.server:main"
`;
const MANIFEST = { package: { name: 'web', version: '1' }, execution: { command: 'x' }, slots: [] };

const fromPyproject = (runtime: string) =>
  parseProject(`${PYPROJECT}\n[tool.flavor.runtime]\n${runtime}\n`, '/p/pyproject.toml');
const fromManifest = (runtime: Record<string, unknown>) =>
  manifestToSpec({ ...MANIFEST, runtime }, '/m/flavor.json').spec;

function rejects(fn: () => unknown, code: string, ...fragments: string[]): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(isFlavorError(error), String(error));
    assert.equal((error as FlavorError).code, code);
    for (const f of fragments)
      assert.ok((error as Error).message.includes(f), `"${(error as Error).message}" lacks "${f}"`);
    return true;
  });
}

describe('service settings', () => {
  test('pyproject [tool.flavor.runtime] persistent and port', () => {
    const p = fromPyproject('persistent = true\nport = 8000');
    assert.deepEqual(p.service, { persistent: true, port: 8000 });
    assert.deepEqual(p.warnings, []);
    assert.deepEqual(fromPyproject('persistent = true').service, { persistent: true });
    assert.equal(fromPyproject('persistent = false').service, undefined);
    assert.equal(parseProject(PYPROJECT, '/p/pyproject.toml').service, undefined);
    assert.match(
      fromPyproject('persistent = true\nworkers = 2').warnings.join('\n'),
      /unknown key tool\.flavor\.runtime\.workers/,
    );
  });

  test('build manifest runtime.persistent and runtime.port', () => {
    assert.deepEqual(fromManifest({ persistent: true, port: 65535 }).service, {
      persistent: true,
      port: 65535,
    });
    assert.equal(fromManifest({ persistent: true }).runtime, undefined, 'no runtime.env is invented');
    assert.deepEqual(fromManifest({ persistent: true, env: { unset: ['A'] } }).runtime, {
      env: { unset: ['A'] },
    });
    rejects(
      () => fromManifest({ persistent: true, prot: 8000 }),
      'MANIFEST_INVALID',
      'runtime.prot: unknown key',
    );
  });

  test('the same values are refused in both inputs', () => {
    const cases: Array<[string, Record<string, unknown>, string, string]> = [
      [
        'port = 0\npersistent = true',
        { port: 0, persistent: true },
        'port',
        'a TCP port number from 1 to 65535',
      ],
      ['port = 65536\npersistent = true', { port: 65536, persistent: true }, 'port', 'from 1 to 65535'],
      ['port = 80.5\npersistent = true', { port: 80.5, persistent: true }, 'port', 'from 1 to 65535'],
      ['port = "8000"\npersistent = true', { port: '8000', persistent: true }, 'port', 'from 1 to 65535'],
      ['port = 8000', { port: 8000 }, 'port', 'no port unless persistent is true'],
      [
        'port = 8000\npersistent = false',
        { port: 8000, persistent: false },
        'port',
        'no port unless persistent',
      ],
      ['persistent = "yes"', { persistent: 'yes' }, 'persistent', 'true or false'],
    ];
    for (const [toml, json, key, expected] of cases) {
      rejects(() => fromPyproject(toml), 'PROJECT_INVALID', `tool.flavor.runtime.${key}`, expected);
      rejects(() => fromManifest(json), 'MANIFEST_INVALID', `runtime.${key}`, expected);
    }
  });

  test('the builder records them in the signed metadata, which the reader accepts', () => {
    const spec = fromManifest({ persistent: true, port: 8000 });
    const meta = assembleMetadata(spec, [], {
      toolVersion: '0',
      timestamp: 0,
      deterministic: true,
      launcher: { size: 1, sha256: 'ab'.repeat(32), version: 'x' },
    });
    assert.deepEqual(meta.runtime, { persistent: true, port: 8000 });
    assert.ok((meta.compatibility?.features as string[] | undefined)?.includes('service'));
    assert.deepEqual(parseMetadata(encodeMetadata(meta)).runtime, { persistent: true, port: 8000 });
    const noPort = { ...meta, runtime: { port: 8000 } };
    rejects(
      () => parseMetadata(encodeMetadata(noPort)),
      'METADATA_SCHEMA',
      'runtime.port',
      'no port unless persistent',
    );
  });
});

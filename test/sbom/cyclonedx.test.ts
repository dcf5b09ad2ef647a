// sbom/cyclonedx.ts and sbom/spdx.ts on a hand-made context: the documents validate against the official
// schemas, are deterministic (serialNumber from the content, no clock), and carry every fact given.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type CdxComponent, cycloneDx, pypiPurl } from '../../src/sbom/cyclonedx.js';
import { spdxFromCycloneDx } from '../../src/sbom/spdx.js';
import type { RuntimeLicenses, SbomContext, SbomDistribution } from '../../src/sbom/types.js';
import { cycloneDxValidator, schemaErrors, spdxValidator } from '../helpers/sbom-schemas.js';

const hex = (c: string) => c.repeat(64);

function dist(name: string, extra: Partial<SbomDistribution> = {}): SbomDistribution {
  return {
    name,
    version: '1.0',
    license: { classifiers: [] },
    requires: [],
    slot: 'site-packages',
    origin: {
      kind: 'wheel',
      url: `https://files.pythonhosted.org/packages/aa/${name}-1.0-py3-none-any.whl`,
      sha256: hex('a'),
      index: 'https://pypi.org/simple',
    },
    ...extra,
  };
}

function context(overrides: Partial<SbomContext> = {}): SbomContext {
  return {
    package: { name: 'demo', version: '2.0', description: 'a demo' },
    toolVersion: '0.1.0',
    launcher: { tool: 'flavor-launcher', version: '0.1.0', sha256: hex('b'), size: 1000 },
    slots: [
      {
        id: 'runtime',
        purpose: 'runtime',
        lifecycle: 'runtime',
        target: '{workenv}',
        operations: 'tar.zst',
        sha256: hex('c'),
        size: 10,
      },
      {
        id: 'app',
        purpose: 'code',
        lifecycle: 'runtime',
        target: '{workenv}/app',
        operations: 'tar.zst',
        sha256: hex('d'),
        size: 5,
      },
    ],
    input: {
      python: {
        installer: 'uv',
        runtime: {
          implementation: 'cpython',
          version: '3.12.1',
          source: '--python-dist',
          archive: 'cpython-3.12.1-x86_64-unknown-linux-gnu-install_only.tar.gz',
          sha256: hex('e'),
          hashOf: 'archive',
          abi: 'cpython-312-x86_64-linux-gnu',
          platform: 'linux-x86_64',
          libc: 'glibc 2.36',
          bundledLibs: ['libssl.so.3'],
        },
        distributions: [
          dist('Demo_App', {
            slot: 'app',
            requires: ['lib-one'],
            license: { license: 'Custom Terms', classifiers: [] },
          }),
          dist('lib_one', {
            requires: ['lib-two'],
            license: { expression: 'MIT OR Apache-2.0', classifiers: [] },
          }),
          dist('lib-two', {
            license: { classifiers: ['OSI Approved :: BSD License', 'OSI Approved :: MIT License'] },
            origin: { kind: 'sdist', url: 'https://example.org/lib-two-1.0.tar.gz', sha256: hex('f') },
          }),
        ].map((d) => (d.slot === 'app' ? { ...d, origin: undefined } : d)) as SbomDistribution[],
      },
    },
    ...overrides,
  };
}

test('the CycloneDX document validates against the official 1.6 schema', () => {
  const validate = cycloneDxValidator();
  for (const ctx of [context(), context({ sourceDateEpoch: 1_767_225_600 }), context({ input: {} })]) {
    const doc = cycloneDx(ctx);
    assert.ok(validate(doc), schemaErrors(validate));
  }
  const broken = cycloneDx(context()) as unknown as { components: Array<Record<string, unknown>> };
  broken.components[2]!.licenses = [{ license: { id: 'Not-A-Licence' } }];
  assert.equal(validate(broken), false, 'the validator refuses an unknown SPDX identifier');
});

test('deterministic: same input, same bytes; serialNumber from the content; time only from SOURCE_DATE_EPOCH', () => {
  const a = JSON.stringify(cycloneDx(context()));
  assert.equal(JSON.stringify(cycloneDx(context())), a);
  const doc = cycloneDx(context());
  assert.match(
    doc.serialNumber,
    /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
  );
  assert.equal(doc.metadata.timestamp, undefined, 'no clock without SOURCE_DATE_EPOCH');
  const dated = cycloneDx(context({ sourceDateEpoch: 1_767_225_600 }));
  assert.equal(dated.metadata.timestamp, '2026-01-01T00:00:00Z');
  assert.notEqual(dated.serialNumber, doc.serialNumber);
  const other = cycloneDx(context({ launcher: { ...context().launcher, sha256: hex('0') } }));
  assert.notEqual(other.serialNumber, doc.serialNumber, 'any change of content changes the serialNumber');
});

test('components: launcher, runtime, every distribution with licence, hash and file, slots; the dependency graph', () => {
  const doc = cycloneDx(context());
  const byRef = new Map(doc.components.map((c) => [c['bom-ref'], c]));
  assert.deepEqual(byRef.get('launcher')?.hashes, [{ alg: 'SHA-256', content: hex('b') }]);
  const runtime = byRef.get('python-runtime')!;
  assert.equal(runtime.version, '3.12.1');
  assert.deepEqual(runtime.hashes, [{ alg: 'SHA-256', content: hex('e') }]);
  assert.ok(
    runtime.properties?.some((p) => p.name === 'flavorpack:python:archive' && p.value.endsWith('.tar.gz')),
  );
  const one = byRef.get('pkg:pypi/lib-one@1.0')!;
  assert.deepEqual(one.licenses, [{ expression: 'MIT OR Apache-2.0' }]);
  assert.deepEqual(one.externalReferences, [{ type: 'distribution', url: dist('lib_one').origin!.url }]);
  const two = byRef.get('pkg:pypi/lib-two@1.0')!;
  assert.deepEqual(two.licenses, [
    { license: { name: 'OSI Approved :: BSD License' } },
    { license: { id: 'MIT' } },
  ]);
  assert.ok(two.properties?.some((p) => p.name === 'flavorpack:python:origin' && p.value === 'sdist'));
  const app = byRef.get('pkg:pypi/demo-app@1.0')!;
  assert.equal(app.hashes, undefined, 'built from source at pack time: no index file');
  assert.ok(app.properties?.some((p) => p.value === 'built-from-source'));
  assert.deepEqual(byRef.get('slot:app')?.hashes, [{ alg: 'SHA-256', content: hex('d') }]);
  const deps = new Map(doc.dependencies.map((d) => [d.ref, d.dependsOn]));
  assert.deepEqual(deps.get('package'), [
    'launcher',
    'python-runtime',
    'pkg:pypi/demo-app@1.0',
    'slot:runtime',
    'slot:app',
  ]);
  assert.deepEqual(deps.get('pkg:pypi/demo-app@1.0'), ['pkg:pypi/lib-one@1.0']);
  assert.deepEqual(deps.get('pkg:pypi/lib-one@1.0'), ['pkg:pypi/lib-two@1.0']);
  const refs = new Set([...byRef.keys(), 'package']);
  for (const d of doc.dependencies) for (const r of [d.ref, ...d.dependsOn]) assert.ok(refs.has(r), r);
});

test('a package without Python (build manifest): launcher and slots only', () => {
  const doc = cycloneDx(context({ input: undefined }));
  assert.deepEqual(
    doc.components.map((c) => c['bom-ref']),
    ['launcher', 'slot:runtime', 'slot:app'],
  );
});

test('purl: normalised name, encoded version, repository_url only off PyPI', () => {
  assert.equal(pypiPurl('Foo_Bar.baz', '1.0+local'), 'pkg:pypi/foo-bar-baz@1.0%2Blocal');
  assert.equal(pypiPurl('x', '1', 'https://pypi.org/simple/'), 'pkg:pypi/x@1');
  assert.equal(
    pypiPurl('x', '1', 'https://mirror.example/simple'),
    'pkg:pypi/x@1?repository_url=https%3A%2F%2Fmirror.example%2Fsimple',
  );
});

test('SPDX 2.3 from the same model validates against the SPDX 2.3 schema and keeps every fact', async (t) => {
  const validate = await spdxValidator();
  if (typeof validate === 'string') return t.skip(validate);
  const bom = cycloneDx(context({ sourceDateEpoch: 1_767_225_600 }));
  const spdx = spdxFromCycloneDx(bom);
  assert.ok(validate(spdx), schemaErrors(validate));
  assert.equal(spdx.creationInfo.created, '2026-01-01T00:00:00Z');
  assert.ok(spdx.documentNamespace.endsWith(bom.serialNumber.replace('urn:uuid:', '')));
  const byName = new Map(spdx.packages.map((p) => [p.name, p]));
  assert.equal(byName.get('lib_one')?.licenseDeclared, 'MIT OR Apache-2.0');
  assert.equal(byName.get('lib_one')?.downloadLocation, dist('lib_one').origin!.url);
  assert.deepEqual(byName.get('lib_one')?.checksums, [{ algorithm: 'SHA256', checksumValue: hex('a') }]);
  assert.equal(
    byName.get('lib-two')?.licenseDeclared,
    'NOASSERTION',
    'two classifiers: no guess how they combine',
  );
  assert.match(byName.get('lib-two')?.licenseComments ?? '', /BSD License; MIT/);
  assert.equal(byName.get('Demo_App')?.licenseDeclared, 'LicenseRef-Custom-Terms');
  assert.equal(byName.get('Demo_App')?.downloadLocation, 'NONE');
  assert.deepEqual(
    spdx.hasExtractedLicensingInfos?.map((l) => l.licenseId),
    ['LicenseRef-Custom-Terms'],
  );
  assert.ok(
    spdx.relationships.some(
      (r) =>
        r.spdxElementId === 'SPDXRef-DOCUMENT' &&
        r.relationshipType === 'DESCRIBES' &&
        r.relatedSpdxElement === 'SPDXRef-package',
    ),
  );
  assert.equal(
    spdx.relationships.filter((r) => r.relationshipType === 'CONTAINS').length,
    2,
    'package CONTAINS its slots',
  );
  assert.equal(JSON.stringify(spdxFromCycloneDx(bom)), JSON.stringify(spdx), 'deterministic');
  const undated = spdxFromCycloneDx(cycloneDx(context()), '2025-05-05T10:00:00Z');
  assert.equal(undated.creationInfo.created, '2025-05-05T10:00:00Z', 'no SOURCE_DATE_EPOCH: the build time');
  assert.ok(validate(undated), schemaErrors(validate));
});

/** The context with the runtime's licences: the portable runtime's (complete) or CPython's only. */
function withRuntimeLicenses(licenses: RuntimeLicenses): SbomContext {
  const base = context({ sourceDateEpoch: 1_767_225_600 });
  const python = base.input!.python!;
  return { ...base, input: { python: { ...python, runtime: { ...python.runtime, licenses } } } };
}

const PORTABLE_LICENSES: RuntimeLicenses = {
  complete: true,
  components: [
    { name: 'cpython', version: '3.12.1', license: 'PSF-2.0', files: ['share/licenses/cpython/LICENSE'] },
    {
      name: 'openssl',
      version: '3.0.20',
      license: 'Apache-2.0',
      files: ['share/licenses/openssl/LICENSE.txt'],
    },
    {
      name: 'xz',
      version: '5.4.1',
      license: 'LicenseRef-public-domain',
      files: ['share/licenses/xz/COPYING'],
    },
  ],
};

test('runtime licences: CPython’s on the runtime, each linked library a component it depends on', () => {
  const doc = cycloneDx(withRuntimeLicenses(PORTABLE_LICENSES));
  const validate = cycloneDxValidator();
  assert.ok(validate(doc), schemaErrors(validate));
  const byRef = new Map(doc.components.map((c) => [c['bom-ref'], c]));
  const runtime = byRef.get('python-runtime')!;
  assert.deepEqual(runtime.licenses, [{ expression: 'PSF-2.0' }]);
  const prop = (c: CdxComponent, name: string) => c.properties?.find((p) => p.name === name)?.value;
  assert.equal(prop(runtime, 'flavorpack:python:license_files'), 'share/licenses/cpython/LICENSE');
  assert.equal(prop(runtime, 'flavorpack:python:runtime_components'), 'all');
  const openssl = byRef.get('python-runtime:openssl')!;
  assert.equal(openssl.type, 'library');
  assert.equal(openssl.version, '3.0.20');
  assert.equal(openssl.purl, 'pkg:generic/openssl@3.0.20');
  assert.deepEqual(openssl.licenses, [{ expression: 'Apache-2.0' }]);
  assert.equal(prop(openssl, 'flavorpack:runtime:license_files'), 'share/licenses/openssl/LICENSE.txt');
  assert.equal(byRef.has('python-runtime:cpython'), false, 'CPython is the runtime component itself');
  const deps = new Map(doc.dependencies.map((d) => [d.ref, d.dependsOn]));
  assert.deepEqual(deps.get('python-runtime'), ['python-runtime:openssl', 'python-runtime:xz']);
  assert.deepEqual(deps.get('python-runtime:xz'), []);
});

test('runtime licences of a runtime not built by the recipe: CPython only, said so', () => {
  const ctx = withRuntimeLicenses({
    complete: false,
    components: [{ name: 'cpython', version: '3.12.1', license: 'PSF-2.0', files: [] }],
  });
  // The Windows embeddable runtime names its implementation "CPython".
  ctx.input!.python!.runtime.implementation = 'CPython';
  const doc = cycloneDx(ctx);
  const runtime = doc.components.find((c) => c['bom-ref'] === 'python-runtime')!;
  assert.deepEqual(runtime.licenses, [{ expression: 'PSF-2.0' }]);
  const names = runtime.properties?.map((p) => p.name) ?? [];
  assert.ok(!names.includes('flavorpack:python:license_files'), 'no licence file: no property');
  assert.equal(
    runtime.properties?.find((p) => p.name === 'flavorpack:python:runtime_components')?.value,
    'cpython-only',
  );
  assert.ok(!doc.components.some((c) => c['bom-ref'].startsWith('python-runtime:')));
});

test('SPDX: the runtime CONTAINS its libraries; a LicenseRef gets its extracted licensing info', async (t) => {
  const validate = await spdxValidator();
  if (typeof validate === 'string') return t.skip(validate);
  const spdx = spdxFromCycloneDx(cycloneDx(withRuntimeLicenses(PORTABLE_LICENSES)));
  assert.ok(validate(spdx), schemaErrors(validate));
  const byName = new Map(spdx.packages.map((p) => [p.name, p]));
  assert.equal(byName.get('cpython')?.licenseDeclared, 'PSF-2.0');
  assert.equal(byName.get('openssl')?.licenseDeclared, 'Apache-2.0');
  assert.equal(byName.get('xz')?.licenseDeclared, 'LicenseRef-public-domain');
  assert.ok(spdx.hasExtractedLicensingInfos?.some((l) => l.licenseId === 'LicenseRef-public-domain'));
  const runtimeId = byName.get('cpython')!.SPDXID;
  const contained = spdx.relationships
    .filter((r) => r.spdxElementId === runtimeId && r.relationshipType === 'CONTAINS')
    .map((r) => r.relatedSpdxElement);
  assert.deepEqual(contained, [byName.get('openssl')!.SPDXID, byName.get('xz')!.SPDXID]);
});

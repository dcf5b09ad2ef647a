// `flavor inspect --sbom` on a build-manifest package: the CycloneDX document the signed metadata carries
// (launcher and slots, with the hashes of the bytes in the file), its SPDX 2.3 form, both valid against
// the official schemas; an edit of the SBOM breaks the signature; a package without one is a clear error.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { adler32 } from '../../src/crypto/digest.js';
import {
  decodeIndexBlock,
  INDEX_FIELDS,
  INDEX_SIZE,
  indexChecksumInput,
  TRAILER_SIZE,
} from '../../src/format/index.js';
import { gzipMetadata } from '../../src/payload/metadata-gzip.js';
import {
  parseJson,
  REPO_ROOT,
  runFlavor,
  tempDir,
  writeJson,
  writeLauncher,
  writeTree,
} from '../helpers/cli.js';
import { cycloneDxValidator, schemaErrors, spdxValidator } from '../helpers/sbom-schemas.js';

let work: string;
let pkg: string;
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

before(async () => {
  work = await tempDir('flavor-sbom-');
  const launcher = await writeLauncher(work);
  await writeTree(path.join(work, 'app'), { 'bin/run': '#!/bin/sh\necho run\n', 'data.txt': 'data\n' });
  await fs.writeFile(path.join(work, 'tool.bin'), 'tool bytes');
  await writeJson(path.join(work, 'flavor.json'), {
    package: { name: 'sbom-demo', version: '1.2.3' },
    execution: { command: '/bin/sh {workenv}/app/bin/run' },
    slots: [
      { id: 'app', source: 'app', target: '{workenv}/app', operations: 'tar.gz' },
      { id: 'tool', source: 'tool.bin', target: '{workenv}/tool.bin', operations: 'raw', purpose: 'tool' },
    ],
  });
  pkg = path.join(work, 'sbom-demo.psp');
  const r = await runFlavor(
    ['pack', '-m', 'flavor.json', '-o', pkg, '--launcher-bin', launcher, '--key-seed', 'sbom'],
    {
      cwd: work,
      env: { SOURCE_DATE_EPOCH: '1767225600' },
    },
  );
  assert.equal(r.code, 0, r.stderr);
});

after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

async function sbom(...args: string[]): Promise<Record<string, unknown>> {
  const r = await runFlavor(['inspect', pkg, '--sbom', ...args]);
  assert.equal(r.code, 0, r.stderr);
  return parseJson(r.stdout);
}

interface Component {
  'bom-ref': string;
  name: string;
  version?: string;
  hashes?: Array<{ alg: string; content: string }>;
}

test('inspect --sbom: CycloneDX 1.6, valid, listing the launcher and each slot with the hashes in the file', async () => {
  const doc = await sbom();
  const validate = cycloneDxValidator();
  assert.ok(validate(doc), schemaErrors(validate));
  assert.equal(doc.specVersion, '1.6');
  const meta = doc.metadata as { timestamp: string; component: Component };
  assert.equal(meta.timestamp, '2026-01-01T00:00:00Z', 'SOURCE_DATE_EPOCH, not the clock');
  assert.deepEqual([meta.component.name, meta.component.version], ['sbom-demo', '1.2.3']);
  const info = parseJson((await runFlavor(['inspect', pkg, '--json'])).stdout) as {
    launcher: { size: number };
    slots: Array<{ id: string; checksum: string }>;
  };
  const bytes = await fs.readFile(pkg);
  const components = doc.components as Component[];
  const launcher = components.find((c) => c['bom-ref'] === 'launcher');
  assert.equal(
    launcher?.hashes?.[0]?.content,
    sha256(bytes.subarray(0, info.launcher.size)),
    'the embedded launcher',
  );
  assert.deepEqual(
    components
      .filter((c) => c['bom-ref'].startsWith('slot:'))
      .map((c) => [c.name, `sha256:${c.hashes?.[0]?.content}`]),
    info.slots.map((s) => [s.id, s.checksum]),
  );
  const r = await runFlavor(['inspect', pkg, '--sbom', '--format', 'cyclonedx']);
  assert.deepEqual(parseJson(r.stdout), doc, '--format cyclonedx is the default');
});

test('inspect --sbom --format spdx: SPDX 2.3, valid against the SPDX schema, the same packages and hashes', async (t) => {
  const validate = await spdxValidator();
  if (typeof validate === 'string') return t.skip(validate);
  const doc = await sbom('--format', 'spdx');
  assert.ok(validate(doc), schemaErrors(validate));
  const packages = doc.packages as Array<{ name: string; checksums?: Array<{ checksumValue: string }> }>;
  const cdx = (await sbom()).components as Component[];
  assert.deepEqual(
    packages.slice(1).map((p) => [p.name, p.checksums?.[0]?.checksumValue]),
    cdx.map((c) => [c.name, c.hashes?.[0]?.content]),
  );
});

test('the SBOM is signed: changing one character of it (metadata checksums fixed) fails the signature', async () => {
  const original = await fs.readFile(pkg);
  const at = original.length - TRAILER_SIZE + 4;
  const index = decodeIndexBlock(original.subarray(at, at + INDEX_SIZE));
  const start = Number(index.metadataOffset);
  const stored = original.subarray(start, start + Number(index.metadataSize));
  const json = gunzipSync(stored).toString('utf8');
  const sbomStart = json.indexOf('"sbom": {');
  assert.ok(sbomStart > 0, 'the metadata has an sbom');
  const dataAt = json.indexOf('"data": "', sbomStart) + '"data": "'.length + 40;
  // Forge the encoded document (one base64 character) so that the metadata gzip keeps its length and
  // the layout stays as it is.
  let forged: Buffer | undefined;
  for (let i = 0; i < 64 && !forged; i++) {
    for (const char of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789') {
      if (json[dataAt + i] === char) continue;
      const edited = json.slice(0, dataAt + i) + char + json.slice(dataAt + i + 1);
      const gz = gzipMetadata(new TextEncoder().encode(edited));
      if (gz.length === stored.length) {
        forged = gz;
        break;
      }
    }
  }
  assert.ok(forged, 'found a same-length edit');
  const copy = Buffer.from(original);
  forged.copy(copy, start);
  const block = copy.subarray(at, at + INDEX_SIZE);
  Buffer.from(sha256(forged), 'hex').copy(block, INDEX_FIELDS.metadataChecksum);
  block.writeUInt32LE(adler32(indexChecksumInput(block)), INDEX_FIELDS.indexChecksum);
  const tampered = path.join(work, 'tampered.psp');
  await fs.writeFile(tampered, copy, { mode: 0o755 });
  for (const args of [
    ['verify', tampered],
    ['inspect', tampered, '--sbom'],
  ]) {
    const r = await runFlavor(args);
    assert.equal(r.code, 12, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /SIGNATURE_INVALID|signature/i);
    assert.equal(r.stdout, '', 'nothing of the forged SBOM is printed');
  }
  const run = spawnSync(tampered, [], {
    encoding: 'utf8',
    env: { PATH: '/usr/bin:/bin', FLAVOR_CACHE: path.join(work, 'cache') },
  });
  assert.notEqual(run.status, 0, 'the launcher refuses it');
  assert.match(run.stderr, /SIGNATURE_INVALID/);
});

test('a package without an SBOM (as upstream FlavorPack builds them): NOT_FOUND with a hint', async () => {
  const vector = await fs.readFile(path.join(REPO_ROOT, 'testdata', 'vectors', 'ok-gzip-slot.vec'));
  const plain = path.join(work, 'no-sbom.psp');
  await fs.writeFile(plain, vector.subarray(vector.indexOf('\n\n') + 2));
  const r = await runFlavor(['inspect', plain, '--sbom']);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /^flavor: error: .*this package carries no SBOM/m);
  assert.match(r.stderr, /^hint: .*pack it again/m);
  assert.equal(r.stdout, '');
});

test('--format needs --sbom and one of cyclonedx, spdx', async () => {
  const bad = await runFlavor(['inspect', pkg, '--sbom', '--format', 'swid']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown SBOM format "swid"/);
  assert.match(bad.stderr, /hint: use --format cyclonedx or --format spdx/);
  const alone = await runFlavor(['inspect', pkg, '--format', 'spdx']);
  assert.equal(alone.code, 2);
  assert.match(alone.stderr, /--format goes with --sbom/);
});

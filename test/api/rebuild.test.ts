// rebuild() (flavor verify --rebuild) on build-manifest packages, which need no Python and so show every
// rule quickly: the manifest's inputs are recorded; a rebuild from the same sources is the identical file
// without the private key (the signatures are replayed), trust keys and all; a changed source is named;
// a package packed without SOURCE_DATE_EPOCH is refused before any work; nothing is left behind.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { pack } from '../../src/api/pack.js';
import { rebuild, replaySigner } from '../../src/api/rebuild.js';
import { verify } from '../../src/api/verify.js';
import { signingKeyFromSeedText } from '../../src/crypto/keys.js';
import { isFlavorError } from '../../src/errors.js';
import { openPackage } from '../../src/reader/open.js';
import { tempDir, writeJson, writeLauncher, writeTree } from '../helpers/cli.js';

const EPOCH = 1_767_225_600;
const KEY = signingKeyFromSeedText('rebuild-api');
let work: string;
let launcher: string;
let manifest: string;
const savedTmp = process.env.TMPDIR;

const sha256 = async (file: string) =>
  createHash('sha256')
    .update(await fs.readFile(file))
    .digest('hex');

before(async () => {
  work = await tempDir('flavor-rebuild-api-');
  // Every temporary folder of pack() and rebuild() goes here: "nothing left behind" is checkable.
  await fs.mkdir(path.join(work, 'tmp'));
  process.env.TMPDIR = path.join(work, 'tmp');
  launcher = await writeLauncher(work);
  await fs.writeFile(path.join(work, 'payload.bin'), 'payload v1\n'.repeat(100));
  await writeTree(path.join(work, 'app'), { 'run.sh': 'echo hi\n', 'lib/data.txt': 'data\n' });
  manifest = path.join(work, 'flavor.json');
  await writeJson(manifest, {
    package: { name: 'rebuilt', version: '1.0.0' },
    execution: { command: '/bin/sh {workenv}/run.sh', env: {} },
    slots: [
      { id: 'app', source: 'app', target: '{workenv}', operations: 'tar.gz' },
      { id: 'payload', source: 'payload.bin', target: '{workenv}/payload.bin', operations: 'zstd' },
    ],
  });
});

after(async () => {
  process.env.TMPDIR = savedTmp;
  if (savedTmp === undefined) delete process.env.TMPDIR;
  await fs.rm(work, { recursive: true, force: true });
});

async function packed(name: string, sourceDateEpoch?: number): Promise<string> {
  const output = path.join(work, 'out', `${name}.psp`);
  await pack(manifest, {
    output,
    key: { signingKey: KEY },
    launcherBin: launcher,
    trustKeys: [Buffer.from(KEY.publicKeyRaw).toString('hex')],
    ...(sourceDateEpoch === undefined ? {} : { sourceDateEpoch }),
    cwd: work,
    env: {},
  });
  return output;
}

test('a build manifest records itself, its file sources, the launcher and the pack options', async () => {
  const pkg = await packed('recorded', EPOCH);
  const p = (await verify(pkg, { provenance: true })).provenance!;
  assert.deepEqual(p.parameters.source, { kind: 'build-manifest', manifest: 'flavor.json' });
  const options = p.parameters.options as Record<string, unknown>;
  assert.deepEqual(options.trust_keys, [Buffer.from(KEY.publicKeyRaw).toString('hex')]);
  assert.equal(typeof options.platform, 'string');
  assert.deepEqual(
    p.inputs.map((i) => [i.name, i.sha256]),
    [
      ['flavor.json', await sha256(manifest)],
      ['payload.bin', await sha256(path.join(work, 'payload.bin'))],
      ['launcher', p.subjects[0]!.sha256],
    ],
  );
  assert.equal(p.source_date_epoch, EPOCH);
});

test('a rebuild from the same sources is the identical file, without the private key', async () => {
  const pkg = await packed('same', EPOCH);
  const result = await rebuild(pkg, manifest, { cwd: work, env: {} });
  assert.equal(result.identical, true);
  assert.equal(result.sha256, await sha256(pkg));
  assert.deepEqual(await fs.readdir(path.join(work, 'tmp')), [], 'temporary folders left behind');
});

test('a rebuild after a source change names the slot and the input, and leaves nothing behind', async () => {
  const pkg = await packed('changed', EPOCH);
  const payload = path.join(work, 'payload.bin');
  const original = await fs.readFile(payload);
  await fs.writeFile(payload, 'payload v2\n'.repeat(100));
  try {
    await assert.rejects(rebuild(pkg, manifest, { cwd: work, env: {} }), (e: unknown) => {
      assert.ok(isFlavorError(e, 'REBUILD_DIFFERS'), String(e));
      const differences = e.details!.differences as string[];
      assert.match(differences[0]!, /^slot payload: sha256 [0-9a-f]{64} → [0-9a-f]{64}$/);
      assert.ok(
        differences.includes(
          'metadata.provenance.predicate.buildDefinition.resolvedDependencies[payload.bin].digest.sha256 differs',
        ),
        differences.join('\n'),
      );
      assert.ok(!differences.some((d) => d.startsWith('slot app')), 'the unchanged slot is not named');
      assert.equal(e.exitCode, 11);
      return true;
    });
  } finally {
    await fs.writeFile(payload, original);
  }
  assert.deepEqual(await fs.readdir(path.join(work, 'tmp')), [], 'temporary folders left behind');
});

test('a package packed without SOURCE_DATE_EPOCH cannot be rebuilt: REBUILD_UNSUPPORTED before any work', async () => {
  const pkg = await packed('clock');
  await assert.rejects(rebuild(pkg, manifest, { cwd: work, env: {} }), (e: unknown) => {
    assert.ok(isFlavorError(e, 'REBUILD_UNSUPPORTED'), String(e));
    assert.match(e.message, /without SOURCE_DATE_EPOCH/);
    return true;
  });
});

test('the replay signer returns the original signatures for the original messages only', async () => {
  const pkg = await openPackage(await packed('replay', EPOCH));
  const signer = replaySigner(pkg);
  assert.deepEqual(signer.publicKeyRaw, pkg.index.publicKey);
  assert.deepEqual(signer.sign(pkg.metadataJson), pkg.index.signature);
  const changed = new Uint8Array(pkg.metadataJson);
  changed[10]! ^= 1;
  assert.deepEqual(signer.sign(changed), new Uint8Array(64));
});

// builder/: manifest parsing (JSON + TOML, sources relative to the manifest, not the CWD), buildPackage
// output (mode 0755, temp file + rename, no absolute build paths, env + environment, full sha256 per slot)
// and trust-block patching.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildPackage } from '../../src/builder/build.js';
import { loadBuildManifest, manifestToSpec } from '../../src/builder/manifest.js';
import { patchTrustBlock } from '../../src/builder/trust-block.js';
import { signingKeyFromSeedText } from '../../src/crypto/keys.js';
import { isFlavorError } from '../../src/errors.js';
import { openPackage } from '../../src/reader/open.js';
import { verifyPackage } from '../../src/reader/verify.js';

const KEY = signingKeyFromSeedText('builder-test');
let work: string;

before(async () => {
  work = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'flavor-builder-')));
  await fs.mkdir(path.join(work, 'proj', 'app', 'bin'), { recursive: true });
  await fs.writeFile(path.join(work, 'proj', 'app', 'bin', 'run'), '#!/bin/sh\n');
  await fs.writeFile(path.join(work, 'proj', 'data.txt'), 'data '.repeat(100));
  await fs.writeFile(path.join(work, 'launcher'), '#!/bin/sh\nexit 0\n');
});

after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

const MANIFEST = {
  package: { name: 'built', version: '1.2.3' },
  execution: { command: '{workenv}/bin/run', environment: { MODE: 'prod' } },
  slots: [
    { id: 'app', source: 'app', target: '{workenv}', operations: 'tar.gz' },
    {
      id: 'data',
      source: './data.txt',
      target: '{workenv}/data.txt',
      operations: 'zstd',
      permissions: '0640',
    },
  ],
};

describe('manifest', () => {
  test('JSON: sources resolve against the manifest folder, not the CWD', async () => {
    const file = path.join(work, 'proj', 'flavor.json');
    await fs.writeFile(file, JSON.stringify(MANIFEST));
    const cwd = process.cwd();
    process.chdir(os.tmpdir());
    try {
      const { spec } = await loadBuildManifest(path.relative(process.cwd(), file));
      assert.equal(spec.slots[0]!.source, path.join(work, 'proj', 'app'));
      assert.equal(spec.slots[1]!.source, path.join(work, 'proj', 'data.txt'));
      assert.deepEqual(
        spec.slots.map((s) => s.label),
        ['app', 'data.txt'],
      );
      assert.deepEqual(spec.execution.env, { MODE: 'prod' }, '`environment` is read like `env`');
      assert.equal(spec.execution.primarySlot, 0);
      assert.equal(spec.slots[1]!.permissions, '0640');
      assert.equal(spec.slots[0]!.lifecycle, 'runtime');
    } finally {
      process.chdir(cwd);
    }
  });

  test('TOML gives the same spec as JSON', async () => {
    const toml = path.join(work, 'proj', 'flavor.toml');
    await fs.writeFile(
      toml,
      `[package]\nname = "built"\nversion = "1.2.3"\n[execution]\ncommand = "{workenv}/bin/run"\n[execution.environment]\nMODE = "prod"\n` +
        `[[slots]]\nid = "app"\nsource = "app"\ntarget = "{workenv}"\noperations = "tar.gz"\n` +
        `[[slots]]\nid = "data"\nsource = "./data.txt"\ntarget = "{workenv}/data.txt"\noperations = "zstd"\npermissions = "0640"\n`,
    );
    const fromToml = await loadBuildManifest(toml);
    const fromJson = manifestToSpec(MANIFEST, path.join(work, 'proj', 'flavor.json'));
    assert.deepEqual(JSON.parse(JSON.stringify(fromToml)), JSON.parse(JSON.stringify(fromJson)));
  });

  test('a slot platform is read as written; a non-string is MANIFEST_INVALID', () => {
    const one = (platform: unknown) =>
      manifestToSpec(
        { ...MANIFEST, slots: [{ id: 'a', source: 'x', target: '{workenv}/x', platform }] },
        '/m/f.json',
      );
    assert.equal(one('darwin_arm64').spec.slots[0]!.platform, 'darwin_arm64');
    assert.equal('platform' in one(undefined).spec.slots[0]!, false);
    assert.throws(
      () => one(3),
      (e: unknown) => isFlavorError(e, 'MANIFEST_INVALID') && e.details?.field === 'slots[0].platform',
    );
  });

  test('env wins over environment when both are given; commands are kept', () => {
    const { spec } = manifestToSpec(
      {
        ...MANIFEST,
        execution: { command: 'x', env: { A: '1' }, environment: { B: '2' }, commands: { sh: '/bin/sh' } },
      },
      '/m/flavor.json',
    );
    assert.deepEqual(spec.execution.env, { A: '1' });
    assert.deepEqual(spec.execution.commands, { sh: '/bin/sh' });
  });

  test('errors are MANIFEST_INVALID naming the field and the file', () => {
    assert.throws(
      () => manifestToSpec({ ...MANIFEST, execution: { command: 'x', primary_slot: -1 } }, '/m/f.json'),
      (e: unknown) =>
        isFlavorError(e, 'MANIFEST_INVALID') &&
        e.details?.field === 'execution.primary_slot' &&
        e.path === '/m/f.json',
    );
    assert.throws(
      () =>
        manifestToSpec(
          { ...MANIFEST, slots: [{ id: 'a', source: '$SELF', target: '{workenv}' }] },
          '/m/f.json',
        ),
      (e: unknown) => isFlavorError(e, 'MANIFEST_INVALID') && e.details?.field === 'slots[0].source',
    );
    assert.throws(
      () =>
        manifestToSpec(
          { ...MANIFEST, slots: [{ id: 'a', source: 'x', target: '{workenv}', compression_level: 1.5 }] },
          '/m/f.json',
        ),
      (e: unknown) =>
        isFlavorError(e, 'MANIFEST_INVALID') && e.details?.field === 'slots[0].compression_level',
    );
  });
});

describe('buildPackage', () => {
  let output: string;
  before(async () => {
    const { spec } = manifestToSpec(MANIFEST, path.join(work, 'proj', 'flavor.json'));
    output = path.join(work, 'out', 'built.psp');
    await buildPackage(spec, {
      output,
      launcherPath: path.join(work, 'launcher'),
      key: KEY,
      toolVersion: 'test',
      sourceDateEpoch: 1_700_000_000,
    });
  });

  test('writes a 0755 file via temp + rename, leaving nothing else', async () => {
    assert.equal((await fs.stat(output)).mode & 0o777, 0o755);
    assert.deepEqual(await fs.readdir(path.dirname(output)), ['built.psp']);
  });

  test('the package verifies and its metadata has no absolute build paths', async () => {
    const report = await verifyPackage(output);
    const json = Buffer.from(report.package.metadataJson).toString('utf8');
    assert.equal(json.includes(work), false, 'metadata contains the build folder');
    assert.equal(json.includes(os.tmpdir()), false);
    const m = report.package.metadata;
    assert.deepEqual(
      m.slots.map((s) => s.source),
      ['app', 'data.txt'],
    );
    assert.deepEqual(m.execution.env, { MODE: 'prod' });
    assert.deepEqual(m.execution.environment, { MODE: 'prod' });
    assert.equal(m.build?.timestamp, '2023-11-14T22:13:20Z');
    assert.equal(m.build?.deterministic, true);
  });

  test('every slot carries the full sha256 of its stored bytes', async () => {
    const pkg = await openPackage(output);
    const file = await fs.readFile(output);
    pkg.slotRanges.forEach((r, i) => {
      const digest = createHash('sha256')
        .update(file.subarray(r.offset, r.offset + r.size))
        .digest('hex');
      assert.equal(pkg.metadata.slots[i]!.checksum, `sha256:${digest}`);
    });
    assert.equal(pkg.descriptors[1]!.permissions, 0o640);
  });

  test('a failing build leaves no package and no temp files', async () => {
    const { spec } = manifestToSpec(
      { ...MANIFEST, slots: [{ id: 'x', source: 'missing.txt', target: '{workenv}/x' }] },
      path.join(work, 'proj', 'flavor.json'),
    );
    const out = path.join(work, 'fail-out', 'x.psp');
    await assert.rejects(
      buildPackage(spec, {
        output: out,
        launcherPath: path.join(work, 'launcher'),
        key: KEY,
        toolVersion: 't',
      }),
      (e: unknown) => isFlavorError(e, 'SOURCE_INVALID'),
    );
    assert.deepEqual(await fs.readdir(path.dirname(out)).catch(() => []), []);
  });

  test('an empty launcher is LAUNCHER_NOT_FOUND', async () => {
    await fs.writeFile(path.join(work, 'empty-launcher'), '');
    const { spec } = manifestToSpec(MANIFEST, path.join(work, 'proj', 'flavor.json'));
    await assert.rejects(
      buildPackage(spec, {
        output: path.join(work, 'e.psp'),
        launcherPath: path.join(work, 'empty-launcher'),
        key: KEY,
        toolVersion: 't',
      }),
      (e: unknown) => isFlavorError(e, 'LAUNCHER_NOT_FOUND'),
    );
  });
});

describe('trust block', () => {
  const MAGIC = Buffer.from('\x00FLAVOR-TRUST-V1\x00', 'latin1');
  const launcher = () =>
    new Uint8Array(
      Buffer.concat([Buffer.from('ELF....'), MAGIC, Buffer.alloc(1 + 8 * 32), Buffer.from('tail')]),
    );
  const key = (n: number) => new Uint8Array(32).fill(n);

  test('no keys → the launcher is unchanged', () => {
    const l = launcher();
    assert.equal(patchTrustBlock(l, []), l);
  });

  test('keys are written after the count byte; everything else is unchanged', () => {
    const l = launcher();
    const out = patchTrustBlock(l, [key(1), key(2)]);
    const at = Buffer.from(out).indexOf(MAGIC) + MAGIC.length;
    assert.equal(out[at], 2);
    assert.deepEqual(out.subarray(at + 1, at + 33), key(1));
    assert.deepEqual(out.subarray(at + 33, at + 65), key(2));
    assert.ok(out.subarray(at + 65, at + 1 + 256).every((b) => b === 0));
    assert.equal(out.length, l.length);
    assert.deepEqual(out.subarray(0, at), l.subarray(0, at));
    assert.ok(
      l.subarray(at).every((b, i) => (i === 0 ? b === 0 : true)),
      'input must not be modified',
    );
    assert.equal(l[at], 0);
  });

  test('refusals: no block, two blocks, already patched, too many keys, wrong key length', () => {
    const code = (fn: () => unknown, c: string) =>
      assert.throws(fn, (e: unknown) => isFlavorError(e) && e.code === c);
    code(() => patchTrustBlock(new Uint8Array(100), [key(1)]), 'LAUNCHER_NOT_FOUND');
    code(
      () => patchTrustBlock(new Uint8Array(Buffer.concat([launcher(), launcher()])), [key(1)]),
      'LAUNCHER_NOT_FOUND',
    );
    code(() => patchTrustBlock(patchTrustBlock(launcher(), [key(1)]), [key(2)]), 'LAUNCHER_NOT_FOUND');
    code(
      () =>
        patchTrustBlock(
          launcher(),
          Array.from({ length: 9 }, (_, i) => key(i)),
        ),
      'USAGE',
    );
    code(() => patchTrustBlock(launcher(), [new Uint8Array(31)]), 'KEY_INVALID');
  });
});

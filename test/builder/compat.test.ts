// --compat upstream (builder/compat.ts), the tar writer options it uses, the key fingerprint field the
// builder writes, and how a launcher that is not ours is identified and recorded.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildPackage } from '../../src/builder/build.js';
import type { BuildSpec } from '../../src/builder/build-spec.js';
import { applyUpstreamCompat } from '../../src/builder/compat.js';
import { identifyLauncher } from '../../src/builder/launchers.js';
import { sha256Hex } from '../../src/crypto/digest.js';
import { signingKeyFromSeedText } from '../../src/crypto/keys.js';
import { isFlavorError } from '../../src/errors.js';
import { keyFingerprintField } from '../../src/format/index.js';
import { createDeterministicTar } from '../../src/payload/index.js';
import { openPackage } from '../../src/reader/open.js';

const KEY = signingKeyFromSeedText('compat-test');
let work: string;

before(async () => {
  work = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'flavor-compat-')));
  await fs.mkdir(path.join(work, 'tree', 'bin'), { recursive: true });
  await fs.writeFile(path.join(work, 'tree', 'bin', 'python3.13'), 'interpreter', { mode: 0o755 });
  await fs.symlink('python3.13', path.join(work, 'tree', 'bin', 'python'));
  await fs.writeFile(path.join(work, 'launcher'), '#!/bin/sh\nexit 0\n');
  await fs.writeFile(path.join(work, 'file.tar.gz'), '');
});

after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

const spec = (
  slots: Array<Partial<BuildSpec['slots'][number]>>,
  command = '"{workenv}/bin/python3.13" -I -m app',
): BuildSpec => ({
  package: { name: 'c', version: '1' },
  execution: { command, env: {}, primarySlot: 0 },
  slots: slots.map((s, i) => ({
    id: `s${i}`,
    source: path.join(work, 'tree'),
    target: '{workenv}',
    operations: 'tar.gz',
    purpose: 'data',
    lifecycle: 'runtime',
    ...s,
  })),
});

async function tarList(dir: string, options: Parameters<typeof createDeterministicTar>[1]): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of createDeterministicTar(dir, options)) chunks.push(c as Buffer);
  const file = path.join(work, `list-${chunks.length}-${Date.now()}.tar`);
  await fs.writeFile(file, Buffer.concat(chunks));
  return execFileSync('tar', ['-tvf', file], { encoding: 'utf8' });
}

describe('applyUpstreamCompat', () => {
  test('tar slots land in {workenv} with their sub-folder inside the archive, links as copies', async () => {
    const { spec: out, notes } = await applyUpstreamCompat(
      spec([{}, { target: '{workenv}/lib/python3.13/site-packages', operations: 'tgz' }]),
    );
    assert.deepEqual(
      out.slots.map((s) => [s.target, s.tarPrefix, s.materializeSymlinks, s.operations]),
      [
        ['{workenv}', undefined, true, 'tar.gz'],
        ['{workenv}', 'lib/python3.13/site-packages', true, 'tar.gz'],
      ],
    );
    assert.equal(out.execution.command, '/usr/bin/env {workenv}/bin/python3.13 -I -m app');
    assert.ok(notes.some((n) => n.includes('archive entries under lib/python3.13/site-packages/')));
  });

  test('zstd, xz or bzip2 anywhere is refused with the slot named', async () => {
    for (const operations of ['tar.zst', 'xz', 'tar|bzip2']) {
      await assert.rejects(
        applyUpstreamCompat(spec([{}, { operations }])),
        (e) => isFlavorError(e, 'MANIFEST_INVALID') && e.message.startsWith('slots[1].operations'),
        operations,
      );
    }
  });

  test('a prepared archive cannot be moved into a sub-folder', async () => {
    const file = path.join(work, 'file.tar.gz');
    assert.equal((await applyUpstreamCompat(spec([{ source: file }]))).spec.slots[0]!.tarPrefix, undefined);
    await assert.rejects(
      applyUpstreamCompat(spec([{ source: file, target: '{workenv}/sub' }])),
      (e) => isFlavorError(e, 'MANIFEST_INVALID') && /slots\[0\]\.target/.test(e.message),
    );
  });

  test('a slot limited to a platform is kept, with a warning: upstream extracts it everywhere', async () => {
    const { spec: out, notes } = await applyUpstreamCompat(spec([{}, { platform: 'darwin' }]));
    assert.equal(out.slots[1]!.platform, 'darwin');
    assert.deepEqual(
      notes.filter((n) => n.startsWith('warning: slot')),
      ["warning: slot s1 is for darwin only, but upstream's launchers extract it on every machine"],
    );
  });

  test('commands that do not start in the workenv keep their form', async () => {
    const { spec: out } = await applyUpstreamCompat(spec([], '/bin/sh {workenv}/run.sh'));
    assert.equal(out.execution.command, '/bin/sh {workenv}/run.sh');
  });
});

describe('tar writer options', () => {
  test('materializeSymlinks stores a link as a copy of its file; prefix adds the parent folders', async () => {
    const plain = await tarList(path.join(work, 'tree'), {});
    assert.match(plain, /^l.* bin\/python -> python3\.13$/m);
    const copied = await tarList(path.join(work, 'tree'), { materializeSymlinks: true, prefix: 'lib/x' });
    assert.doesNotMatch(copied, /^l/m);
    assert.match(copied, /^-rwxr-xr-x .* 11 .* lib\/x\/bin\/python$/m);
    assert.match(copied, /^d.* lib\/$/m);
    assert.match(copied, /^d.* lib\/x\/$/m);
  });

  test('a link to a folder cannot be stored as a copy', async () => {
    const dir = path.join(work, 'dirlink');
    await fs.mkdir(path.join(dir, 'real'), { recursive: true });
    await fs.symlink('real', path.join(dir, 'alias'));
    await assert.rejects(
      tarList(dir, { materializeSymlinks: true }),
      (e) => isFlavorError(e, 'SOURCE_INVALID') && /points to a folder/.test(e.message),
    );
  });
});

describe('launchers that are not ours', () => {
  test('identified from their bytes, version from their release file name', () => {
    const stamp = Buffer.from('xx flavor-launcher-version=1.2.3; yy');
    assert.deepEqual(identifyLauncher(stamp, 'whatever'), {
      tool: 'flavor-launcher',
      version: '1.2.3',
      ours: true,
    });
    const go = Buffer.from('... flavor-go-launcher ...');
    assert.deepEqual(identifyLauncher(go, 'flavor-go-launcher-0.5.4-linux_amd64'), {
      tool: 'flavor-go-launcher',
      version: '0.5.4',
      ours: false,
    });
    assert.deepEqual(identifyLauncher(go, 'launcher'), {
      tool: 'flavor-go-launcher',
      version: 'unknown',
      ours: false,
    });
    assert.deepEqual(identifyLauncher(Buffer.from('ELF'), 'x'), {
      tool: 'unknown',
      version: 'unknown',
      ours: false,
    });
  });

  test('recorded without capabilities; the fingerprint field is written on request', async () => {
    const output = path.join(work, 'foreign.psp');
    await buildPackage(spec([]), {
      output,
      launcherPath: path.join(work, 'launcher'),
      launcherTool: 'flavor-rs-launcher',
      launcherVersion: '0.5.4',
      keyFingerprintField: true,
      key: KEY,
      toolVersion: 'test',
    });
    const pkg = await openPackage(output);
    assert.deepEqual(
      [pkg.metadata.launcher?.tool, pkg.metadata.launcher?.tool_version, pkg.metadata.launcher?.capabilities],
      ['flavor-rs-launcher', '0.5.4', []],
    );
    const bytes = await fs.readFile(output);
    const index = bytes.subarray(bytes.length - 8196, bytes.length - 4);
    assert.equal(new TextDecoder().decode(keyFingerprintField(index)), sha256Hex(KEY.publicKeyRaw));
  });
});

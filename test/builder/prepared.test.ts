// Prepared slots (docs/manifest.md): a file already in its chain's encoding is stored as-is after it is
// proven to decode (and, for tar chains, to extract safely); any other file is encoded by us.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { buildPackage } from '../../src/builder/build.js';
import { manifestToSpec } from '../../src/builder/manifest.js';
import { signingKeyFromSeedText } from '../../src/crypto/keys.js';
import { isFlavorError } from '../../src/errors.js';
import { verifyPackage } from '../../src/reader/verify.js';

const KEY = signingKeyFromSeedText('prepared-test');
let work: string;

before(async () => {
  work = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'flavor-prepared-')));
  await fs.mkdir(path.join(work, 'tree', 'bin'), { recursive: true });
  await fs.writeFile(path.join(work, 'tree', 'bin', 'run'), '#!/bin/sh\necho prepared\n', { mode: 0o755 });
  execFileSync('tar', ['-czf', path.join(work, 'app.tar.gz'), '-C', path.join(work, 'tree'), '.']);
  await fs.writeFile(path.join(work, 'note.txt'), 'note '.repeat(50));
  await fs.writeFile(path.join(work, 'note.txt.gz'), gzipSync('note '.repeat(50)));
  await fs.writeFile(path.join(work, 'launcher'), '#!/bin/sh\nexit 0\n');
  // An archive whose entry climbs out of the extraction folder (GNU tar would strip the "../").
  const script = [
    'import io, sys, tarfile',
    'with tarfile.open(sys.argv[1], "w:gz") as t:',
    '    info = tarfile.TarInfo("../escape"); info.size = 1',
    '    t.addfile(info, io.BytesIO(b"x"))',
  ].join('\n');
  execFileSync('python3', ['-c', script, path.join(work, 'evil.tar.gz')]);
});

after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

async function build(slots: Array<Record<string, unknown>>, name: string) {
  const { spec } = manifestToSpec(
    { package: { name, version: '1' }, execution: { command: '{workenv}/bin/run' }, slots },
    path.join(work, `${name}.json`),
  );
  const output = path.join(work, `${name}.psp`);
  const result = await buildPackage(spec, {
    output,
    launcherPath: path.join(work, 'launcher'),
    key: KEY,
    toolVersion: 'test',
  });
  return { output, result };
}

const sha256 = async (file: string) =>
  (await import('node:crypto'))
    .createHash('sha256')
    .update(await fs.readFile(file))
    .digest('hex');

test('an upstream-style manifest: a .tar.gz file with operations "tgz" is stored byte for byte', async () => {
  const { output, result } = await build(
    [{ id: 'app', source: 'app.tar.gz', target: '{workenv}', operations: 'tgz' }],
    'tgz',
  );
  assert.equal(result.slots[0]!.sha256, await sha256(path.join(work, 'app.tar.gz')));
  const tarSize = execFileSync('gzip', ['-dc', path.join(work, 'app.tar.gz')]).length;
  assert.equal(result.slots[0]!.originalSize, tarSize, 'original size = the archive after decompression');
  await verifyPackage(output);
});

test('gzip: a .gz file is stored as-is, a plain file is compressed by us', async () => {
  const { result } = await build(
    [
      { id: 'ready', source: 'note.txt.gz', target: '{workenv}/a.txt', operations: 'gzip' },
      { id: 'plain', source: 'note.txt', target: '{workenv}/b.txt', operations: 'gzip' },
    ],
    'gz',
  );
  assert.equal(result.slots[0]!.sha256, await sha256(path.join(work, 'note.txt.gz')));
  assert.equal(result.slots[0]!.originalSize, 250);
  assert.notEqual(result.slots[1]!.sha256, await sha256(path.join(work, 'note.txt')));
  assert.equal(result.slots[1]!.originalSize, 250);
  assert.ok(result.slots[1]!.size < 250, 'the plain file was compressed');
});

test('a prepared file that does not decode, or whose archive is unsafe, is refused before writing', async () => {
  for (const [source, why] of [
    ['note.txt', /not valid under its operations: /],
    ['evil.tar.gz', /not valid under its operations: .*(\.\.|outside)/],
  ] as const) {
    await assert.rejects(
      build([{ id: 'x', source, target: '{workenv}', operations: 'tar.gz' }], 'bad'),
      (e) => isFlavorError(e, 'SOURCE_INVALID') && why.test(e.message),
      source,
    );
    await assert.rejects(fs.access(path.join(work, 'bad.psp')), 'nothing written');
  }
});

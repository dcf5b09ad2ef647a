// The signed metadata never records a build-machine path (docs/format.md): `flavor pack` from a temp folder
// with every kind of manifest source (relative, `./` and `..` inside, absolute inside the project,
// absolute outside, `../` outside) records project-relative labels or "" — never the folder's absolute
// path or the temp folder's name. (Before: `"source": "/tmp/…/outside.bin"`, `"../outside.bin"`.)

import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { openPackage } from '../../src/reader/open.js';
import { runFlavor, tempDir, writeJson, writeLauncher, writeTree } from '../helpers/cli.js';

let work: string;

before(async () => {
  work = await tempDir('flavor-paths-');
});

after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

test('flavor pack records project-relative sources or nothing, never a build path', async () => {
  const project = path.join(work, 'proj');
  const launcher = await writeLauncher(work);
  await writeTree(project, { 'app/a.txt': 'a\n', 'data.bin': 'data\n' });
  await fs.writeFile(path.join(work, 'outside.bin'), 'outside\n');
  const sources = [
    'app',
    './app/../app/a.txt',
    path.join(project, 'data.bin'),
    path.join(work, 'outside.bin'),
    '../outside.bin',
    '.',
  ];
  const manifest = await writeJson(path.join(project, 'flavor.json'), {
    package: { name: 'paths', version: '1.0.0' },
    execution: { command: '{workenv}/s0/a.txt' },
    slots: sources.map((source, i) => ({
      id: `s${i}`,
      source,
      target: `{workenv}/s${i}`,
      operations: source === 'app' || source === '.' ? 'tar' : 'raw',
    })),
  });
  const output = path.join(work, 'out', 'paths.psp');
  // Run from yet another folder: the labels must not depend on the working directory either.
  const r = await runFlavor(
    ['pack', '-m', manifest, '-o', output, '--launcher-bin', launcher, '--key-seed', 'paths', '-q'],
    { cwd: os.tmpdir() },
  );
  assert.equal(r.code, 0, r.stderr);

  const pkg = await openPackage(output);
  assert.deepEqual(
    pkg.metadata.slots.map((s) => s.source),
    ['app', 'app/a.txt', 'data.bin', '', '', '.'],
  );
  const json = Buffer.from(pkg.metadataJson).toString('utf8');
  for (const leak of [work, path.basename(work), project, os.tmpdir(), os.homedir()]) {
    assert.equal(json.includes(leak), false, `the metadata contains ${leak}`);
  }
  // The provenance signature is base64 and may start with "/": it is not a path.
  const unsigned = JSON.parse(json) as { provenance?: { signatures?: unknown[] } };
  if (unsigned.provenance) unsigned.provenance.signatures = [];
  assert.doesNotMatch(
    JSON.stringify(unsigned, null, 2),
    /"\/|\.\.\//,
    'an absolute or parent path in the metadata',
  );
});

// inspectSbom() from the library entry point: the same documents `flavor inspect --sbom` prints, and a
// FlavorError (NOT_FOUND, USAGE) where the CLI fails.

import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import {
  type BuildSpec,
  FlavorError,
  inspectSbom,
  pack,
  SBOM_FORMATS,
  type SbomFormat,
} from '../../src/index.js';
import { parseJson, REPO_ROOT, runFlavor, tempDir, writeLauncher, writeTree } from '../helpers/cli.js';

let work: string;
let output: string;

const SPEC: BuildSpec = {
  package: { name: 'api-sbom', version: '0.1.0' },
  execution: { command: '{workenv}/bin/run', env: {}, primarySlot: 0 },
  slots: [
    {
      id: 'app',
      source: 'app',
      target: '{workenv}',
      operations: 'tar.gz',
      purpose: 'code',
      lifecycle: 'runtime',
    },
  ],
};

before(async () => {
  work = await tempDir('flavor-api-sbom-');
  const launcherBin = await writeLauncher(work);
  await writeTree(path.join(work, 'app'), { 'bin/run': '#!/bin/sh\necho run\n' });
  ({ output } = await pack(SPEC, {
    cwd: work,
    launcherBin,
    key: { seed: 'api-sbom' },
    output: 'a.psp',
    env: {},
  }));
});

after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

test('inspectSbom() returns what `flavor inspect --sbom --format F` prints, for every format', async () => {
  assert.deepEqual([...SBOM_FORMATS], ['cyclonedx', 'spdx']);
  for (const format of SBOM_FORMATS as readonly SbomFormat[]) {
    const r = await runFlavor(['inspect', output, '--sbom', '--format', format]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(parseJson(r.stdout), await inspectSbom(output, { format }));
  }
  const bom = (await inspectSbom(output)) as { bomFormat: string; metadata: { component: { name: string } } };
  assert.equal(bom.bomFormat, 'CycloneDX');
  assert.equal(bom.metadata.component.name, 'api-sbom');
});

test('inspectSbom() throws FlavorError: NOT_FOUND without an SBOM, USAGE for an unknown format', async () => {
  const vector = await fs.readFile(path.join(REPO_ROOT, 'testdata', 'vectors', 'ok-gzip-slot.vec'));
  const plain = path.join(work, 'plain.psp');
  await fs.writeFile(plain, vector.subarray(vector.indexOf('\n\n') + 2));
  await assert.rejects(
    inspectSbom(plain),
    (e: unknown) => e instanceof FlavorError && e.code === 'NOT_FOUND' && /pack it again/.test(e.hint ?? ''),
  );
  await assert.rejects(
    inspectSbom(output, { format: 'xml' as SbomFormat }),
    (e: unknown) => e instanceof FlavorError && e.code === 'USAGE',
  );
});

// The inputs a Python build records in its provenance (python/provenance-inputs.ts): the project file,
// every lock file next to it and the requirements file, the interpreter, the tools — by SHA-256, with
// project-relative names only.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { InterpreterInfo } from '../../src/python/interpreters.js';
import type { ProjectConfig } from '../../src/python/manifest.js';
import { pythonProvenanceInputs } from '../../src/python/provenance-inputs.js';

let dir: string;
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flavor-prov-inputs-'));
  await fs.mkdir(path.join(dir, 'project', 'reqs'), { recursive: true });
  await fs.writeFile(path.join(dir, 'project', 'pyproject.toml'), '[project]\nname = "x"\n');
  await fs.writeFile(path.join(dir, 'project', 'uv.lock'), 'version = 1\n');
  await fs.writeFile(path.join(dir, 'project', 'poetry.lock'), '# poetry\n');
  await fs.writeFile(path.join(dir, 'project', 'reqs', 'pinned.txt'), 'six==1.17.0\n');
  await fs.writeFile(path.join(dir, 'python3.12'), 'not really an interpreter');
});

after(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

function project(requirementsFile?: string): ProjectConfig {
  const projectDir = path.join(dir, 'project');
  return {
    manifestPath: path.join(projectDir, 'pyproject.toml'),
    projectDir,
    packageName: 'x',
    build: { requirementsFile },
  } as unknown as ProjectConfig;
}

const interp = () =>
  ({
    path: path.join(dir, 'python3.12'),
    version: '3.12.3',
    implementation: 'CPython',
    soabi: 'cpython-312-x86_64-linux-gnu',
    platform: 'linux-x86_64',
    source: 'PATH',
  }) as InterpreterInfo;

test('the project file, lock files and requirements file are recorded by relative name and SHA-256', async () => {
  const inputs = await pythonProvenanceInputs(
    { env: { PATH: '' } },
    project(path.join(dir, 'project', 'reqs', 'pinned.txt')),
    interp(),
    undefined,
  );
  assert.deepEqual(inputs.externalParameters, {
    source: { kind: 'python-project', manifest: 'pyproject.toml', package_name: 'x' },
  });
  const files = inputs.resolvedDependencies.filter(
    (d) => d.name !== 'python' && d.name !== 'uv' && d.name !== 'patchelf',
  );
  assert.deepEqual(files, [
    { name: 'pyproject.toml', digest: { sha256: sha('[project]\nname = "x"\n') } },
    { name: 'uv.lock', digest: { sha256: sha('version = 1\n') } },
    { name: 'poetry.lock', digest: { sha256: sha('# poetry\n') } },
    { name: 'reqs/pinned.txt', digest: { sha256: sha('six==1.17.0\n') } },
  ]);
  assert.ok(!JSON.stringify(inputs).includes(dir), 'no build-machine path is recorded');
});

test('the interpreter: version, implementation and the SHA-256 of its executable; the dist archive too', async () => {
  const inputs = await pythonProvenanceInputs({ env: { PATH: '' } }, project(), interp(), 'ab'.repeat(32));
  const python = inputs.resolvedDependencies.find((d) => d.name === 'python')!;
  assert.equal(python.uri, 'pkg:generic/cpython@3.12.3');
  assert.deepEqual(python.digest, { sha256: sha('not really an interpreter') });
  assert.deepEqual(python.annotations, {
    version: '3.12.3',
    implementation: 'CPython',
    abi: 'cpython-312-x86_64-linux-gnu',
    platform: 'linux-x86_64',
    source: 'PATH',
    python_dist_sha256: 'ab'.repeat(32),
  });
});

test('a build tool is recorded with its version and the SHA-256 of the binary that ran', async () => {
  const uv = path.join(dir, 'fake-uv');
  await fs.writeFile(uv, '#!/bin/sh\necho "uv 9.8.7 (fake)"\n', { mode: 0o755 });
  const inputs = await pythonProvenanceInputs(
    { env: { PATH: '', FLAVOR_UV: uv } },
    project(),
    interp(),
    undefined,
  );
  const tool = inputs.resolvedDependencies.find((d) => d.name === 'uv')!;
  assert.equal(tool.uri, 'pkg:generic/uv@9.8.7');
  assert.deepEqual(tool.digest, { sha256: sha('#!/bin/sh\necho "uv 9.8.7 (fake)"\n') });
  assert.deepEqual(tool.annotations, { version: '9.8.7 (fake)' });
});

// The library as a user gets it: the files `npm pack` would ship are copied into a fresh project's
// node_modules/flavorpack, and a user script imports `flavorpack` (resolved through package.json
// "exports"), packs a real package with the real launcher, then verifies, inspects and extracts it. A
// TypeScript file in that project is type-checked against the shipped .d.ts (the "types" export).

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { resolveLauncher } from '../../src/builder/launchers.js';
import { assertBuilt, REPO_ROOT, tempDir, writeJson, writeTree } from '../helpers/cli.js';

let project: string;
let launcher: string;

/** Files of the npm tarball (without running prepack: dist/ is already built). */
function shippedFiles(): string[] {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const [info] = JSON.parse(out) as Array<{ files: Array<{ path: string }> }>;
  return info!.files.map((f) => f.path);
}

async function installInto(dir: string): Promise<void> {
  const target = path.join(dir, 'node_modules', 'flavorpack');
  for (const file of shippedFiles()) {
    await fs.mkdir(path.dirname(path.join(target, file)), { recursive: true });
    await fs.copyFile(path.join(REPO_ROOT, file), path.join(target, file));
  }
  // Its dependencies (and TypeScript's @types/node for the type check) come from the checkout.
  await fs.symlink(path.join(REPO_ROOT, 'node_modules'), path.join(target, 'node_modules'));
  await fs.mkdir(path.join(dir, 'node_modules', '@types'));
  await fs.symlink(
    path.join(REPO_ROOT, 'node_modules', '@types', 'node'),
    path.join(dir, 'node_modules', '@types', 'node'),
  );
}

before(async () => {
  assertBuilt();
  launcher = await resolveLauncher(undefined, undefined, process.env);
  project = await tempDir('flavor-api-user-');
  await installInto(project);
  await writeJson(path.join(project, 'package.json'), { name: 'user', private: true, type: 'module' });
  await writeTree(path.join(project, 'app'), { 'bin/hello': '#!/bin/sh\necho hello from the api\n' });
  await fs.chmod(path.join(project, 'app', 'bin', 'hello'), 0o755);
  await writeJson(path.join(project, 'flavor.json'), {
    package: { name: 'api-user', version: '1.2.3' },
    execution: { command: '{workenv}/bin/hello', env: {} },
    slots: [{ id: 'app', source: 'app', target: '{workenv}', operations: 'tar.gz' }],
  });
});

after(async () => {
  if (project) await fs.rm(project, { recursive: true, force: true });
});

const USER_SCRIPT = `
import { extract, FlavorError, inspect, pack, verify } from 'flavorpack';
const [launcherBin] = process.argv.slice(2);
const packed = await pack('flavor.json', { key: { seed: 'api user' }, launcherBin, sourceDateEpoch: 1 });
const verified = await verify(packed.output, { keys: [packed.fingerprint] });
const inspected = await inspect(packed.output);
const extracted = await extract(packed.output, 'app', 'out');
let refused;
try {
  await verify(packed.output, { keys: ['sha256:' + '0'.repeat(64)] });
} catch (error) {
  refused = { flavorError: error instanceof FlavorError, code: error.code, exitCode: error.exitCode };
}
console.log(JSON.stringify({ resolved: import.meta.resolve('flavorpack'), packed, verified, inspected, extracted, refused }));
`;

test('a user script imports flavorpack and packs, verifies, inspects and extracts a real package', async () => {
  await fs.writeFile(path.join(project, 'user.mjs'), USER_SCRIPT);
  const r = spawnSync(process.execPath, ['user.mjs', launcher], {
    cwd: project,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  assert.equal(r.status, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.resolved, `file://${path.join(project, 'node_modules/flavorpack/dist/index.js')}`);
  assert.equal(doc.packed.output, path.join(project, 'dist', 'api-user.psp'));
  assert.equal(doc.packed.slots[0].id, 'app');
  assert.ok(doc.packed.slots[0].original_size > 0);
  assert.deepEqual(
    [doc.verified.name, doc.verified.version, doc.verified.trust],
    ['api-user', '1.2.3', 'trusted'],
  );
  assert.equal(doc.verified.fingerprint, doc.packed.fingerprint);
  assert.equal(doc.inspected.signature.fingerprint, doc.packed.fingerprint);
  assert.equal(doc.inspected.slots[0].operations, 'tar.gz');
  assert.equal(doc.extracted.slots[0].kind, 'directory');
  assert.equal(
    await fs.readFile(path.join(project, 'out', 'bin', 'hello'), 'utf8'),
    '#!/bin/sh\necho hello from the api\n',
  );
  assert.deepEqual(doc.refused, { flavorError: true, code: 'UNTRUSTED_KEY', exitCode: 12 });
  // The package is real: its launcher runs the app.
  const run = spawnSync(doc.packed.output, [], {
    encoding: 'utf8',
    env: { ...process.env, FLAVOR_CACHE: path.join(project, 'cache') },
  });
  assert.equal(run.stdout, 'hello from the api\n', run.stderr);
});

const USER_TS = `
import { type InspectResult, type PackOptions, type TrustLevel, type VerifyResult, inspect, verify } from 'flavorpack';
const options: PackOptions = { key: { seed: 'x' }, compression: 'zstd', trustKeys: [] };
const report: VerifyResult = await verify('app.psp', { keys: [] });
const trust: 'trusted' | 'pinned' | 'self-signed' = report.trust;
const doc: InspectResult = await inspect('app.psp');
const first: number = doc.slots[0]?.original_size ?? 0;
// @ts-expect-error: not a compression pack() knows (an unused expectation fails if the types are lost)
const wrong: PackOptions = { compression: 'lz4' };
const level: TrustLevel = trust;
export { first, level, options, wrong };
`;

test('the shipped type declarations type-check a TypeScript user file, and reject a wrong option', async () => {
  await writeJson(path.join(project, 'tsconfig.json'), {
    compilerOptions: {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      noEmit: true,
      types: ['node'],
      skipLibCheck: true,
    },
    files: ['user.ts'],
  });
  const tsc = path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  await fs.writeFile(path.join(project, 'user.ts'), USER_TS);
  const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: project, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

// `flavor workenv …` and `flavor clean` against a real cache filled by the real launcher: listing of an
// empty, a normal and a corrupt cache; removal that skips a running app; age, count and size policies;
// links out of the cache removed as links; an interrupted removal is never trusted by the launcher.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { buildPackage } from '../../src/builder/build.js';
import { hostPlatformName, resolveLauncher } from '../../src/builder/launchers.js';
import { signingKeyFromSeedText } from '../../src/crypto/keys.js';
import { runFlavor } from '../helpers/cli.js';

const RUN_SH = `#!/bin/sh
if [ "$1" = hold ]; then
  : > "$2.started"
  while [ ! -e "$2" ]; do sleep 0.05; done
fi
cat "$FLAVOR_WORKENV/data.txt"
`;

let dir: string;
let cache: string;
const packages: Record<string, string> = {};

async function makePackage(name: string, version: string): Promise<string> {
  const src = path.join(dir, `src-${name}-${version}`);
  await fs.mkdir(src, { recursive: true });
  await fs.writeFile(path.join(src, 'run.sh'), RUN_SH, { mode: 0o755 });
  await fs.writeFile(path.join(src, 'data.txt'), `${name} ${version} data\n`);
  const output = path.join(dir, `${name}-${version}.psp`);
  await buildPackage(
    {
      package: { name, version },
      execution: { command: '/bin/sh {workenv}/run.sh', env: {}, primarySlot: 0 },
      slots: [
        {
          id: 'tree',
          source: src,
          target: '{workenv}',
          operations: 'tar.gz',
          purpose: 'code',
          lifecycle: 'runtime',
        },
      ],
    },
    {
      output,
      launcherPath: await resolveLauncher(undefined, hostPlatformName(), {}),
      key: signingKeyFromSeedText('cache-tests'),
      toolVersion: 'test',
    },
  );
  return output;
}

function runPackage(
  pkg: string,
  args: string[] = [],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(pkg, args, { env: { ...process.env, FLAVOR_CACHE: cache } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

const flavor = (args: string[]) => runFlavor(args, { env: { FLAVOR_CACHE: cache } });

interface Entry {
  id: string;
  name: string | null;
  version: string | null;
  complete: boolean;
  in_use: boolean;
  unknown: boolean;
  size_bytes: number;
}

async function list(): Promise<Entry[]> {
  const r = await flavor(['workenv', 'list', '--json']);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { entries: Entry[] }).entries;
}

const idOf = async (name: string, version: string) =>
  (await list()).find((e) => e.name === name && e.version === version)!.id;

async function freshCache(): Promise<void> {
  await fs.rm(cache, { recursive: true, force: true });
}

before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flavor-cache-test-'));
  cache = path.join(dir, 'cache');
  packages.v1 = await makePackage('app', '1.0');
  packages.v2 = await makePackage('app', '2.0');
  packages.other = await makePackage('other', '1.0');
});
after(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

test('an empty cache lists nothing and info names the rule', async () => {
  await freshCache();
  const r = await flavor(['workenv', 'list']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /no cached packages/);
  assert.deepEqual(await list(), []);
  const info = await flavor(['workenv', 'info', '--json']);
  assert.equal(info.code, 0, info.stderr);
  const doc = JSON.parse(info.stdout) as { root: string; rule: string; workenvs: number };
  assert.equal(doc.root, cache);
  assert.equal(doc.rule, 'FLAVOR_CACHE');
  assert.equal(doc.workenvs, 0);
});

test('a normal cache: complete entries with name, version and size; inspect shows slots present', async () => {
  await freshCache();
  assert.equal((await runPackage(packages.v1!)).stdout, 'app 1.0 data\n');
  assert.equal((await runPackage(packages.v2!)).stdout, 'app 2.0 data\n');
  const entries = await list();
  assert.equal(entries.length, 2);
  for (const e of entries) {
    assert.equal(e.complete, true);
    assert.equal(e.in_use, false);
    assert.ok(e.size_bytes > 0);
  }
  const r = await flavor(['workenv', 'inspect', await idOf('app', '1.0'), '--json']);
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as {
    slots: Array<{ id: string; present: boolean }>;
    lock: string;
    marker: unknown;
  };
  assert.deepEqual(
    doc.slots.map((s) => [s.id, s.present]),
    [['tree', true]],
  );
  assert.equal(doc.lock, 'free');
  assert.ok(doc.marker);
  const byName = await flavor(['workenv', 'inspect', 'app']);
  assert.equal(byName.code, 0);
  assert.equal(byName.stdout.match(/^app-/gm)?.length, 2, 'a package name selects every version');
});

test('a corrupt cache: unknown folders, leftovers and a missing marker are reported, unknown kept unless asked', async () => {
  await freshCache();
  await runPackage(packages.v1!);
  const id = await idOf('app', '1.0');
  const workenvs = path.join(cache, 'workenv');
  await fs.mkdir(path.join(workenvs, 'someone-elses-folder'));
  await fs.mkdir(path.join(workenvs, `${id}.staging-deadbeef`));
  await fs.rm(path.join(workenvs, `${id}.ready`));
  const entries = await list();
  const stray = entries.find((e) => e.id === 'someone-elses-folder');
  assert.ok(stray?.unknown, 'the foreign folder is reported as unknown');
  const app = entries.find((e) => e.id === id)!;
  assert.equal(app.complete, false, 'no marker: not complete');
  const inspect = await flavor(['workenv', 'inspect', id]);
  assert.match(inspect.stdout, /marker: +missing/);
  const clean = await flavor(['workenv', 'clean', '--yes']);
  assert.equal(clean.code, 0, clean.stderr);
  assert.ok(
    existsSync(path.join(workenvs, 'someone-elses-folder')),
    'unknown entries are not deleted by default',
  );
  assert.ok(!existsSync(path.join(workenvs, id)), 'the incomplete workenv is gone');
  assert.ok(!existsSync(path.join(workenvs, `${id}.staging-deadbeef`)), 'its leftovers are gone too');
  await flavor(['workenv', 'clean', '--yes', '--unknown']);
  assert.ok(!existsSync(path.join(workenvs, 'someone-elses-folder')), '--unknown removes it');
});

test('clean skips a workenv in use; the running app keeps working', async () => {
  await freshCache();
  await runPackage(packages.v2!);
  const go = path.join(dir, 'go-signal');
  const running = runPackage(packages.v1!, ['hold', go]);
  for (let i = 0; i < 200 && !existsSync(`${go}.started`); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(existsSync(`${go}.started`), 'the app started');
  const listed = await list();
  assert.equal(listed.find((e) => e.version === '1.0')?.in_use, true, 'the running app shows as in use');
  const clean = await flavor(['workenv', 'clean', '--yes', '--json']);
  assert.equal(clean.code, 0, clean.stderr);
  const after = await list();
  assert.deepEqual(
    after.map((e) => e.version),
    ['1.0'],
    'only the idle version was removed',
  );
  await fs.writeFile(go, '');
  const result = await running;
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, 'app 1.0 data\n', 'the app still read its workenv after the clean');
  const remove = await flavor(['workenv', 'remove', 'app', '--yes']);
  assert.equal(remove.code, 0, remove.stderr);
  assert.deepEqual(await list(), []);
});

test('--older-than uses the last-used time; --dry-run changes nothing', async () => {
  await freshCache();
  await runPackage(packages.v1!);
  await runPackage(packages.v2!);
  const oldId = await idOf('app', '1.0');
  const old = new Date(Date.now() - 40 * 86_400_000);
  await fs.utimes(path.join(cache, 'workenv', `${oldId}.lock`), old, old);
  const dry = await flavor(['workenv', 'clean', '--older-than', '30d', '--dry-run']);
  assert.match(dry.stdout, new RegExp(`would remove ${oldId}`));
  assert.doesNotMatch(dry.stdout, /app-2\.0/);
  assert.equal((await list()).length, 2, 'dry run removed nothing');
  const r = await flavor(['workenv', 'clean', '--older-than', '30d', '--yes']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    (await list()).map((e) => e.version),
    ['2.0'],
  );
});

test('--max-size keeps the most recently used; --keep-latest keeps N per package', async () => {
  await freshCache();
  for (const p of [packages.v1!, packages.other!, packages.v2!]) await runPackage(p);
  const entries = await list();
  const stamp = async (name: string, version: string, daysAgo: number) => {
    const t = new Date(Date.now() - daysAgo * 86_400_000);
    await fs.utimes(path.join(cache, 'workenv', `${await idOf(name, version)}.lock`), t, t);
  };
  await stamp('app', '1.0', 3);
  await stamp('other', '1.0', 2);
  await stamp('app', '2.0', 1);
  const keep = await flavor(['workenv', 'clean', '--keep-latest', '1', '--yes']);
  assert.equal(keep.code, 0, keep.stderr);
  assert.deepEqual((await list()).map((e) => `${e.name} ${e.version}`).sort(), ['app 2.0', 'other 1.0']);
  const oneSize = Math.max(...entries.map((e) => e.size_bytes));
  const size = await flavor(['workenv', 'clean', '--max-size', String(oneSize), '--yes']);
  assert.equal(size.code, 0, size.stderr);
  assert.deepEqual(
    (await list()).map((e) => `${e.name} ${e.version}`),
    ['app 2.0'],
    'the most recently used one stays',
  );
});

test('a link from a workenv to a folder outside the cache is removed as a link only', async () => {
  await freshCache();
  await runPackage(packages.v1!);
  const id = await idOf('app', '1.0');
  const outside = path.join(dir, 'users-precious-data');
  await fs.mkdir(outside, { recursive: true });
  await fs.writeFile(path.join(outside, 'keep.txt'), 'keep me');
  await fs.symlink(outside, path.join(cache, 'workenv', id, 'link-out'));
  const r = await flavor(['workenv', 'remove', id, '--yes']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!existsSync(path.join(cache, 'workenv', id)));
  assert.equal(await fs.readFile(path.join(outside, 'keep.txt'), 'utf8'), 'keep me');
});

test('an interrupted removal (marker gone, tree half deleted) is reinstalled by the launcher, not trusted', async () => {
  await freshCache();
  await runPackage(packages.v1!);
  const id = await idOf('app', '1.0');
  const base = path.join(cache, 'workenv', id);
  await fs.rm(`${base}.ready`);
  await fs.rm(path.join(base, 'data.txt'));
  const r = await runPackage(packages.v1!);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'app 1.0 data\n');
  assert.ok(existsSync(`${base}.ready`), 'a fresh marker was written');
});

test('remove without --yes outside a terminal refuses and removes nothing', async () => {
  await freshCache();
  await runPackage(packages.v1!);
  const r = await flavor(['workenv', 'remove', 'app']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--yes/);
  assert.equal((await list()).length, 1);
  const none = await flavor(['workenv', 'remove', 'nope', '--yes']);
  assert.equal(none.code, 3);
});

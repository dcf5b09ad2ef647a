// Slot lifecycles end to end from the TypeScript side: packages built with `flavor pack --manifest` (shell
// scripts, no Python), run by the real launcher, then managed with `flavor workenv …` and decoded with
// `flavor extract-all` (docs/workenv.md, "Slot lifecycles").

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { lifecycleOf } from '../../src/workenv/lifecycle.js';
import { parseJson, type RunResult, runFlavor, tempDir, writeJson, writeTree } from '../helpers/cli.js';

const RUN_SH = `#!/bin/sh
cat "$FLAVOR_SLOT_CONF/settings.txt"
cat "$FLAVOR_WORKENV/models/w.bin"; echo
if [ "$1" = edit ]; then echo "edited by $FLAVOR_VERSION" >> "$FLAVOR_SLOT_CONF/settings.txt"; fi
`;

let dir: string;
let cache: string;

const flavor = (args: string[]) => runFlavor(args, { env: { FLAVOR_CACHE: cache } });

/** Packs version `version` of "app" with a persistent settings slot and a cache slot. */
async function pack(version: string, settings: string): Promise<string> {
  const src = path.join(dir, `src-${version}`);
  await writeTree(src, {
    'app/run.sh': RUN_SH,
    'conf/settings.txt': settings,
    'models/w.bin': 'weights',
    'scratch/a.txt': 'temp',
    'seed.txt': 'seed',
  });
  await fs.chmod(path.join(src, 'app', 'run.sh'), 0o755);
  const slot = (id: string, source: string, target: string, lifecycle: string) => ({
    id,
    source,
    target,
    operations: source.endsWith('.txt') ? 'gzip' : 'tar.gz',
    purpose: 'data',
    lifecycle,
  });
  const manifest = await writeJson(path.join(src, 'build.json'), {
    package: { name: 'app', version },
    execution: { command: '/bin/sh {workenv}/run.sh', primary_slot: 0 },
    slots: [
      slot('app', 'app', '{workenv}', 'runtime'),
      slot('conf', 'conf', '{workenv}/conf', 'persistent'),
      slot('models', 'models', '{workenv}/models', 'cache'),
      slot('scratch', 'scratch', '{workenv}/scratch', 'temp'),
      slot('seed', 'seed.txt', '{workenv}/seed.txt', 'init'),
    ],
  });
  const out = path.join(dir, `app-${version}.psp`);
  const r = await runFlavor(['pack', '--manifest', manifest, '--output', out, '--key-seed', 'lifecycle']);
  assert.equal(r.code, 0, r.stderr);
  return out;
}

function run(pkg: string, args: string[] = []): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(pkg, args, { env: { ...process.env, FLAVOR_CACHE: cache } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

interface Listing {
  entries: Array<{ id: string; version: string }>;
  persistent: Array<{ name: string; path: string }>;
}

async function list(): Promise<Listing> {
  const r = await flavor(['workenv', 'list', '--json']);
  assert.equal(r.code, 0, r.stderr);
  return parseJson(r.stdout) as unknown as Listing;
}

let v1: string;
let v2: string;

before(async () => {
  dir = await tempDir('flavor-lifecycle-');
  cache = path.join(dir, 'cache');
  v1 = await pack('1.0', 'default 1.0\n');
  v2 = await pack('1.1', 'default 1.1\n');
});
after(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

test('extract-all reports each slot with the lifecycle and place the launcher gives it', async () => {
  const r = await runFlavor(['extract-all', v1, path.join(dir, 'x'), '--json']);
  assert.equal(r.code, 0, r.stderr);
  const slots = (parseJson(r.stdout).slots as Array<{ id: string; lifecycle: string; place: string }>).map(
    (s) => [s.id, s.lifecycle, s.place],
  );
  assert.deepEqual(slots, [
    ['app', 'runtime', 'workenv'],
    ['conf', 'persistent', 'store'],
    ['models', 'cache', 'workenv'],
    ['scratch', 'temp', 'run'],
    ['seed', 'init', 'workenv'],
  ]);
  for (const [, kind] of slots) assert.equal(lifecycleOf(kind!).kind, kind);
});

test('persistent data survives an update and clean; remove asks before it goes', async () => {
  assert.equal((await run(v1, ['edit'])).stdout, 'default 1.0\nweights\n');
  const updated = await run(v2);
  assert.equal(updated.stdout, 'default 1.0\nedited by 1.0\nweights\n', updated.stderr);
  let listing = await list();
  assert.equal(listing.entries.length, 2);
  assert.deepEqual(
    listing.persistent.map((s) => [s.name, s.path]),
    [['app', path.join(cache, 'persistent', 'app')]],
  );

  const inspect = await flavor(['workenv', 'inspect', listing.entries[0]!.id, '--json']);
  const states = (
    parseJson(inspect.stdout).slots as Array<{ id: string; present: boolean | null; place: string }>
  ).map((s) => [s.id, s.present, s.place]);
  assert.deepEqual(states, [
    ['app', true, 'workenv'],
    ['conf', true, 'store'],
    ['models', true, 'workenv'],
    ['scratch', null, 'run'],
    ['seed', null, 'workenv'],
  ]);

  const clean = await flavor(['workenv', 'clean', '--yes']);
  assert.equal(clean.code, 0, clean.stderr);
  listing = await list();
  assert.equal(listing.entries.length, 0);
  assert.equal(listing.persistent.length, 1, 'clean never deletes persistent data');

  const refused = await flavor(['workenv', 'remove', 'app', '--persistent']);
  assert.equal(refused.code, 2, refused.stderr);
  assert.match(refused.stderr, /persistent data of app .*confirmation needed/);
  const kept = await flavor(['workenv', 'remove', 'app', '--yes']);
  assert.equal(kept.code, 0, kept.stderr);
  assert.match(kept.stdout, /kept +persistent data of app/);
  assert.equal((await run(v2)).stdout, 'default 1.0\nedited by 1.0\nweights\n');

  const removed = await flavor(['workenv', 'remove', 'app', '--persistent', '--yes', '--json']);
  assert.equal(removed.code, 0, removed.stderr);
  const doc = parseJson(removed.stdout) as { persistent: Array<{ status: string }> };
  assert.deepEqual(
    doc.persistent.map((p) => p.status),
    ['removed'],
  );
  assert.ok(!existsSync(path.join(cache, 'persistent', 'app')));
  assert.equal((await run(v2)).stdout, 'default 1.1\nweights\n');
});

test('clean --cache-slots drops cache slots only; the next run extracts them again', async () => {
  await run(v1);
  const { entries } = await list();
  const id = entries.find((e) => e.version === '1.0')!.id;
  const models = path.join(cache, 'workenv', id, 'models');
  assert.ok(existsSync(models));
  const dry = await flavor(['workenv', 'clean', '--cache-slots', '--dry-run']);
  assert.match(dry.stdout, new RegExp(`would drop the cache slots of ${id}`));
  assert.ok(existsSync(models));
  const r = await flavor(['workenv', 'clean', '--cache-slots', '--yes', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const results = (
    parseJson(r.stdout).results as Array<{ id: string; status: string; slots: string[] }>
  ).find((x) => x.id === id);
  assert.deepEqual([results?.status, results?.slots], ['trimmed', ['models']]);
  assert.ok(!existsSync(models));
  assert.ok(existsSync(path.join(cache, 'workenv', id, 'run.sh')), 'the rest of the workenv stays');
  const inspect = await flavor(['workenv', 'inspect', id]);
  assert.match(inspect.stdout, /models → \{workenv\}\/models: dropped/);
  assert.equal((await run(v1)).stdout, 'default 1.1\nweights\n');
  assert.ok(existsSync(models), 're-extracted at the next run');
});

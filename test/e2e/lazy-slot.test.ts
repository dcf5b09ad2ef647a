// Lazy slots end to end (docs/workenv.md "Lazy slots"): a build-manifest package run by the real Go
// launcher. The install leaves a lazy slot out (a package whose lazy bytes were changed still starts, so they
// were not even hashed); `slot ensure` extracts it once, also from inside the running app and from 16
// processes at once; a tampered lazy slot is refused with SLOT_CHECKSUM and writes nothing but its lock.

import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { openPackage } from '../../src/reader/open.js';
import { exists, type LaunchResult, launch, launcherErrorCode, tree } from '../helpers/adversarial.js';
import { runFlavor, tempDir, writeJson, writeLauncher, writeTree } from '../helpers/cli.js';

let work: string;
let pkg: string;
let tampered: string;

const WEIGHTS = 'w'.repeat(300_000);
/** The app: prints its greeting, and with `ask` asks the launcher for the models slot and reads it. */
const APP = [
  '#!/bin/sh',
  'echo "app runs"',
  'if [ "$1" = ask ]; then',
  '  dir=$(FLAVOR_LAUNCHER_CLI=1 "$FLAVOR_PACKAGE_PATH" slot ensure models) || exit 9',
  '  cat "$dir/config.txt"',
  'fi',
  '',
].join('\n');

const cli = (file: string, args: string[], cache: string, env: Record<string, string> = {}) =>
  launch(file, { args, cache, home: work, env: { FLAVOR_LAUNCHER_CLI: '1', ...env }, timeoutMs: 60_000 });

/** The one workenv folder of a cache. */
async function workenvOf(cache: string): Promise<string> {
  const names = (await fs.readdir(path.join(cache, 'workenv'))).filter((n) => !/\.(lock|ready)$/.test(n));
  assert.equal(names.length, 1, names.join(', '));
  return path.join(cache, 'workenv', names[0]!);
}

before(async () => {
  work = await tempDir('flavor-lazy-');
  const launcher = await writeLauncher(work);
  await writeTree(path.join(work, 'src'), {
    'app/run.sh': APP,
    'models/config.txt': 'model config\n',
    'models/weights.bin': WEIGHTS,
  });
  await fs.chmod(path.join(work, 'src', 'app', 'run.sh'), 0o755);
  await writeJson(path.join(work, 'src', 'flavor.json'), {
    package: { name: 'lazy-demo', version: '1.0.0' },
    execution: { command: '/bin/sh {workenv}/run.sh' },
    slots: [
      { id: 'app', source: 'app', target: '{workenv}', operations: 'tar.gz' },
      { id: 'models', source: 'models', target: '{workenv}/models', operations: 'tar.gz', lifecycle: 'lazy' },
    ],
  });
  pkg = path.join(work, 'lazy.psp');
  const r = await runFlavor(
    ['pack', '-m', 'flavor.json', '-o', pkg, '--launcher-bin', launcher, '--key-seed', 'lazy-e2e'],
    { cwd: path.join(work, 'src') },
  );
  assert.equal(r.code, 0, r.stderr);
  // The same package with the lazy slot's stored bytes changed (same length): the signature still holds.
  const opened = await openPackage(pkg);
  const range = opened.slotRanges[1]!;
  const bytes = await fs.readFile(pkg);
  for (let i = range.offset + 20; i < range.offset + range.size - 20; i++) bytes[i] = bytes[i]! ^ 0xff;
  tampered = path.join(work, 'tampered.psp');
  await fs.writeFile(tampered, bytes, { mode: 0o755 });
});

after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

test('the install leaves the lazy slot out; slot ensure extracts it and prints its path', async () => {
  const cache = path.join(work, 'c1');
  const run = await launch(pkg, { cache, home: work });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, 'app runs\n');
  const w = await workenvOf(cache);
  assert.equal(await exists(path.join(w, 'models')), false, 'the lazy slot was extracted at install');
  assert.equal(await exists(path.join(w, '.flavor-lazy')), false);

  const listed = await cli(pkg, ['slot', 'list', '--json'], cache);
  assert.equal(listed.code, 0, listed.stderr);
  const states = (JSON.parse(listed.stdout) as { slots: Array<{ id: string; state: string }> }).slots;
  assert.deepEqual(
    states.map((s) => `${s.id}: ${s.state}`),
    ['app: extracted', 'models: not extracted (lazy)'],
  );

  const first = await cli(pkg, ['slot', 'ensure', 'models'], cache, { FLAVOR_LOG_LEVEL: 'debug' });
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.stdout, `${path.join(w, 'models')}\n`);
  assert.match(first.stderr, /extracting lazy slot 1 \(models\)/);
  assert.equal(await fs.readFile(path.join(w, 'models', 'weights.bin'), 'utf8'), WEIGHTS);

  // Second request: instant, nothing hashed or extracted again.
  const again = await cli(pkg, ['slot', 'ensure', '1'], cache, { FLAVOR_LOG_LEVEL: 'debug' });
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.stdout, first.stdout);
  assert.doesNotMatch(again.stderr, /hashed|extracting/);
  const path1 = await cli(pkg, ['slot', 'path', 'models'], cache);
  assert.equal(path1.stdout, first.stdout);
});

test('the app asks for the slot itself through FLAVOR_PACKAGE_PATH while it holds its workenv', async () => {
  const cache = path.join(work, 'c2');
  const r = await launch(pkg, { cache, home: work, args: ['ask'], timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'app runs\nmodel config\n');
});

test('a tampered lazy slot: the app still starts; slot ensure fails with SLOT_CHECKSUM and writes nothing', async () => {
  const cache = path.join(work, 'c3');
  const run = await launch(tampered, { cache, home: work, env: { FLAVOR_LOG_LEVEL: 'debug' } });
  assert.equal(run.code, 0, `the launch read the lazy slot: ${run.stderr}`);
  assert.equal(run.stdout, 'app runs\n');
  assert.match(run.stderr, /slot 0: stored bytes hashed/);
  assert.doesNotMatch(run.stderr, /slot 1/);
  const w = await workenvOf(cache);
  const before = await tree(w);
  for (let attempt = 0; attempt < 2; attempt++) {
    const r: LaunchResult = await cli(tampered, ['slot', 'ensure', 'models'], cache);
    assert.equal(r.code, 107, r.stderr);
    assert.equal(launcherErrorCode(r.stderr), 'SLOT_CHECKSUM');
    assert.equal(r.stdout, '');
  }
  assert.deepEqual(await tree(w), [...before, '.flavor-lazy/', '.flavor-lazy/1.lock'].sort());
  // The genuine package is another workenv: its lazy slot is unaffected.
  const ok = await cli(pkg, ['slot', 'ensure', 'models'], cache);
  assert.equal(ok.code, 0, ok.stderr);
});

test('16 concurrent first requests (no workenv yet): one install, one extraction, all get the path', async () => {
  const cache = path.join(work, 'c4');
  const results = await Promise.all(
    Array.from({ length: 16 }, () =>
      cli(pkg, ['slot', 'ensure', 'models'], cache, { FLAVOR_LOG_LEVEL: 'debug' }),
    ),
  );
  const w = await workenvOf(cache);
  for (const r of results) {
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${path.join(w, 'models')}\n`);
  }
  const count = (re: RegExp) => results.filter((r) => re.test(r.stderr)).length;
  assert.equal(count(/: debug: extracting lazy-demo-/), 1, 'workenv installs');
  assert.equal(count(/extracting lazy slot 1/), 1, 'lazy extractions');
  assert.equal(await fs.readFile(path.join(w, 'models', 'config.txt'), 'utf8'), 'model config\n');
  assert.deepEqual(
    (await fs.readdir(path.join(w, '.flavor-lazy'))).sort(),
    ['1.lock', '1.ready'],
    'staging folders left behind',
  );
});

test('slot list and slot path before any run: nothing installed, nothing created', async () => {
  const cache = path.join(work, 'c6');
  const listed = await cli(pkg, ['slot', 'list', '--json'], cache);
  assert.equal(listed.code, 0, listed.stderr);
  const doc = JSON.parse(listed.stdout) as { installed: boolean; slots: Array<{ state: string }> };
  assert.equal(doc.installed, false);
  assert.deepEqual(
    doc.slots.map((s) => s.state),
    ['not installed', 'not installed'],
  );
  const where = await cli(pkg, ['slot', 'path', 'models'], cache);
  assert.equal(where.code, 0, where.stderr);
  assert.match(where.stdout, /\/workenv\/lazy-demo-1\.0\.0-[0-9a-f]{16}\/models\n$/);
  assert.equal(await exists(cache), false, 'slot list/path created the cache');
});

test('slot errors: an unknown slot is USAGE (105) naming the slots', async () => {
  const cache = path.join(work, 'c5');
  const r = await cli(pkg, ['slot', 'ensure', 'nope'], cache);
  assert.equal(r.code, 105);
  assert.equal(launcherErrorCode(r.stderr), 'USAGE');
  assert.match(r.stderr, /hint: slots: 0:app, 1:models/);
  const bare = await cli(pkg, ['slot'], cache);
  assert.equal(bare.code, 105);
});

test('flavor extract-all writes the lazy slot too; flavor extract takes it by id', async () => {
  const out = path.join(work, 'all');
  const r = await runFlavor(['extract-all', pkg, out]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(await fs.readFile(path.join(out, '01-models', 'config.txt'), 'utf8'), 'model config\n');
  const one = await runFlavor(['extract', pkg, 'models', path.join(work, 'one')]);
  assert.equal(one.code, 0, one.stderr);
  assert.equal(await fs.readFile(path.join(work, 'one', 'weights.bin'), 'utf8'), WEIGHTS);
});

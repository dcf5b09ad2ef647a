// Slots with a `platform` (docs/manifest.md) through the builder and `flavor extract` / `extract-all`: the
// signed metadata carries it, the descriptor byte the OS, inspect shows it, and extraction skips the slots
// of other machines with a note (as the launcher does), unless --all-platforms.

import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { extract, extractAll } from '../../src/api/extract.js';
import { hostPlatform } from '../../src/builder/metadata.js';
import { type BuildSpec, FlavorError, inspect, pack } from '../../src/index.js';
import { openPackage } from '../../src/reader/open.js';
import { listDir, parseJson, runFlavor, tempDir, writeLauncher, writeTree } from '../helpers/cli.js';

const HOST = hostPlatform();

const slot = (id: string, platform?: string) => ({
  id,
  source: `${id}.txt`,
  target: `{workenv}/${id}.txt`,
  operations: 'raw',
  purpose: 'data',
  lifecycle: 'runtime',
  ...(platform === undefined ? {} : { platform }),
});

const SPEC: BuildSpec = {
  package: { name: 'platforms', version: '1.0.0' },
  execution: { command: '{workenv}/all.txt', env: {}, primarySlot: 0 },
  slots: [slot('all'), slot('linux', 'linux'), slot('mac', 'darwin_arm64'), slot('here', HOST.os)],
};

let work: string;
let pkg: string;

before(async () => {
  work = await tempDir('flavor-platform-');
  const launcherBin = await writeLauncher(work);
  await writeTree(work, { 'all.txt': 'all', 'linux.txt': 'linux', 'mac.txt': 'mac', 'here.txt': 'here' });
  pkg = (await pack(SPEC, { cwd: work, launcherBin, key: { seed: 'platform' }, output: 'p.psp', env: {} }))
    .output;
});

after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

test('the metadata signs the platform, the descriptor carries its OS, inspect shows it', async () => {
  const opened = await openPackage(pkg);
  assert.deepEqual(
    opened.metadata.slots.map((s) => s.platform ?? null),
    [null, 'linux', 'darwin_arm64', HOST.os],
  );
  assert.deepEqual(
    opened.descriptors.map((d) => d.platform),
    [0, 1, 2, { linux: 1, darwin: 2, windows: 3 }[HOST.os]],
  );
  assert.ok((opened.metadata.compatibility as { features: string[] }).features.includes('platform_slots'));
  assert.deepEqual(
    (await inspect(pkg)).slots.map((s) => s.platform),
    [null, 'linux', 'darwin_arm64', HOST.os],
  );
});

test('extract-all skips the slots of other machines; --all-platforms decodes them', async () => {
  const onLinux = await extractAll(pkg, path.join(work, 'x-linux'), { host: { os: 'linux', arch: 'amd64' } });
  assert.deepEqual(
    onLinux.skipped.map((s) => [s.index, s.id, s.platform]),
    [[2, 'mac', 'darwin_arm64'], ...(HOST.os === 'linux' ? [] : [[3, 'here', HOST.os]])],
  );
  const onMacAmd = await extractAll(pkg, path.join(work, 'x-mac'), { host: { os: 'darwin', arch: 'amd64' } });
  assert.deepEqual(
    onMacAmd.slots.map((s) => s.id),
    ['all', ...(HOST.os === 'darwin' ? ['here'] : [])],
  );
  assert.deepEqual(await listDir(path.join(work, 'x-mac')), [
    '00-all',
    ...(HOST.os === 'darwin' ? ['03-here'] : []),
    'metadata.json',
  ]);
  const all = await extractAll(pkg, path.join(work, 'x-all'), {
    host: { os: 'windows', arch: 'arm64' },
    allPlatforms: true,
  });
  assert.deepEqual(all.skipped, []);
  assert.equal(all.slots.length, 4);
});

test('extract of one slot for another machine writes nothing and says why', async () => {
  const out = path.join(work, 'one', 'mac.txt');
  const done = await extract(pkg, 'mac', out, { host: { os: 'linux', arch: 'arm64' } });
  assert.deepEqual(done, {
    ok: true,
    slots: [],
    skipped: [{ index: 2, id: 'mac', platform: 'darwin_arm64' }],
  });
  await assert.rejects(fs.stat(path.join(work, 'one')));
  const forced = await extract(pkg, 'mac', out, { host: { os: 'linux', arch: 'arm64' }, allPlatforms: true });
  assert.equal(await fs.readFile(out, 'utf8'), 'mac');
  assert.deepEqual(forced.skipped, []);
});

test('the CLI notes each skipped slot on stderr, for this machine', async () => {
  const dir = path.join(work, 'cli');
  const r = await runFlavor(['extract-all', pkg, dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stderr,
    /skipped slot 2 \(mac\): it is for darwin_arm64, this machine is \w+_\w+ \(--all-platforms decodes it\)/,
  );
  const other = await runFlavor([
    'extract-all',
    pkg,
    path.join(work, 'cli-all'),
    '--all-platforms',
    '--json',
  ]);
  assert.equal(other.code, 0, other.stderr);
  assert.deepEqual((parseJson(other.stdout).skipped as unknown[]).length, 0);
  const single = await runFlavor(['extract', pkg, 'linux', path.join(work, 'cli-one.txt'), '--json']);
  assert.equal(single.code, 0, single.stderr);
  const skipped = parseJson(single.stdout).skipped as unknown[];
  assert.equal(skipped.length, HOST.os === 'linux' ? 0 : 1);
});

test('a build manifest slot with an unknown platform is refused before anything is written', async () => {
  const bad = { ...SPEC, slots: [slot('all'), slot('x', 'solaris')] };
  await assert.rejects(
    pack(bad, { cwd: work, launcherBin: await writeLauncher(work), key: { seed: 'p' }, output: 'bad/x.psp' }),
    (e) =>
      e instanceof FlavorError &&
      e.code === 'MANIFEST_INVALID' &&
      /slots\[1\]\.platform: unknown platform "solaris"/.test(e.message),
  );
  await assert.rejects(fs.stat(path.join(work, 'bad')));
});

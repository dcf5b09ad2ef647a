// Faults during installation: SIGKILL at seeded random moments, a full disk (1 MiB tmpfs), a read-only
// and a noexec cache, no home folder. After each, either a clear error (exit 103/104/106, a hint naming
// FLAVOR_CACHE where the cache is the cause) or a correct workenv — never a half-written tree that runs.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import {
  appPackage,
  buildTar,
  cacheEntries,
  exists,
  launch,
  launcherErrorCode,
  prng,
  type RawEntry,
  tree,
  writePackage,
} from '../helpers/adversarial.js';
import { tempDir } from '../helpers/cli.js';

const SEED = 20_251_125;
const KILLS = 30;
let work: string;
const mounts: string[] = [];

function tryMount(dir: string, options: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'ignore' });
    mounts.push(dir);
    return true;
  } catch {
    return false;
  }
}

/** Deterministic incompressible-ish bytes. */
function noise(size: number, seed: number): Buffer {
  const r = prng(seed);
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i += 4) b.writeUInt32LE((r() * 2 ** 32) >>> 0, i);
  return b;
}

before(async () => {
  work = await tempDir('flavor-adv-faults-');
});

after(async () => {
  for (const m of mounts.reverse()) {
    try {
      execFileSync('umount', ['-l', m], { stdio: 'ignore' });
    } catch {}
  }
  await fs.rm(work, { recursive: true, force: true });
});

test(`SIGKILL at ${KILLS} seeded random moments of installation; the next launch always ends correct`, async () => {
  // 24 files of 96 KiB (≈2.3 MiB, gzip'd) so installation takes a few milliseconds to interrupt.
  const files: RawEntry[] = Array.from({ length: 24 }, (_, i) => ({
    name: `lib/f${String(i).padStart(2, '0')}.bin`,
    data: noise(96 << 10, i),
    mode: 0o644,
  }));
  const entries: RawEntry[] = [
    { name: 'run.sh', data: '#!/bin/sh\ncat "$FLAVOR_WORKENV/data.txt"\n', mode: 0o755 },
    ...files,
  ];
  const expected = new Map<string, string>(
    files.map((f) => [
      f.name,
      createHash('sha256')
        .update(f.data as Buffer)
        .digest('hex'),
    ]),
  );
  const pkg = await writePackage(path.join(work, 'kill.psp'), appPackage({ entries }));
  const cache = path.join(work, 'kill-cache');
  // How long a full cold install takes here, to spread the kills over it.
  const t0 = performance.now();
  const cold = await launch(pkg, { cache: path.join(work, 'timing'), home: work });
  const span = Math.max(5, performance.now() - t0);
  assert.equal(cold.code, 0, cold.stderr);

  const rand = prng(SEED);
  let killed = 0;
  for (let i = 0; i < KILLS; i++) {
    await fs.rm(cache, { recursive: true, force: true });
    // Sometimes kill the install that follows an earlier killed one (leftovers from a dead process).
    const rounds = rand() < 0.3 ? 2 : 1;
    for (let k = 0; k < rounds; k++) {
      const delay = rand() * span * 1.2;
      const r = await launch(pkg, {
        cache,
        home: work,
        onSpawn: (child) => {
          setTimeout(() => child.kill('SIGKILL'), delay);
        },
      });
      if (r.signal === 'SIGKILL') killed++;
    }
    const next = await launch(pkg, { cache, home: work });
    assert.equal(next.code, 0, `iteration ${i}: ${next.stderr}`);
    assert.equal(next.stdout, 'genuine data\n');
    const names = await cacheEntries(cache);
    const id = names.find((e) => e.endsWith('.ready'))!.slice(0, -'.ready'.length);
    assert.deepEqual(
      names,
      [id, `${id}.lock`, `${id}.ready`],
      `iteration ${i}: leftovers ${names.join(', ')}`,
    );
    const wdir = path.join(cache, 'workenv', id);
    for (const [name, sum] of expected) {
      const got = createHash('sha256')
        .update(await fs.readFile(path.join(wdir, name)))
        .digest('hex');
      assert.equal(got, sum, `iteration ${i}: ${name} differs`);
    }
  }
  assert.ok(killed >= KILLS / 3, `only ${killed} launches were actually killed; the kill window missed`);
});

describe('file-system faults', { concurrency: 1 }, () => {
  test('disk full (1 MiB tmpfs): clear error, nothing trusted, next launch on a good cache works', async (t) => {
    const mnt = path.join(work, 'tiny');
    await fs.mkdir(mnt);
    if (!tryMount(mnt, 'size=1m,mode=0700')) {
      t.skip('cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN)');
      return;
    }
    const big = noise(3 << 20, 7);
    const tar = buildTar([
      { name: 'run.sh', data: '#!/bin/sh\necho ran\n', mode: 0o755 },
      { name: 'big.bin', data: big },
    ]);
    const pkg = await writePackage(
      path.join(work, 'big.psp'),
      appPackage({
        slot0: { bytes: gzipSync(tar, { level: 1 }), originalSize: tar.length, operations: 'tar.gz' },
      }),
    );
    const cache = path.join(mnt, 'cache');
    for (let attempt = 0; attempt < 2; attempt++) {
      const r = await launch(pkg, { cache, home: work, env: { MARKER: path.join(work, 'full.ran') } });
      assert.equal(r.code, 103, r.stderr);
      assert.match(r.stderr, /no space left on device/i);
      assert.match(r.stderr, /hint: .*(disk space|FLAVOR_CACHE)/);
      assert.equal(await exists(path.join(work, 'full.ran')), false);
      const names = await cacheEntries(cache);
      assert.deepEqual(
        names.filter((e) => !e.endsWith('.lock')),
        [],
        `a failed install left ${names.join(', ')}`,
      );
    }
    const ok = await launch(pkg, { cache: path.join(work, 'roomy'), home: work });
    assert.equal(ok.stdout, 'ran\n', ok.stderr);
  });

  test('read-only cache: clear error with the FLAVOR_CACHE hint', async (t) => {
    const mnt = path.join(work, 'ro');
    await fs.mkdir(mnt);
    if (!tryMount(mnt, 'size=4m,mode=0700')) {
      t.skip('cannot mount a tmpfs here');
      return;
    }
    await fs.mkdir(path.join(mnt, 'workenv'), { mode: 0o700 });
    execFileSync('mount', ['-o', 'remount,ro', mnt]);
    const pkg = await writePackage(path.join(work, 'ro.psp'), appPackage());
    const r = await launch(pkg, { cache: mnt, home: work });
    assert.equal(r.code, 106, r.stderr);
    assert.equal(launcherErrorCode(r.stderr), 'CACHE_ERROR');
    assert.match(r.stderr, /read-only file system/i);
    assert.match(r.stderr, /hint: set FLAVOR_CACHE/);
  });

  test('noexec cache: clear error with the FLAVOR_CACHE hint when the app is a file in the workenv', async (t) => {
    const mnt = path.join(work, 'noexec');
    await fs.mkdir(mnt);
    if (!tryMount(mnt, 'size=4m,mode=0700,noexec')) {
      t.skip('cannot mount a tmpfs here');
      return;
    }
    const pkg = await writePackage(
      path.join(work, 'noexec.psp'),
      appPackage({ command: '{workenv}/run.sh' }),
    );
    const r = await launch(pkg, { cache: mnt, home: work });
    assert.equal(r.code, 104, r.stderr);
    assert.match(r.stderr, /permission denied/i);
    assert.match(r.stderr, /hint: .*FLAVOR_CACHE/);
  });

  test('no HOME, no FLAVOR_CACHE, no XDG_CACHE_HOME: clear error, nothing written', async () => {
    const pkg = await writePackage(path.join(work, 'nohome.psp'), appPackage());
    const r = await launch(pkg, { cache: null, env: { HOME: undefined, XDG_CACHE_HOME: undefined } });
    assert.equal(r.code, 106, r.stderr);
    assert.match(r.stderr, /no cache folder: there is no home folder and FLAVOR_CACHE is not set/);
    assert.match(r.stderr, /hint: set FLAVOR_CACHE/);
    // A relative XDG_CACHE_HOME is ignored (not resolved against the current folder).
    const rel = await launch(pkg, { cache: null, env: { HOME: undefined, XDG_CACHE_HOME: 'relative' } });
    assert.equal(rel.code, 106, rel.stderr);
    assert.deepEqual(await tree(path.join(work, 'relative')), []);
  });
});

// Hostile cache (docs/workenv.md, docs/security.md): a cache root owned by another user or writable by
// others is refused; a symlink planted where the workenv goes, a forged or stale ready marker and missing
// top-level entries are healed by reinstalling, never followed or run. What a user can do to their OWN cache
// (change a file inside a complete workenv) is a documented limit, pinned here so a change is noticed.
//
// Tests run as root. Root bypasses permission checks, so these tests prove the launcher's own ownership
// and mode checks (lstat + uid/mode comparison), not the kernel's; the "another user" test runs the
// launcher as uid 65534 through setpriv, which is a real second user.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  appPackage,
  cacheEntries,
  exists,
  launch,
  launcherErrorCode,
  writePackage,
} from '../helpers/adversarial.js';
import { tempDir } from '../helpers/cli.js';

const NOBODY = 65534;
let work: string;
let pkg: string;
let n = 0;

async function install(): Promise<{ cache: string; id: string; wdir: string }> {
  const cache = path.join(work, `cache-${n++}`);
  const r = await launch(pkg, { cache, home: work });
  assert.equal(r.stdout, 'genuine data\n', r.stderr);
  const id = (await cacheEntries(cache)).find((e) => e.endsWith('.ready'))!.slice(0, -'.ready'.length);
  return { cache, id, wdir: path.join(cache, 'workenv', id) };
}

async function expectCacheRefused(cache: string, pattern: RegExp, asUser?: number): Promise<void> {
  const marker = path.join(work, `ran-${n++}`);
  const r = await launch(pkg, {
    cache,
    home: work,
    env: { MARKER: marker },
    ...(asUser === undefined ? {} : { asUser }),
  });
  assert.equal(r.code, 106, r.stderr);
  assert.equal(launcherErrorCode(r.stderr), 'CACHE_UNSAFE', r.stderr);
  assert.match(r.stderr, pattern);
  assert.match(r.stderr, /hint: set FLAVOR_CACHE/);
  assert.equal(await exists(marker), false);
}

async function expectHealed(cache: string, wdir: string): Promise<void> {
  const r = await launch(pkg, { cache, home: work, env: { FLAVOR_LOG_LEVEL: 'debug' } });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'genuine data\n');
  assert.match(r.stderr, /extracting /, 'no reinstall happened');
  const st = await fs.lstat(wdir);
  assert.ok(st.isDirectory() && !st.isSymbolicLink());
  assert.equal(await fs.readFile(path.join(wdir, 'data.txt'), 'utf8'), 'genuine data\n');
}

before(async () => {
  work = await tempDir('flavor-adv-cache-');
  await fs.chmod(work, 0o755); // uid 65534 must reach the package
  pkg = await writePackage(path.join(work, 'app.psp'), appPackage());
});

after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

describe('unsafe cache roots are refused', { concurrency: 4 }, () => {
  test('cache root owned by another user (uid 65534)', async () => {
    const cache = path.join(work, 'foreign-root');
    await fs.mkdir(cache, { mode: 0o700 });
    await fs.chown(cache, NOBODY, NOBODY);
    await expectCacheRefused(cache, /owned by another user \(uid 65534\)/);
  });

  test('cache/workenv owned by another user', async () => {
    const { cache } = await install();
    await fs.chown(path.join(cache, 'workenv'), NOBODY, NOBODY);
    await expectCacheRefused(cache, /owned by another user/);
  });

  test('a real second user (uid 65534 via setpriv) pointed at root’s cache is refused', async () => {
    const { cache } = await install();
    await fs.chmod(cache, 0o755); // even readable, it is not theirs
    await fs.chmod(path.join(cache, 'workenv'), 0o755);
    await expectCacheRefused(cache, /owned by another user \(uid 0\)/, NOBODY);
    // …while their own cache works.
    const own = path.join(work, 'nobody-cache');
    await fs.mkdir(own, { mode: 0o700 });
    await fs.chown(own, NOBODY, NOBODY);
    const r = await launch(pkg, { cache: own, home: work, asUser: NOBODY });
    assert.equal(r.stdout, 'genuine data\n', r.stderr);
  });

  for (const mode of [0o777, 0o770, 0o1777, 0o722]) {
    test(`cache root with mode ${mode.toString(8)} (writable by others)`, async () => {
      const cache = path.join(work, `mode-${mode.toString(8)}`);
      await fs.mkdir(cache);
      await fs.chmod(cache, mode);
      await expectCacheRefused(cache, /writable by other users/);
    });
  }

  test('cache/workenv writable by others', async () => {
    const { cache } = await install();
    await fs.chmod(path.join(cache, 'workenv'), 0o777);
    await expectCacheRefused(cache, /writable by other users/);
  });

  for (const mode of [0o777, 0o775]) {
    test(`a folder above the root with mode ${mode.toString(8)} (no sticky bit) is refused, naming it`, async () => {
      const shared = path.join(work, `above-${mode.toString(8)}`);
      await fs.mkdir(shared);
      await fs.chmod(shared, mode);
      const cache = path.join(shared, 'me', 'cache');
      await expectCacheRefused(cache, new RegExp(`the folder ${shared} above it is writable by other users`));
      assert.equal(await exists(path.join(shared, 'me')), false, 'created a folder below the unsafe one');
    });
  }

  test('a sticky world-writable folder above the root (like /tmp) is accepted', async () => {
    const sticky = path.join(work, 'sticky');
    await fs.mkdir(sticky);
    await fs.chmod(sticky, 0o1777);
    const r = await launch(pkg, { cache: path.join(sticky, 'xdg', 'flavor'), home: work });
    assert.equal(r.stdout, 'genuine data\n', r.stderr);
  });

  test('cache root or cache/workenv is a symlink', async () => {
    const real = path.join(work, 'real-cache');
    await fs.mkdir(path.join(real, 'workenv'), { recursive: true, mode: 0o700 });
    const link = path.join(work, 'link-cache');
    await fs.symlink(real, link);
    await expectCacheRefused(link, /not a real directory/);
    const { cache } = await install();
    await fs.rm(path.join(cache, 'workenv'), { recursive: true });
    await fs.symlink(path.join(real, 'workenv'), path.join(cache, 'workenv'));
    await expectCacheRefused(cache, /not a real directory/);
  });
});

describe('a tampered workenv is reinstalled, never followed', { concurrency: 4 }, () => {
  test('a symlink planted where the workenv goes (marker kept) is replaced; its target is untouched', async () => {
    const { cache, wdir } = await install();
    const evil = path.join(work, `evil-${n++}`);
    await fs.mkdir(evil);
    await fs.writeFile(path.join(evil, 'run.sh'), 'echo evil\n');
    await fs.writeFile(path.join(evil, 'data.txt'), 'evil data\n');
    await fs.rm(wdir, { recursive: true });
    await fs.symlink(evil, wdir);
    await expectHealed(cache, wdir);
    assert.deepEqual((await fs.readdir(evil)).sort(), ['data.txt', 'run.sh'], 'removal followed the link');
  });

  test('a symlink planted where the workenv goes, before the first install', async () => {
    const cache = path.join(work, `pre-${n++}`);
    const first = await install();
    const evil = path.join(work, `evil-${n++}`);
    await fs.mkdir(path.join(cache, 'workenv'), { recursive: true, mode: 0o700 });
    await fs.chmod(cache, 0o700);
    await fs.mkdir(evil);
    await fs.writeFile(path.join(evil, 'keep'), 'x');
    await fs.symlink(evil, path.join(cache, 'workenv', first.id));
    await expectHealed(cache, path.join(cache, 'workenv', first.id));
    assert.deepEqual(await fs.readdir(evil), ['keep']);
  });

  test('a forged ready marker over a partial tree (a listed entry missing) is not trusted', async () => {
    const { cache, id, wdir } = await install();
    const marker = JSON.parse(await fs.readFile(`${wdir}.ready`, 'utf8')) as { entries: string[] };
    assert.deepEqual(marker.entries, ['data.txt', 'run.sh']);
    await fs.rm(path.join(wdir, 'data.txt'));
    await expectHealed(cache, path.join(cache, 'workenv', id));
  });

  test('a marker naming another package (id or metadata hash) is deleted and the tree reinstalled', async () => {
    for (const field of ['id', 'metadata_sha256', 'marker'] as const) {
      const { cache, wdir } = await install();
      const m = JSON.parse(await fs.readFile(`${wdir}.ready`, 'utf8')) as Record<string, unknown>;
      m[field] = field === 'metadata_sha256' ? '0'.repeat(64) : 'forged';
      await fs.writeFile(`${wdir}.ready`, JSON.stringify(m));
      await fs.writeFile(path.join(wdir, 'data.txt'), 'evil data\n');
      await expectHealed(cache, wdir);
    }
  });

  test('a marker that is not JSON, or a tree without a marker, is reinstalled', async () => {
    const a = await install();
    await fs.writeFile(`${a.wdir}.ready`, 'garbage');
    await fs.writeFile(path.join(a.wdir, 'data.txt'), 'evil data\n');
    await expectHealed(a.cache, a.wdir);
    const b = await install();
    await fs.rm(`${b.wdir}.ready`);
    await fs.writeFile(path.join(b.wdir, 'data.txt'), 'evil data\n');
    await expectHealed(b.cache, b.wdir);
  });

  test('a top-level entry deleted, or the workenv replaced by a file, is healed', async () => {
    const a = await install();
    await fs.rm(path.join(a.wdir, 'run.sh'));
    await expectHealed(a.cache, a.wdir);
    const b = await install();
    await fs.rm(b.wdir, { recursive: true });
    await fs.writeFile(b.wdir, 'not a folder');
    await expectHealed(b.cache, b.wdir);
  });

  test('known limit: content changed inside a complete workenv by its owner runs (warm path is O(1))', async () => {
    // docs/security.md: the cache is 0700 and owned by the user; whoever can write it can already run
    // code as that user. The warm path checks the marker and the top-level entries, not file contents.
    const { cache, wdir } = await install();
    await fs.writeFile(path.join(wdir, 'data.txt'), 'changed by the owner\n');
    await fs.writeFile(path.join(wdir, 'added.txt'), 'x');
    const r = await launch(pkg, { cache, home: work });
    assert.equal(r.stdout, 'changed by the owner\n', 'if this is healed now, update docs/security.md');
    // `flavor workenv remove` (or deleting the marker) forces a fresh install from the signed package.
    await fs.rm(`${wdir}.ready`);
    await expectHealed(cache, wdir);
    assert.equal(await exists(path.join(wdir, 'added.txt')), false);
  });
});

test('setpriv is available for the second-user test', () => {
  assert.doesNotThrow(() => execFileSync('setpriv', ['--version']));
});

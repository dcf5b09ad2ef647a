// The cache-folder rule (docs/workenv.md "Who may change the folders on the way") is decided twice: by the
// launcher for its cache root and by src/workenv/safe-folder.ts for the build cache. Each case below is
// given to both — the real launcher's `cache list` (FLAVOR_CACHE=<folder>) and checkCacheFolder — and they
// must agree on accept/refuse and on the folder they name. Cases that give a folder to another user need
// root (CI runs as root; elsewhere they are skipped unless CI=true).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { FlavorError } from '../../src/errors.js';
import { checkCacheFolder } from '../../src/workenv/safe-folder.js';
import { LAUNCHER_BIN, launcherBytes } from '../helpers/adversarial.js';
import { runFlavor, tempDir } from '../helpers/cli.js';

const OTHER = 64102;
const isRoot = process.getuid?.() === 0;
let work: string;
let n = 0;

interface Case {
  name: string;
  root?: boolean;
  /** Builds the case below a fresh folder; returns the cache folder and the folder a refusal must name. */
  setup: (base: string) => Promise<{ folder: string; names?: string }>;
}

async function mkdir(p: string, mode: number, uid?: number): Promise<string> {
  await fs.mkdir(p);
  await fs.chmod(p, mode);
  if (uid !== undefined) await fs.chown(p, uid, uid);
  return p;
}

const CASES: Case[] = [
  { name: 'a private folder', setup: async (b) => ({ folder: await mkdir(path.join(b, 'c'), 0o700) }) },
  {
    name: 'the folder writable by others',
    setup: async (b) => {
      const folder = await mkdir(path.join(b, 'c'), 0o777);
      return { folder, names: folder };
    },
  },
  {
    name: 'a group-writable folder above it',
    setup: async (b) => {
      const shared = await mkdir(path.join(b, 'shared'), 0o775);
      return { folder: await mkdir(path.join(shared, 'c'), 0o700), names: shared };
    },
  },
  {
    name: 'a sticky world-writable folder above it',
    setup: async (b) => {
      const tmp = await mkdir(path.join(b, 'tmp'), 0o1777);
      return { folder: await mkdir(path.join(tmp, 'c'), 0o700) };
    },
  },
  {
    name: 'the user’s own link above it',
    setup: async (b) => {
      await mkdir(path.join(b, 'real'), 0o755);
      await mkdir(path.join(b, 'real', 'c'), 0o700);
      await fs.symlink('real', path.join(b, 'link'));
      return { folder: path.join(b, 'link', 'c') };
    },
  },
  {
    name: 'the folder writable by others, reached through the user’s own link (named by its real path)',
    setup: async (b) => {
      await mkdir(path.join(b, 'real'), 0o755);
      const folder = await mkdir(path.join(b, 'real', 'c'), 0o777);
      await fs.symlink('real', path.join(b, 'link'));
      return { folder: path.join(b, 'link', 'c'), names: folder };
    },
  },
  {
    name: 'the folder itself is a link',
    setup: async (b) => {
      await mkdir(path.join(b, 'real'), 0o700);
      await fs.symlink('real', path.join(b, 'c'));
      return { folder: path.join(b, 'c'), names: path.join(b, 'c') };
    },
  },
  {
    name: 'a folder above it owned by another user',
    root: true,
    setup: async (b) => {
      const theirs = await mkdir(path.join(b, 'theirs'), 0o755);
      const folder = await mkdir(path.join(theirs, 'c'), 0o700);
      await fs.chown(theirs, OTHER, OTHER);
      return { folder, names: theirs };
    },
  },
  {
    name: 'a sticky folder above it owned by another user',
    root: true,
    setup: async (b) => {
      const theirs = await mkdir(path.join(b, 'theirs'), 0o1777);
      const folder = await mkdir(path.join(theirs, 'c'), 0o700);
      await fs.chown(theirs, OTHER, OTHER);
      return { folder, names: theirs };
    },
  },
  {
    name: 'another user’s link above it',
    root: true,
    setup: async (b) => {
      await mkdir(path.join(b, 'real'), 0o755);
      await mkdir(path.join(b, 'real', 'c'), 0o700);
      await fs.symlink('real', path.join(b, 'link'));
      await fs.lchown(path.join(b, 'link'), OTHER, OTHER);
      return { folder: path.join(b, 'link', 'c'), names: path.join(b, 'link') };
    },
  },
  {
    name: 'the folder owned by another user',
    root: true,
    setup: async (b) => {
      const folder = await mkdir(path.join(b, 'c'), 0o700, OTHER);
      return { folder, names: folder };
    },
  },
];

/** What the launcher decides: null = accepted, else the folder its CACHE_UNSAFE message names. */
function launcherVerdict(folder: string): string | null {
  const r = spawnSync(LAUNCHER_BIN, ['cache', 'list', '--json'], {
    env: { PATH: '/usr/bin:/bin', FLAVOR_LAUNCHER_CLI: '1', FLAVOR_CACHE: folder },
    encoding: 'utf8',
  });
  if (r.status === 0) return null;
  assert.match(r.stderr, /\[CACHE_UNSAFE\]/, r.stderr);
  const above = /the folder (\S+) above it/.exec(r.stderr)?.[1];
  const own = /unsafe cache root (\S+): (\S+) /.exec(r.stderr);
  return above ?? (own?.[2] === 'it' ? own[1]! : (own?.[2] ?? '?'));
}

/** What checkCacheFolder decides, in the same form. */
async function tsVerdict(folder: string): Promise<string | null> {
  try {
    await checkCacheFolder(folder);
    return null;
  } catch (error) {
    assert.ok(error instanceof FlavorError && error.code === 'CACHE_UNSAFE', String(error));
    return error.path ?? '?';
  }
}

before(async () => {
  launcherBytes(); // a clear failure when the launcher was not built
  work = await tempDir('flavor-safe-folder-');
  await fs.chmod(work, 0o755);
});

after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

for (const c of CASES) {
  const skip = c.root && !isRoot && process.env.CI !== 'true' ? 'needs root' : false;
  test(`launcher and checkCacheFolder agree: ${c.name}`, { skip }, async () => {
    assert.ok(!c.root || isRoot, 'CI runs as root: this case gives a folder to another user');
    const base = await mkdir(path.join(work, `case-${n++}`), 0o755);
    const { folder, names } = await c.setup(base);
    const expected = names ?? null;
    assert.equal(await tsVerdict(folder), expected, 'checkCacheFolder');
    assert.equal(launcherVerdict(folder), expected, 'launcher');
  });
}

test('checkCacheFolder creates a missing folder 0700 below safe ones, and nothing below an unsafe one', async () => {
  const base = await mkdir(path.join(work, `create-${n++}`), 0o755);
  await checkCacheFolder(path.join(base, 'a', 'build'), { create: true });
  assert.equal((await fs.stat(path.join(base, 'a', 'build'))).mode & 0o777, 0o700);
  const shared = await mkdir(path.join(base, 'shared'), 0o777);
  await assert.rejects(checkCacheFolder(path.join(shared, 'x', 'build'), { create: true }), {
    code: 'CACHE_UNSAFE',
    path: shared,
  });
  await assert.rejects(fs.lstat(path.join(shared, 'x')), { code: 'ENOENT' });
});

test('flavor pack refuses a build cache another user could swap, before building anything', async () => {
  const base = await mkdir(path.join(work, `pack-${n++}`), 0o755);
  const shared = await mkdir(path.join(base, 'shared'), 0o777);
  await fs.writeFile(path.join(base, 'pyproject.toml'), '[project]\nname = "x"\nversion = "1.0"\n');
  const r = await runFlavor(['pack', '--manifest', path.join(base, 'pyproject.toml')], {
    env: { FLAVOR_BUILD_CACHE: path.join(shared, 'build') },
  });
  assert.equal(r.code, 17, r.stderr);
  assert.match(r.stderr, new RegExp(`the folder ${shared} above it is writable by other users`));
  assert.match(r.stderr, new RegExp(`hint: .*fix ${shared}:`));
  assert.deepEqual(await fs.readdir(shared), []);
});

test('flavor workenv list passes the launcher’s CACHE_UNSAFE refusal on, naming the folder', async () => {
  const base = await mkdir(path.join(work, `list-${n++}`), 0o755);
  const shared = await mkdir(path.join(base, 'shared'), 0o775);
  const r = await runFlavor(['workenv', 'list'], { env: { FLAVOR_CACHE: path.join(shared, 'cache') } });
  assert.equal(r.code, 17, r.stderr);
  assert.match(r.stderr, new RegExp(`the folder ${shared} above it is writable by other users`));
  assert.match(
    r.stderr,
    new RegExp(`hint: set FLAVOR_CACHE to a folder that only you can change, or fix ${shared}:`),
  );
});

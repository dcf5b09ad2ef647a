// The cache-folder rule of docs/workenv.md ("Who may change the folders on the way"), as the launcher
// applies it to its cache root, for the folders the TypeScript side keeps in the cache itself (the build
// cache of `flavor pack`): the folder must be a real directory owned by the user and not writable by group
// or others; every folder above it owned by root or the user and not writable by group or others unless
// sticky; every link above it owned by root or the user. Checked top-down with lstat: a folder that passes
// can only be changed by root or the user, so what is checked below it stays what was checked.

import { promises as fs, type Stats } from 'node:fs';
import path from 'node:path';
import { FlavorError } from '../errors.js';

const MAX_LINKS = 40;
const STICKY = 0o1000;

export interface SafeFolderOptions {
  /** Create missing folders (0755 above, 0700 the folder itself). */
  create?: boolean;
  /** The user the folders must belong to (default: this process's effective uid). */
  uid?: number;
}

/** Refuses (CACHE_UNSAFE) a folder another user could swap; no-op where there are no uids (Windows). */
export async function checkCacheFolder(folder: string, options: SafeFolderOptions = {}): Promise<void> {
  const uid = options.uid ?? process.geteuid?.();
  if (uid === undefined) return;
  const target = path.resolve(folder);
  const walk = { uid, target, create: options.create ?? false, links: 0 };
  await checkAncestor(walk, '/', await fs.lstat('/'));
  let at = '/';
  const queue = split(target);
  while (queue.length > 0) {
    const name = queue.shift()!;
    if (name === '.') continue;
    if (name === '..') {
      at = path.dirname(at);
      continue;
    }
    const next = path.join(at, name);
    const final = queue.length === 0;
    const st = await lstatOrCreate(walk, next, final);
    if (st.isSymbolicLink()) {
      const link = await readLink(walk, next, st, final);
      if (path.isAbsolute(link)) at = '/';
      queue.unshift(...split(link));
      continue;
    }
    if (!st.isDirectory()) throw unsafe(target, next, 'is not a real directory', !final);
    if (final) checkOwn(walk, next, st);
    else await checkAncestor(walk, next, st);
    at = next;
  }
}

interface Walk {
  uid: number;
  target: string;
  create: boolean;
  links: number;
}

async function lstatOrCreate(walk: Walk, dir: string, final: boolean): Promise<Stats> {
  try {
    return await fs.lstat(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || !walk.create) throw error;
  }
  await fs.mkdir(dir, { mode: final ? 0o700 : 0o755 }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
  return fs.lstat(dir);
}

async function readLink(walk: Walk, link: string, st: Stats, final: boolean): Promise<string> {
  if (final) throw unsafe(walk.target, link, 'is a symbolic link, not a real directory');
  if (st.uid !== 0 && st.uid !== walk.uid) {
    throw unsafe(
      walk.target,
      link,
      `is a symbolic link owned by another user (uid ${st.uid}), who can point it elsewhere`,
      true,
    );
  }
  if (++walk.links > MAX_LINKS) {
    throw new FlavorError('CACHE_ERROR', `too many symbolic links above ${walk.target}`, {
      path: walk.target,
    });
  }
  return fs.readlink(link);
}

async function checkAncestor(walk: Walk, dir: string, st: Stats): Promise<void> {
  if (st.uid !== 0 && st.uid !== walk.uid) {
    throw unsafe(walk.target, dir, `is owned by another user (uid ${st.uid})`, true);
  }
  if ((st.mode & 0o022) !== 0 && (st.mode & STICKY) === 0) {
    throw unsafe(
      walk.target,
      dir,
      `is writable by other users (mode ${octal(st.mode)}, no sticky bit)`,
      true,
    );
  }
}

function checkOwn(walk: Walk, dir: string, st: Stats): void {
  if (st.uid !== walk.uid) throw unsafe(walk.target, dir, `is owned by another user (uid ${st.uid})`);
  if ((st.mode & 0o022) !== 0)
    throw unsafe(walk.target, dir, `is writable by other users (mode ${octal(st.mode)})`);
}

/** The refusal of `target` because of `dir`: the folder itself (`above` false) or a folder or link above it. */
function unsafe(target: string, dir: string, why: string, above = false): FlavorError {
  const what = above ? `the folder ${dir} above it` : dir === target ? 'it' : dir;
  const rule = above
    ? 'it must be owned by you or root and not writable by group or others (a sticky folder such as /tmp is allowed)'
    : 'it must be a real directory owned by you and not writable by group or others (chmod 700)';
  return new FlavorError(
    'CACHE_UNSAFE',
    `unsafe cache folder ${target}: ${what} ${why}; another user could swap what it holds`,
    {
      hint: `set FLAVOR_CACHE (or FLAVOR_BUILD_CACHE) to a folder that only you can change, or fix ${dir}: ${rule}`,
      path: dir,
    },
  );
}

const octal = (mode: number) => (mode & 0o7777).toString(8).padStart(4, '0');
const split = (p: string) => p.split('/').filter((c) => c !== '');

// The cache root, chosen exactly as the launcher chooses it (docs/workenv.md), and the folders in it.

import os from 'node:os';
import path from 'node:path';
import { FlavorError } from '../errors.js';

export interface CacheRoot {
  path: string;
  /** Which rule chose it: "FLAVOR_CACHE", "XDG_CACHE_HOME", "default". */
  source: 'FLAVOR_CACHE' | 'XDG_CACHE_HOME' | 'default';
}

export function cacheRoot(env: NodeJS.ProcessEnv = process.env, platform = process.platform): CacheRoot {
  if (env.FLAVOR_CACHE) return { path: path.resolve(env.FLAVOR_CACHE), source: 'FLAVOR_CACHE' };
  if (env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME)) {
    return { path: path.join(env.XDG_CACHE_HOME, 'flavor'), source: 'XDG_CACHE_HOME' };
  }
  if (platform === 'win32') {
    const local = env.LOCALAPPDATA;
    if (local) return { path: path.join(local, 'flavor', 'cache'), source: 'default' };
  }
  const home = env.HOME || (platform === 'win32' ? env.USERPROFILE : undefined) || safeHomedir();
  if (!home) {
    throw new FlavorError('CACHE_ERROR', 'no home directory to put the cache in', {
      hint: 'set FLAVOR_CACHE to a writable folder',
    });
  }
  if (platform === 'darwin')
    return { path: path.join(home, 'Library', 'Caches', 'flavor'), source: 'default' };
  return { path: path.join(home, '.cache', 'flavor'), source: 'default' };
}

function safeHomedir(): string | undefined {
  try {
    return os.homedir() || undefined;
  } catch {
    return undefined;
  }
}

/** Where `flavor pack` keeps reusable build products (runtime slots): FLAVOR_BUILD_CACHE or <root>/build. */
export function buildCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.FLAVOR_BUILD_CACHE
    ? path.resolve(env.FLAVOR_BUILD_CACHE)
    : path.join(cacheRoot(env).path, 'build');
}

export function workenvDir(root: string): string {
  return path.join(root, 'workenv');
}

// The TypeScript side of cache management. Node cannot take the OS file locks the launcher uses, so every
// read of lock state and every removal goes through the launcher's own cache mode
// (`FLAVOR_LAUNCHER_CLI=1 <launcher> cache list|remove --json`), which implements docs/workenv.md.

import { spawn } from 'node:child_process';
import { FlavorError } from '../errors.js';

export interface CacheEntry {
  id: string;
  name: string | null;
  version: string | null;
  complete: boolean;
  in_use: boolean;
  size_bytes: number;
  last_used: string | null;
  installed_at: string | null;
  unknown: boolean;
  leftovers: string[];
}

/** A package name's persistent store (`<root>/persistent/<name>`): data its apps saved, kept across updates. */
export interface StoreEntry {
  /** The store's folder name: the package name sanitized like the workenv id's name part. */
  name: string;
  path: string;
  size_bytes: number;
  /** A workenv of this package name is in use. */
  in_use: boolean;
}

export interface CacheListing {
  root: string;
  workenv_dir: string;
  entries: CacheEntry[];
  persistent: StoreEntry[];
}

export interface RemoveResult {
  id: string;
  status: 'removed' | 'in_use' | 'not_found' | 'error';
  bytes_freed: number;
  error?: string;
}

export interface TrimResult {
  id: string;
  status: 'trimmed' | 'nothing' | 'in_use' | 'not_found' | 'error';
  /** Ids of the cache slots deleted. */
  slots: string[];
  bytes_freed: number;
  error?: string;
}

export interface StoreResult {
  name: string;
  status: 'removed' | 'in_use' | 'not_found' | 'error';
  bytes_freed: number;
  error?: string;
}

export class CacheClient {
  constructor(
    private readonly launcher: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  async root(): Promise<{ root: string; workenv_dir: string; rule: string; exists: boolean }> {
    return (await this.call(['root', '--json'])) as {
      root: string;
      workenv_dir: string;
      rule: string;
      exists: boolean;
    };
  }

  async list(): Promise<CacheListing> {
    const listing = (await this.call(['list', '--json'])) as CacheListing;
    listing.entries = listing.entries ?? [];
    listing.persistent = listing.persistent ?? [];
    return listing;
  }

  /** Deletes the cache-lifecycle slots of these workenvs; the next run of each re-extracts them. */
  async trim(ids: string[]): Promise<TrimResult[]> {
    if (ids.length === 0) return [];
    return ((await this.call(['trim', '--json', ...ids], true)) as { results: TrimResult[] }).results;
  }

  /** Deletes the persistent stores of these package names (only after the user agreed). */
  async removePersistent(names: string[]): Promise<StoreResult[]> {
    if (names.length === 0) return [];
    return ((await this.call(['remove-persistent', '--json', ...names], true)) as { results: StoreResult[] })
      .results;
  }

  async remove(ids: string[]): Promise<RemoveResult[]> {
    if (ids.length === 0) return [];
    const out = (await this.call(['remove', '--json', ...ids], true)) as { results: RemoveResult[] };
    return out.results;
  }

  private call(args: string[], allowFailure = false): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.launcher, ['cache', ...args], {
        env: { ...this.env, FLAVOR_LAUNCHER_CLI: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('error', (cause) =>
        reject(
          new FlavorError('LAUNCHER_NOT_FOUND', 'cannot run the launcher for cache management', {
            cause,
            path: this.launcher,
          }),
        ),
      );
      child.on('close', (code) => {
        if (code !== 0 && !(allowFailure && stdout.trim().startsWith('{'))) {
          reject(cacheError(stderr, code));
          return;
        }
        try {
          resolve(JSON.parse(stdout));
        } catch (cause) {
          reject(new FlavorError('INTERNAL', `the launcher printed no JSON for cache ${args[0]}`, { cause }));
        }
      });
    });
  }
}

/** Turns the launcher's "<name>: error: message [CODE]" + hint lines into a FlavorError. */
function cacheError(stderr: string, code: number | null): FlavorError {
  const message = /error: (.*?)(?: \[([A-Z_]+)\])?$/m.exec(stderr);
  const hint = /hint: (.*)$/m.exec(stderr)?.[1];
  return new FlavorError(
    message?.[2] === 'CACHE_UNSAFE' ? 'CACHE_UNSAFE' : 'CACHE_ERROR',
    message?.[1] ?? `the launcher's cache command failed (exit ${code})`,
    {
      ...(hint ? { hint } : {}),
      details: { launcher_code: message?.[2] ?? null, exit: code },
    },
  );
}

// Which workenvs a `clean` removes. Pure policy over the launcher's listing: in-use entries are never
// chosen (the launcher re-checks with a non-blocking lock anyway), unknown entries only when asked.

import { FlavorError } from '../errors.js';
import type { CacheEntry } from './cache-client.js';

export interface CleanPolicy {
  /** Remove entries not used for this many milliseconds. */
  olderThanMs?: number;
  /** Keep the N most recently used versions of each package. */
  keepLatest?: number;
  /** Remove least recently used entries until the total is at most this many bytes. */
  maxSizeBytes?: number;
  /** Also remove unknown entries (folders flavor did not create). */
  includeUnknown?: boolean;
  now: number;
}

export interface CleanPlan {
  remove: CacheEntry[];
  keep: CacheEntry[];
  skippedInUse: CacheEntry[];
  bytesFreed: number;
}

const lastUsed = (e: CacheEntry) => Date.parse(e.last_used ?? e.installed_at ?? '') || 0;

export function planClean(entries: readonly CacheEntry[], policy: CleanPolicy): CleanPlan {
  const selective =
    policy.olderThanMs !== undefined || policy.keepLatest !== undefined || policy.maxSizeBytes !== undefined;
  const chosen = new Set<CacheEntry>();
  const candidates = entries.filter((e) => !e.unknown || policy.includeUnknown);
  if (!selective) for (const e of candidates) chosen.add(e);
  if (policy.olderThanMs !== undefined) {
    for (const e of candidates) if (policy.now - lastUsed(e) > policy.olderThanMs) chosen.add(e);
  }
  if (policy.keepLatest !== undefined) {
    const byName = new Map<string, CacheEntry[]>();
    for (const e of candidates) byName.set(e.name ?? e.id, [...(byName.get(e.name ?? e.id) ?? []), e]);
    for (const group of byName.values()) {
      group.sort((a, b) => lastUsed(b) - lastUsed(a));
      for (const e of group.slice(policy.keepLatest)) chosen.add(e);
    }
  }
  if (policy.maxSizeBytes !== undefined) {
    let total = entries.reduce((sum, e) => sum + e.size_bytes, 0);
    for (const e of chosen) if (!e.in_use) total -= e.size_bytes;
    const byAge = [...candidates].sort((a, b) => lastUsed(a) - lastUsed(b));
    for (const e of byAge) {
      if (total <= policy.maxSizeBytes) break;
      if (chosen.has(e) || e.in_use) continue;
      chosen.add(e);
      total -= e.size_bytes;
    }
  }
  const remove = [...chosen].filter((e) => !e.in_use);
  return {
    remove,
    keep: entries.filter((e) => !chosen.has(e)),
    skippedInUse: [...chosen].filter((e) => e.in_use),
    bytesFreed: remove.reduce((sum, e) => sum + e.size_bytes, 0),
  };
}

const UNITS_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** "30d", "12h", "90m", "2w", "45s" → milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([smhdw])$/.exec(text.trim());
  if (!m)
    throw new FlavorError('USAGE', `"${text}" is not a duration`, { hint: 'use e.g. 30d, 12h, 90m, 2w' });
  return Number(m[1]) * UNITS_MS[m[2]!]!;
}

const UNITS_BYTES: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
};

/** "500M", "2G", "1.5g", "1024" → bytes (binary units). */
export function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([bkmgt]?)(?:i?b)?$/i.exec(text.trim());
  if (!m) throw new FlavorError('USAGE', `"${text}" is not a size`, { hint: 'use e.g. 500M, 2G, 1024K' });
  return Math.floor(Number(m[1]) * UNITS_BYTES[m[2]!.toLowerCase()]!);
}

/** Entries matching an id exactly, or every version of a package name. */
export function matchEntries(entries: readonly CacheEntry[], selector: string): CacheEntry[] {
  const exact = entries.filter((e) => e.id === selector);
  return exact.length > 0 ? exact : entries.filter((e) => e.name === selector);
}

// The parts of `flavor workenv …` that follow slot lifecycles (docs/workenv.md, "Slot lifecycles"):
// dropping cache slots (`clean --cache-slots`), asking before a package name's persistent store goes
// (`remove`), and each slot's state for `inspect`.

import { promises as fs } from 'node:fs';
import path from 'node:path';
import type {
  CacheClient,
  CacheEntry,
  CacheListing,
  StoreEntry,
  StoreResult,
} from '../../workenv/cache-client.js';
import { storeName } from '../../workenv/identity.js';
import { lifecycleOf } from '../../workenv/lifecycle.js';
import type { Context } from '../command.js';
import { confirm } from '../confirm.js';
import { formatBytes } from '../output.js';

/** `clean --cache-slots`: drops the cache slots of the chosen workenvs instead of removing them. */
export async function trimCacheSlots(
  ctx: Context,
  client: CacheClient,
  entries: CacheEntry[],
  json: boolean,
): Promise<number> {
  const results = await client.trim(entries.map((e) => e.id));
  const freed = results.reduce((s, r) => s + r.bytes_freed, 0);
  if (json) ctx.out.json({ results, bytes_freed: freed });
  else {
    for (const r of results) {
      const what = r.slots.length ? ` (${r.slots.join(', ')})` : r.error ? ` (${r.error})` : '';
      ctx.out.print(`${r.status.padEnd(9)} ${r.id}${what}`);
    }
    ctx.out.print(`freed ${formatBytes(freed)}; dropped cache slots are extracted again at the next run`);
  }
  return results.some((r) => r.status === 'error') ? 17 : 0;
}

/**
 * The persistent stores `workenv remove SELECTOR` concerns: the store of the package name when the selector
 * names a package (every version), none when it names one workenv id (the store serves every version).
 */
export function storesFor(listing: CacheListing, selector: string, byId: boolean): StoreEntry[] {
  if (byId) return [];
  return listing.persistent.filter((s) => s.name === storeName(selector));
}

export interface StoreChoice {
  remove: StoreEntry[];
  kept: StoreEntry[];
}

/**
 * Asks before a persistent store is deleted. With --persistent: the usual confirmation (--yes answers it;
 * without a terminal it is refused). Without it: asked on a terminal (default no), kept otherwise — so
 * `--yes` alone never deletes what the app saved.
 */
export async function chooseStores(
  ctx: Context,
  stores: StoreEntry[],
  opts: { persistent: boolean; yes: boolean },
): Promise<StoreChoice> {
  const choice: StoreChoice = { remove: [], kept: [] };
  const interactive = Boolean(process.stdin.isTTY) && ctx.out.isTTY && !opts.yes;
  for (const s of stores) {
    const question = `also delete the persistent data of ${s.name} (${formatBytes(s.size_bytes)} at ${s.path}: settings and files the app saved, kept across updates)?`;
    const ask = opts.persistent || interactive;
    const agreed = ask && (await confirm(ctx, question, opts.persistent && opts.yes));
    (agreed ? choice.remove : choice.kept).push(s);
  }
  return choice;
}

export function printStores(ctx: Context, results: StoreResult[], kept: StoreEntry[]): void {
  for (const r of results)
    ctx.out.print(`${r.status.padEnd(9)} persistent data of ${r.name}${r.error ? ` (${r.error})` : ''}`);
  for (const s of kept)
    ctx.out.print(`kept      persistent data of ${s.name} at ${s.path} (delete it with --persistent)`);
}

export interface SlotState {
  /** true/false: found or missing where the launcher keeps it; null: not kept between runs (init, temp). */
  present: boolean | null;
  place: string;
  path: string | null;
  state: string;
}

/** Where a slot of an installed workenv lives and whether it is there, by its lifecycle. */
export async function slotState(
  slot: { target?: unknown; lifecycle?: unknown },
  workenv: string,
  store: string,
): Promise<SlotState> {
  const lc = lifecycleOf(String(slot.lifecycle ?? ''));
  const rel = String(slot.target ?? '').replace(/^\{workenv\}\/?/, '');
  if (lc.kind === 'init')
    return { present: null, place: lc.place, path: null, state: 'removed after setup (init)' };
  if (lc.kind === 'temp')
    return { present: null, place: lc.place, path: null, state: 'extracted for each run (temp)' };
  const where = path.join(lc.place === 'store' ? store : workenv, rel);
  const present = await fs.lstat(where).then(
    () => true,
    () => false,
  );
  const missing =
    lc.kind === 'cache'
      ? 'dropped (cache; extracted again at the next run)'
      : lc.kind === 'persistent'
        ? 'not yet in the store (persistent; copied in at the next run)'
        : 'MISSING';
  return {
    present,
    place: lc.place,
    path: where,
    state: present ? `present${lc.place === 'store' ? ' (persistent store)' : ''}` : missing,
  };
}

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { hostPlatformName, resolveLauncher } from '../../builder/launchers.js';
import { FlavorError } from '../../errors.js';
import { CacheClient, type CacheEntry } from '../../workenv/cache-client.js';
import { matchEntries, parseDuration, parseSize, planClean } from '../../workenv/gc.js';
import { storeName } from '../../workenv/identity.js';
import { type CommandDefinition, type Context, flag, type ParsedValues, str } from '../command.js';
import { confirm } from '../confirm.js';
import { formatBytes } from '../output.js';
import {
  chooseStores,
  printStores,
  type SlotState,
  type StoreChoice,
  slotState,
  storesFor,
  trimCacheSlots,
} from './workenv-lifecycle.js';

export async function cacheClient(ctx: Context): Promise<CacheClient> {
  const launcher = await resolveLauncher(undefined, hostPlatformName(), ctx.env);
  return new CacheClient(launcher, ctx.env);
}

const newestFirst = (a: CacheEntry, b: CacheEntry) =>
  (Date.parse(b.last_used ?? b.installed_at ?? '') || 0) -
  (Date.parse(a.last_used ?? a.installed_at ?? '') || 0);

function describe(e: CacheEntry): string {
  const what = e.unknown ? '(unknown entry)' : `${e.name ?? '?'} ${e.version ?? '?'}`;
  const state = [
    e.complete ? 'complete' : 'incomplete',
    ...(e.in_use ? ['in use'] : []),
    ...(e.leftovers.length ? [`${e.leftovers.length} leftovers`] : []),
  ];
  return `${e.id}\n    ${what}, ${formatBytes(e.size_bytes)}, last used ${e.last_used ?? 'never'}, ${state.join(', ')}`;
}

export const workenvList: CommandDefinition = {
  name: 'workenv list',
  summary: 'List the cached workenvs, newest first (size, last use, in use, complete).',
  args: '',
  minArgs: 0,
  maxArgs: 0,
  options: { json: { type: 'boolean', help: 'print as JSON' } },
  async run(ctx, _a, values) {
    const listing = await (await cacheClient(ctx)).list();
    const entries = [...listing.entries].sort(newestFirst);
    if (flag(values, 'json')) ctx.out.json({ root: listing.root, entries, persistent: listing.persistent });
    else if (entries.length === 0) ctx.out.print('no cached packages');
    else for (const e of entries) ctx.out.print(describe(e));
    if (!flag(values, 'json'))
      for (const s of listing.persistent)
        ctx.out.print(`persistent data of ${s.name}: ${formatBytes(s.size_bytes)} at ${s.path}`);
    return 0;
  },
};

export const workenvInfo: CommandDefinition = {
  name: 'workenv info',
  summary: 'Show the cache root (and which rule chose it), total size, count and free disk space.',
  args: '',
  minArgs: 0,
  maxArgs: 0,
  options: { json: { type: 'boolean', help: 'print as JSON' } },
  async run(ctx, _a, values) {
    const client = await cacheClient(ctx);
    const root = await client.root();
    const entries = root.exists ? (await client.list()).entries : [];
    const free = await freeBytes(root.exists ? root.root : path.dirname(root.root));
    const info = {
      root: root.root,
      rule: root.rule,
      exists: root.exists,
      workenvs: entries.filter((e) => !e.unknown).length,
      unknown_entries: entries.filter((e) => e.unknown).length,
      in_use: entries.filter((e) => e.in_use).length,
      total_bytes: entries.reduce((s, e) => s + e.size_bytes, 0),
      free_bytes: free,
    };
    if (flag(values, 'json')) ctx.out.json(info);
    else {
      ctx.out.print(`cache root: ${info.root} (${info.rule})${info.exists ? '' : ' — not created yet'}`);
      ctx.out.print(
        `workenvs:   ${info.workenvs} (${info.in_use} in use, ${info.unknown_entries} unknown entries)`,
      );
      ctx.out.print(`total size: ${formatBytes(info.total_bytes)}`);
      if (free !== null) ctx.out.print(`free disk:  ${formatBytes(free)}`);
    }
    return 0;
  },
};

async function freeBytes(dir: string): Promise<number | null> {
  try {
    const s = await fs.statfs(dir);
    return s.bavail * s.bsize;
  } catch {
    return null;
  }
}

export const workenvInspect: CommandDefinition = {
  name: 'workenv inspect',
  summary: 'Show one workenv: package, slots and their state, paths, ready marker, lock state.',
  args: 'ID|NAME',
  minArgs: 1,
  maxArgs: 1,
  options: { json: { type: 'boolean', help: 'print as JSON' } },
  async run(ctx, [selector], values) {
    const listing = await (await cacheClient(ctx)).list();
    const found = matchEntries(listing.entries, selector!).sort(newestFirst);
    if (found.length === 0)
      throw new FlavorError('NOT_FOUND', `no cached workenv "${selector}"`, {
        hint: 'see `flavor workenv list`',
      });
    const docs = [];
    for (const e of found) {
      const base = path.join(listing.workenv_dir, e.id);
      const marker = await fs.readFile(`${base}.ready`, 'utf8').then(
        (t) => JSON.parse(t) as Record<string, unknown>,
        () => null,
      );
      const store = path.join(listing.root, 'persistent', storeName(e.name ?? ''));
      const slots: Array<Record<string, unknown> & SlotState> = [];
      for (const s of (marker?.slots as Array<Record<string, unknown>> | undefined) ?? [])
        slots.push({ ...s, ...(await slotState(s, base, store)) });
      docs.push({
        ...e,
        paths: { workenv: base, marker: `${base}.ready`, lock: `${base}.lock` },
        lock: e.in_use ? 'held (in use or installing)' : 'free',
        marker,
        slots,
      });
    }
    if (flag(values, 'json')) ctx.out.json(docs.length === 1 ? docs[0] : docs);
    else
      for (const d of docs) {
        ctx.out.print(describe(d));
        ctx.out.print(`    workenv: ${d.paths.workenv}`);
        ctx.out.print(
          `    marker:  ${d.marker ? `${d.paths.marker} (installed ${String(d.marker.installed_at)})` : 'missing — not trusted, the launcher will reinstall'}`,
        );
        ctx.out.print(`    lock:    ${d.lock}`);
        for (const s of d.slots) {
          ctx.out.print(`    slot ${String(s.index)} ${String(s.id)} → ${String(s.target)}: ${s.state}`);
        }
      }
    return 0;
  },
};

async function removeEntries(
  ctx: Context,
  client: CacheClient,
  entries: CacheEntry[],
  json: boolean,
  stores?: StoreChoice,
): Promise<number> {
  const results = await client.remove(entries.map((e) => e.id));
  const persistent = stores ? await client.removePersistent(stores.remove.map((s) => s.name)) : [];
  const freed = [...results, ...persistent].reduce((s, r) => s + r.bytes_freed, 0);
  if (json)
    ctx.out.json({
      results,
      bytes_freed: freed,
      ...(stores ? { persistent, persistent_kept: stores.kept.map((s) => s.name) } : {}),
    });
  else {
    for (const r of results) {
      const note = r.status === 'in_use' ? ' (skipped: in use)' : r.error ? ` (${r.error})` : '';
      ctx.out.print(`${r.status.padEnd(9)} ${r.id}${note}`);
    }
    if (stores) printStores(ctx, persistent, stores.kept);
    ctx.out.print(`freed ${formatBytes(freed)}`);
  }
  return [...results, ...persistent].some((r) => r.status === 'error') ? 17 : 0;
}

export const workenvRemove: CommandDefinition = {
  name: 'workenv remove',
  summary: 'Delete a workenv (by id, or every version of a package name) unless it is in use.',
  args: 'ID|NAME',
  minArgs: 1,
  maxArgs: 1,
  options: {
    persistent: {
      type: 'boolean',
      help: "also delete the package's persistent data (asks first; --yes answers)",
    },
    yes: { type: 'boolean', short: 'y', help: 'do not ask for confirmation' },
    json: { type: 'boolean', help: 'print as JSON' },
  },
  details:
    "By NAME, the package's persistent data (settings and files its apps saved, kept across updates) is\ndeleted only when you agree: asked on a terminal, or with --persistent (--yes then answers). `--yes`\nalone keeps it.",
  async run(ctx, [selector], values) {
    const client = await cacheClient(ctx);
    const listing = await client.list();
    const found = matchEntries(listing.entries, selector!);
    const stores = storesFor(
      listing,
      selector!,
      found.some((e) => e.id === selector),
    );
    if (found.length === 0 && stores.length === 0)
      throw new FlavorError('NOT_FOUND', `no cached workenv "${selector}"`, {
        hint: 'see `flavor workenv list`',
      });
    const yes = flag(values, 'yes');
    const total = formatBytes(found.reduce((s, e) => s + e.size_bytes, 0));
    if (found.length > 0 && !(await confirm(ctx, `remove ${found.length} workenv(s) (${total})?`, yes)))
      return 0;
    const choice = await chooseStores(ctx, stores, { persistent: flag(values, 'persistent'), yes });
    return removeEntries(ctx, client, found, flag(values, 'json'), choice);
  },
};

export const CLEAN_OPTIONS = {
  'older-than': { type: 'string', help: 'DURATION  only workenvs unused for longer, e.g. 30d, 12h' },
  'keep-latest': { type: 'string', help: 'N  keep the N most recently used versions of each package' },
  'max-size': {
    type: 'string',
    help: 'SIZE  remove least recently used until the cache is at most SIZE (e.g. 2G)',
  },
  unknown: { type: 'boolean', help: 'also remove entries flavor did not create' },
  'cache-slots': {
    type: 'boolean',
    help: 'only drop the cache-lifecycle slots of the chosen workenvs (extracted again at the next run)',
  },
  'dry-run': { type: 'boolean', help: 'only show what would be removed and the space freed' },
  yes: { type: 'boolean', short: 'y', help: 'do not ask for confirmation' },
  json: { type: 'boolean', help: 'print as JSON' },
} as const;

export async function cleanWorkenvs(ctx: Context, values: ParsedValues): Promise<number> {
  const keep = str(values, 'keep-latest');
  if (keep !== undefined && !/^\d+$/.test(keep))
    throw new FlavorError('USAGE', `--keep-latest needs a whole number, got "${keep}"`);
  const older = str(values, 'older-than');
  const max = str(values, 'max-size');
  const client = await cacheClient(ctx);
  const plan = planClean((await client.list()).entries, {
    ...(older === undefined ? {} : { olderThanMs: parseDuration(older) }),
    ...(keep === undefined ? {} : { keepLatest: Number(keep) }),
    ...(max === undefined ? {} : { maxSizeBytes: parseSize(max) }),
    includeUnknown: flag(values, 'unknown'),
    now: Date.now(),
  });
  const json = flag(values, 'json');
  if (flag(values, 'cache-slots')) return cleanCacheSlots(ctx, client, plan, values);
  if (flag(values, 'dry-run')) {
    if (json)
      ctx.out.json({
        dry_run: true,
        remove: plan.remove,
        skipped_in_use: plan.skippedInUse,
        bytes_freed: plan.bytesFreed,
      });
    else {
      for (const e of plan.remove) ctx.out.print(`would remove ${e.id} (${formatBytes(e.size_bytes)})`);
      for (const e of plan.skippedInUse) ctx.out.print(`would skip   ${e.id} (in use)`);
      ctx.out.print(`would free ${formatBytes(plan.bytesFreed)}`);
    }
    return 0;
  }
  if (plan.remove.length === 0) {
    if (json)
      ctx.out.json({ results: [], bytes_freed: 0, skipped_in_use: plan.skippedInUse.map((e) => e.id) });
    else
      ctx.out.print(
        plan.skippedInUse.length
          ? `nothing to remove (${plan.skippedInUse.length} in use)`
          : 'nothing to remove',
      );
    return 0;
  }
  const question = `remove ${plan.remove.length} workenv(s), freeing ${formatBytes(plan.bytesFreed)}?`;
  if (!(await confirm(ctx, question, flag(values, 'yes')))) return 0;
  return removeEntries(ctx, client, plan.remove, json);
}

/** `clean --cache-slots`: the same choice of workenvs, but only their cache slots go. */
async function cleanCacheSlots(
  ctx: Context,
  client: CacheClient,
  plan: ReturnType<typeof planClean>,
  values: ParsedValues,
): Promise<number> {
  const json = flag(values, 'json');
  if (flag(values, 'dry-run')) {
    if (json) ctx.out.json({ dry_run: true, trim: plan.remove, skipped_in_use: plan.skippedInUse });
    else for (const e of plan.remove) ctx.out.print(`would drop the cache slots of ${e.id}`);
    return 0;
  }
  if (plan.remove.length === 0) {
    if (json) ctx.out.json({ results: [], bytes_freed: 0 });
    else ctx.out.print('nothing to trim');
    return 0;
  }
  const question = `drop the cache slots of ${plan.remove.length} workenv(s)?`;
  if (!(await confirm(ctx, question, flag(values, 'yes')))) return 0;
  return trimCacheSlots(ctx, client, plan.remove, json);
}

export const workenvClean: CommandDefinition = {
  name: 'workenv clean',
  summary: 'Delete workenvs (all, or by age, count per package or total size); never one in use.',
  args: '',
  minArgs: 0,
  maxArgs: 0,
  options: { ...CLEAN_OPTIONS },
  details:
    'In use is real, not guessed: a running app holds a shared lock on its workenv, and removal takes the\nexclusive lock without waiting, skipping what it cannot lock. Unknown entries are only removed with --unknown.\nPersistent data (settings and files apps saved) is never removed by clean: see `flavor workenv remove NAME`.',
  run: (ctx, _a, values) => cleanWorkenvs(ctx, values),
};

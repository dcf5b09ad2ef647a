// extract() / extractAll(): verify the package first, then decode one slot or all of them. Nothing from
// the package touches disk before verify passed.

import path from 'node:path';
import { hostPlatform } from '../builder/metadata.js';
import { loadPublicKeySpec } from '../crypto/keys.js';
import { type HostPlatform, platformMatches } from '../format/index.js';
import {
  extractPackage,
  extractSlot,
  findSlot,
  type ExtractedSlot as RawExtractedSlot,
} from '../reader/extract.js';
import type { OpenedPackage } from '../reader/open.js';
import { type SlotKeyOptions, unlockSlots } from '../reader/slot-keys.js';
import { verifyPackage } from '../reader/verify.js';
import { type LifecycleKind, lifecycleOf, type SlotPlace } from '../workenv/lifecycle.js';
import { checkOutputFolder } from './output-path.js';

/** A decoded slot, with what its lifecycle means to the launcher (docs/workenv.md, "Slot lifecycles"). */
export interface ExtractedSlot extends RawExtractedSlot {
  /** The lifecycle's behaviour (`cached` → cache, unknown names → runtime), as the launcher decides it. */
  lifecycle: LifecycleKind;
  /** Where the launcher keeps the slot: the workenv, a per-run folder, or the persistent store. */
  place: SlotPlace;
  /** The slot's target below that place, as in the metadata. */
  target: string;
}

function withLifecycle(pkg: OpenedPackage, slot: RawExtractedSlot): ExtractedSlot {
  const meta = pkg.metadata.slots[slot.index]!;
  const lc = lifecycleOf(meta.lifecycle);
  return { ...slot, lifecycle: lc.kind, place: lc.place, target: meta.target };
}

export interface ExtractOptions {
  /** Overwrite existing outputs. */
  force?: boolean;
  /** Trusted keys (as for verify()): when given, the package must be signed by one of them. */
  keys?: string[];
  /**
   * Encrypted slots: by default each key is read from the source the slot names (`env:NAME`,
   * `file:PATH` relative to the package's folder, `prompt`); `slotKeys.override` is one source for all.
   */
  slotKeys?: SlotKeyOptions;
  /** Also decode slots whose `platform` names another machine (`--all-platforms`). */
  allPlatforms?: boolean;
  /** The machine the platform rule decides for (default: this one, as Go names it: linux/amd64). */
  host?: HostPlatform;
}

/** A slot left out because its `platform` names another machine (the launcher does not extract it either). */
export interface SkippedSlot {
  index: number;
  id: string;
  platform: string;
}

export interface ExtractResult {
  ok: true;
  slots: ExtractedSlot[];
  /** Slots for other machines, not decoded (empty with allPlatforms). */
  skipped: SkippedSlot[];
}

export interface ExtractAllResult extends ExtractResult {
  /** Path of the written metadata.json. */
  metadata: string;
}

async function verified(pkgPath: string, keys: string[] = []) {
  const trustedKeys = await Promise.all(keys.map((s) => loadPublicKeySpec(s)));
  return (await verifyPackage(pkgPath, { trustedKeys })).package;
}

/**
 * Verifies `pkgPath`, then decodes one slot (`slot`: index like "0" or id like "runtime") to `output`: a tar
 * slot is unpacked into the folder `output`, any other slot is written as the file `output`.
 */
export async function extract(
  pkgPath: string,
  slot: string,
  output: string,
  options: ExtractOptions = {},
): Promise<ExtractResult> {
  const pkg = await verified(pkgPath, options.keys);
  const index = findSlot(pkg, slot);
  const skipped = otherPlatformSlots(pkg, options).filter((s) => s.index === index);
  if (skipped.length > 0) return { ok: true, slots: [], skipped };
  await checkOutputFolder(path.dirname(path.resolve(output)), 'OUTPUT');
  // A missing or wrong key fails here, before anything is written.
  const keys = await unlockSlots(pkg, [index], options.slotKeys);
  const done = await extractSlot(pkg, index, output, options.force ?? false, keys.get(index));
  return { ok: true, slots: [withLifecycle(pkg, done)], skipped };
}

/** Verifies `pkgPath`, then decodes every slot into `dir/<NN>-<id>` and writes `dir/metadata.json`. */
export async function extractAll(
  pkgPath: string,
  dir: string,
  options: ExtractOptions = {},
): Promise<ExtractAllResult> {
  const pkg = await verified(pkgPath, options.keys);
  await checkOutputFolder(dir, 'DIR');
  const skipped = otherPlatformSlots(pkg, options);
  const skip = new Set(skipped.map((s) => s.index));
  // Keys of the slots to decode, checked before anything is written.
  const included = pkg.metadata.slots.map((_, i) => i).filter((i) => !skip.has(i));
  const keys = await unlockSlots(pkg, included, options.slotKeys);
  // All or nothing: a refused slot removes everything this call created, and keeps what existed.
  const { slots, metadata } = await extractPackage(
    pkg,
    dir,
    options.force ?? false,
    (i) => !skip.has(i),
    keys,
  );
  return { ok: true, slots: slots.map((x) => withLifecycle(pkg, x)), skipped, metadata };
}

/** The slots the launcher would not extract on `options.host`: their signed platform names another machine. */
function otherPlatformSlots(pkg: OpenedPackage, options: ExtractOptions): SkippedSlot[] {
  if (options.allPlatforms) return [];
  const host = options.host ?? hostPlatform();
  return pkg.metadata.slots.flatMap((slot, index) =>
    typeof slot.platform === 'string' && !platformMatches(slot.platform, host)
      ? [{ index, id: slot.id, platform: slot.platform }]
      : [],
  );
}

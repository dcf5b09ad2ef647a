// extract() / extractAll(): verify the package first, then decode one slot or all of them. Nothing from
// the package touches disk before verify passed.

import path from 'node:path';
import { loadPublicKeySpec } from '../crypto/keys.js';
import {
  extractPackage,
  extractSlot,
  findSlot,
  type ExtractedSlot as RawExtractedSlot,
} from '../reader/extract.js';
import type { OpenedPackage } from '../reader/open.js';
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
}

export interface ExtractResult {
  ok: true;
  slots: ExtractedSlot[];
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
  await checkOutputFolder(path.dirname(path.resolve(output)), 'OUTPUT');
  const done = await extractSlot(pkg, findSlot(pkg, slot), output, options.force ?? false);
  return { ok: true, slots: [withLifecycle(pkg, done)] };
}

/** Verifies `pkgPath`, then decodes every slot into `dir/<NN>-<id>` and writes `dir/metadata.json`. */
export async function extractAll(
  pkgPath: string,
  dir: string,
  options: ExtractOptions = {},
): Promise<ExtractAllResult> {
  const pkg = await verified(pkgPath, options.keys);
  await checkOutputFolder(dir, 'DIR');
  // All or nothing: a refused slot removes everything this call created, and keeps what existed.
  const { slots, metadata } = await extractPackage(pkg, dir, options.force ?? false);
  return { ok: true, slots: slots.map((x) => withLifecycle(pkg, x)), metadata };
}

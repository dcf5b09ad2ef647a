// extract() / extractAll(): verify the package first, then decode one slot or all of them. Nothing from
// the package touches disk before verify passed.

import path from 'node:path';
import { loadPublicKeySpec } from '../crypto/keys.js';
import { type ExtractedSlot, extractPackage, extractSlot, findSlot } from '../reader/extract.js';
import { type SlotKeyOptions, unlockSlots } from '../reader/slot-keys.js';
import { verifyPackage } from '../reader/verify.js';
import { checkOutputFolder } from './output-path.js';

export type { ExtractedSlot } from '../reader/extract.js';

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
  const i = findSlot(pkg, slot);
  // A missing or wrong key fails here, before anything is written.
  const keys = await unlockSlots(pkg, [i], options.slotKeys);
  return { ok: true, slots: [await extractSlot(pkg, i, output, options.force ?? false, keys.get(i))] };
}

/** Verifies `pkgPath`, then decodes every slot into `dir/<NN>-<id>` and writes `dir/metadata.json`. */
export async function extractAll(
  pkgPath: string,
  dir: string,
  options: ExtractOptions = {},
): Promise<ExtractAllResult> {
  const pkg = await verified(pkgPath, options.keys);
  await checkOutputFolder(dir, 'DIR');
  const keys = await unlockSlots(
    pkg,
    pkg.metadata.slots.map((_, i) => i),
    options.slotKeys,
  );
  // All or nothing: a refused slot removes everything this call created, and keeps what existed.
  const { slots, metadata } = await extractPackage(pkg, dir, options.force ?? false, keys);
  return { ok: true, slots, metadata };
}

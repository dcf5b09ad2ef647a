// Extraction for `flavor extract` / `extract-all`: only after verifyPackage() passed, reverse exactly the
// declared chain; tar slots go through payload's safe extractor.

import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { FlavorError } from '../errors.js';
import { chainHasTar, parsePermissions, unpackOperations } from '../format/index.js';
import { decodeSlot } from '../payload/index.js';
import type { OpenedPackage } from './open.js';

export interface ExtractedSlot {
  index: number;
  id: string;
  path: string;
  kind: 'file' | 'directory';
  bytes: number;
}

/** Finds a slot by index ("0") or id ("runtime"). */
export function findSlot(pkg: OpenedPackage, selector: string): number {
  if (/^\d+$/.test(selector)) {
    const i = Number(selector);
    if (i < pkg.metadata.slots.length) return i;
  }
  const i = pkg.metadata.slots.findIndex((s) => s.id === selector);
  if (i >= 0) return i;
  const known = pkg.metadata.slots.map((s, j) => `${j}:${s.id}`).join(', ');
  throw new FlavorError('NOT_FOUND', `no slot "${selector}" in the package`, {
    hint: `slots: ${known || 'none'}`,
  });
}

/** Extracts slot i to `dest`; `key` is the checked key of an encrypted slot (reader/slot-keys.ts). */
export async function extractSlot(
  pkg: OpenedPackage,
  i: number,
  dest: string,
  force: boolean,
  key?: Uint8Array,
): Promise<ExtractedSlot> {
  const slot = pkg.metadata.slots[i]!;
  const range = pkg.slotRanges[i]!;
  const chain = unpackOperations(pkg.descriptors[i]!.operations);
  const isTar = chainHasTar(chain);
  if (!force) {
    const existing = await fs.lstat(dest).catch(() => undefined);
    if (existing && !(isTar && existing.isDirectory() && (await fs.readdir(dest)).length === 0)) {
      throw new FlavorError('OUTPUT_EXISTS', 'output already exists', {
        path: dest,
        hint: 'use --force to overwrite',
      });
    }
  }
  // A missing `dest` is created by the decoder (a tar slot through a staging folder renamed into place), so a
  // refused slot leaves nothing at `dest`; folders created above it are removed again on failure.
  const createdParent = await fs.mkdir(path.dirname(dest), { recursive: true });
  // Only the signed metadata decides the mode: the descriptor's permissions field is not signed.
  const mode = (slot.permissions ? parsePermissions(slot.permissions) : undefined) ?? 0o600;
  const stream =
    range.size === 0
      ? Readable.from([])
      : createReadStream(pkg.path, { start: range.offset, end: range.offset + range.size - 1 });
  // The signed original_size bounds the output (a slot decoding to more is refused, PAYLOAD_TOO_LARGE).
  const cap = Math.min(64 * range.size + 2 ** 30, slot.original_size ?? Number.POSITIVE_INFINITY);
  try {
    const stats = await decodeSlot(stream, chain, dest, {
      mode: mode & 0o777,
      maxOutputBytes: cap,
      force,
      ...(key ? { decryption: { key, slotId: slot.id } } : {}),
    });
    return {
      index: i,
      id: slot.id,
      path: dest,
      kind: isTar ? 'directory' : 'file',
      bytes: stats.outputBytes,
    };
  } catch (error) {
    if (createdParent !== undefined) await removeQuietly(createdParent);
    throw error;
  }
}

export interface ExtractedPackage {
  slots: ExtractedSlot[];
  /** DIR/metadata.json: the signed metadata JSON, byte for byte. */
  metadata: string;
}

/** The output name of slot `i` inside an extract-all folder: `<NN>-<id>` with unsafe characters replaced. */
export function slotOutputName(pkg: OpenedPackage, i: number): string {
  return `${String(i).padStart(2, '0')}-${pkg.metadata.slots[i]!.id.replace(/[^A-Za-z0-9._-]/g, '_')}`;
}

/**
 * Decodes every slot into `dir/<NN>-<id>` and writes `dir/metadata.json`. All or nothing: after a failure
 * (a refused archive, an existing output) everything this call created is removed again — `dir` itself
 * when it did not exist before — and what was there before is left alone.
 */
export async function extractPackage(
  pkg: OpenedPackage,
  dir: string,
  force: boolean,
  include: (i: number) => boolean = () => true,
  keys: ReadonlyMap<number, Uint8Array> = new Map(),
): Promise<ExtractedPackage> {
  const metadata = path.join(dir, 'metadata.json');
  if (!force && (await exists(metadata))) {
    throw new FlavorError('OUTPUT_EXISTS', 'output already exists', {
      path: metadata,
      hint: 'use --force to overwrite',
    });
  }
  const createdDir = await fs.mkdir(dir, { recursive: true });
  const created: string[] = [];
  try {
    const slots: ExtractedSlot[] = [];
    for (let i = 0; i < pkg.metadata.slots.length; i++) {
      if (!include(i)) continue;
      const dest = path.join(dir, slotOutputName(pkg, i));
      if (!(await exists(dest))) created.push(dest);
      slots.push(await extractSlot(pkg, i, dest, force, keys.get(i)));
    }
    if (!(await exists(metadata))) created.push(metadata);
    await fs.writeFile(metadata, pkg.metadataJson, { flag: force ? 'w' : 'wx' }).catch((cause) => {
      throw Object.assign(cause as Error, { path: metadata });
    });
    return { slots, metadata };
  } catch (error) {
    for (const p of createdDir === undefined ? created.reverse() : [createdDir]) await removeQuietly(p);
    throw error;
  }
}

async function exists(p: string): Promise<boolean> {
  return fs.lstat(p).then(
    () => true,
    () => false,
  );
}

/** Cleanup after a failure: the original error matters, not a failure to clean. */
async function removeQuietly(p: string): Promise<void> {
  await fs.rm(p, { recursive: true, force: true }).catch(() => undefined);
}

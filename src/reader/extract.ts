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

export async function extractSlot(
  pkg: OpenedPackage,
  i: number,
  dest: string,
  force: boolean,
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
  await fs.mkdir(isTar ? dest : path.dirname(dest), { recursive: true });
  // Only the signed metadata decides the mode: the descriptor's permissions field is not signed.
  const mode = (slot.permissions ? parsePermissions(slot.permissions) : undefined) ?? 0o600;
  const stream =
    range.size === 0
      ? Readable.from([])
      : createReadStream(pkg.path, { start: range.offset, end: range.offset + range.size - 1 });
  // The signed original_size bounds the output (a slot decoding to more is refused, PAYLOAD_TOO_LARGE).
  const cap = Math.min(64 * range.size + 2 ** 30, slot.original_size ?? Number.POSITIVE_INFINITY);
  const stats = await decodeSlot(stream, chain, dest, { mode: mode & 0o777, maxOutputBytes: cap, force });
  return { index: i, id: slot.id, path: dest, kind: isTar ? 'directory' : 'file', bytes: stats.outputBytes };
}

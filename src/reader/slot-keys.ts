// The keys of a verified package's encrypted slots, for `flavor extract` / `extract-all`: read from the
// source the signed metadata names (a relative `file:` path is relative to the package's folder), or
// from one override source for every encrypted slot, and checked against each slot's key check value
// before anything is written (SLOT_KEY_MISSING, SLOT_KEY_INVALID, SLOT_KEY_WRONG).

import { open } from 'node:fs/promises';
import path from 'node:path';
import { type KeySourceContext, resolveSlotKey } from '../crypto/index.js';
import { FlavorError } from '../errors.js';
import { KEY_SOURCE_FORMS, parseKeySource } from '../format/index.js';
import { ENCRYPTED_HEADER_BYTES, openHeader } from '../payload/index.js';
import type { OpenedPackage } from './open.js';

export interface SlotKeyOptions {
  /** One key source for every encrypted slot (`--slot-key`); relative files from the current folder. */
  override?: string;
  /** The folder a relative override `file:` path is read from (default: the current folder). */
  cwd?: string;
  env?: Record<string, string | undefined>;
  prompt?: (question: string) => Promise<string>;
}

/** The checked key of every encrypted slot among `indices`, by slot index. */
export async function unlockSlots(
  pkg: OpenedPackage,
  indices: readonly number[],
  options: SlotKeyOptions = {},
): Promise<Map<number, Uint8Array>> {
  const override = options.override === undefined ? undefined : parseOverride(options.override);
  const keys = new Map<number, Uint8Array>();
  const bySource = new Map<string, Uint8Array>();
  for (const i of indices) {
    const meta = pkg.metadata.slots[i]!;
    if (!meta.encryption) continue;
    const text = options.override ?? meta.encryption.key_source;
    // The metadata was validated: its key_source parses.
    const source = override ?? parseKeySource(text)!;
    const baseDir = override ? (options.cwd ?? process.cwd()) : path.dirname(path.resolve(pkg.path));
    const cacheKey = `${text}\0${baseDir}`;
    let key = bySource.get(cacheKey);
    if (!key) {
      const ctx: KeySourceContext = {
        env: options.env ?? process.env,
        baseDir,
        ...(options.prompt ? { prompt: options.prompt } : {}),
      };
      key = await resolveSlotKey(source, ctx);
      bySource.set(cacheKey, key);
    }
    openHeader(await readHeader(pkg, i), key, meta.id);
    keys.set(i, key);
  }
  return keys;
}

function parseOverride(text: string) {
  const source = parseKeySource(text);
  if (!source) {
    throw new FlavorError('USAGE', `--slot-key "${text}" is not a key source`, {
      hint: `use ${KEY_SOURCE_FORMS}`,
    });
  }
  return source;
}

/** The first bytes of slot i (its encryption header, or all of a shorter slot). */
async function readHeader(pkg: OpenedPackage, i: number): Promise<Uint8Array> {
  const range = pkg.slotRanges[i]!;
  const buf = Buffer.alloc(Math.min(ENCRYPTED_HEADER_BYTES, range.size));
  const fh = await open(pkg.path, 'r');
  try {
    await fh.read(buf, 0, buf.length, range.offset);
  } finally {
    await fh.close();
  }
  return buf;
}

// The runtime slot compressed once per interpreter (docs/python.md, "Runtime slot cache"): the stored
// bytes of the runtime slot (tar + compression) are written beside the cached runtime, keyed by chain,
// level and tar mtime, and handed to the builder as a prepared slot (stored as-is, after the builder
// proves it decodes and extracts). Each app build then skips compressing ~30 MB of interpreter, so the
// runtime can afford a high level (zstd 19). The bytes are those the builder would write itself for the
// same folder, chain, level and mtime: a package is the same whether the entry was cached or not.

import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseChain } from '../format/index.js';
import { encodeSlot, OP, ZSTD_FRAME_BYTES, zstdBackend } from '../payload/index.js';
import type { Compression } from './types.js';

/** The runtime's level when --compression-level is not given: paid once per runtime, not per app. */
export const RUNTIME_SLOT_LEVELS: Record<Compression, number> = { zstd: 19, gzip: 9, xz: 6 };

export interface RuntimeSlotRequest {
  /** The runtime folder (<entry>/runtime of the build cache). */
  runtimeDir: string;
  /** "tar.zst", "tar.gz", "tar.xz" */
  operations: string;
  level: number;
  /** tar entries' mtime: SOURCE_DATE_EPOCH, or 0 (the builder's default). */
  mtime: number;
}

/** The file holding the runtime slot's stored bytes for `request`, written now unless cached. */
export async function cachedRuntimeSlot(request: RuntimeSlotRequest): Promise<string> {
  const file = runtimeSlotFile(request);
  if (existsSync(file)) return file;
  const staging = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    const { stream, done } = encodeSlot(request.runtimeDir, parseChain(request.operations), {
      level: request.level,
      mtime: request.mtime,
    });
    await Promise.all([pipeline(stream, createWriteStream(staging)), done]);
    await rename(staging, file);
  } finally {
    await rm(staging, { force: true });
  }
  return file;
}

/**
 * <entry>/slot-<operations>-<level>-<mtime>[-<zstd writer>]: next to the runtime folder, removed with
 * its entry. A zstd chain also names the writer, whose bytes differ (`native`: one stream; `wasm32m`:
 * one frame per 32 MiB), so a cached slot is always what this build's writer would produce.
 */
export function runtimeSlotFile(request: RuntimeSlotRequest): string {
  const name = `slot-${request.operations}-${request.level}-${request.mtime}${zstdWriterTag(request.operations)}`;
  return join(dirname(request.runtimeDir), name);
}

function zstdWriterTag(operations: string): string {
  if (!parseChain(operations).includes(OP.ZSTD)) return '';
  return zstdBackend() === 'native' ? '-native' : `-wasm${ZSTD_FRAME_BYTES / (1024 * 1024)}m`;
}

// Applying an operation chain at build time: encodeSlot streams the stored bytes of a slot.
//
// The chain is applied exactly as declared (no magic sniffing, no skipped operations). A chain that
// starts with TAR needs a directory source, packed with the deterministic tar writer; any other chain
// needs a regular-file source. Chain problems (unknown operation, tar not first, xz/bzip2 without
// their program, bad level) are thrown synchronously as UNSUPPORTED_OPERATION; source problems are
// SOURCE_INVALID and arrive through the stream's 'error' event and the rejection of `done` (both carry
// the same FlavorError). Memory use is bounded (1 MiB read chunks, 32 MiB zstd frames on the WASM path).

import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { Readable as ReadableStream } from 'node:stream';
import { FlavorError } from '../errors.js';
import { compressStage } from './codecs.js';
import { checkChain } from './ops.js';
import { deterministicTarChunks, readFileChunks } from './tar-write.js';
import { errnoCode, ioError } from './util.js';

export interface EncodeOptions {
  /** Compression level for every compression op (defaults: gzip 6, zstd 3, xz 6, bzip2 9). */
  level?: number;
  /** mtime of tar entries in seconds (SOURCE_DATE_EPOCH). Default 0. */
  mtime?: number;
  /** Tar chains: store symlinks as copies of their files (TarWriteOptions.materializeSymlinks). */
  materializeSymlinks?: boolean;
  /** Tar chains: put every entry under this relative folder (TarWriteOptions.prefix). */
  tarPrefix?: string;
  /** Called with the running count of bytes entering the first compression op. */
  onProgress?: (inputBytes: number) => void;
}

export interface EncodeStats {
  /** Bytes entering the first compression op: the tar size for folders, the file size for files. */
  originalSize: number;
}

export function encodeSlot(
  source: string,
  chain: readonly number[],
  options: EncodeOptions = {},
): { stream: Readable; done: Promise<EncodeStats> } {
  const isTar = checkChain(chain);
  const stages = chain.slice(isTar ? 1 : 0).map((op) => compressStage(op, options.level));
  let originalSize = 0;
  let settle: { resolve: (s: EncodeStats) => void; reject: (e: FlavorError) => void } | undefined;
  const done = new Promise<EncodeStats>((resolve, reject) => {
    settle = { resolve, reject };
  });
  done.catch(() => undefined);

  async function* counted(input: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    for await (const chunk of input) {
      originalSize += chunk.length;
      options.onProgress?.(originalSize);
      yield chunk;
    }
  }

  async function* produce(): AsyncGenerator<Uint8Array> {
    let st: Awaited<ReturnType<typeof stat>>;
    try {
      st = await stat(source);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT')
        throw new FlavorError('SOURCE_INVALID', 'source does not exist', { path: source });
      throw ioError(err, 'reading the source', source);
    }
    if (isTar && !st.isDirectory()) {
      throw new FlavorError('SOURCE_INVALID', 'a tar chain needs a directory source', {
        path: source,
        hint: 'use a chain without tar (raw, gzip, zstd) for a single file',
      });
    }
    if (!isTar && st.isDirectory()) {
      throw new FlavorError('SOURCE_INVALID', 'directory source requires a chain starting with tar', {
        path: source,
        hint: 'use tar, tar.gz or tar.zst for a folder',
      });
    }
    if (!isTar && !st.isFile()) {
      throw new FlavorError('SOURCE_INVALID', 'source is not a regular file', { path: source });
    }
    let bytes: AsyncIterable<Uint8Array> = counted(
      isTar
        ? deterministicTarChunks(source, {
            mtime: options.mtime,
            materializeSymlinks: options.materializeSymlinks,
            prefix: options.tarPrefix,
          })
        : readFileChunks(source, source, st.size),
    );
    for (const stage of stages) bytes = stage(bytes);
    yield* bytes;
  }

  async function* guarded(): AsyncGenerator<Uint8Array> {
    let finished = false;
    try {
      yield* produce();
      finished = true;
      settle?.resolve({ originalSize });
    } catch (err) {
      const fe = ioError(err, 'encoding the slot', source);
      settle?.reject(fe);
      throw fe;
    } finally {
      if (!finished)
        settle?.reject(new FlavorError('IO_ERROR', 'slot encoding was cancelled', { path: source }));
    }
  }

  return { stream: ReadableStream.from(guarded(), { objectMode: false }), done };
}

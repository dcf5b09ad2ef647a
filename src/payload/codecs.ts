// Compression codecs of the operation chain, as async-iterable stages.
//
// Writers: gzip (node:zlib, deterministic header), zstd (node:zlib when the running Node has
// `createZstdCompress`, else @bokuweb/zstd-wasm in chunked multi-frame mode), xz and bzip2 only through
// the system `xz` / `bzip2` programs when they are on PATH (`xz -T1`, `bzip2`; deterministic for a
// given tool version), otherwise UNSUPPORTED_OPERATION.
// Readers: gzip (node:zlib), zstd (node:zlib when available, else fzstd driven block by block by a
// small frame parser that caps the window size), xz (xz-decompress, WASM) and bzip2 (unbzip2-stream),
// the last three loaded lazily. Every reader is pull-based: it produces output only when the consumer
// asks for more, so a decompression bomb never allocates memory in proportion to its output
// (bounded per step: zlib 16 KiB, zstd one 128 KiB block, xz one WASM buffer, bzip2 one block of at most
// ~46 MiB). `limitOutput` turns "too much output" into PAYLOAD_TOO_LARGE.

import { spawn } from 'node:child_process';
import { accessSync, constants as fsConstants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { type Duplex, pipeline, Readable } from 'node:stream';
import zlib from 'node:zlib';
import { FlavorError } from '../errors.js';
import { ByteReader } from './byte-reader.js';
import { OP, opName } from './ops.js';
import { corrupt, decoderError, type Stage, toBuffer } from './util.js';

/**
 * Size of the input piece compressed as one zstd frame by the WASM writer (Node < 22.15). Frames are
 * independent, so a match never crosses one: with 4 MiB frames a 30 MB Python runtime at level 19 was
 * 9.86 MB, with 32 MiB frames 8.63 MB (the two copies of OpenSSL's libcrypto in `_ssl` and `_hashlib`
 * and the stdlib archive's repeats are found again), as one native stream. The cost is memory while
 * packing: ~230 MB resident at level 19, ~520 MB at level 22 (docs/format.md, "zstd frames").
 */
export const ZSTD_FRAME_BYTES = 32 * 1024 * 1024;
/** Largest zstd window accepted when decoding (the zstd CLI default limit, windowLog 27). */
export const ZSTD_MAX_WINDOW = 128 * 1024 * 1024;
const ZSTD_MAX_BLOCK = 128 * 1024;

const LEVELS: Record<number, { min: number; max: number; def: number }> = {
  [OP.GZIP]: { min: 0, max: 9, def: 6 },
  [OP.ZSTD]: { min: 1, max: 22, def: 3 },
  [OP.XZ]: { min: 0, max: 9, def: 6 },
  [OP.BZIP2]: { min: 1, max: 9, def: 9 },
};

/** Whether the running Node has native zstd (Node >= 22.15 / 23.8). */
export function hasNativeZstd(): boolean {
  const z = zlib as unknown as Record<string, unknown>;
  return typeof z['createZstdCompress'] === 'function' && typeof z['createZstdDecompress'] === 'function';
}

export type ZstdBackend = 'native' | 'wasm';
let forceWasm = false;

/** The zstd path in use: native node:zlib when the running Node has it, else WASM (write) / fzstd (read). */
export function zstdBackend(): ZstdBackend {
  return !forceWasm && hasNativeZstd() ? 'native' : 'wasm';
}

/** Benchmarks and tests only: force the WASM/fzstd path (`'wasm'`) or go back to the default (`'auto'`). */
export function setZstdBackend(choice: 'auto' | 'wasm'): void {
  forceWasm = choice === 'wasm';
}

/** The compression levels `op` accepts (undefined for an operation without levels, like tar). */
export function levelRange(op: number): { min: number; max: number } | undefined {
  const spec = LEVELS[op];
  return spec && { min: spec.min, max: spec.max };
}

function levelFor(op: number, level: number | undefined): number {
  const spec = LEVELS[op];
  if (!spec) throw new FlavorError('UNSUPPORTED_OPERATION', `operation ${opName(op)} has no level`);
  if (level === undefined) return spec.def;
  if (!Number.isInteger(level) || level < spec.min || level > spec.max) {
    throw new FlavorError('UNSUPPORTED_OPERATION', `invalid ${opName(op)} compression level ${level}`, {
      hint: `use a level from ${spec.min} to ${spec.max}`,
    });
  }
  return level;
}

/** Finds an executable on PATH (no shell). */
export function findProgram(name: string): string | undefined {
  const exts = process.platform === 'win32' ? ['.exe', ''] : [''];
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const p = join(dir, name + ext);
      try {
        accessSync(p, fsConstants.X_OK);
        return p;
      } catch {
        // keep looking
      }
    }
  }
  return undefined;
}

/**
 * Writes `input` into a compressor one chunk at a time, each only after the previous one was processed,
 * then ends it. Node's zlib streams compress the last chunk with the "end" flag when `end()` was already
 * called while it waited; zstd then closes the frame there and the final flush starts a second, empty
 * frame, so the output would depend on timing. Fed this way the last data chunk never carries the flag
 * and the same input always gives the same bytes (reproducible packages).
 */
async function feedInOrder(input: AsyncIterable<Uint8Array>, t: Duplex): Promise<void> {
  try {
    for await (const chunk of input) {
      if (t.destroyed) return;
      await new Promise<void>((resolve, reject) => {
        t.write(chunk, (err) => (err ? reject(err) : resolve()));
      });
    }
    t.end();
  } catch (err) {
    t.destroy(err as Error);
  }
}

/**
 * Runs `input` through a Node duplex (zlib stream, ...) and yields its output. Compressors are fed in
 * order (`feedInOrder`) so their output is deterministic; decoders are piped.
 */
async function* viaDuplex(
  input: AsyncIterable<Uint8Array>,
  t: Duplex,
  codec: string,
  direction: 'compress' | 'decode' = 'decode',
): AsyncGenerator<Buffer> {
  if (direction === 'compress') {
    void feedInOrder(input, t);
  } else {
    pipeline(input, t, () => {
      // errors surface through the iteration of `t` below
    });
  }
  try {
    for await (const chunk of t) yield chunk as Buffer;
  } catch (err) {
    throw decoderError(err, codec);
  } finally {
    t.destroy();
  }
}

/** Runs `input` through an external program (stdin → stdout); a non-zero exit is an error. */
async function* viaProgram(
  input: AsyncIterable<Uint8Array>,
  program: string,
  args: string[],
  codec: string,
): AsyncGenerator<Buffer> {
  const child = spawn(program, args, { stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => {
    if (stderr.length < 4000) stderr += d;
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  });
  exited.catch(() => undefined);
  let inputError: unknown;
  pipeline(input, child.stdin, (err) => {
    if (err && (err as NodeJS.ErrnoException).code !== 'EPIPE') {
      inputError = err;
      child.kill();
    }
  });
  try {
    for await (const chunk of child.stdout) yield chunk as Buffer;
    let code: number | null;
    try {
      code = await exited;
    } catch (err) {
      throw new FlavorError('IO_ERROR', `could not run ${program}`, { cause: err });
    }
    if (inputError !== undefined) throw inputError;
    if (code !== 0) {
      throw new FlavorError(
        'IO_ERROR',
        `${codec} encoder ${program} failed (exit ${code}): ${stderr.trim()}`,
      );
    }
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill();
  }
}

// ------------------------------------------------------------------------------------------------
// Writers

/** gzip with a fixed 10-byte header: mtime 0, OS byte 3 (Unix) on every platform. */
function gzipStage(level: number): Stage {
  return async function* gzip(input) {
    let first = true;
    for await (const chunk of viaDuplex(input, zlib.createGzip({ level }), 'gzip', 'compress')) {
      if (first && chunk.length >= 10) {
        first = false;
        const fixed = Buffer.from(chunk);
        fixed.writeUInt32LE(0, 4);
        fixed[9] = 3;
        yield fixed;
      } else {
        yield chunk;
      }
    }
  };
}

type ZstdWasm = { compress(buf: Uint8Array, level?: number): Uint8Array };
let zstdWasm: Promise<ZstdWasm> | undefined;

function loadZstdWasm(): Promise<ZstdWasm> {
  zstdWasm ??= (async () => {
    const mod = (await import('@bokuweb/zstd-wasm')) as unknown as ZstdWasm & { init(): Promise<void> };
    await mod.init();
    return mod;
  })();
  return zstdWasm;
}

/** zstd: native streaming when available, else one WASM frame per ZSTD_FRAME_BYTES of input. */
function zstdStage(level: number): Stage {
  if (zstdBackend() === 'native') {
    const z = zlib as unknown as Record<string, (o: unknown) => Duplex>;
    const make = z['createZstdCompress'] as (o: unknown) => Duplex;
    const params = {
      [(zlib.constants as unknown as Record<string, number>)['ZSTD_c_compressionLevel'] ?? 100]: level,
    };
    return (input) => viaDuplex(input, make({ params }), 'zstd', 'compress');
  }
  return async function* zstdWasmStage(input) {
    const wasm = await loadZstdWasm();
    const piece = Buffer.allocUnsafe(ZSTD_FRAME_BYTES);
    let fill = 0;
    let frames = 0;
    const frame = (n: number): Uint8Array => {
      frames++;
      try {
        return wasm.compress(piece.subarray(0, n), level);
      } catch (err) {
        throw new FlavorError('INTERNAL', `zstd compression failed`, { cause: err });
      }
    };
    for await (const raw of input) {
      let chunk = toBuffer(raw);
      while (chunk.length > 0) {
        const take = Math.min(chunk.length, ZSTD_FRAME_BYTES - fill);
        chunk.copy(piece, fill, 0, take);
        fill += take;
        chunk = chunk.subarray(take);
        if (fill === ZSTD_FRAME_BYTES) {
          yield frame(fill);
          fill = 0;
        }
      }
    }
    if (fill > 0 || frames === 0) yield frame(fill);
  };
}

function programStage(op: number, level: number): Stage {
  const name = op === OP.XZ ? 'xz' : 'bzip2';
  const program = findProgram(name);
  if (!program) {
    throw new FlavorError(
      'UNSUPPORTED_OPERATION',
      `cannot write ${name}: the ${name} program is not on PATH`,
      {
        hint: `install ${name} or use a gzip or zstd chain (e.g. tar.zst)`,
      },
    );
  }
  const args = op === OP.XZ ? ['-z', '-c', '-q', '-T1', `-${level}`] : ['-z', '-c', '-q', `-${level}`];
  return (input) => viaProgram(input, program, args, name);
}

/**
 * The writer stage for one compression operation. Throws UNSUPPORTED_OPERATION (synchronously) for
 * TAR, unknown codes, out-of-range levels and xz/bzip2 without their program.
 */
export function compressStage(op: number, level?: number): Stage {
  switch (op) {
    case OP.GZIP:
      return gzipStage(levelFor(op, level));
    case OP.ZSTD:
      return zstdStage(levelFor(op, level));
    case OP.XZ:
    case OP.BZIP2:
      return programStage(op, levelFor(op, level));
    default:
      throw new FlavorError('UNSUPPORTED_OPERATION', `operation ${opName(op)} is not a compression`);
  }
}

// ------------------------------------------------------------------------------------------------
// Readers

async function* gunzipStage(input: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  yield* viaDuplex(input, zlib.createGunzip(), 'gzip');
}

/**
 * zstd decoding with fzstd, fed exactly one block per push so that each step yields at most 128 KiB.
 * The frame parser refuses dictionaries, reserved bits, oversized blocks and windows above
 * ZSTD_MAX_WINDOW before fzstd allocates anything. Skippable frames are skipped.
 */
async function* unzstdJs(input: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const { Decompress } = await import('fzstd');
  const r = new ByteReader(input, 'zstd stream');
  let frames = 0;
  try {
    for (;;) {
      const magicBuf = await r.readOptional(4);
      if (!magicBuf) break;
      const magic = magicBuf.readUInt32LE(0);
      if (magic >>> 4 === 0x184d2a5) {
        const size = (await r.read(4)).readUInt32LE(0);
        for await (const _ of r.stream(size)) {
          // skippable frame content
        }
        continue;
      }
      if (magic !== 0xfd2fb528)
        throw corrupt('corrupt zstd stream: bad frame magic', undefined, { codec: 'zstd' });
      const fhdBuf = await r.read(1);
      const fhd = fhdBuf[0] as number;
      const fcsFlag = fhd >> 6;
      const single = (fhd >> 5) & 1;
      const hasChecksum = (fhd >> 2) & 1;
      const dictFlag = fhd & 3;
      if ((fhd >> 3) & 1) throw corrupt('corrupt zstd stream: reserved frame header bit set');
      const wdLen = single ? 0 : 1;
      const didLen = [0, 1, 2, 4][dictFlag] as number;
      const fcsLen = [single ? 1 : 0, 2, 4, 8][fcsFlag] as number;
      const rest = await r.read(wdLen + didLen + fcsLen);
      if (didLen > 0 && rest.readUIntLE(wdLen, didLen) !== 0) {
        throw new FlavorError(
          'UNSUPPORTED_OPERATION',
          'zstd frames that need a dictionary are not supported',
        );
      }
      let window: number;
      if (single) {
        const at = wdLen + didLen;
        const fcs =
          fcsLen === 8
            ? Number(rest.readBigUInt64LE(at))
            : rest.readUIntLE(at, fcsLen) + (fcsLen === 2 ? 256 : 0);
        window = fcs;
      } else {
        const wd = rest[0] as number;
        const base = 2 ** (10 + (wd >> 3));
        window = base + (base / 8) * (wd & 7);
      }
      if (window > ZSTD_MAX_WINDOW) {
        throw new FlavorError('PAYLOAD_TOO_LARGE', `zstd window of ${window} bytes is above the limit`, {
          details: { window, limit: ZSTD_MAX_WINDOW },
        });
      }
      const out: Uint8Array[] = [];
      const d = new Decompress((chunk) => {
        if (chunk.length > 0) out.push(chunk);
      });
      let pending: Buffer[] = [magicBuf, fhdBuf, rest];
      for (;;) {
        const bh = await r.read(3);
        const v = bh.readUIntLE(0, 3);
        const last = v & 1;
        const type = (v >> 1) & 3;
        const size = v >>> 3;
        if (type === 3) throw corrupt('corrupt zstd stream: reserved block type');
        if (size > ZSTD_MAX_BLOCK) throw corrupt('corrupt zstd stream: block too large');
        pending.push(bh, await r.read(type === 1 ? 1 : size));
        if (last && hasChecksum) pending.push(await r.read(4));
        const buf = Buffer.concat(pending);
        pending = [];
        try {
          d.push(buf, last === 1);
        } catch (err) {
          throw decoderError(err, 'zstd');
        }
        for (const o of out) yield o;
        out.length = 0;
        if (last) break;
      }
      frames++;
    }
  } finally {
    await r.close();
  }
  if (frames === 0) throw corrupt('corrupt zstd stream: no frame', undefined, { codec: 'zstd' });
}

/**
 * zstd decoding with node:zlib, capped at the same window as the fzstd path (windowLogMax 27 =
 * ZSTD_MAX_WINDOW) and with the same answer for a larger window: PAYLOAD_TOO_LARGE, not PAYLOAD_CORRUPT.
 */
async function* unzstdNative(input: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  const z = zlib as unknown as Record<string, (o: unknown) => Duplex>;
  const windowLogMax = (zlib.constants as unknown as Record<string, number>)['ZSTD_d_windowLogMax'] ?? 100;
  const make = z['createZstdDecompress'] as (o: unknown) => Duplex;
  try {
    yield* viaDuplex(input, make({ params: { [windowLogMax]: Math.log2(ZSTD_MAX_WINDOW) } }), 'zstd');
  } catch (err) {
    const code = ((err as FlavorError).cause as NodeJS.ErrnoException | undefined)?.code;
    if (code === 'ZSTD_error_frameParameter_windowTooLarge') {
      throw new FlavorError('PAYLOAD_TOO_LARGE', 'zstd window is above the limit', {
        details: { limit: ZSTD_MAX_WINDOW },
      });
    }
    throw err;
  }
}

function unzstdStage(input: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  return zstdBackend() === 'native' ? unzstdNative(input) : unzstdJs(input);
}

type XzModule = { XzReadableStream: new (s: ReadableStream<Uint8Array>) => ReadableStream<Uint8Array> };

async function* unxzStage(input: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const mod = (await import('xz-decompress')) as unknown as Partial<XzModule> & { default?: XzModule };
  const Xz = mod.XzReadableStream ?? mod.default?.XzReadableStream;
  if (!Xz) throw new FlavorError('INTERNAL', 'xz-decompress has no XzReadableStream export');
  const source = Readable.from(input, { objectMode: false });
  const web = Readable.toWeb(source) as unknown as ReadableStream<Uint8Array>;
  const reader = new Xz(web).getReader();
  let finished = false;
  try {
    for (;;) {
      let r: { done: boolean; value?: Uint8Array | undefined };
      try {
        r = await reader.read();
      } catch (err) {
        finished = true;
        // xz-decompress fails with a TypeError when the input ends early
        throw decoderError(err instanceof TypeError ? new Error('unexpected end of input') : err, 'xz');
      }
      if (r.done) {
        finished = true;
        break;
      }
      if (r.value && r.value.length > 0) yield r.value;
    }
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
    source.destroy();
  }
}

async function* bunzip2Stage(input: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  const { default: unbzip2 } = await import('unbzip2-stream');
  const bz = unbzip2();
  const queue: Buffer[] = [];
  let failure: unknown;
  let ended = false;
  bz.on('data', (d: Buffer) => queue.push(d));
  bz.on('error', (e: unknown) => {
    failure ??= e;
  });
  bz.on('end', () => {
    ended = true;
  });
  const flush = function* (): Generator<Buffer> {
    if (failure !== undefined) throw decoderError(failure, 'bzip2');
    while (queue.length > 0) yield queue.shift() as Buffer;
  };
  for await (const chunk of input) {
    bz.write(toBuffer(chunk));
    yield* flush();
  }
  bz.end();
  yield* flush();
  if (!ended && failure === undefined) throw corrupt('corrupt bzip2 stream: no end');
}

/** The reader stage that undoes one compression operation. */
export function decompressStage(op: number): Stage {
  switch (op) {
    case OP.GZIP:
      return gunzipStage;
    case OP.ZSTD:
      return unzstdStage;
    case OP.XZ:
      return unxzStage;
    case OP.BZIP2:
      return bunzip2Stage;
    default:
      throw new FlavorError('UNSUPPORTED_OPERATION', `operation ${opName(op)} is not a compression`);
  }
}

/** Counts bytes passing through; throws PAYLOAD_TOO_LARGE once more than `limit()` went by. */
export function limitOutput(limit: () => number, onBytes?: (total: number) => void): Stage {
  return async function* limited(input) {
    let total = 0;
    for await (const chunk of input) {
      total += chunk.length;
      const max = limit();
      if (total > max) {
        throw new FlavorError(
          'PAYLOAD_TOO_LARGE',
          `decoded payload is larger than the limit of ${max} bytes`,
          {
            details: { limit: max },
            hint: 'the package may be a decompression bomb; raise the limit only for trusted packages',
          },
        );
      }
      onBytes?.(total);
      yield chunk;
    }
  };
}

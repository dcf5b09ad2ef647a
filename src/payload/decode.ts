// Reversing an operation chain: decodeSlot (to a file or, for tar chains, into a folder) and
// decodeStream (decoded bytes of a chain without tar).
//
// Output is capped: `maxOutputBytes`, else 64 × storedSize + 1 GiB when the stored size is known, else
// 64 × (stored bytes read so far) + 1 GiB. Exceeding it is PAYLOAD_TOO_LARGE; decoders are pull-based
// so a bomb stops after at most one decoder step beyond the cap. Every failure is a FlavorError
// (decoder failures PAYLOAD_CORRUPT), and a failed decode leaves nothing behind at `dest`.

import { randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { lstat, mkdir, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { FlavorError } from '../errors.js';
import { decompressStage, limitOutput } from './codecs.js';
import { decryptStage } from './encrypted.js';
import { checkChain, OP } from './ops.js';
import { extractTar } from './tar-extract.js';
import { errnoCode, ioError } from './util.js';

export interface DecodeOptions {
  /** Mode of a single-file output (masked with 0o777). Default 0o600. */
  mode?: number;
  /** Cap on decoded bytes. Default: 64 × storedSize + 1 GiB (see the file header). */
  maxOutputBytes?: number;
  /** Size of the stored (encoded) bytes, when known. */
  storedSize?: number;
  /** Allow an existing output file / non-empty output folder. */
  force?: boolean;
  /**
   * The key of an encrypted chain (aes256-gcm) and the slot id it is bound to. The output is then
   * private: folders 0700, file modes masked with 0o700.
   */
  decryption?: { key: Uint8Array; slotId: string };
}

export interface DecodeStats {
  /** Bytes written: the file size, or for tar chains the total size of the extracted files. */
  outputBytes: number;
  /** 1 for a file; for tar chains the number of files, folders and symlinks extracted. */
  entries: number;
}

const GiB = 1024 * 1024 * 1024;

interface Decoded {
  bytes: AsyncIterable<Uint8Array>;
  limit: () => number;
  hasTar: boolean;
}

function keyFor(options: DecodeOptions): { key: Uint8Array; slotId: string } {
  if (!options.decryption) {
    throw new FlavorError('SLOT_KEY_MISSING', 'the slot is encrypted and no key was given', {
      hint: 'give the key from the source the slot names (see `flavor inspect`), or --slot-key SOURCE',
    });
  }
  return options.decryption;
}

function decoded(stored: Readable, chain: readonly number[], options: DecodeOptions): Decoded {
  const hasTar = checkChain(chain);
  let seen = 0;
  const limit = (): number =>
    options.maxOutputBytes ??
    (options.storedSize !== undefined ? 64 * options.storedSize + GiB : 64 * seen + GiB);
  async function* source(): AsyncGenerator<Uint8Array> {
    try {
      for await (const chunk of stored) {
        seen += (chunk as Uint8Array).length;
        yield chunk as Uint8Array;
      }
    } catch (err) {
      throw ioError(err, 'reading the stored payload');
    }
  }
  let bytes: AsyncIterable<Uint8Array> = source();
  for (const op of [...chain].reverse()) {
    if (op === OP.TAR) continue;
    if (op === OP.AES256_GCM_STREAM) {
      const { key, slotId } = keyFor(options);
      bytes = decryptStage(key, slotId)(bytes);
    } else {
      bytes = decompressStage(op)(bytes);
    }
  }
  bytes = limitOutput(limit)(bytes);
  return { bytes, limit, hasTar };
}

/**
 * The decoded bytes of `stored` for a chain without TAR, as a stream. Errors (FlavorError) are
 * emitted on the returned stream. Throws UNSUPPORTED_OPERATION synchronously for a bad chain.
 */
export function decodeStream(
  stored: Readable,
  chain: readonly number[],
  options: DecodeOptions = {},
): Readable {
  const d = decoded(stored, chain, options);
  if (d.hasTar) {
    throw new FlavorError('UNSUPPORTED_OPERATION', 'decodeStream cannot extract a tar chain', {
      hint: 'use decodeSlot to extract tar slots into a folder',
    });
  }
  const out = Readable.from(d.bytes, { objectMode: false });
  out.once('close', () => stored.destroy());
  return out;
}

async function writeFileAtomic(
  bytes: AsyncIterable<Uint8Array>,
  dest: string,
  mode: number,
  force: boolean,
): Promise<number> {
  const target = resolve(dest);
  const existing = await lstat(target).catch((err: unknown) => {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw ioError(err, 'checking the destination', target);
  });
  if (existing && (!force || existing.isDirectory())) {
    throw new FlavorError(
      'OUTPUT_EXISTS',
      existing.isDirectory() ? 'the destination is a folder' : 'file already exists',
      {
        path: target,
        hint: existing.isDirectory() ? undefined : 'use --force to overwrite',
      },
    );
  }
  try {
    await mkdir(dirname(target), { recursive: true });
  } catch (err) {
    throw ioError(err, 'creating the destination folder', target);
  }
  const tmp = join(dirname(target), `.${basename(target)}.partial-${randomBytes(6).toString('hex')}`);
  const flags =
    fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | (fsConstants.O_NOFOLLOW ?? 0);
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(tmp, flags, 0o600);
  } catch (err) {
    throw ioError(err, 'creating the output file', tmp);
  }
  let written = 0;
  try {
    try {
      for await (const chunk of bytes) {
        let buf = chunk;
        while (buf.length > 0) {
          const { bytesWritten } = await fh.write(buf, 0, buf.length, null);
          buf = buf.subarray(bytesWritten);
        }
        written += chunk.length;
      }
      await fh.chmod(mode & 0o777);
    } finally {
      await fh.close();
    }
    if (!force && (await lstat(target).catch(() => undefined))) {
      throw new FlavorError('OUTPUT_EXISTS', 'file already exists', { path: target });
    }
    await rename(tmp, target);
    return written;
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw ioError(err, 'writing the output file', target);
  }
}

/**
 * Decodes `stored` (the slot's stored bytes) by reversing `chain`. With TAR in the chain `dest` is a
 * folder (created if missing) that receives the safely extracted archive; otherwise `dest` is the
 * output file, written with `options.mode ?? 0o600`. Rejects with a FlavorError; nothing is left at
 * `dest` after a failure.
 */
export async function decodeSlot(
  stored: Readable,
  chain: readonly number[],
  dest: string,
  options: DecodeOptions = {},
): Promise<DecodeStats> {
  try {
    const d = decoded(stored, chain, options);
    const isPrivate = options.decryption !== undefined;
    if (d.hasTar) {
      return await extractTar(d.bytes, dest, {
        force: options.force === true,
        maxBytes: d.limit,
        ...(isPrivate ? { private: true } : {}),
      });
    }
    const mode = (options.mode ?? 0o600) & (isPrivate ? 0o700 : 0o777);
    const outputBytes = await writeFileAtomic(d.bytes, dest, mode, options.force === true);
    return { outputBytes, entries: 1 };
  } finally {
    stored.destroy();
  }
}

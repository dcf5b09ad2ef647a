// Deterministic tar writer (POSIX ustar + PAX 'x' records when needed).
//
// Output depends only on the tree's names, file contents, permission bits and symlink targets:
// entries are sorted by the byte order of their UTF-8 relative names (parents come before children),
// directories are included (name ends in `/`), uid/gid 0, empty uname/gname, mtime fixed (option,
// default 0), mode = st_mode & 0o777 (setuid/setgid/sticky dropped), symlinks 0o777. Hard links are
// stored as independent regular files. Names longer than 100 bytes or not ASCII, link targets
// likewise, and sizes of 8 GiB or more use a PAX extended header named `././@PaxHeader`. The archive
// ends with two zero blocks (no padding to a 10 KiB record). Symlinks must stay inside the tree
// (relative target, also when followed through other links); devices, FIFOs, sockets, non-UTF-8 names
// and files that change while they are read are SOURCE_INVALID.

import { constants as fsConstants, type Stats } from 'node:fs';
import { lstat, open, readdir, readlink, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { FlavorError } from '../errors.js';
import { linkTargetProblem, symlinkEscapes } from './safe-path.js';
import { ioError } from './util.js';

export interface TarWriteOptions {
  /** Modification time of every entry, in seconds (SOURCE_DATE_EPOCH). Default 0. */
  mtime?: number;
  /**
   * Store each symlink as a copy of the file it points to (for launchers that refuse symlinks, such as
   * upstream's). A link to a folder is then SOURCE_INVALID.
   */
  materializeSymlinks?: boolean;
  /** Put every entry under this relative folder ("lib/python3.13/site-packages"), with its parents. */
  prefix?: string;
}

interface SourceEntry {
  rel: string;
  key: Buffer;
  kind: 'file' | 'dir' | 'symlink';
  mode: number;
  size: number;
  target: string;
  /** For a materialized symlink: the real file its bytes are read from. */
  readFrom?: string;
  /** The name relative to the packed folder when `rel` carries a prefix. */
  fsRel?: string;
}

const BLOCK = 512;
const READ_CHUNK = 1024 * 1024;
const MAX_OCTAL_11 = 0o77777777777;
const utf8 = new TextDecoder('utf-8', { fatal: true });

function sourceInvalid(message: string, path: string, hint?: string): FlavorError {
  return new FlavorError('SOURCE_INVALID', message, { path, hint });
}

async function collect(root: string): Promise<SourceEntry[]> {
  const out: SourceEntry[] = [];
  const walk = async (relDir: string): Promise<void> => {
    const absDir = relDir === '' ? root : join(root, relDir);
    let names: Buffer[];
    try {
      names = await readdir(absDir, { encoding: 'buffer' });
    } catch (err) {
      throw ioError(err, 'reading directory', absDir);
    }
    const entries = await Promise.all(
      names.map(async (raw) => {
        let name: string;
        try {
          name = utf8.decode(raw);
        } catch {
          throw sourceInvalid(`file name is not valid UTF-8: ${raw.toString('latin1')}`, absDir);
        }
        const rel = relDir === '' ? name : `${relDir}/${name}`;
        const abs = join(root, rel);
        let st: Stats;
        try {
          st = await lstat(abs);
        } catch (err) {
          throw ioError(err, 'reading file information', abs);
        }
        return { rel, abs, st };
      }),
    );
    for (const { rel, abs, st } of entries) {
      const key = Buffer.from(rel);
      if (st.isDirectory()) {
        out.push({ rel, key, kind: 'dir', mode: st.mode & 0o777, size: 0, target: '' });
        await walk(rel);
      } else if (st.isFile()) {
        out.push({ rel, key, kind: 'file', mode: st.mode & 0o777, size: st.size, target: '' });
      } else if (st.isSymbolicLink()) {
        let target: string;
        try {
          target = await readlink(abs);
        } catch (err) {
          throw ioError(err, 'reading symlink', abs);
        }
        const problem = linkTargetProblem(rel.split('/'), target);
        if (problem) {
          throw sourceInvalid(
            `symlink ${rel} ${problem} (target: ${target})`,
            abs,
            'make the link relative and inside the packed folder, or replace it by a copy',
          );
        }
        out.push({ rel, key, kind: 'symlink', mode: 0o777, size: 0, target });
      } else {
        const what = st.isFIFO() ? 'a FIFO' : st.isSocket() ? 'a socket' : 'a device';
        throw sourceInvalid(`${rel} is ${what}; only files, folders and symlinks can be packed`, abs);
      }
    }
  };
  await walk('');
  out.sort((a, b) => Buffer.compare(a.key, b.key));
  for (const e of out) {
    if (e.kind === 'symlink' && (await symlinkEscapes(root, e.rel.split('/')))) {
      throw sourceInvalid(
        `symlink ${e.rel} points outside the packed folder through another link`,
        join(root, e.rel),
      );
    }
  }
  return out;
}

/** Replaces each symlink entry by a file entry with the content and mode of the file it points to. */
async function materialize(root: string, entries: SourceEntry[]): Promise<SourceEntry[]> {
  return Promise.all(
    entries.map(async (e): Promise<SourceEntry> => {
      if (e.kind !== 'symlink') return e;
      const abs = join(root, e.rel);
      let st: Stats;
      let real: string;
      try {
        st = await stat(abs);
        real = await realpath(abs);
      } catch (err) {
        throw ioError(err, 'following symlink', abs);
      }
      if (!st.isFile()) {
        throw sourceInvalid(
          `symlink ${e.rel} points to a folder, which cannot be stored as a copy`,
          abs,
          'replace the link by the folder, or build without --compat upstream',
        );
      }
      return { ...e, kind: 'file', mode: st.mode & 0o777, size: st.size, target: '', readFrom: real };
    }),
  );
}

/** Directory entries for each component of `prefix` ("a/b" → "a/", "a/b/"), mode 0755. */
function prefixEntries(prefix: string): SourceEntry[] {
  const parts = prefix.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..')) {
    throw new FlavorError('SOURCE_INVALID', `archive prefix "${prefix}" must stay inside the archive`);
  }
  return parts.map((_, i) => {
    const rel = parts.slice(0, i + 1).join('/');
    return { rel, key: Buffer.from(rel), kind: 'dir', mode: 0o755, size: 0, target: '' };
  });
}

function writeString(buf: Buffer, value: string, offset: number, length: number): void {
  buf.write(value, offset, length, 'utf8');
}

function writeOctal(buf: Buffer, value: number, offset: number, length: number): void {
  buf.write(value.toString(8).padStart(length - 1, '0'), offset, length - 1, 'ascii');
  buf[offset + length - 1] = 0;
}

function paxRecord(key: string, value: string): Buffer {
  const body = ` ${key}=${value}\n`;
  const bodyLen = Buffer.byteLength(body);
  let len = bodyLen + String(bodyLen).length;
  if (String(len).length + bodyLen !== len) len = bodyLen + String(len).length;
  return Buffer.from(`${len}${body}`);
}

/** ASCII-only, at most `max` bytes: the fallback shown by readers that ignore PAX. */
function asciiFallback(value: string, max: number): string {
  return value.replace(/[^\x20-\x7e]/g, '_').slice(0, max);
}

function needsPax(value: string, max: number): boolean {
  return value.length > max || Buffer.byteLength(value) > max || /[^\x20-\x7e]/.test(value);
}

function ustarHeader(
  name: string,
  type: string,
  mode: number,
  size: number,
  mtime: number,
  linkname: string,
): Buffer {
  const h = Buffer.alloc(BLOCK);
  writeString(h, name, 0, 100);
  writeOctal(h, mode, 100, 8);
  writeOctal(h, 0, 108, 8);
  writeOctal(h, 0, 116, 8);
  writeOctal(h, size, 124, 12);
  writeOctal(h, mtime, 136, 12);
  h.fill(0x20, 148, 156);
  h.write(type, 156, 1, 'ascii');
  writeString(h, linkname, 157, 100);
  h.write('ustar\u000000', 257, 8, 'ascii');
  writeOctal(h, 0, 329, 8);
  writeOctal(h, 0, 337, 8);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'ascii');
  return h;
}

function padding(size: number): Buffer {
  const rem = size % BLOCK;
  return Buffer.alloc(rem === 0 ? 0 : BLOCK - rem);
}

/** Header block(s) for one entry: an optional PAX header + data, then the ustar header. */
export function entryHeader(
  name: string,
  type: '0' | '2' | '5',
  mode: number,
  size: number,
  mtime: number,
  linkname = '',
): Buffer {
  const records: Buffer[] = [];
  if (needsPax(name, 100)) records.push(paxRecord('path', name));
  if (needsPax(linkname, 100)) records.push(paxRecord('linkpath', linkname));
  if (size > MAX_OCTAL_11) records.push(paxRecord('size', String(size)));
  const main = ustarHeader(
    asciiFallback(name, 100),
    type,
    mode,
    size > MAX_OCTAL_11 ? 0 : size,
    mtime,
    asciiFallback(linkname, 100),
  );
  if (records.length === 0) return main;
  const body = Buffer.concat(records);
  return Buffer.concat([
    ustarHeader('././@PaxHeader', 'x', 0o644, body.length, mtime, ''),
    body,
    padding(body.length),
    main,
  ]);
}

export async function* readFileChunks(abs: string, rel: string, size: number): AsyncGenerator<Buffer> {
  const flags = fsConstants.O_RDONLY | (fsConstants.O_NOFOLLOW ?? 0) | (fsConstants.O_NONBLOCK ?? 0);
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(abs, flags);
  } catch (err) {
    throw ioError(err, 'opening file', abs);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile() || st.size !== size) {
      throw sourceInvalid(`${rel} changed while it was being packed`, abs);
    }
    let left = size;
    while (left > 0) {
      const buf = Buffer.allocUnsafe(Math.min(READ_CHUNK, left));
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) throw sourceInvalid(`${rel} shrank while it was being packed`, abs);
      left -= bytesRead;
      yield bytesRead === buf.length ? buf : buf.subarray(0, bytesRead);
    }
    const probe = Buffer.alloc(1);
    if ((await fh.read(probe, 0, 1, null)).bytesRead !== 0) {
      throw sourceInvalid(`${rel} grew while it was being packed`, abs);
    }
  } catch (err) {
    throw ioError(err, 'reading file', abs);
  } finally {
    await fh.close();
  }
}

/** The tar bytes of `dir` as an async generator (see the file header for the format). */
export async function* deterministicTarChunks(
  dir: string,
  options: TarWriteOptions = {},
): AsyncGenerator<Buffer> {
  const mtime = options.mtime ?? 0;
  if (!Number.isInteger(mtime) || mtime < 0 || mtime > MAX_OCTAL_11) {
    throw new FlavorError('SOURCE_INVALID', `invalid archive mtime ${mtime}`, {
      hint: 'SOURCE_DATE_EPOCH must be a whole number of seconds from 0 to 8589934591',
    });
  }
  const collected = await collect(dir);
  const sources = options.materializeSymlinks ? await materialize(dir, collected) : collected;
  const prefix = prefixEntries(options.prefix ?? '');
  const base = prefix.length > 0 ? `${prefix[prefix.length - 1]!.rel}/` : '';
  const entries = [...prefix, ...sources.map((e) => ({ ...e, rel: `${base}${e.rel}`, fsRel: e.rel }))];
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for (const e of entries) {
    if (e.kind === 'dir') {
      pending.push(entryHeader(`${e.rel}/`, '5', e.mode, 0, mtime));
    } else if (e.kind === 'symlink') {
      pending.push(entryHeader(e.rel, '2', 0o777, 0, mtime, e.target));
    } else {
      pending.push(entryHeader(e.rel, '0', e.mode, e.size, mtime));
      if (e.size > 0) {
        yield Buffer.concat(pending);
        pending = [];
        pendingBytes = 0;
        const fsRel = e.fsRel ?? e.rel;
        yield* readFileChunks(e.readFrom ?? join(dir, fsRel), fsRel, e.size);
        pending.push(padding(e.size));
      }
    }
    pendingBytes += BLOCK;
    if (pendingBytes >= 64 * 1024) {
      yield Buffer.concat(pending);
      pending = [];
      pendingBytes = 0;
    }
  }
  pending.push(Buffer.alloc(2 * BLOCK));
  yield Buffer.concat(pending);
}

/** A readable byte stream of the deterministic tar of `dir`. Errors are FlavorErrors. */
export function createDeterministicTar(dir: string, options: TarWriteOptions = {}): Readable {
  return Readable.from(deterministicTarChunks(dir, options), { objectMode: false });
}

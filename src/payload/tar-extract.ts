// Safe tar extraction (own minimal reader: ustar/GNU headers, PAX 'x' path/linkpath/size, GNU 'L'/'K'
// long names; PAX 'g' global headers are read and ignored).
//
// Contract
// * Refused with UNSAFE_PATH: absolute names, `..` components, backslashes, drive letters, NUL bytes,
//   names not valid UTF-8, components > 255 bytes or names > 4096 bytes, names that go through a
//   symlink (extracted earlier or already present) or through a file, symlinks with an absolute
//   target or one that leaves the destination (lexically, and at the end following every link on disk).
// * Refused with UNSAFE_ENTRY: hard links, character/block devices, FIFOs, contiguous files, sparse and
//   any other special or unknown entry type, duplicate names.
// * PAYLOAD_TOO_LARGE when an entry's declared size does not fit in the remaining output budget;
//   PAYLOAD_CORRUPT for bad checksums/numbers, truncated archives, a missing end-of-archive marker.
// * Nothing is ever written outside the destination: before each write the parent's realpath must be
//   the expected path under the destination's realpath, every parent component must be a real
//   directory (lstat, never a symlink), files are created with O_CREAT|O_EXCL|O_NOFOLLOW and symlinks
//   with symlink(2) (which never follows). Modes are header mode & 0o777; owners are never changed.
// * All or nothing: when the destination does not exist, the archive is extracted into a sibling
//   staging folder `.<name>.partial-<random>` that is renamed to the destination on success and
//   removed on failure. When the destination exists (an empty folder, or any folder with `force`),
//   every path created is journaled and removed again on failure; with `force`, existing files that
//   the archive replaces are unlinked first and cannot be restored after a failure.

import { randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import {
  chmod,
  lstat,
  mkdir,
  open,
  readdir,
  realpath,
  rename,
  rm,
  stat,
  symlink,
  unlink,
} from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { FlavorError } from '../errors.js';
import { ByteReader } from './byte-reader.js';
import { linkTargetProblem, printable, splitEntryName, symlinkEscapes } from './safe-path.js';
import { corrupt, errnoCode, ioError } from './util.js';

export interface ExtractOptions {
  /** Allow a non-empty destination and replace existing files. */
  force?: boolean;
  /** Current output budget in bytes (the decoded tar stream may not exceed it). */
  maxBytes?: () => number;
  /** Decrypted content: every folder 0700 and file modes masked with 0o700 (owner only). */
  private?: boolean;
}

export interface ExtractStats {
  /** Bytes of regular-file content written. */
  outputBytes: number;
  /** Entries extracted (files, directories, symlinks; not PAX/long-name headers). */
  entries: number;
}

const BLOCK = 512;
const MAX_META = 1024 * 1024;
const WRITE_BATCH = 1024 * 1024;
const utf8 = new TextDecoder('utf-8', { fatal: true });
const O_CREATE_FILE =
  fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | (fsConstants.O_NOFOLLOW ?? 0);

function unsafeEntry(message: string, name: string): FlavorError {
  return new FlavorError('UNSAFE_ENTRY', message, {
    details: { entry: printable(name) },
    hint: 'the archive contains an entry flavor refuses to extract; do not trust this package',
  });
}

function unsafePath(message: string, name: string): FlavorError {
  return new FlavorError('UNSAFE_PATH', message, {
    details: { entry: printable(name) },
    hint: 'the archive tries to write outside its destination; do not trust this package',
  });
}

function field(h: Buffer, offset: number, length: number): Buffer {
  const slice = h.subarray(offset, offset + length);
  const nul = slice.indexOf(0);
  return nul === -1 ? slice : slice.subarray(0, nul);
}

function text(bytes: Buffer, what: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw unsafePath(`${what} is not valid UTF-8`, bytes.toString('latin1'));
  }
}

function parseNumber(h: Buffer, offset: number, length: number, what: string): number {
  const first = h[offset] as number;
  if (first & 0x80) {
    if (first !== 0x80) throw corrupt(`corrupt tar header: negative or oversized ${what}`);
    let v = 0;
    for (let i = offset + 1; i < offset + length; i++) v = v * 256 + (h[i] as number);
    if (!Number.isSafeInteger(v)) throw corrupt(`corrupt tar header: ${what} too large`);
    return v;
  }
  const s = h
    .subarray(offset, offset + length)
    .toString('latin1')
    .replace(/[\0 ]+$/, '')
    .replace(/^[ ]+/, '');
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) throw corrupt(`corrupt tar header: invalid ${what}`);
  return Number.parseInt(s, 8);
}

function checkHeader(h: Buffer): void {
  const stored = parseNumber(h, 148, 8, 'checksum');
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : (h[i] as number);
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  if (stored !== unsigned && stored !== signed) throw corrupt('corrupt tar header: checksum mismatch');
}

function isZero(h: Buffer): boolean {
  for (let i = 0; i < BLOCK; i++) if (h[i] !== 0) return false;
  return true;
}

function parsePax(data: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    if (space === -1) throw corrupt('corrupt PAX header: record without length');
    const lenStr = data.subarray(pos, space).toString('latin1');
    if (!/^[0-9]{1,8}$/.test(lenStr)) throw corrupt('corrupt PAX header: bad record length');
    const len = Number(lenStr);
    const end = pos + len;
    if (len <= space - pos + 1 || end > data.length || data[end - 1] !== 0x0a) {
      throw corrupt('corrupt PAX header: bad record');
    }
    const rec = data.subarray(space + 1, end - 1);
    const eq = rec.indexOf(0x3d);
    if (eq <= 0) throw corrupt('corrupt PAX header: record without key');
    out.set(text(rec.subarray(0, eq), 'PAX key'), text(rec.subarray(eq + 1), 'PAX value'));
    pos = end;
  }
  return out;
}

async function writeAll(fh: Awaited<ReturnType<typeof open>>, bufs: Buffer[]): Promise<void> {
  let buf = bufs.length === 1 ? (bufs[0] as Buffer) : Buffer.concat(bufs);
  while (buf.length > 0) {
    const { bytesWritten } = await fh.write(buf, 0, buf.length, null);
    buf = buf.subarray(bytesWritten);
  }
}

type Kind = 'file' | 'dir' | 'symlink';

class Extraction {
  readonly created: string[] = [];
  private readonly kinds = new Map<string, Kind>();
  private readonly implicit = new Set<string>();
  private readonly dirModes = new Map<string, number>();
  private readonly links: string[][] = [];
  rootMode: number | undefined;
  outputBytes = 0;
  entries = 0;

  constructor(
    readonly root: string,
    private readonly force: boolean,
    /** Owner-only output (decrypted slots): folders 0700, file modes & 0o700. */
    readonly ownerOnly = false,
  ) {}

  /** The mode a folder gets: its header mode, or 0700 for owner-only output. */
  folderMode(mode: number): number {
    return this.ownerOnly ? 0o700 : mode & 0o777;
  }

  private abs(parts: readonly string[]): string {
    return join(this.root, ...parts);
  }

  /** Creates/validates every parent of `parts`; returns the verified parent path. */
  private async parents(parts: readonly string[], name: string): Promise<string> {
    for (let i = 1; i < parts.length; i++) {
      const key = parts.slice(0, i).join('/');
      const kind = this.kinds.get(key);
      if (kind === 'symlink') throw unsafePath('unsafe entry name: goes through a symlink', name);
      if (kind === 'file') throw unsafePath('unsafe entry name: a parent is a file', name);
      const abs = this.abs(parts.slice(0, i));
      let st: Awaited<ReturnType<typeof lstat>> | undefined;
      try {
        st = await lstat(abs);
      } catch (err) {
        if (errnoCode(err) !== 'ENOENT') throw ioError(err, 'checking a folder', abs);
      }
      if (st === undefined) {
        try {
          await mkdir(abs, 0o700);
        } catch (err) {
          throw ioError(err, 'creating a folder', abs);
        }
        this.created.push(abs);
        this.implicit.add(key);
      } else if (st.isSymbolicLink()) {
        throw unsafePath('unsafe entry name: goes through a symlink', name);
      } else if (!st.isDirectory()) {
        throw unsafePath('unsafe entry name: a parent is not a folder', name);
      }
    }
    const parent = this.abs(parts.slice(0, -1));
    let real: string;
    try {
      real = await realpath(parent);
    } catch (err) {
      throw ioError(err, 'resolving a folder', parent);
    }
    if (real !== parent)
      throw unsafePath('unsafe entry name: its folder resolves outside the destination', name);
    return parent;
  }

  /** Claims the name: duplicates are refused; with force an existing file is removed. */
  private async claim(parts: readonly string[], kind: Kind, name: string, abs: string): Promise<boolean> {
    const key = parts.join('/');
    if (this.kinds.has(key) || (this.implicit.has(key) && kind !== 'dir')) {
      throw unsafeEntry('duplicate entry name in archive', name);
    }
    this.kinds.set(key, kind);
    if (this.implicit.has(key)) return true;
    let st: Awaited<ReturnType<typeof lstat>> | undefined;
    try {
      st = await lstat(abs);
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw ioError(err, 'checking a file', abs);
      return false;
    }
    if (!this.force) throw unsafeEntry('entry name collides with another entry', name);
    if (st.isDirectory()) {
      if (kind === 'dir') return true;
      throw new FlavorError('OUTPUT_EXISTS', `a folder is in the way of ${printable(name)}`, { path: abs });
    }
    try {
      await unlink(abs);
    } catch (err) {
      throw ioError(err, 'replacing a file', abs);
    }
    return false;
  }

  async dir(parts: string[], mode: number, name: string): Promise<void> {
    if (parts.length === 0) {
      this.rootMode = mode;
      this.entries++;
      return;
    }
    await this.parents(parts, name);
    const abs = this.abs(parts);
    const exists = await this.claim(parts, 'dir', name, abs);
    if (!exists) {
      try {
        await mkdir(abs, 0o700);
      } catch (err) {
        throw ioError(err, 'creating a folder', abs);
      }
      this.created.push(abs);
    }
    this.dirModes.set(parts.join('/'), mode);
    this.entries++;
  }

  async symlink(parts: string[], target: string, name: string): Promise<void> {
    if (parts.length === 0)
      throw unsafePath('unsafe entry name: a symlink cannot replace the destination', name);
    const problem = linkTargetProblem(parts, target);
    if (problem) throw unsafePath(`unsafe symlink: ${problem}`, name);
    await this.parents(parts, name);
    const abs = this.abs(parts);
    await this.claim(parts, 'symlink', name, abs);
    try {
      await symlink(target, abs);
    } catch (err) {
      throw ioError(err, 'creating a symlink', abs);
    }
    this.created.push(abs);
    this.links.push(parts);
    this.entries++;
  }

  async file(parts: string[], mode: number, size: number, name: string, r: ByteReader): Promise<void> {
    if (parts.length === 0)
      throw unsafePath('unsafe entry name: a file cannot replace the destination', name);
    const parent = await this.parents(parts, name);
    const abs = join(parent, parts[parts.length - 1] as string);
    await this.claim(parts, 'file', name, abs);
    let fh: Awaited<ReturnType<typeof open>>;
    try {
      fh = await open(abs, O_CREATE_FILE, 0o600);
    } catch (err) {
      if (errnoCode(err) === 'EEXIST') throw unsafeEntry('entry name collides with another entry', name);
      throw ioError(err, 'creating a file', abs);
    }
    this.created.push(abs);
    try {
      let batch: Buffer[] = [];
      let batchLen = 0;
      for await (const piece of r.stream(size)) {
        batch.push(piece);
        batchLen += piece.length;
        if (batchLen >= WRITE_BATCH) {
          await writeAll(fh, batch);
          batch = [];
          batchLen = 0;
        }
      }
      if (batchLen > 0) await writeAll(fh, batch);
      await fh.chmod(mode & (this.ownerOnly ? 0o700 : 0o777));
    } catch (err) {
      throw ioError(err, 'writing a file', abs);
    } finally {
      await fh.close().catch(() => undefined);
    }
    this.outputBytes += size;
    this.entries++;
  }

  /** Final checks and folder modes, after the last entry. */
  async finish(): Promise<void> {
    for (const parts of this.links) {
      if (await symlinkEscapes(this.root, parts)) {
        throw unsafePath(
          'unsafe symlink: points outside the destination through another symlink',
          parts.join('/'),
        );
      }
    }
    const dirs = [...this.implicit].filter((k) => !this.dirModes.has(k)).map((k) => [k, 0o755] as const);
    const all = [...dirs, ...this.dirModes].sort((a, b) => b[0].split('/').length - a[0].split('/').length);
    for (const [key, mode] of all) {
      const abs = this.abs(key.split('/'));
      try {
        await chmod(abs, this.folderMode(mode));
      } catch (err) {
        throw ioError(err, 'setting folder permissions', abs);
      }
    }
  }

  /** Makes the folders we created writable again (before removing them). */
  async unlockDirs(): Promise<void> {
    for (const abs of this.created) {
      try {
        const st = await lstat(abs);
        if (st.isDirectory()) await chmod(abs, 0o700);
      } catch {
        // already gone
      }
    }
  }
}

async function parse(r: ByteReader, x: Extraction, maxBytes: () => number): Promise<void> {
  let paxPath: string | undefined;
  let paxLink: string | undefined;
  let paxSize: number | undefined;
  let longName: string | undefined;
  let longLink: string | undefined;
  const skip = async (n: number): Promise<void> => {
    for await (const _ of r.stream(n)) {
      // discarded
    }
  };
  const pad = (n: number): number => (BLOCK - (n % BLOCK)) % BLOCK;
  for (;;) {
    const h = await r.readOptional(BLOCK);
    if (h === null) throw corrupt('truncated tar archive: no end-of-archive marker');
    if (isZero(h)) break;
    checkHeader(h);
    const typeByte = h[156] as number;
    const type = typeByte === 0 ? '0' : String.fromCharCode(typeByte);
    const headerSize = parseNumber(h, 124, 12, 'size');
    if (type === 'x' || type === 'g' || type === 'L' || type === 'K') {
      if (headerSize > MAX_META) throw corrupt(`tar extended header of ${headerSize} bytes is too large`);
      const data = await r.read(headerSize);
      await skip(pad(headerSize));
      if (type === 'x') {
        for (const [key, value] of parsePax(data)) {
          if (key === 'path') paxPath = value;
          else if (key === 'linkpath') paxLink = value;
          else if (key === 'size') {
            if (!/^[0-9]{1,16}$/.test(value) || !Number.isSafeInteger(Number(value))) {
              throw corrupt('corrupt PAX header: bad size');
            }
            paxSize = Number(value);
          } else if (key.startsWith('GNU.sparse.')) {
            throw unsafeEntry('sparse tar entries are not supported', paxPath ?? '');
          }
        }
      } else if (type === 'L') {
        longName = text(data.subarray(0, stripNul(data)), 'GNU long name');
      } else if (type === 'K') {
        longLink = text(data.subarray(0, stripNul(data)), 'GNU long link name');
      }
      continue;
    }
    const magic = h.subarray(257, 263).toString('latin1');
    const ustarName = text(field(h, 0, 100), 'entry name');
    const prefix = magic === 'ustar\0' ? text(field(h, 345, 155), 'entry name prefix') : '';
    const name = paxPath ?? longName ?? (prefix ? `${prefix}/${ustarName}` : ustarName);
    const linkname = paxLink ?? longLink ?? text(field(h, 157, 100), 'link name');
    const size = paxSize ?? headerSize;
    paxPath = paxLink = longName = longLink = undefined;
    paxSize = undefined;
    const mode = parseNumber(h, 100, 8, 'mode') & 0o777;
    const parts = splitEntryName(name);
    if (type === '0' || type === '5' || type === '2') {
      const isDir = type === '5' || (typeByte === 0 && name.endsWith('/') && size === 0);
      if (r.consumed + size > maxBytes()) {
        throw new FlavorError('PAYLOAD_TOO_LARGE', `tar entry ${printable(name)} is larger than the limit`, {
          details: { size, limit: maxBytes() },
          hint: 'the package may be a decompression bomb; raise the limit only for trusted packages',
        });
      }
      if (isDir) {
        await x.dir(parts, mode, name);
        await skip(size + pad(size));
      } else if (type === '2') {
        await x.symlink(parts, linkname, name);
        await skip(size + pad(size));
      } else {
        await x.file(parts, mode, size, name, r);
        await skip(pad(size));
      }
      continue;
    }
    const what: Record<string, string> = {
      '1': 'hard link',
      '3': 'character device',
      '4': 'block device',
      '6': 'FIFO',
      '7': 'contiguous file',
      S: 'sparse file',
    };
    throw unsafeEntry(`refusing tar entry of type ${what[type] ?? `'${printable(type)}'`}`, name);
  }
  await r.drain();
}

function stripNul(data: Buffer): number {
  let end = data.length;
  while (end > 0 && data[end - 1] === 0) end--;
  return end;
}

async function isEmptyDir(path: string): Promise<boolean> {
  return (await readdir(path)).length === 0;
}

/**
 * Extracts the tar bytes of `input` into the folder `dest` (see the file header for the contract).
 * `input` is consumed to its end.
 */
export async function extractTar(
  input: AsyncIterable<Uint8Array>,
  dest: string,
  options: ExtractOptions = {},
): Promise<ExtractStats> {
  const target = resolve(dest);
  const maxBytes = options.maxBytes ?? (() => Number.POSITIVE_INFINITY);
  let staging: string | undefined;
  let root: string;
  try {
    let st: Awaited<ReturnType<typeof stat>> | undefined;
    try {
      st = await stat(target);
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
    }
    if (st === undefined) {
      await mkdir(dirname(target), { recursive: true });
      staging = join(dirname(target), `.${basename(target)}.partial-${randomBytes(6).toString('hex')}`);
      await mkdir(staging, 0o700);
      root = await realpath(staging);
    } else if (!st.isDirectory()) {
      throw new FlavorError('OUTPUT_EXISTS', 'the destination exists and is not a folder', { path: target });
    } else {
      if (!options.force && !(await isEmptyDir(target))) {
        throw new FlavorError('OUTPUT_EXISTS', 'the destination folder is not empty', {
          path: target,
          hint: 'use --force to extract into it anyway',
        });
      }
      root = await realpath(target);
    }
  } catch (err) {
    throw ioError(err, 'preparing the destination', target);
  }

  const x = new Extraction(root, options.force === true, options.private === true);
  const r = new ByteReader(input, 'tar archive');
  try {
    await parse(r, x, maxBytes);
    await x.finish();
    if (staging !== undefined) {
      await chmod(staging, x.folderMode(x.rootMode ?? 0o755));
      try {
        await rename(staging, target);
      } catch (err) {
        if (errnoCode(err) === 'EEXIST' || errnoCode(err) === 'ENOTEMPTY') {
          throw new FlavorError('OUTPUT_EXISTS', 'the destination appeared during extraction', {
            path: target,
          });
        }
        throw ioError(err, 'moving the extracted folder into place', target);
      }
      staging = undefined;
    }
    return { outputBytes: x.outputBytes, entries: x.entries };
  } catch (err) {
    await r.close().catch(() => undefined);
    await x.unlockDirs();
    if (staging !== undefined) {
      await chmod(staging, 0o700).catch(() => undefined);
      await rm(staging, { recursive: true, force: true }).catch(() => undefined);
    } else {
      for (const abs of [...x.created].reverse()) {
        await rm(abs, { recursive: true, force: true }).catch(() => undefined);
      }
    }
    throw ioError(err, 'extracting', target);
  }
}

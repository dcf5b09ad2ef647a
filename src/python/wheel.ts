// Reading one file out of a wheel (a zip archive) held in memory: end-of-central-directory record →
// central directory entry → local header → stored or deflated bytes, CRC-32 checked. Every offset and
// length is bound-checked against the buffer; the output size is capped before inflating.
// Used only on wheels whose SHA-256 was already checked against a pinned value.

import zlib from 'node:zlib';
import { FlavorError } from '../errors.js';

const EOCD_SIG = 0x06054b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;
const EOCD_MIN = 22;
const MAX_COMMENT = 0xffff;

interface CentralEntry {
  name: string;
  method: number;
  crc32: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

function bad(what: string, wheel: string, cause?: unknown): FlavorError {
  return new FlavorError('TOOL_CHECKSUM', `${wheel} is not a valid wheel: ${what}`, {
    hint: 'delete the cached wheel and try again',
    ...(cause === undefined ? {} : { cause }),
  });
}

function findEndRecord(zip: Buffer, wheel: string): number {
  const lowest = Math.max(0, zip.length - EOCD_MIN - MAX_COMMENT);
  for (let at = zip.length - EOCD_MIN; at >= lowest; at--) {
    if (zip.readUInt32LE(at) === EOCD_SIG) return at;
  }
  throw bad('no end of central directory', wheel);
}

function* centralEntries(zip: Buffer, wheel: string): Generator<CentralEntry> {
  if (zip.length < EOCD_MIN) throw bad('too short', wheel);
  const end = findEndRecord(zip, wheel);
  const count = zip.readUInt16LE(end + 10);
  const size = zip.readUInt32LE(end + 12);
  let at = zip.readUInt32LE(end + 16);
  if (at + size > end) throw bad('central directory outside the file', wheel);
  for (let i = 0; i < count; i++) {
    if (at + 46 > end || zip.readUInt32LE(at) !== CENTRAL_SIG) throw bad('corrupt central directory', wheel);
    const nameLen = zip.readUInt16LE(at + 28);
    const extraLen = zip.readUInt16LE(at + 30);
    const commentLen = zip.readUInt16LE(at + 32);
    const next = at + 46 + nameLen + extraLen + commentLen;
    if (next > end) throw bad('corrupt central directory', wheel);
    yield {
      name: zip.toString('utf8', at + 46, at + 46 + nameLen),
      method: zip.readUInt16LE(at + 10),
      crc32: zip.readUInt32LE(at + 16),
      compressedSize: zip.readUInt32LE(at + 20),
      size: zip.readUInt32LE(at + 24),
      localOffset: zip.readUInt32LE(at + 42),
    };
    at = next;
  }
}

/** The names of every member of the zip archive `zip` (files and folders, as stored). */
export function listZipMembers(zip: Buffer, wheel = 'wheel'): string[] {
  return [...centralEntries(zip, wheel)].map((e) => e.name);
}

/** The bytes of `member` in the wheel `zip`; refuses members above `maxSize` bytes. */
export function readWheelMember(zip: Buffer, member: string, maxSize: number, wheel = 'wheel'): Buffer {
  let entry: CentralEntry | undefined;
  for (const e of centralEntries(zip, wheel)) {
    if (e.name === member) {
      entry = e;
      break;
    }
  }
  if (!entry) throw bad(`no ${member} in it`, wheel);
  return readEntry(zip, entry, maxSize, wheel);
}

/** Every file of the wheel whose name starts with `prefix`, in one pass: name and checked bytes. */
export function* wheelFiles(
  zip: Buffer,
  prefix: string,
  maxSize: number,
  wheel = 'wheel',
): Generator<{ name: string; data: Buffer }> {
  for (const entry of centralEntries(zip, wheel)) {
    if (!entry.name.startsWith(prefix) || entry.name.endsWith('/')) continue;
    yield { name: entry.name, data: readEntry(zip, entry, maxSize, wheel) };
  }
}

function readEntry(zip: Buffer, entry: CentralEntry, maxSize: number, wheel: string): Buffer {
  const member = entry.name;
  if (entry.size > maxSize) throw bad(`${member} is larger than ${maxSize} bytes`, wheel);
  const local = entry.localOffset;
  if (local + 30 > zip.length || zip.readUInt32LE(local) !== LOCAL_SIG)
    throw bad('corrupt local header', wheel);
  const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
  const stop = start + entry.compressedSize;
  if (stop > zip.length) throw bad(`${member} extends past the end`, wheel);
  const raw = zip.subarray(start, stop);
  let data: Buffer;
  if (entry.method === 0) data = Buffer.from(raw);
  else if (entry.method === 8) {
    try {
      data = zlib.inflateRawSync(raw, { maxOutputLength: Math.max(1, entry.size) });
    } catch (cause) {
      throw bad(`${member} does not inflate`, wheel, cause);
    }
  } else throw bad(`${member} uses compression method ${entry.method}`, wheel);
  if (data.length !== entry.size || zlib.crc32(data) !== entry.crc32) {
    throw bad(`${member} fails its CRC-32`, wheel);
  }
  return data;
}

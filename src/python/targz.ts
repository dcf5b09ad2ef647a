// Reading one regular file out of a .tar.gz held in memory (ustar headers; long names through GNU
// "L" or pax "path" records are not followed: the members we look for have short names). Every size
// and offset is bound-checked; the decompressed size is capped. Used only on archives whose SHA-256
// was already checked against a pinned value.

import zlib from 'node:zlib';
import { FlavorError } from '../errors.js';

const BLOCK = 512;

function bad(what: string, archive: string): FlavorError {
  return new FlavorError('TOOL_CHECKSUM', `${archive} is not a valid .tar.gz: ${what}`, {
    hint: 'delete the cached download and try again',
  });
}

function field(block: Buffer, at: number, length: number): string {
  const raw = block.subarray(at, at + length);
  const nul = raw.indexOf(0);
  return raw.toString('utf8', 0, nul < 0 ? length : nul);
}

/** The bytes of the regular file `member` in the gzip'd tar `archive` (decompressed at most `maxTar`). */
export function readTarGzMember(gz: Buffer, member: string, maxTar: number, archive: string): Buffer {
  let tar: Buffer;
  try {
    tar = zlib.gunzipSync(gz, { maxOutputLength: maxTar });
  } catch {
    throw bad(`it does not decompress within ${maxTar} bytes`, archive);
  }
  for (let at = 0; at + BLOCK <= tar.length; ) {
    const header = tar.subarray(at, at + BLOCK);
    if (header.every((b) => b === 0)) break;
    const prefix = header.toString('latin1', 257, 263) === 'ustar\0' ? field(header, 345, 155) : '';
    const name = prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100);
    const size = Number.parseInt(field(header, 124, 12).trim() || '0', 8);
    if (!Number.isSafeInteger(size) || size < 0) throw bad(`bad size for ${name}`, archive);
    const start = at + BLOCK;
    if (start + size > tar.length) throw bad(`${name} extends past the end`, archive);
    const type = String.fromCharCode(header[156] ?? 0);
    if (name === member && (type === '0' || type === '\0'))
      return Buffer.from(tar.subarray(start, start + size));
    at = start + Math.ceil(size / BLOCK) * BLOCK;
  }
  throw bad(`no ${member} in it`, archive);
}

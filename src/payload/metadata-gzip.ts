// gzip of the metadata JSON (small, in memory). Writing is deterministic: level 9, header mtime 0,
// OS byte 3 on every platform. Reading is bounded by `maxSize` (the decompressed JSON size).

import zlib from 'node:zlib';
import { FlavorError } from '../errors.js';

export function gzipMetadata(json: Uint8Array): Buffer {
  const out = zlib.gzipSync(json, { level: 9 });
  out.writeUInt32LE(0, 4);
  out[9] = 3;
  return out;
}

/**
 * Exactly one gzip member with nothing after it, at most `maxSize` bytes out (the launcher's
 * DecompressMetadata refuses the same: zlib alone would also read a second member, or skip trailing
 * bytes).
 */
export function gunzipMetadata(compressed: Uint8Array, maxSize: number): Uint8Array {
  let json: Buffer;
  try {
    json = zlib.gunzipSync(compressed, { maxOutputLength: maxSize });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
      throw new FlavorError('METADATA_TOO_LARGE', `metadata JSON is larger than ${maxSize} bytes`, {
        cause: err,
        details: { region: 'metadata', limit: maxSize },
      });
    }
    throw new FlavorError('METADATA_COMPRESSION', 'metadata is not valid gzip', {
      cause: err,
      hint: 'the metadata region is damaged or was not written by a compatible builder',
      details: { region: 'metadata' },
    });
  }
  const member = firstMemberLength(compressed);
  if (member !== compressed.length) {
    throw new FlavorError(
      'METADATA_COMPRESSION',
      `${compressed.length - member} bytes follow the metadata gzip member`,
      { details: { region: 'metadata' } },
    );
  }
  return json;
}

/** Length of the first gzip member (header, deflate stream, 8-byte trailer); gunzip has checked it. */
function firstMemberLength(gz: Uint8Array): number {
  const flags = gz[3]!;
  let at = 10;
  if (flags & 0x04) at += 2 + (gz[at]! | (gz[at + 1]! << 8)); // FEXTRA
  if (flags & 0x08) at = gz.indexOf(0, at) + 1; // FNAME
  if (flags & 0x10) at = gz.indexOf(0, at) + 1; // FCOMMENT
  if (flags & 0x02) at += 2; // FHCRC
  const body = zlib.inflateRawSync(gz.subarray(at), { info: true }) as unknown as {
    engine: { bytesWritten: number };
  };
  return at + body.engine.bytesWritten + 8;
}

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

export function gunzipMetadata(compressed: Uint8Array, maxSize: number): Uint8Array {
  try {
    return zlib.gunzipSync(compressed, { maxOutputLength: maxSize });
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
}

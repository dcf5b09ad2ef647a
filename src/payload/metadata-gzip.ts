// gzip for the metadata region: deterministic compression (mtime 0) and a strict, bounded decoder that
// accepts exactly one gzip member and nothing after it.

import zlib from 'node:zlib';
import { FlavorError } from '../errors.js';

export function gzipMetadata(json: Uint8Array): Uint8Array {
  return new Uint8Array(zlib.gzipSync(json, { level: 9 }));
}

const FHCRC = 0x02;
const FEXTRA = 0x04;
const FNAME = 0x08;
const FCOMMENT = 0x10;

function corrupt(message: string, cause?: unknown): FlavorError {
  return new FlavorError('METADATA_COMPRESSION', `metadata is not valid gzip: ${message}`, {
    cause,
    details: { region: 'metadata' },
  });
}

/** Length of the gzip member header (RFC 1952 §2.3) at the start of `data`. */
function headerLength(data: Uint8Array): number {
  if (data.length < 18 || data[0] !== 0x1f || data[1] !== 0x8b) throw corrupt('bad magic');
  if (data[2] !== 8) throw corrupt('unknown compression method');
  const flags = data[3]!;
  if (flags & 0xe0) throw corrupt('reserved flag bits set');
  let pos = 10;
  if (flags & FEXTRA) {
    if (pos + 2 > data.length) throw corrupt('truncated extra field');
    pos += 2 + (data[pos]! | (data[pos + 1]! << 8));
  }
  for (const flag of [FNAME, FCOMMENT]) {
    if (flags & flag) {
      while (pos < data.length && data[pos] !== 0) pos++;
      pos++;
    }
  }
  if (flags & FHCRC) pos += 2;
  if (pos + 8 > data.length) throw corrupt('truncated header');
  return pos;
}

/** Decompresses one gzip member of at most `maxOutput` bytes; trailing bytes are an error. */
export function gunzipMetadata(data: Uint8Array, maxOutput: number): Uint8Array {
  const start = headerLength(data);
  let result: { buffer: Buffer; engine: zlib.InflateRaw };
  try {
    result = zlib.inflateRawSync(data.subarray(start), {
      info: true,
      maxOutputLength: maxOutput,
    }) as unknown as { buffer: Buffer; engine: zlib.InflateRaw };
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') {
      throw new FlavorError('METADATA_TOO_LARGE', `metadata decompresses to more than ${maxOutput} bytes`, {
        cause,
      });
    }
    throw corrupt((cause as Error).message, cause);
  }
  const end = start + result.engine.bytesWritten;
  if (end + 8 > data.length) throw corrupt('truncated trailer');
  const trailer = Buffer.from(data.buffer, data.byteOffset + end, 8);
  if (trailer.readUInt32LE(0) !== zlib.crc32(result.buffer)) throw corrupt('CRC-32 mismatch');
  if (trailer.readUInt32LE(4) !== result.buffer.length >>> 0) throw corrupt('length mismatch');
  if (end + 8 !== data.length) throw corrupt(`${data.length - end - 8} unexpected bytes after the gzip stream`);
  return new Uint8Array(result.buffer);
}

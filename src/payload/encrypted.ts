// Streaming AES-256-GCM for encrypted slots (chain op 0x4F, docs/format.md "Encrypted slots"): the
// STREAM construction over fixed-size chunks. The stored bytes are a 60-byte header, then the chunks:
//
//   header  = F0 9F 94 92 (🔒) | version 1 | 3 zero bytes | chunk_size u32 LE | salt (32) | key_check (16)
//   derived = HKDF-SHA256(ikm = key, salt = salt, info = INFO ‖ 0x00 ‖ slot id) → 55 bytes:
//             subkey (32) | nonce_prefix (7) | key_check (16)
//   chunk i = AES-256-GCM(subkey, nonce = nonce_prefix ‖ i (u32 BE) ‖ last (0 or 1), aad = header)
//
// Every chunk but the last holds exactly chunk_size plaintext bytes; the last holds 0..chunk_size and is
// the only one sealed with last = 1. So a reordered, duplicated, dropped or appended chunk, a stream cut at
// a chunk boundary or inside a chunk, and a chunk from another slot (another salt and slot id, so another
// subkey) all fail authentication. The builder derives the salt from the key, the slot id and the
// SHA-256 of the plaintext (deterministic: same inputs, same bytes), so a nonce never repeats under one
// subkey with different plaintext. Plaintext leaves the decryptor only after its chunk authenticated.

import { createCipheriv, createDecipheriv, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { FlavorError } from '../errors.js';
import { type Stage, toBuffer } from './util.js';

export const ENCRYPTION_MAGIC = Uint8Array.of(0xf0, 0x9f, 0x94, 0x92);
export const ENCRYPTION_VERSION = 1;
export const ENCRYPTED_HEADER_BYTES = 60;
/** Plaintext bytes per chunk written by the builder. */
export const ENCRYPTION_CHUNK_BYTES = 64 * 1024;
/** Chunk sizes a reader accepts (bounds the memory one chunk needs). */
export const MIN_CHUNK_BYTES = 16;
export const MAX_CHUNK_BYTES = 16 * 1024 * 1024;
export const SLOT_KEY_BYTES = 32;
const TAG_BYTES = 16;
const INFO = 'flavorpack aes256-gcm stream v1';
const SALT_LABEL = 'flavorpack aes256-gcm salt v1';
const MAX_CHUNKS = 2 ** 32;

interface Derived {
  subkey: Buffer;
  noncePrefix: Buffer;
  keyCheck: Buffer;
}

function derive(key: Uint8Array, salt: Uint8Array, slotId: string): Derived {
  checkKeyLength(key);
  const info = Buffer.concat([Buffer.from(INFO), Buffer.of(0), Buffer.from(slotId, 'utf8')]);
  const okm = Buffer.from(hkdfSync('sha256', key, salt, info, 55));
  return { subkey: okm.subarray(0, 32), noncePrefix: okm.subarray(32, 39), keyCheck: okm.subarray(39, 55) };
}

function checkKeyLength(key: Uint8Array): void {
  if (key.length !== SLOT_KEY_BYTES) {
    throw new FlavorError('SLOT_KEY_INVALID', `a slot key is ${SLOT_KEY_BYTES} bytes, not ${key.length}`);
  }
}

function nonce(prefix: Buffer, index: number, last: boolean): Buffer {
  const n = Buffer.alloc(12);
  prefix.copy(n, 0);
  n.writeUInt32BE(index, 7);
  n[11] = last ? 1 : 0;
  return n;
}

/** The deterministic salt of a slot: HMAC-SHA256(key, label ‖ 0 ‖ slot id ‖ 0 ‖ SHA-256(plaintext)). */
export function slotSalt(key: Uint8Array, slotId: string, plaintextSha256: Uint8Array): Buffer {
  checkKeyLength(key);
  return createHmac('sha256', key)
    .update(Buffer.concat([Buffer.from(SALT_LABEL), Buffer.of(0), Buffer.from(slotId, 'utf8'), Buffer.of(0)]))
    .update(plaintextSha256)
    .digest();
}

function encodeHeader(chunkSize: number, salt: Uint8Array, keyCheck: Uint8Array): Buffer {
  const h = Buffer.alloc(ENCRYPTED_HEADER_BYTES);
  Buffer.from(ENCRYPTION_MAGIC).copy(h, 0);
  h[4] = ENCRYPTION_VERSION;
  h.writeUInt32LE(chunkSize, 8);
  Buffer.from(salt).copy(h, 12);
  Buffer.from(keyCheck).copy(h, 44);
  return h;
}

function failed(message: string, details?: Record<string, unknown>): FlavorError {
  return new FlavorError('SLOT_DECRYPT_FAILED', message, {
    details,
    hint: 'the encrypted slot is damaged, truncated or reordered; get the package again from its publisher',
  });
}

/**
 * Checks a header and the key against its key check value, in the order both readers use: length,
 * magic, version, reserved bytes, chunk size (SLOT_DECRYPT_FAILED), then the key (SLOT_KEY_WRONG).
 * Returns the derived keys and the chunk size.
 */
export function openHeader(
  header: Uint8Array,
  key: Uint8Array,
  slotId: string,
): Derived & { chunkSize: number; header: Buffer } {
  const h = toBuffer(header);
  if (h.length < ENCRYPTED_HEADER_BYTES) {
    throw failed(
      `encrypted slot is truncated: ${h.length} bytes, the header alone is ${ENCRYPTED_HEADER_BYTES}`,
    );
  }
  if (!h.subarray(0, 4).equals(Buffer.from(ENCRYPTION_MAGIC))) {
    throw failed('encrypted slot does not start with the encryption header magic');
  }
  if (h[4] !== ENCRYPTION_VERSION) throw failed(`unsupported encryption header version ${h[4]}`);
  if (h[5] !== 0 || h[6] !== 0 || h[7] !== 0) throw failed('reserved encryption header bytes are not zero');
  const chunkSize = h.readUInt32LE(8);
  if (chunkSize < MIN_CHUNK_BYTES || chunkSize > MAX_CHUNK_BYTES) {
    throw failed(`encryption chunk size ${chunkSize} is outside ${MIN_CHUNK_BYTES}..${MAX_CHUNK_BYTES}`);
  }
  const derived = derive(key, h.subarray(12, 44), slotId);
  if (!timingSafeEqual(derived.keyCheck, h.subarray(44, 60))) {
    throw new FlavorError('SLOT_KEY_WRONG', `the key does not open slot "${slotId}"`, {
      hint: 'use the key the package was built with (check the key source the slot names)',
    });
  }
  return { ...derived, chunkSize, header: Buffer.from(h.subarray(0, ENCRYPTED_HEADER_BYTES)) };
}

/** Exact-size reads over an async iterable: `take(n)` returns n bytes, or fewer only at the end. */
function chunkReader(input: AsyncIterable<Uint8Array>): (n: number) => Promise<Buffer> {
  const it = input[Symbol.asyncIterator]();
  let rest: Buffer = Buffer.alloc(0);
  let ended = false;
  return async (n) => {
    const parts: Buffer[] = [];
    let have = 0;
    while (have < n) {
      if (rest.length === 0) {
        if (ended) break;
        const r = await it.next();
        if (r.done) {
          ended = true;
          break;
        }
        rest = toBuffer(r.value);
        continue;
      }
      const piece = rest.subarray(0, n - have);
      rest = rest.subarray(piece.length);
      parts.push(piece);
      have += piece.length;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, have);
  };
}

/**
 * Encrypts the plaintext stream of slot `slotId`. `plaintextSha256` is the SHA-256 of that whole stream
 * (it fixes the salt, so the builder hashes the plaintext first). `chunkSize` is for tests and vectors.
 */
export function encryptStage(
  key: Uint8Array,
  slotId: string,
  plaintextSha256: Uint8Array,
  chunkSize: number = ENCRYPTION_CHUNK_BYTES,
): Stage {
  return async function* encrypt(input) {
    const salt = slotSalt(key, slotId, plaintextSha256);
    const d = derive(key, salt, slotId);
    const header = encodeHeader(chunkSize, salt, d.keyCheck);
    yield header;
    const take = chunkReader(input);
    let current = await take(chunkSize);
    for (let i = 0; ; i++) {
      if (i >= MAX_CHUNKS) throw new FlavorError('PAYLOAD_TOO_LARGE', 'slot is too large to encrypt');
      const next = current.length === chunkSize ? await take(chunkSize) : Buffer.alloc(0);
      const last = current.length < chunkSize || next.length === 0;
      const c = createCipheriv('aes-256-gcm', d.subkey, nonce(d.noncePrefix, i, last), {
        authTagLength: TAG_BYTES,
      });
      c.setAAD(header);
      yield Buffer.concat([c.update(current), c.final(), c.getAuthTag()]);
      if (last) return;
      current = next;
    }
  };
}

/**
 * Decrypts an encrypted slot stream (header and chunks) with `key`. Throws SLOT_KEY_WRONG before any
 * output for a key that does not match the header, and SLOT_DECRYPT_FAILED for a damaged, truncated,
 * reordered or extended stream; plaintext is yielded chunk by chunk, each only after it authenticated.
 */
export function decryptStage(key: Uint8Array, slotId: string): Stage {
  return async function* decrypt(input) {
    const take = chunkReader(input);
    const d = openHeader(await take(ENCRYPTED_HEADER_BYTES), key, slotId);
    const sealed = d.chunkSize + TAG_BYTES;
    let current = await take(sealed);
    for (let i = 0; ; i++) {
      if (i >= MAX_CHUNKS) throw failed('encrypted slot has more chunks than the format allows');
      const next = current.length === sealed ? await take(sealed) : Buffer.alloc(0);
      const last = next.length === 0;
      if (current.length < TAG_BYTES) {
        throw failed(
          `encrypted slot is truncated: chunk ${i} is ${current.length} bytes, shorter than its tag`,
          {
            chunk: i,
          },
        );
      }
      yield openChunk(d, current, i, last);
      if (last) return;
      current = next;
    }
  };
}

function openChunk(d: Derived & { header: Buffer }, sealed: Buffer, i: number, last: boolean): Buffer {
  const body = sealed.subarray(0, sealed.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', d.subkey, nonce(d.noncePrefix, i, last), {
    authTagLength: TAG_BYTES,
  });
  decipher.setAAD(d.header);
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  const out = decipher.update(body);
  try {
    decipher.final();
  } catch {
    throw failed(
      `encrypted chunk ${i} failed authentication (the slot was modified, truncated, reordered or extended)`,
      { chunk: i },
    );
  }
  return out;
}

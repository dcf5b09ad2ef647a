// One generator per shared encrypted-slot vector (testdata/vectors/encrypted/, format in
// testdata/vectors/README.md): the stored bytes of an encrypted slot and the key source, which both
// decryptors (src/payload/encrypted.ts with src/crypto/slot-key.ts, and the launcher's payload package)
// must open to exactly the plaintext or refuse with exactly the code. Deterministic output.

import { createHash } from 'node:crypto';
import { encryptStage } from '../../src/payload/encrypted.js';

export interface EncryptedVector {
  name: string;
  comment: string;
  /** "success" or the error code both must raise. */
  expect: string;
  slotId: string;
  keySource: string;
  /** The environment variable's value; absent = the variable is not set. */
  envValue?: string;
  /** For success: the plaintext's size and SHA-256. */
  plaintext?: Uint8Array;
  bytes: Uint8Array;
}

/** The variable every vector's key source names. */
export const VECTOR_KEY_VAR = 'FLAVOR_VECTOR_SLOT_KEY';
const SOURCE = `env:${VECTOR_KEY_VAR}`;
/** Test-only slot keys: SHA-256 of a text. */
export const SLOT_KEY = createHash('sha256').update('flavorpack-test-slot-key').digest();
const OTHER_SLOT_KEY = createHash('sha256').update('flavorpack-test-other-slot-key').digest();
const KEY_HEX = SLOT_KEY.toString('hex');
/** Small chunks so that a few hundred bytes make several chunks. */
const CHUNK = 64;
const HEADER = 60;
const SEALED = CHUNK + 16;

/** Deterministic plaintext: SHA-256 counter blocks. */
function plaintext(n: number): Buffer {
  const out = Buffer.alloc(n);
  for (let i = 0; i * 32 < n; i++) {
    createHash('sha256')
      .update(`plaintext ${i}`)
      .digest()
      .copy(out, i * 32);
  }
  return out;
}

async function encrypt(
  p: Uint8Array,
  slotId = 'app',
  key: Uint8Array = SLOT_KEY,
  chunk = CHUNK,
): Promise<Buffer> {
  const sha = createHash('sha256').update(p).digest();
  const parts: Buffer[] = [];
  for await (const c of encryptStage(
    key,
    slotId,
    sha,
    chunk,
  )(
    (async function* () {
      yield p;
    })(),
  )) {
    parts.push(Buffer.from(c));
  }
  return Buffer.concat(parts);
}

const P200 = plaintext(200); // chunks of 64, 64, 64, 8
const chunkAt = (b: Buffer, i: number) => b.subarray(HEADER + i * SEALED, HEADER + (i + 1) * SEALED);

function flip(b: Buffer, at: number): Buffer {
  const c = Buffer.from(b);
  c[at] = (c[at] as number) ^ 0x01;
  return c;
}

type Gen = () => Promise<Omit<EncryptedVector, 'name' | 'slotId' | 'keySource'> & Partial<EncryptedVector>>;

const ok = async (comment: string, p: Buffer, envValue = KEY_HEX, chunk = CHUNK) => ({
  comment,
  expect: 'success',
  envValue,
  plaintext: p,
  bytes: await encrypt(p, 'app', SLOT_KEY, chunk),
});

const fail = (expect: string, comment: string, bytes: Buffer, envValue: string | null = KEY_HEX) => ({
  comment,
  expect,
  ...(envValue === null ? {} : { envValue }),
  bytes,
});

export const ENCRYPTED_GENERATORS: Record<string, Gen> = {
  'ok-multi-chunk': () => ok('200 bytes in chunks of 64: three full chunks and a last one of 8', P200),
  'ok-empty': () => ok('an empty slot: one last chunk with only its tag', Buffer.alloc(0)),
  'ok-exact-chunks': () => ok('128 bytes: the last chunk is a full one', plaintext(128)),
  'ok-one-short-chunk': () => ok('10 bytes: a single last chunk', plaintext(10)),
  'ok-builder-chunk-size': () =>
    ok(
      '65537 bytes in the builder chunk size 65536: a full chunk and one byte',
      plaintext(65537),
      KEY_HEX,
      65536,
    ),
  'ok-key-base64': () =>
    ok('the key as padded base64 with a trailing newline', P200, `${SLOT_KEY.toString('base64')}\n`),
  'ok-key-hex-upper-spaces': () =>
    ok('the key as upper-case hex between spaces', P200, ` ${KEY_HEX.toUpperCase()}\t`),
  'fail-key-missing': async () =>
    fail('SLOT_KEY_MISSING', 'the variable is not set', await encrypt(P200), null),
  'fail-key-empty': async () => fail('SLOT_KEY_MISSING', 'the variable is empty', await encrypt(P200), ''),
  'fail-key-short-hex': async () =>
    fail('SLOT_KEY_INVALID', '62 hex digits (31 bytes)', await encrypt(P200), KEY_HEX.slice(0, 62)),
  'fail-key-not-hex': async () =>
    fail(
      'SLOT_KEY_INVALID',
      '64 characters, one not a hex digit',
      await encrypt(P200),
      `${KEY_HEX.slice(0, 63)}g`,
    ),
  'fail-key-base64-16-bytes': async () =>
    fail(
      'SLOT_KEY_INVALID',
      'base64 of 16 bytes',
      await encrypt(P200),
      SLOT_KEY.subarray(0, 16).toString('base64'),
    ),
  'fail-key-base64-noncanonical': async () => {
    const b64 = SLOT_KEY.toString('base64');
    const last = b64[42] as string;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const bumped = alphabet[alphabet.indexOf(last) + 1] as string; // low bits no longer zero
    return fail(
      'SLOT_KEY_INVALID',
      'base64 whose unused low bits are not zero',
      await encrypt(P200),
      `${b64.slice(0, 42)}${bumped}=`,
    );
  },
  'fail-key-base64-unpadded': async () =>
    fail(
      'SLOT_KEY_INVALID',
      'base64 without its "="',
      await encrypt(P200),
      SLOT_KEY.toString('base64').slice(0, 43),
    ),
  'fail-wrong-key': async () =>
    fail('SLOT_KEY_WRONG', 'another 32-byte key', await encrypt(P200), OTHER_SLOT_KEY.toString('hex')),
  'fail-wrong-slot': async () => ({
    ...fail(
      'SLOT_KEY_WRONG',
      'the whole encrypted slot of "other" read as slot "app"',
      await encrypt(P200, 'other'),
    ),
  }),
  'fail-salt-changed': async () =>
    fail(
      'SLOT_KEY_WRONG',
      'a salt byte changed: the key check value no longer matches',
      flip(await encrypt(P200), 12),
    ),
  'fail-tampered-chunk': async () =>
    fail(
      'SLOT_DECRYPT_FAILED',
      'one ciphertext byte of chunk 1 flipped',
      flip(await encrypt(P200), HEADER + SEALED + 5),
    ),
  'fail-tampered-tag': async () =>
    fail(
      'SLOT_DECRYPT_FAILED',
      'one tag byte of chunk 0 flipped',
      flip(await encrypt(P200), HEADER + SEALED - 1),
    ),
  'fail-truncated-last-chunk': async () => {
    const b = await encrypt(P200);
    return fail(
      'SLOT_DECRYPT_FAILED',
      'the last chunk dropped (cut at a chunk boundary)',
      b.subarray(0, HEADER + 3 * SEALED),
    );
  },
  'fail-truncated-mid-chunk': async () => {
    const b = await encrypt(P200);
    return fail(
      'SLOT_DECRYPT_FAILED',
      'cut in the middle of chunk 2',
      b.subarray(0, HEADER + 2 * SEALED + 30),
    );
  },
  'fail-truncated-short-tail': async () => {
    const b = await encrypt(P200);
    return fail(
      'SLOT_DECRYPT_FAILED',
      'cut 10 bytes into chunk 1 (shorter than a tag)',
      b.subarray(0, HEADER + SEALED + 10),
    );
  },
  'fail-truncated-to-header': async () => {
    const b = await encrypt(P200);
    return fail('SLOT_DECRYPT_FAILED', 'only the header, no chunk', b.subarray(0, HEADER));
  },
  'fail-truncated-header': async () => {
    const b = await encrypt(P200);
    return fail('SLOT_DECRYPT_FAILED', 'cut inside the header', b.subarray(0, 30));
  },
  'fail-reordered-chunks': async () => {
    const b = await encrypt(P200);
    const bytes = Buffer.concat([
      b.subarray(0, HEADER),
      chunkAt(b, 1),
      chunkAt(b, 0),
      b.subarray(HEADER + 2 * SEALED),
    ]);
    return fail('SLOT_DECRYPT_FAILED', 'chunks 0 and 1 swapped', bytes);
  },
  'fail-duplicated-chunk': async () => {
    const b = await encrypt(P200);
    const bytes = Buffer.concat([b.subarray(0, HEADER + SEALED), chunkAt(b, 0), b.subarray(HEADER + SEALED)]);
    return fail('SLOT_DECRYPT_FAILED', 'chunk 0 twice', bytes);
  },
  'fail-appended-chunk': async () => {
    const b = await encrypt(P200);
    return fail(
      'SLOT_DECRYPT_FAILED',
      'a copy of chunk 0 appended after the last chunk',
      Buffer.concat([b, chunkAt(b, 0)]),
    );
  },
  'fail-chunk-from-other-slot': async () => {
    const b = await encrypt(P200);
    const other = await encrypt(P200, 'other');
    const bytes = Buffer.concat([
      b.subarray(0, HEADER + SEALED),
      chunkAt(other, 1),
      b.subarray(HEADER + 2 * SEALED),
    ]);
    return fail('SLOT_DECRYPT_FAILED', 'chunk 1 taken from slot "other" (same key, same plaintext)', bytes);
  },
  'fail-chunk-size-changed': async () => {
    const b = Buffer.from(await encrypt(P200));
    b.writeUInt32LE(32, 8);
    return fail(
      'SLOT_DECRYPT_FAILED',
      'header chunk size 64 → 32 (the header is authenticated with every chunk)',
      b,
    );
  },
  'fail-chunk-size-too-small': async () => {
    const b = Buffer.from(await encrypt(P200));
    b.writeUInt32LE(8, 8);
    return fail('SLOT_DECRYPT_FAILED', 'header chunk size 8, below the minimum of 16', b);
  },
  'fail-bad-magic': async () =>
    fail('SLOT_DECRYPT_FAILED', 'header magic changed', flip(await encrypt(P200), 0)),
  'fail-bad-version': async () => {
    const b = Buffer.from(await encrypt(P200));
    b[4] = 2;
    return fail('SLOT_DECRYPT_FAILED', 'header version 2', b);
  },
  'fail-reserved-nonzero': async () =>
    fail('SLOT_DECRYPT_FAILED', 'a reserved header byte is 1', flip(await encrypt(P200), 6)),
};

/** A package-vector slot (scripts/vectors/generators.ts): `gzipped` encrypted with SLOT_KEY for `id`. */
export async function encryptedGzipSlot(id: string, gzipped: Uint8Array, originalSize: number) {
  return {
    id,
    bytes: new Uint8Array(await encrypt(gzipped, id, SLOT_KEY, 65536)),
    originalSize,
    operations: 'gzip|aes256-gcm',
    target: `{workenv}/${id}.sh`,
    permissions: '0755',
  };
}

/** Header lines then the bytes, as the package vectors. */
export function encodeEncryptedVector(v: EncryptedVector): Uint8Array {
  const header = [
    `expect: ${v.expect}`,
    `comment: ${v.comment}`,
    `slot-id: ${v.slotId}`,
    `key-source: ${v.keySource}`,
  ];
  if (v.envValue !== undefined) header.push(`env-value: ${JSON.stringify(v.envValue)}`);
  if (v.plaintext) {
    header.push(`plaintext-size: ${v.plaintext.length}`);
    header.push(`plaintext-sha256: ${createHash('sha256').update(v.plaintext).digest('hex')}`);
  }
  return Buffer.concat([Buffer.from(`${header.join('\n')}\n\n`), v.bytes]);
}

export async function renderEncryptedVectors(): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  for (const [name, generate] of Object.entries(ENCRYPTED_GENERATORS)) {
    const g = await generate();
    const v: EncryptedVector = { name, slotId: 'app', keySource: SOURCE, ...g };
    files.set(`encrypted/${name}.vec`, encodeEncryptedVector(v));
  }
  return files;
}

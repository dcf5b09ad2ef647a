// Encrypted slots at build time (docs/supply-chain.md): the keys are read from their sources before any
// slot is encoded (one read or prompt per distinct source), and an encoded slot file is encrypted into
// the file that is stored. The key is never written anywhere; the metadata records only its source.

import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import { Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type KeySourceContext, resolveSlotKey } from '../crypto/index.js';
import { FlavorError } from '../errors.js';
import { chainName, OP, parseKeySource } from '../format/index.js';
import { encryptStage } from '../payload/index.js';
import type { BuildSpec, SlotEncryptionSpec } from './build-spec.js';
import type { StoredSlot } from './metadata.js';

export interface SlotKeyOptions {
  /** Environment for `env:NAME` sources (default process.env). */
  env?: Record<string, string | undefined>;
  /** Asks for a `prompt` key on the terminal (default: a hidden prompt on stdin). */
  prompt?: (question: string) => Promise<string>;
  /** Keys already read in this pack, by source: a source is read (or asked for) once. */
  cache?: Map<string, Uint8Array>;
}

/** The key of one encryption spec, read once per source and base folder (`options.cache`). */
export async function readEncryptionKey(
  enc: SlotEncryptionSpec,
  field: string,
  options: SlotKeyOptions,
): Promise<Uint8Array> {
  const source = parseKeySource(enc.keySource);
  if (!source) {
    throw new FlavorError('MANIFEST_INVALID', `${field}.key_source: "${enc.keySource}" is not a key source`);
  }
  const cache = options.cache ?? new Map<string, Uint8Array>();
  const cacheKey = `${enc.keySource}\0${enc.keyBaseDir}`;
  let key = cache.get(cacheKey);
  if (!key) {
    const ctx: KeySourceContext = {
      env: options.env ?? process.env,
      baseDir: enc.keyBaseDir,
      ...(options.prompt ? { prompt: options.prompt } : {}),
    };
    key = await resolveSlotKey(source, ctx);
    cache.set(cacheKey, key);
  }
  return key;
}

/** The key of every encrypted slot, by slot index. Fails before any encoding when one is missing or invalid. */
export async function readSlotKeys(
  spec: BuildSpec,
  options: SlotKeyOptions,
): Promise<Map<number, Uint8Array>> {
  const keys = new Map<number, Uint8Array>();
  const shared = { ...options, cache: options.cache ?? new Map<string, Uint8Array>() };
  for (const [i, slot] of spec.slots.entries()) {
    if (slot.encryption) keys.set(i, await readEncryptionKey(slot.encryption, `slots[${i}]`, shared));
  }
  return keys;
}

/**
 * Encrypts the encoded slot file `file` in place (through `file.plain`), hashing the result with `tap`.
 * `stored` describes the encoded bytes (their SHA-256 fixes the salt); the returned one the ciphertext.
 */
export async function encryptSlotFile(
  file: string,
  key: Uint8Array,
  slotId: string,
  stored: StoredSlot,
  chain: readonly number[],
  hashing: { tap: Transform; sha256: () => string; size: () => number },
): Promise<StoredSlot> {
  const plain = `${file}.plain`;
  await fs.rename(file, plain);
  try {
    const encrypt = encryptStage(key, slotId, Buffer.from(stored.sha256, 'hex'));
    await pipeline(Readable.from(encrypt(createReadStream(plain))), hashing.tap, createWriteStream(file));
  } finally {
    await fs.rm(plain, { force: true });
  }
  return {
    ...stored,
    sha256: hashing.sha256(),
    size: hashing.size(),
    operations: chainName([...chain, OP.AES256_GCM_STREAM]),
  };
}

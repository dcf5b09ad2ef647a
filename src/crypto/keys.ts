// Ed25519 keys: generate, derive from a seed text (upstream compatible), load and save PEM, fingerprint.
// Key material is never put into error messages or logs.

import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import { FlavorError } from '../errors.js';
import { checkKeyProtection, type KeyProtectionOptions } from './key-protection.js';

/** DER prefix of a PKCS#8 Ed25519 private key; the 32-byte seed follows. */
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
/** DER prefix of an SPKI Ed25519 public key; the 32-byte key follows. */
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** Raw 32-byte public key, as stored in the index block. */
  publicKeyRaw: Uint8Array;
}

export function privateKeyFromSeed(seed: Uint8Array): SigningKey {
  if (seed.length !== 32)
    throw new FlavorError('KEY_INVALID', `an Ed25519 seed is 32 bytes, got ${seed.length}`);
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  });
  return fromPrivateKey(privateKey);
}

/** Upstream's `--key-seed TEXT`: the secret seed is SHA-256 of the UTF-8 text. */
export function signingKeyFromSeedText(text: string): SigningKey {
  if (text.length === 0) throw new FlavorError('KEY_INVALID', 'the key seed must not be empty');
  return privateKeyFromSeed(new Uint8Array(createHash('sha256').update(text, 'utf8').digest()));
}

export function generateSigningKey(): SigningKey {
  return fromPrivateKey(generateKeyPairSync('ed25519').privateKey);
}

function fromPrivateKey(privateKey: KeyObject): SigningKey {
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new FlavorError(
      'KEY_INVALID',
      `expected an Ed25519 key, got ${privateKey.asymmetricKeyType ?? 'unknown'}`,
    );
  }
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, publicKeyRaw: rawPublicKey(publicKey) };
}

export function rawPublicKey(publicKey: KeyObject): Uint8Array {
  const der = publicKey.export({ format: 'der', type: 'spki' });
  if (der.length !== 44 || !der.subarray(0, 12).equals(SPKI_PREFIX)) {
    throw new FlavorError('KEY_INVALID', 'public key is not an Ed25519 SPKI key');
  }
  return new Uint8Array(der.subarray(12));
}

export function publicKeyFromRaw(raw: Uint8Array): KeyObject {
  if (raw.length !== 32)
    throw new FlavorError('KEY_INVALID', `an Ed25519 public key is 32 bytes, got ${raw.length}`);
  try {
    return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
  } catch (cause) {
    throw new FlavorError('KEY_INVALID', 'not a valid Ed25519 public key', { cause });
  }
}

/** Fingerprint shown to users and accepted by --key / FLAVOR_TRUSTED_KEYS: "sha256:" + hex of SHA-256(raw key). */
export function fingerprint(raw: Uint8Array): string {
  return `sha256:${createHash('sha256').update(raw).digest('hex')}`;
}

/**
 * Loads a PEM private key (PKCS#8; also a raw 32- or 64-byte key inside a PEM block, as upstream Go allows).
 * A key file others can access, or in a folder everyone can write to, is refused (KEY_UNPROTECTED) unless
 * `protection.allowUnprotected` (see key-protection.ts).
 */
export async function loadPrivateKey(
  file: string,
  protection: KeyProtectionOptions = {},
): Promise<SigningKey> {
  const text = await readPrivateKeyFile(file, protection);
  try {
    const key = createPrivateKey({ key: text, format: 'pem' });
    return fromPrivateKey(key);
  } catch (cause) {
    const raw = pemBody(text);
    if (raw && (raw.length === 32 || raw.length === 64)) return privateKeyFromSeed(raw.subarray(0, 32));
    if (cause instanceof FlavorError) throw cause.withPath(file);
    throw new FlavorError('KEY_INVALID', 'not a PEM Ed25519 private key', { path: file, cause });
  }
}

/**
 * Parses a public key given on the command line: a PEM file path, 64 hex digits (raw key),
 * or a "sha256:<hex>" fingerprint (returned as a fingerprint only).
 */
export async function loadPublicKeySpec(spec: string): Promise<{ raw?: Uint8Array; fingerprint: string }> {
  const trimmed = spec.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) {
    const raw = new Uint8Array(Buffer.from(trimmed, 'hex'));
    publicKeyFromRaw(raw);
    return { raw, fingerprint: fingerprint(raw) };
  }
  if (/^sha256:[0-9a-fA-F]{64}$/.test(trimmed)) return { fingerprint: trimmed.toLowerCase() };
  const raw = await loadPublicKeyFile(trimmed);
  return { raw, fingerprint: fingerprint(raw) };
}

export async function loadPublicKeyFile(file: string): Promise<Uint8Array> {
  const text = await readKeyFile(file);
  try {
    return rawPublicKey(createPublicKey({ key: text, format: 'pem' }));
  } catch (cause) {
    const raw = pemBody(text);
    if (raw?.length === 32) return raw;
    if (cause instanceof FlavorError) throw cause.withPath(file);
    throw new FlavorError('KEY_INVALID', 'not a PEM Ed25519 public key', { path: file, cause });
  }
}

async function readKeyFile(file: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (cause) {
    throw new FlavorError('NOT_FOUND', 'cannot read key file', { path: file, cause });
  }
}

/** Reads the key through one open handle, so the mode checked is the mode of the file read. */
async function readPrivateKeyFile(file: string, protection: KeyProtectionOptions): Promise<string> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch (cause) {
    throw new FlavorError('NOT_FOUND', 'cannot read key file', { path: file, cause });
  }
  try {
    const folder = path.dirname(await fs.realpath(file));
    const [fileStat, folderStat] = await Promise.all([handle.stat(), fs.stat(folder)]);
    checkKeyProtection({ file, fileMode: fileStat.mode, folder, folderMode: folderStat.mode }, protection);
    return await handle.readFile('utf8');
  } catch (cause) {
    if (cause instanceof FlavorError) throw cause;
    throw new FlavorError('NOT_FOUND', 'cannot read key file', { path: file, cause });
  } finally {
    await handle.close();
  }
}

function pemBody(text: string): Uint8Array | undefined {
  const m = /-----BEGIN [A-Z0-9 ]+-----([\s\S]*?)-----END [A-Z0-9 ]+-----/.exec(text);
  if (!m?.[1]) return undefined;
  return new Uint8Array(Buffer.from(m[1].replace(/\s+/g, ''), 'base64'));
}

export interface KeyFiles {
  privateKeyPath: string;
  publicKeyPath: string;
}

/**
 * Writes a key pair as PKCS#8 / SPKI PEM. The private key file is created with O_EXCL and mode 0600;
 * existing files are refused unless `force` (then replaced atomically through a temp file).
 */
export async function saveKeyPair(
  key: SigningKey,
  dir: string,
  force: boolean,
  protection: KeyProtectionOptions = {},
): Promise<KeyFiles> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  // The same rule `pack` applies when it loads the key: never write a key that would then be refused.
  checkKeyProtection(
    { file: path.join(dir, 'flavor-private.key'), folder: dir, folderMode: (await fs.stat(dir)).mode },
    protection,
  );
  const files = {
    privateKeyPath: path.join(dir, 'flavor-private.key'),
    publicKeyPath: path.join(dir, 'flavor-public.key'),
  };
  const privatePem = key.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
  const publicPem = key.publicKey.export({ format: 'pem', type: 'spki' }) as string;
  if (!force) {
    for (const file of [files.privateKeyPath, files.publicKeyPath]) {
      if (await exists(file)) {
        throw new FlavorError('KEY_EXISTS', 'key file already exists; refusing to overwrite it', {
          path: file,
          hint: 'use --force to replace it (the old key is lost), or choose another --out-dir',
        });
      }
    }
  }
  await writeSecure(files.privateKeyPath, privatePem, 0o600, force);
  await writeSecure(files.publicKeyPath, publicPem, 0o644, force);
  return files;
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.lstat(file);
    return true;
  } catch {
    return false;
  }
}

async function writeSecure(file: string, content: string, mode: number, replace: boolean): Promise<void> {
  const temp = `${file}.tmp-${process.pid}-${Date.now()}`;
  const handle = await fs.open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
  try {
    await handle.writeFile(content);
    await handle.chmod(mode);
    await handle.sync();
  } finally {
    await handle.close();
  }
  if (replace) {
    await fs.rename(temp, file);
    return;
  }
  // Without --force, never replace: link() fails if the name exists, even if it appeared meanwhile.
  try {
    await fs.link(temp, file);
  } catch (cause) {
    throw new FlavorError('KEY_EXISTS', 'key file already exists; refusing to overwrite it', {
      path: file,
      cause,
    });
  } finally {
    await fs.rm(temp, { force: true });
  }
}

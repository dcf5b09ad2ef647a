// verifyPackage(): the full check, in the order of docs/format.md ("Verification order") and of the
// launcher's `verify` (launcher/internal/verify/full.go): structure, index checksum, metadata checksum
// and signature, trust in the key (including the keys the package's own launcher pins), the JSON and
// the slot table (openPackage); then that no unsigned byte between regions carries data, the
// launcher's SHA-256, and every slot's full SHA-256 and descriptor checksum.

import { createReadStream } from 'node:fs';
import { createSha256 } from '../crypto/digest.js';
import { fingerprint } from '../crypto/keys.js';
import { FlavorError, toFlavorError } from '../errors.js';
import { checksumHex, digestPrefixU64, pinnedKeys } from '../format/index.js';
import { type OpenedPackage, openPackage } from './open.js';

export interface TrustedKey {
  raw?: Uint8Array;
  fingerprint: string;
}

export interface VerifyOptions {
  /** Keys the caller requires (`--key`): the package must be signed by one of them. */
  trustedKeys?: TrustedKey[];
  /**
   * FLAVOR_TRUSTED_KEYS: added to the keys the package's launcher pins, exactly as the launcher
   * does; when that set is not empty the package must be signed by one of them.
   */
  launcherKeys?: TrustedKey[];
  /** Called after each passed check, for progressive output. */
  onCheck?: (check: VerifyCheck) => void;
}

export interface VerifyCheck {
  name: string;
  detail: string;
}

/** trusted: signed by a key given from outside the file; pinned: by a key the launcher pins. */
export type TrustLevel = 'trusted' | 'pinned' | 'self-signed';

export interface VerifyReport {
  package: OpenedPackage;
  checks: VerifyCheck[];
  trust: TrustLevel;
  fingerprint: string;
  /** Fingerprints of the keys pinned by the package's launcher (its trust block); [] if none. */
  pinned: string[];
}

export async function verifyPackage(path: string, options: VerifyOptions = {}): Promise<VerifyReport> {
  const checks: VerifyCheck[] = [];
  const pass = (name: string, detail: string) => {
    const check = { name, detail };
    checks.push(check);
    options.onCheck?.(check);
  };
  let trust: TrustLevel = 'self-signed';
  let pinned: string[] = [];
  const pkg = await openPackage(path, {
    checkKey: async (publicKey, launcher) => {
      pinned = pinnedKeys(await launcher()).map((k) => fingerprint(k));
      trust = checkTrust(fingerprint(publicKey), pinned, options);
    },
  });
  const keyFingerprint = fingerprint(pkg.index.publicKey);
  pass('structure', `trailer, index and layout valid (${pkg.layout.slotCount} slots)`);
  pass('index checksum', `Adler-32 0x${pkg.index.indexChecksum.toString(16).padStart(8, '0')}`);
  pass('metadata checksum', 'SHA-256 of the compressed metadata matches');
  pass('signature', `Ed25519 signature valid (key ${keyFingerprint})`);
  pass('trust', trustDetail(trust, keyFingerprint, pinned));
  try {
    await checkGaps(pkg);
    pass('unsigned gaps', 'all padding between regions is zero');
    const launcher = await checkLauncher(pkg);
    if (launcher) pass('launcher', launcher);
    for (const range of pkg.slotRanges) {
      await checkSlot(pkg, range.index);
      const slot = pkg.metadata.slots[range.index]!;
      pass(`slot ${range.index}`, `${slot.id}: SHA-256 matches (${range.size} bytes)`);
    }
  } catch (cause) {
    throw toFlavorError(cause, path);
  }
  return { package: pkg, checks, trust, fingerprint: keyFingerprint, pinned };
}

/**
 * The launcher's rule first (its pinned keys plus FLAVOR_TRUSTED_KEYS: what it would refuse, verify
 * refuses), then the caller's `--key`.
 */
function checkTrust(keyFingerprint: string, pinned: string[], options: VerifyOptions): TrustLevel {
  const outside = (options.launcherKeys ?? []).map((k) => k.fingerprint);
  const launcherSet = [...pinned, ...outside];
  if (launcherSet.length > 0 && !launcherSet.includes(keyFingerprint)) {
    throw untrusted(
      keyFingerprint,
      pinned.length > 0
        ? `the package's launcher pins ${pinned.join(', ')}, so it refuses this package`
        : 'FLAVOR_TRUSTED_KEYS does not list it',
    );
  }
  const required = (options.trustedKeys ?? []).map((k) => k.fingerprint);
  if (required.length > 0 && !required.includes(keyFingerprint)) {
    throw untrusted(keyFingerprint, 'it is not a key given with --key');
  }
  if (required.includes(keyFingerprint) || outside.includes(keyFingerprint)) return 'trusted';
  return pinned.includes(keyFingerprint) ? 'pinned' : 'self-signed';
}

function untrusted(keyFingerprint: string, why: string): FlavorError {
  return new FlavorError(
    'UNTRUSTED_KEY',
    `the package is signed by ${keyFingerprint}, which is not a trusted key: ${why}`,
    {
      hint: 'it was re-signed by someone else, or you passed the wrong --key',
      details: { region: 'index.public_key', fingerprint: keyFingerprint },
    },
  );
}

function trustDetail(trust: TrustLevel, keyFingerprint: string, pinned: string[]): string {
  const pins = pinned.length > 0 ? `; the launcher pins ${pinned.join(', ')}` : '';
  if (trust === 'trusted') return `signed by trusted key ${keyFingerprint}${pins}`;
  if (trust === 'pinned') return `signed by ${keyFingerprint}, a key the launcher pins`;
  return 'self-signed: integrity only';
}

/** Streams one slot's stored bytes through SHA-256 (bounded memory). */
export async function hashRange(path: string, offset: number, size: number): Promise<Uint8Array> {
  const hash = createSha256();
  if (size > 0) {
    for await (const chunk of createReadStream(path, { start: offset, end: offset + size - 1 })) {
      hash.update(chunk as Buffer);
    }
  }
  return new Uint8Array(hash.digest());
}

export async function checkSlot(pkg: OpenedPackage, i: number): Promise<void> {
  const range = pkg.slotRanges[i]!;
  const slot = pkg.metadata.slots[i]!;
  const digest = await hashRange(pkg.path, range.offset, range.size);
  const actual = Buffer.from(digest).toString('hex');
  const expected = checksumHex(slot.checksum);
  if (actual !== expected) {
    throw new FlavorError(
      'SLOT_CHECKSUM',
      `slot ${i} (${slot.id}) SHA-256 is ${actual}, metadata says ${expected}`,
      {
        hint: 'the slot data was modified or corrupted',
        details: { region: `slot[${i}]`, expected, actual },
      },
    );
  }
  if (digestPrefixU64(digest) !== pkg.descriptors[i]!.checksum) {
    throw new FlavorError(
      'SLOT_DESCRIPTOR_CHECKSUM',
      `slot ${i} (${slot.id}) descriptor checksum does not match`,
      {
        details: { region: `slot_table[${i}]` },
      },
    );
  }
}

async function checkLauncher(pkg: OpenedPackage): Promise<string | undefined> {
  const declared = pkg.metadata.launcher?.checksum;
  if (declared === undefined) return undefined;
  const expected = checksumHex(declared);
  const actual = Buffer.from(await hashRange(pkg.path, 0, pkg.layout.launcherSize)).toString('hex');
  if (expected !== actual) {
    throw new FlavorError('LAUNCHER_CHECKSUM', `launcher SHA-256 is ${actual}, metadata says ${declared}`, {
      hint: 'the launcher binary at the start of the file was modified',
      details: { region: 'launcher', expected: declared, actual },
    });
  }
  return `SHA-256 matches (${pkg.layout.launcherSize} bytes)`;
}

/** Every byte that is in no region (alignment padding) must be zero: unsigned bytes carry no data. */
async function checkGaps(pkg: OpenedPackage): Promise<void> {
  const { layout } = pkg;
  const regions: Array<[number, number, string]> = [
    [0, layout.launcherSize, 'launcher'],
    [layout.metadataOffset, layout.metadataSize, 'metadata'],
    [layout.slotTableOffset, layout.slotTableSize, 'slot table'],
    ...pkg.slotRanges.map((r): [number, number, string] => [r.offset, r.size, `slot ${r.index}`]),
  ];
  regions.sort((a, b) => a[0] - b[0]);
  let cursor = 0;
  for (const [offset, size, name] of regions) {
    if (size === 0) continue;
    if (offset > cursor) await checkZero(pkg.path, cursor, offset - cursor, name);
    cursor = Math.max(cursor, offset + size);
  }
  if (layout.dataEnd > cursor) await checkZero(pkg.path, cursor, layout.dataEnd - cursor, 'trailer');
}

async function checkZero(path: string, offset: number, size: number, before: string): Promise<void> {
  for await (const chunk of createReadStream(path, { start: offset, end: offset + size - 1 })) {
    if ((chunk as Buffer).some((b) => b !== 0)) {
      throw new FlavorError(
        'LAYOUT_INVALID',
        `non-zero bytes in the padding at ${offset}..${offset + size} (before ${before})`,
        {
          hint: 'bytes outside every region were modified',
          details: { region: 'padding', offset },
        },
      );
    }
  }
}

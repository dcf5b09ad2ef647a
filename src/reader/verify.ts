// verifyPackage(): the full check, in the order users read it — structure, index checksum, metadata
// checksum and signature (openPackage), trust in the key, every slot's full SHA-256 and descriptor
// checksum, the launcher's SHA-256, and that no unsigned byte between regions carries data.

import { createReadStream } from 'node:fs';
import { createSha256 } from '../crypto/digest.js';
import { fingerprint } from '../crypto/keys.js';
import { FlavorError, toFlavorError } from '../errors.js';
import { checksumHex, digestPrefixU64 } from '../format/index.js';
import { type OpenedPackage, openPackage } from './open.js';

export interface TrustedKey {
  raw?: Uint8Array;
  fingerprint: string;
}

export interface VerifyOptions {
  /** Keys the package must be signed by; empty = integrity only. */
  trustedKeys?: TrustedKey[];
  /** Called after each passed check, for progressive output. */
  onCheck?: (check: VerifyCheck) => void;
}

export interface VerifyCheck {
  name: string;
  detail: string;
}

export interface VerifyReport {
  package: OpenedPackage;
  checks: VerifyCheck[];
  trust: 'trusted' | 'self-signed';
  fingerprint: string;
}

export async function verifyPackage(path: string, options: VerifyOptions = {}): Promise<VerifyReport> {
  const checks: VerifyCheck[] = [];
  const pass = (name: string, detail: string) => {
    const check = { name, detail };
    checks.push(check);
    options.onCheck?.(check);
  };
  const pkg = await openPackage(path);
  pass('structure', `trailer, index and layout valid (${pkg.layout.slotCount} slots)`);
  pass('index checksum', `Adler-32 0x${pkg.index.indexChecksum.toString(16).padStart(8, '0')}`);
  pass('metadata checksum', 'SHA-256 of the compressed metadata matches');
  const keyFingerprint = fingerprint(pkg.index.publicKey);
  pass('signature', `Ed25519 signature valid (key ${keyFingerprint})`);
  const trust = checkTrust(keyFingerprint, options.trustedKeys ?? []);
  pass(
    'trust',
    trust === 'trusted' ? `signed by trusted key ${keyFingerprint}` : 'self-signed: integrity only',
  );
  try {
    for (const range of pkg.slotRanges) {
      await checkSlot(pkg, range.index);
      const slot = pkg.metadata.slots[range.index]!;
      pass(`slot ${range.index}`, `${slot.id}: SHA-256 matches (${range.size} bytes)`);
    }
    const launcher = await checkLauncher(pkg);
    if (launcher) pass('launcher', launcher);
    await checkGaps(pkg);
    pass('unsigned gaps', 'all padding between regions is zero');
  } catch (cause) {
    throw toFlavorError(cause, path);
  }
  return { package: pkg, checks, trust, fingerprint: keyFingerprint };
}

function checkTrust(keyFingerprint: string, trusted: TrustedKey[]): 'trusted' | 'self-signed' {
  if (trusted.length === 0) return 'self-signed';
  if (trusted.some((k) => k.fingerprint === keyFingerprint)) return 'trusted';
  throw new FlavorError(
    'UNTRUSTED_KEY',
    `the package is signed by ${keyFingerprint}, which is not a trusted key`,
    {
      hint: 'it was re-signed by someone else, or you passed the wrong --key',
      details: { region: 'index.public_key', fingerprint: keyFingerprint },
    },
  );
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

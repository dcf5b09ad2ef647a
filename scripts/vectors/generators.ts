// One generator per shared conformance vector (testdata/vectors/README.md). Each builds a package with the
// real layout code and, for failure vectors, breaks exactly one thing. Output must be deterministic.

import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { sha256, sha256Hex } from '../../src/crypto/digest.js';
import { signingKeyFromSeedText } from '../../src/crypto/keys.js';
import {
  DESCRIPTOR_FIELDS,
  digestPrefixU64,
  INDEX_FIELDS,
  KEY_FINGERPRINT_FIELD,
  type PackageMetadata,
  type SlotDescriptor,
  TRUST_BLOCK_SIZE,
  TRUST_MAGIC,
} from '../../src/format/index.js';
import { encodeSlot } from '../../src/payload/index.js';
import { assemble, type VectorSlot } from './assemble.js';
import { encryptedGzipSlot, VECTOR_KEY_VAR } from './encrypted.js';
import {
  descriptorField,
  fixIndexChecksum,
  flipByte,
  indexStart,
  readIndex,
  setDescriptorU64,
  setIndexU32,
  setIndexU64,
} from './mutate.js';

export interface Vector {
  name: string;
  comment: string;
  /** "success" or the error code both readers must raise. */
  expect: string;
  /** Raw public key (hex) the verifier must require. */
  trustedKey?: string;
  bytes: Uint8Array;
}

export const KEY = signingKeyFromSeedText('flavorpack-test-vector-key');
export const OTHER_KEY = signingKeyFromSeedText('flavorpack-test-vector-other-key');
const LAUNCHER = new TextEncoder().encode(
  '#!/bin/sh\necho "PSPF/2025 test vector: not a runnable package" >&2\nexit 1\n',
);
const enc = (s: string) => new TextEncoder().encode(s);

const RUN_SH = enc('#!/bin/sh\necho "hello from a vector"\n');

function rawSlot(id = 'script', content = RUN_SH): VectorSlot {
  return {
    id,
    bytes: content,
    originalSize: content.length,
    operations: 'raw',
    target: `{workenv}/${id}.sh`,
    permissions: '0755',
  };
}

function gzipSlot(id = 'script'): VectorSlot {
  const bytes = new Uint8Array(gzipSync(RUN_SH, { level: 9 }));
  return {
    id,
    bytes,
    originalSize: RUN_SH.length,
    operations: 'gzip',
    target: `{workenv}/${id}.sh`,
    permissions: '0755',
  };
}

async function treeSlot(id: string, chain: number[], operations: string): Promise<VectorSlot> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flavor-vector-'));
  try {
    await fs.mkdir(path.join(dir, 'bin'));
    await fs.writeFile(path.join(dir, 'bin', 'hello'), RUN_SH, { mode: 0o755 });
    await fs.chmod(path.join(dir, 'bin', 'hello'), 0o755);
    await fs.writeFile(path.join(dir, 'README.txt'), 'vector tree\n');
    await fs.chmod(path.join(dir, 'README.txt'), 0o644);
    await fs.chmod(path.join(dir, 'bin'), 0o755);
    const { stream, done } = encodeSlot(dir, chain, { mtime: 0 });
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    const stats = await done;
    return {
      id,
      bytes: new Uint8Array(Buffer.concat(chunks)),
      originalSize: stats.originalSize,
      operations,
      target: '{workenv}',
    };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

const base = () => assemble({ launcher: LAUNCHER, key: KEY, slots: [rawSlot()] });

/** A package with one encrypted gzip slot; `edit` changes its signed slot entry. */
async function encryptedPackage(edit?: (slot: Record<string, unknown>) => void): Promise<Uint8Array> {
  const slot = await encryptedGzipSlot('secret', gzipSync(RUN_SH, { level: 9 }), RUN_SH.length);
  return assemble({
    launcher: LAUNCHER,
    key: KEY,
    slots: [slot],
    editMetadata: (m) => {
      const s = m.slots[0] as Record<string, unknown>;
      s.encryption = { algorithm: 'aes256-gcm', key_source: `env:${VECTOR_KEY_VAR}` };
      edit?.(s);
    },
  });
}

/** Writes `text` as ASCII into the key fingerprint field (index bytes 1376..1439), checksum fixed. */
function withFingerprintField(pkg: Uint8Array, text: string): Uint8Array {
  const copy = pkg.slice();
  copy.set(new TextEncoder().encode(text), indexStart(copy) + KEY_FINGERPRINT_FIELD.offset);
  return fixIndexChecksum(copy);
}

const fingerprintOf = (key: typeof KEY) => sha256Hex(key.publicKeyRaw);

/**
 * Metadata as upstream 0.5.4's Go builder writes it: format_version "", no primary_slot, `env` without
 * `environment`, no launcher or compatibility section, slots with `resolution` and without original_size.
 */
function upstreamGoMetadata(m: PackageMetadata): void {
  m.format_version = '';
  m.package = { name: m.package.name, version: m.package.version, description: '' };
  delete (m.execution as Partial<PackageMetadata['execution']>).primary_slot;
  delete m.execution.environment;
  m.execution.env = { GREETING: 'hello' };
  delete m.launcher;
  delete m.compatibility;
  for (const slot of m.slots) {
    delete slot.original_size;
    slot.resolution = 'build';
  }
}

/** Go and Rust number purposes data 0, runtime 1, tool 2 (so "code" is 0); the Go builder priority 128. */
function upstreamDescriptors(nameOf: 'target' | 'id', priority: number) {
  return (slots: readonly VectorSlot[]) => (descriptors: SlotDescriptor[]) => {
    descriptors.forEach((d, i) => {
      const slot = slots[i]!;
      d.nameHash = digestPrefixU64(sha256(nameOf === 'target' ? slot.target : slot.id));
      d.purpose = slot.purpose === 'runtime' ? 1 : slot.purpose === 'tool' ? 2 : 0;
      d.priority = priority;
    });
  };
}

/** A package whose signed JSON text is edited (keys an object cannot hold twice, escapes, forms). */
const editedJson = (edit: (json: string) => string) =>
  assemble({ launcher: LAUNCHER, key: KEY, slots: [rawSlot()], editJson: edit });

/** Replaces exactly one occurrence of `from` (a generator must not silently edit nothing). */
function once(json: string, from: string, to: string): string {
  const at = json.indexOf(from);
  if (at < 0 || json.indexOf(from, at + 1) >= 0) throw new Error(`expected one ${JSON.stringify(from)}`);
  return json.slice(0, at) + to + json.slice(at + from.length);
}

/** The vector launcher with a trust block pinning `keys` (as flavor pack --trust-key writes it). */
function pinningLauncher(keys: Uint8Array[], blocks = 1): Uint8Array {
  const block = new Uint8Array(TRUST_BLOCK_SIZE);
  block.set(TRUST_MAGIC, 0);
  block[TRUST_MAGIC.length] = keys.length;
  keys.forEach((k, i) => {
    block.set(k, TRUST_MAGIC.length + 1 + 32 * i);
  });
  return Buffer.concat([LAUNCHER, ...Array<Uint8Array>(blocks).fill(block)]);
}

function slot0(b: Uint8Array): { offset: number; size: number } {
  const view = Buffer.from(b.buffer);
  return {
    offset: Number(view.readBigUInt64LE(descriptorField(b, 0, DESCRIPTOR_FIELDS.offset))),
    size: Number(view.readBigUInt64LE(descriptorField(b, 0, DESCRIPTOR_FIELDS.size))),
  };
}

/** A signature byte changed, index checksum fixed. */
const breakSignature = (b: Uint8Array) => flipByte(b, indexStart(b) + INDEX_FIELDS.signature + 5, true);
const twoSlots = () => assemble({ launcher: LAUNCHER, key: KEY, slots: [rawSlot('a'), gzipSlot('b')] });

/** The base package with extra keys in its signed metadata's `runtime` (service mode). */
const withRuntime = (runtime: Record<string, unknown>) =>
  assemble({
    launcher: LAUNCHER,
    key: KEY,
    slots: [rawSlot()],
    editMetadata: (m: PackageMetadata) => {
      m.runtime = { ...m.runtime, ...runtime } as PackageMetadata['runtime'];
    },
  });

type Generator = () => Promise<Omit<Vector, 'name'>> | Omit<Vector, 'name'>;

export const GENERATORS: Record<string, Generator> = {
  // success
  'ok-raw-slot': () => ({ comment: 'one raw slot', expect: 'success', bytes: base() }),
  'ok-gzip-slot': () => ({
    comment: 'one gzip slot',
    expect: 'success',
    bytes: assemble({ launcher: LAUNCHER, key: KEY, slots: [gzipSlot()] }),
  }),
  'ok-tar-gz-slot': async () => ({
    comment: 'a directory as tar.gz',
    expect: 'success',
    bytes: assemble({
      launcher: LAUNCHER,
      key: KEY,
      slots: [await treeSlot('tree', [0x01, 0x10], 'tar.gz')],
    }),
  }),
  'ok-tar-zst-slot': async () => ({
    comment: 'a directory as tar.zst',
    expect: 'success',
    bytes: assemble({
      launcher: LAUNCHER,
      key: KEY,
      slots: [await treeSlot('tree', [0x01, 0x1b], 'tar.zst')],
    }),
  }),
  'ok-three-slots': async () => ({
    comment: 'raw, gzip and tar slots together',
    expect: 'success',
    bytes: assemble({
      launcher: LAUNCHER,
      key: KEY,
      slots: [rawSlot('a'), gzipSlot('b'), await treeSlot('tree', [0x01], 'tar')],
    }),
  }),
  'ok-no-slots': () => ({
    comment: 'a package without slots (command from the host)',
    expect: 'success',
    bytes: assemble({ launcher: LAUNCHER, key: KEY, slots: [], command: '/bin/true' }),
  }),
  'ok-trusted-key': () => ({
    comment: 'signed by the key the verifier trusts',
    expect: 'success',
    trustedKey: Buffer.from(KEY.publicKeyRaw).toString('hex'),
    bytes: base(),
  }),
  // what upstream's released 0.5.4 builders write (docs/compat.md)
  'ok-upstream-key-fingerprint': () => ({
    comment: 'index bytes 1376..1439 hold the signing key fingerprint as ASCII hex (checksum fixed)',
    expect: 'success',
    bytes: withFingerprintField(base(), fingerprintOf(KEY)),
  }),
  'ok-upstream-go-builder': () => {
    const slots = [
      { ...rawSlot('app'), purpose: 'code' },
      { ...gzipSlot('tool'), purpose: 'tool', permissions: '0600' },
    ];
    return {
      comment:
        'as the Go builder writes: fingerprint, format_version "", no primary_slot, env only, name_hash of target, purposes 0/2, priority 128',
      expect: 'success',
      bytes: withFingerprintField(
        assemble({
          launcher: LAUNCHER,
          key: KEY,
          slots,
          editMetadata: upstreamGoMetadata,
          editDescriptors: upstreamDescriptors('target', 128)(slots),
        }),
        fingerprintOf(KEY),
      ),
    };
  },
  'ok-upstream-rust-builder': async () => {
    const slots = [
      { ...(await treeSlot('tree', [0x01, 0x10], 'tar,gzip')), purpose: 'runtime' },
      { ...rawSlot('app'), purpose: 'code' },
    ];
    return {
      comment:
        'as the Rust builder writes: fingerprint, 8192 zero bytes before the metadata, no primary_slot, comma chain "tar,gzip", runtime purpose 1',
      expect: 'success',
      bytes: withFingerprintField(
        assemble({
          launcher: LAUNCHER,
          key: KEY,
          slots,
          metadataGap: 8192,
          editMetadata: (m) => {
            delete (m.execution as Partial<PackageMetadata['execution']>).primary_slot;
            delete m.execution.environment;
            m.setup_commands = [];
          },
          editDescriptors: upstreamDescriptors('id', 1)(slots),
        }),
        fingerprintOf(KEY),
      ),
    };
  },
  'fail-key-fingerprint-other-key': () => ({
    comment: 'the fingerprint field names another key than the one that signed (checksum fixed)',
    expect: 'KEY_FINGERPRINT_MISMATCH',
    bytes: withFingerprintField(base(), fingerprintOf(OTHER_KEY)),
  }),
  'fail-key-fingerprint-uppercase': () => ({
    comment: 'the right fingerprint in upper-case hex: only lower-case is the fingerprint (checksum fixed)',
    expect: 'KEY_FINGERPRINT_MISMATCH',
    bytes: withFingerprintField(base(), fingerprintOf(KEY).toUpperCase()),
  }),
  'fail-reserved-after-fingerprint': () => {
    const b = withFingerprintField(base(), fingerprintOf(KEY));
    return {
      comment: 'a valid fingerprint, and a non-zero byte right after the field at 1440 (checksum fixed)',
      expect: 'LAYOUT_INVALID',
      bytes: flipByte(b, indexStart(b) + KEY_FINGERPRINT_FIELD.end, true),
    };
  },
  // trailer and index
  'fail-truncated': () => ({
    comment: 'a 100-byte file',
    expect: 'FILE_TOO_SMALL',
    bytes: base().slice(0, 100),
  }),
  'fail-start-magic': () => {
    const b = base();
    return {
      comment: 'first byte of the start magic changed',
      expect: 'BAD_START_MAGIC',
      bytes: flipByte(b, b.length - 8200),
    };
  },
  'fail-end-magic': () => {
    const b = base();
    return {
      comment: 'last byte of the end magic changed',
      expect: 'BAD_END_MAGIC',
      bytes: flipByte(b, b.length - 1),
    };
  },
  'fail-version': () => ({
    comment: 'format_version 0x20250002 (checksum fixed)',
    expect: 'BAD_VERSION',
    bytes: setIndexU32(base(), INDEX_FIELDS.formatVersion, 0x20250002),
  }),
  'fail-index-checksum': () => {
    const b = base();
    return {
      comment: 'flags byte changed without fixing the Adler-32',
      expect: 'INDEX_CHECKSUM',
      bytes: flipByte(b, indexStart(b) + INDEX_FIELDS.flags),
    };
  },
  'fail-package-size': () => ({
    comment: 'package_size one larger than the file',
    expect: 'PACKAGE_SIZE_MISMATCH',
    bytes: setIndexU64(base(), INDEX_FIELDS.packageSize, BigInt(base().length + 1)),
  }),
  'fail-launcher-size': () => ({
    comment: 'launcher_size reaches into the metadata',
    expect: 'LAYOUT_INVALID',
    bytes: setIndexU64(base(), INDEX_FIELDS.launcherSize, readIndex(base()).metadataOffset + 1n),
  }),
  'fail-metadata-offset-past-eof': () => ({
    comment: 'metadata_offset = 2^63',
    expect: 'LAYOUT_INVALID',
    bytes: setIndexU64(base(), INDEX_FIELDS.metadataOffset, 1n << 63n),
  }),
  'fail-metadata-size-past-eof': () => ({
    comment: 'metadata_size reaches past the trailer',
    expect: 'LAYOUT_INVALID',
    bytes: setIndexU64(base(), INDEX_FIELDS.metadataSize, BigInt(base().length)),
  }),
  'fail-slot-table-size': () => ({
    comment: 'slot_table_size is not 64 × slot_count',
    expect: 'SLOT_TABLE_INVALID',
    bytes: setIndexU64(base(), INDEX_FIELDS.slotTableSize, 65n),
  }),
  'fail-signature-padding': () => {
    const b = base();
    return {
      comment: 'a non-zero byte after the 64-byte signature (checksum fixed)',
      expect: 'LAYOUT_INVALID',
      bytes: flipByte(b, indexStart(b) + 200, true),
    };
  },
  'fail-reserved-nonzero': () => {
    const b = base();
    return {
      comment: 'a non-zero byte in the reserved area of the index (checksum fixed)',
      expect: 'LAYOUT_INVALID',
      bytes: flipByte(b, indexStart(b) + 4000, true),
    };
  },
  // metadata
  'fail-metadata-checksum': () => {
    const b = base();
    return {
      comment: 'one byte of the compressed metadata changed',
      expect: 'METADATA_CHECKSUM',
      bytes: flipByte(b, Number(readIndex(b).metadataOffset) + 12),
    };
  },
  'fail-signature': () => {
    const b = base();
    return {
      comment: 'one signature byte changed (checksum fixed)',
      expect: 'SIGNATURE_INVALID',
      bytes: flipByte(b, indexStart(b) + INDEX_FIELDS.signature + 5, true),
    };
  },
  'fail-public-key': () => {
    const b = base();
    const pk = Buffer.from(OTHER_KEY.publicKeyRaw);
    const copy = b.slice();
    copy.set(pk, indexStart(copy) + INDEX_FIELDS.publicKey);
    return {
      comment: 'public key replaced by another valid key (checksum fixed)',
      expect: 'SIGNATURE_INVALID',
      bytes: fixIndexChecksum(copy),
    };
  },
  'fail-signature-missing': () => {
    const b = base().slice();
    b.fill(0, indexStart(b) + INDEX_FIELDS.signature, indexStart(b) + INDEX_FIELDS.signature + 64);
    return {
      comment: 'all-zero signature (checksum fixed)',
      expect: 'SIGNATURE_MISSING',
      bytes: fixIndexChecksum(b),
    };
  },
  'fail-wrong-key': () => ({
    comment: 'valid signature, but not by the trusted key',
    expect: 'UNTRUSTED_KEY',
    trustedKey: Buffer.from(OTHER_KEY.publicKeyRaw).toString('hex'),
    bytes: base(),
  }),
  'fail-malformed-json': () => ({
    comment: 'signed metadata that is not JSON',
    expect: 'METADATA_JSON',
    bytes: assemble({
      launcher: LAUNCHER,
      key: KEY,
      slots: [rawSlot()],
      metadataJson: enc('{"format": "PSPF/2025",'),
    }),
  }),
  'fail-missing-field': () => ({
    comment: 'signed metadata without package.version',
    expect: 'METADATA_SCHEMA',
    bytes: assemble({
      launcher: LAUNCHER,
      key: KEY,
      slots: [rawSlot()],
      editMetadata: (m: PackageMetadata) => {
        delete (m.package as Partial<PackageMetadata['package']>).version;
      },
    }),
  }),
  'fail-provenance-not-object': () => ({
    comment: 'signed metadata whose provenance (the DSSE envelope, docs/supply-chain.md) is a string',
    expect: 'METADATA_SCHEMA',
    bytes: assemble({
      launcher: LAUNCHER,
      key: KEY,
      slots: [rawSlot()],
      editMetadata: (m: PackageMetadata) => {
        m.provenance = 'eyJfdHlwZSI6ICJ4In0=' as unknown as Record<string, unknown>;
      },
    }),
  }),
  'fail-permissions': () => ({
    comment: 'signed metadata gives a slot permissions "rwxr-xr-x" (not an octal mode string or null)',
    expect: 'METADATA_SCHEMA',
    bytes: assemble({
      launcher: LAUNCHER,
      key: KEY,
      slots: [rawSlot()],
      editMetadata: (m: PackageMetadata) => {
        m.slots[0]!.permissions = 'rwxr-xr-x';
      },
    }),
  }),
  'ok-service': () => ({
    comment: 'runtime.persistent = true and runtime.port = 8000 (service mode, docs/launcher.md)',
    expect: 'success',
    bytes: withRuntime({ persistent: true, port: 8000 }),
  }),
  'fail-service-port-range': () => ({
    comment: 'runtime.port = 65536 (a TCP port is 1..65535)',
    expect: 'METADATA_SCHEMA',
    bytes: withRuntime({ persistent: true, port: 65536 }),
  }),
  'fail-service-port-without-persistent': () => ({
    comment: 'runtime.port without runtime.persistent = true',
    expect: 'METADATA_SCHEMA',
    bytes: withRuntime({ persistent: false, port: 8000 }),
  }),
  'fail-service-persistent-type': () => ({
    comment: 'runtime.persistent = "yes" (must be a boolean)',
    expect: 'METADATA_SCHEMA',
    bytes: withRuntime({ persistent: 'yes' }),
  }),
  'fail-chain-too-long': () => ({
    comment: 'signed metadata names a chain of nine operations',
    expect: 'CHAIN_TOO_LONG',
    bytes: assemble({
      launcher: LAUNCHER,
      key: KEY,
      slots: [rawSlot()],
      editMetadata: (m) => {
        m.slots[0]!.operations = Array(9).fill('gzip').join('|');
      },
    }),
  }),
  'fail-slot-count': () => ({
    comment: 'metadata lists two slots, the table has one',
    expect: 'SLOT_COUNT_MISMATCH',
    bytes: assemble({
      launcher: LAUNCHER,
      key: KEY,
      slots: [rawSlot()],
      editMetadata: (m) => {
        m.slots.push({ ...m.slots[0]!, slot: 1, id: 'ghost' });
      },
    }),
  }),
  // slot table and slots
  'ok-encrypted-slot': async () => ({
    comment: `an encrypted gzip slot (gzip|aes256-gcm, op 0x4F); its key is in ${VECTOR_KEY_VAR} (README)`,
    expect: 'success',
    bytes: await encryptedPackage(),
  }),
  'fail-encryption-missing': async () => ({
    comment: 'the chain ends with aes256-gcm but the signed slot has no encryption object',
    expect: 'METADATA_SCHEMA',
    bytes: await encryptedPackage((s) => {
      delete s.encryption;
    }),
  }),
  'fail-encryption-key-source': async () => ({
    comment: 'encryption.key_source "env:1KEY" is not a key source',
    expect: 'METADATA_SCHEMA',
    bytes: await encryptedPackage((s) => {
      s.encryption = { algorithm: 'aes256-gcm', key_source: 'env:1KEY' };
    }),
  }),
  'fail-encryption-algorithm': async () => ({
    comment: 'encryption.algorithm "aes128-gcm"',
    expect: 'METADATA_SCHEMA',
    bytes: await encryptedPackage((s) => {
      s.encryption = { algorithm: 'aes128-gcm', key_source: `env:${VECTOR_KEY_VAR}` };
    }),
  }),
  'fail-encryption-without-op': () => ({
    comment: 'a slot with an encryption object but a chain without aes256-gcm',
    expect: 'METADATA_SCHEMA',
    bytes: assemble({
      launcher: LAUNCHER,
      key: KEY,
      slots: [gzipSlot()],
      editMetadata: (m) => {
        (m.slots[0] as Record<string, unknown>).encryption = {
          algorithm: 'aes256-gcm',
          key_source: `env:${VECTOR_KEY_VAR}`,
        };
      },
    }),
  }),
  'fail-encryption-not-last': async () => ({
    comment: 'aes256-gcm before gzip in the chain (encryption must be the last operation)',
    expect: 'METADATA_SCHEMA',
    bytes: await encryptedPackage((s) => {
      s.operations = 'aes256-gcm|gzip';
    }),
  }),
  'fail-unknown-operation': () => ({
    comment: 'descriptor operations 0x31 (not a v0 operation)',
    expect: 'UNKNOWN_OPERATION',
    bytes: setDescriptorU64(base(), 0, DESCRIPTOR_FIELDS.operations, 0x31n),
  }),
  'fail-descriptor-chain': () => ({
    comment: 'descriptor says gzip, signed metadata says raw',
    expect: 'SLOT_TABLE_INVALID',
    bytes: setDescriptorU64(base(), 0, DESCRIPTOR_FIELDS.operations, 0x10n),
  }),
  'fail-slot-offset-past-eof': () => ({
    comment: 'slot offset 2^63',
    expect: 'SLOT_OUT_OF_BOUNDS',
    bytes: setDescriptorU64(base(), 0, DESCRIPTOR_FIELDS.offset, 1n << 63n),
  }),
  'fail-overlapping-slots': () => {
    const b = twoSlots();
    const first = Buffer.from(b.buffer).readBigUInt64LE(descriptorField(b, 0, DESCRIPTOR_FIELDS.offset));
    return {
      comment: 'slot 1 starts inside slot 0',
      expect: 'SLOT_OVERLAP',
      bytes: setDescriptorU64(b, 1, DESCRIPTOR_FIELDS.offset, first + 1n),
    };
  },
  'fail-slot-checksum': () => {
    const b = base();
    const offset = Number(
      Buffer.from(b.buffer).readBigUInt64LE(descriptorField(b, 0, DESCRIPTOR_FIELDS.offset)),
    );
    return {
      comment: 'one byte of slot data changed',
      expect: 'SLOT_CHECKSUM',
      bytes: flipByte(b, offset + 3),
    };
  },
  'fail-descriptor-checksum': () => {
    const b = base();
    return {
      comment: 'descriptor checksum field changed',
      expect: 'SLOT_DESCRIPTOR_CHECKSUM',
      bytes: flipByte(b, descriptorField(b, 0, DESCRIPTOR_FIELDS.checksum)),
    };
  },
  'fail-launcher-checksum': () => ({
    comment: 'one launcher byte changed',
    expect: 'LAUNCHER_CHECKSUM',
    bytes: flipByte(base(), 20),
  }),
  'fail-padding': () => {
    const b = twoSlots();
    const slot0 = Number(
      Buffer.from(b.buffer).readBigUInt64LE(descriptorField(b, 0, DESCRIPTOR_FIELDS.offset)),
    );
    const size0 = Number(
      Buffer.from(b.buffer).readBigUInt64LE(descriptorField(b, 0, DESCRIPTOR_FIELDS.size)),
    );
    const slot1 = Number(
      Buffer.from(b.buffer).readBigUInt64LE(descriptorField(b, 1, DESCRIPTOR_FIELDS.offset)),
    );
    if (slot1 <= slot0 + size0) throw new Error('fail-padding needs a gap between slots');
    return {
      comment: 'data hidden in the alignment padding between slots',
      expect: 'LAYOUT_INVALID',
      bytes: flipByte(b, slot0 + size0),
    };
  },
  // duplicate and case-variant keys: refused at any level, METADATA_JSON (docs/format.md, Metadata)
  'fail-key-duplicate': () => ({
    comment: 'execution has "command" twice (JSON.parse keeps the last, a reader could show the first)',
    expect: 'METADATA_JSON',
    bytes: editedJson((j) => once(j, '"command": ', '"command": "/bin/evil",\n    "command": ')),
  }),
  'fail-key-case-variant': () => ({
    comment: 'execution has "command" and "Command" (Go encoding/json matches keys case-insensitively)',
    expect: 'METADATA_JSON',
    bytes: editedJson((j) => once(j, '"command": ', '"Command": "/bin/evil",\n    "command": ')),
  }),
  'fail-key-case-top-level': () => ({
    comment: 'top level has "launcher" and "Launcher"',
    expect: 'METADATA_JSON',
    bytes: editedJson((j) => once(j, '"launcher": {', '"Launcher": {},\n  "launcher": {')),
  }),
  'fail-key-case-env': () => ({
    comment: 'execution.env has "PATH" and "Path"',
    expect: 'METADATA_JSON',
    bytes: editedJson((j) => once(j, '"env": {}', '"env": {"PATH": "/a", "Path": "/b"}')),
  }),
  'fail-key-case-slot': () => ({
    comment: 'slots[0] has "target" and "TARGET"',
    expect: 'METADATA_JSON',
    bytes: editedJson((j) => once(j, '"target": ', '"TARGET": "/etc/evil",\n      "target": ')),
  }),
  'fail-key-duplicate-setup-command': () => ({
    comment: 'an object inside setup_commands has "path" and "Path"',
    expect: 'METADATA_JSON',
    bytes: editedJson((j) =>
      once(
        j,
        '"execution": {',
        '"setup_commands": [{"type": "write_file", "path": "{workenv}/a", "Path": "/etc/b", "content": ""}],\n  "execution": {',
      ),
    ),
  }),
  'fail-key-long-s': () => ({
    comment: 'top level has "slots" and "\u017flots" (long s: Go folds it onto "S")',
    expect: 'METADATA_JSON',
    bytes: editedJson((j) => once(j, '"slots": [', '"\u017flots": [],\n  "slots": [')),
  }),
  'fail-key-kelvin': () => ({
    comment: 'workenv.env has "K" and "\u212a" (Kelvin sign: Go folds it onto "K")',
    expect: 'METADATA_JSON',
    bytes: editedJson((j) => once(j, '"env": {}', '"env": {"K": "1", "\u212a": "2"}')),
  }),
  'ok-key-non-ascii-case': () => ({
    comment:
      'execution.env has "\u00c9" and "\u00e9": non-ASCII letters other than long s and Kelvin are compared exactly',
    expect: 'success',
    bytes: editedJson((j) => once(j, '"env": {}', '"env": {"\u00c9": "1", "\u00e9": "2"}')),
  }),
  'fail-json-lone-surrogate': () => ({
    comment: 'package.description holds the escape \\ud800 (a lone surrogate)',
    expect: 'METADATA_JSON',
    bytes: editedJson((j) =>
      once(j, '"name": "vector",', '"name": "vector",\n    "description": "\\ud800",'),
    ),
  }),
  'fail-json-bom': () => ({
    comment: 'the signed JSON starts with a UTF-8 byte order mark',
    expect: 'METADATA_JSON',
    bytes: editedJson((j) => `\ufeff${j}`),
  }),
  'ok-integer-forms': () => ({
    comment: 'integers written as 0.0 and 0e0 are integers (both readers read numbers as doubles)',
    expect: 'success',
    bytes: editedJson((j) =>
      once(once(j, '"slot": 0,', '"slot": 0.0,'), '"primary_slot": 0,', '"primary_slot": 0e0,'),
    ),
  }),
  'fail-sbom-not-object': () => ({
    comment: 'signed metadata whose sbom (the CycloneDX document, docs/supply-chain.md) is a string',
    expect: 'METADATA_SCHEMA',
    bytes: assemble({
      launcher: LAUNCHER,
      key: KEY,
      slots: [rawSlot()],
      editMetadata: (m: PackageMetadata) => {
        (m as Record<string, unknown>).sbom = '{"bomFormat": "CycloneDX"}';
      },
    }),
  }),
  'fail-launcher-checksum-uppercase': () => ({
    comment: 'launcher.checksum in upper-case hex (docs/format.md: lower case only)',
    expect: 'METADATA_SCHEMA',
    bytes: assemble({
      launcher: LAUNCHER,
      key: KEY,
      slots: [rawSlot()],
      editMetadata: (m) => {
        m.launcher!.checksum = m.launcher!.checksum!.replace(/[0-9a-f]{64}$/, (h) => h.toUpperCase());
      },
    }),
  }),
  // the launcher's trust block (flavor pack --trust-key): verify refuses what the launcher refuses
  'ok-pinned-key': () => ({
    comment: 'the launcher pins the key that signed the package',
    expect: 'success',
    bytes: assemble({ launcher: pinningLauncher([KEY.publicKeyRaw]), key: KEY, slots: [rawSlot()] }),
  }),
  'fail-pinned-other-key': () => ({
    comment: 'the launcher pins another key: the launcher refuses it (107), so must verify',
    expect: 'UNTRUSTED_KEY',
    bytes: assemble({ launcher: pinningLauncher([OTHER_KEY.publicKeyRaw]), key: KEY, slots: [rawSlot()] }),
  }),
  'fail-pinned-ambiguous': () => ({
    comment: 'the launcher carries two trust blocks: which keys it pins cannot be told',
    expect: 'UNTRUSTED_KEY',
    bytes: assemble({ launcher: pinningLauncher([KEY.publicKeyRaw], 2), key: KEY, slots: [rawSlot()] }),
  }),
  // check order (docs/format.md, Verification order): two things wrong, the earlier check wins
  'fail-order-signature-before-json': () => ({
    comment: 'bad signature and malformed JSON: the signature is checked before the JSON is parsed',
    expect: 'SIGNATURE_INVALID',
    bytes: breakSignature(
      assemble({ launcher: LAUNCHER, key: KEY, slots: [rawSlot()], metadataJson: enc('{"format": ') }),
    ),
  }),
  'fail-order-signature-before-keys': () => ({
    comment: 'bad signature and a case-variant key: the signature wins',
    expect: 'SIGNATURE_INVALID',
    bytes: breakSignature(
      editedJson((j) => once(j, '"command": ', '"Command": "/bin/evil",\n    "command": ')),
    ),
  }),
  'fail-order-trust-before-schema': () => ({
    comment: 'signed by a key the launcher does not pin, and a schema error: trust wins',
    expect: 'UNTRUSTED_KEY',
    bytes: assemble({
      launcher: pinningLauncher([OTHER_KEY.publicKeyRaw]),
      key: KEY,
      slots: [rawSlot()],
      editMetadata: (m) => {
        delete (m.package as Partial<PackageMetadata['package']>).version;
      },
    }),
  }),
  'fail-order-reserved-before-package-size': () => {
    const b = setIndexU64(base(), INDEX_FIELDS.packageSize, BigInt(base().length + 1));
    return {
      comment: 'non-zero reserved index byte and wrong package_size: the index bytes are checked first',
      expect: 'LAYOUT_INVALID',
      bytes: flipByte(b, indexStart(b) + 4000, true),
    };
  },
  'fail-order-bounds-before-chain': () => {
    const b = setDescriptorU64(base(), 0, DESCRIPTOR_FIELDS.operations, 0x10n);
    return {
      comment: 'descriptor out of bounds and with the wrong chain: bounds are checked first',
      expect: 'SLOT_OUT_OF_BOUNDS',
      bytes: setDescriptorU64(b, 0, DESCRIPTOR_FIELDS.offset, 1n << 62n),
    };
  },
  'fail-order-padding-before-slot': () => {
    const b = twoSlots();
    const s = slot0(b);
    return {
      comment: 'non-zero padding and a changed slot byte: padding is checked before any slot is hashed',
      expect: 'LAYOUT_INVALID',
      bytes: flipByte(flipByte(b, s.offset + s.size), s.offset + 1),
    };
  },
  'fail-order-launcher-before-slot': () => {
    const b = base();
    return {
      comment: 'a changed launcher byte and a changed slot byte: the launcher is hashed first',
      expect: 'LAUNCHER_CHECKSUM',
      bytes: flipByte(flipByte(b, 20), slot0(b).offset + 1),
    };
  },
};

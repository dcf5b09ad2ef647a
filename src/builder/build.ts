// buildPackage(): BuildSpec + launcher + key → one package file. Slots are encoded through exactly their
// declared chain into temp files (streamed and hashed), then the file is assembled in layout order —
// launcher, metadata, slot table, slot data, trailer — into a temp file next to the output and renamed.

import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createSha256, sha256Hex } from '../crypto/digest.js';
import type { SigningKey } from '../crypto/keys.js';
import { keySigner, type Signer } from '../crypto/signature.js';
import { FlavorError, toFlavorError } from '../errors.js';
import {
  chainName,
  encodeMetadata,
  encodeSlotTable,
  encodeTrailer,
  parseChain,
  signedMessage,
} from '../format/index.js';
import { checkPreparedSource, encodeSlot, isPreparedSource } from '../payload/index.js';
import { gzipMetadata } from '../payload/metadata-gzip.js';
import type { BuildSpec } from './build-spec.js';
import { encryptSlotFile, readSlotKeys, type SlotKeyOptions } from './encrypt-slots.js';
import { makeIndexBlock, planLayout } from './layout.js';
import { assembleMetadata, type BuildInfo, type StoredSlot } from './metadata.js';
import { provenanceEnvelope } from './provenance.js';
import { patchTrustBlock } from './trust-block.js';
import { validateBuildSpec } from './validate.js';

export interface BuildProgress {
  phase: 'slot' | 'assemble' | 'done';
  slotId?: string;
  slotIndex?: number;
  slotCount?: number;
  bytes?: number;
}

export interface BuildOptions {
  output: string;
  launcherPath: string;
  launcherVersion?: string;
  /** metadata launcher.tool: "flavor-launcher" (default, ours) or what was detected (builder/launchers.ts). */
  launcherTool?: string;
  /** Write the signing key's fingerprint into index bytes 1376..1439, as upstream's 0.5.4 builders do. */
  keyFingerprintField?: boolean;
  /** Signs the metadata and the provenance: a key, or any Signer (the rebuild check replays signatures). */
  key: SigningKey | Signer;
  toolVersion: string;
  /** Seconds since the epoch (SOURCE_DATE_EPOCH): fixes every timestamp for reproducible output. */
  sourceDateEpoch?: number;
  /** Raw Ed25519 keys written into the launcher's trust block. */
  trustKeys?: Uint8Array[];
  /** Where encrypted slots' keys are read from (environment, prompt). */
  slotKeys?: SlotKeyOptions;
  onProgress?: (progress: BuildProgress) => void;
}

export interface BuildResult {
  output: string;
  size: number;
  slots: Array<{ id: string; size: number; originalSize: number; sha256: string }>;
  metadataSha256: string;
}

export async function buildPackage(spec: BuildSpec, options: BuildOptions): Promise<BuildResult> {
  await validateBuildSpec(spec);
  if ((await fs.stat(options.output).catch(() => undefined))?.isDirectory()) {
    throw new FlavorError('USAGE', 'the output names a folder, not a package file', {
      path: options.output,
      hint: 'give a file name for the package, e.g. dist/app.psp',
    });
  }
  const launcher = await readLauncher(options);
  const keys = await readSlotKeys(spec, options.slotKeys ?? {});
  const outDir = path.dirname(path.resolve(options.output));
  await fs.mkdir(outDir, { recursive: true });
  const work = await fs.mkdtemp(path.join(outDir, `.flavor-build-`));
  const temp = path.join(outDir, `.${path.basename(options.output)}.tmp-${randomBytes(6).toString('hex')}`);
  try {
    const stored = await encodeSlots(spec, options, work, keys);
    const timestamp = options.sourceDateEpoch ?? Math.floor(Date.now() / 1000);
    const signer = keySigner(options.key);
    const info: BuildInfo = {
      toolVersion: options.toolVersion,
      timestamp,
      deterministic: options.sourceDateEpoch !== undefined,
      launcher: {
        size: launcher.length,
        sha256: sha256Hex(launcher),
        version: options.launcherVersion ?? 'unknown',
        ...(options.launcherTool === undefined ? {} : { tool: options.launcherTool }),
      },
    };
    const metadata = assembleMetadata(spec, stored, info);
    metadata.provenance = { ...withProvenance(spec, stored, info, signer) };
    options.onProgress?.({ phase: 'assemble' });
    const json = encodeMetadata(metadata);
    const signature = signer.sign(signedMessage(json));
    const compressed = gzipMetadata(json);

    const layout = planLayout(
      launcher.length,
      compressed.length,
      spec.slots.map((slot, i) => ({ ...slot, ...stored[i]! })),
    );
    const trailer = encodeTrailer(
      makeIndexBlock(layout, {
        launcherSize: launcher.length,
        compressed,
        publicKey: signer.publicKeyRaw,
        signature,
        timestamp,
        ...(options.keyFingerprintField ? { keyFingerprint: sha256Hex(signer.publicKeyRaw) } : {}),
      }),
    );
    await writePackage(temp, {
      launcher,
      compressed,
      slotTableOffset: layout.slotTableOffset,
      table: encodeSlotTable(layout.descriptors),
      slots: layout.descriptors.map((d, i) => ({ offset: Number(d.offset), file: slotFile(work, i) })),
      dataEnd: layout.dataEnd,
      trailer,
    });
    await fs.chmod(temp, 0o755);
    await fs.rename(temp, options.output);
    options.onProgress?.({ phase: 'done' });
    return {
      output: options.output,
      size: layout.packageSize,
      slots: spec.slots.map((s, i) => ({
        id: s.id,
        size: stored[i]!.size,
        originalSize: stored[i]!.originalSize,
        sha256: stored[i]!.sha256,
      })),
      metadataSha256: sha256Hex(json),
    };
  } catch (cause) {
    await fs.rm(temp, { force: true });
    throw toFlavorError(cause);
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

/** The signed provenance of this build (builder/provenance.ts), for the metadata field `provenance`. */
function withProvenance(spec: BuildSpec, stored: StoredSlot[], info: BuildInfo, signer: Signer) {
  return provenanceEnvelope(
    {
      inputs: spec.provenance,
      slots: spec.slots.map((slot, i) => ({ id: slot.id, sha256: stored[i]!.sha256 })),
      launcher: { ...info.launcher, tool: info.launcher.tool ?? 'flavor-launcher' },
      toolVersion: info.toolVersion,
      timestamp: info.timestamp,
      deterministic: info.deterministic,
    },
    signer,
  );
}

async function readLauncher(options: BuildOptions): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await fs.readFile(options.launcherPath));
  } catch (cause) {
    throw new FlavorError('LAUNCHER_NOT_FOUND', 'cannot read the launcher binary', {
      path: options.launcherPath,
      cause,
      hint: 'build it with `flavor helpers build` or pass --launcher-bin',
    });
  }
  if (bytes.length === 0)
    throw new FlavorError('LAUNCHER_NOT_FOUND', 'the launcher binary is empty', {
      path: options.launcherPath,
    });
  return patchTrustBlock(bytes, options.trustKeys ?? []);
}

const slotFile = (work: string, i: number) => path.join(work, `slot-${i}`);

async function encodeSlots(
  spec: BuildSpec,
  options: BuildOptions,
  work: string,
  keys: Map<number, Uint8Array>,
): Promise<StoredSlot[]> {
  const stored: StoredSlot[] = [];
  for (const [i, slot] of spec.slots.entries()) {
    const chain = parseChain(slot.operations);
    const encoded = await encodeOneSlot(spec, options, work, i, chain);
    const key = keys.get(i);
    if (!key || !slot.encryption) {
      stored.push(encoded);
      continue;
    }
    const encrypted = await encryptSlotFile(slotFile(work, i), key, slot.id, encoded, chain, hashingTap());
    stored.push({
      ...encrypted,
      encryption: { algorithm: slot.encryption.algorithm, key_source: slot.encryption.keySource },
    });
  }
  return stored;
}

/** Slot i's stored bytes before encryption: a prepared source copied, or the source encoded. */
async function encodeOneSlot(
  spec: BuildSpec,
  options: BuildOptions,
  work: string,
  i: number,
  chain: number[],
): Promise<StoredSlot> {
  const slot = spec.slots[i]!;
  // Never a build-machine path (docs/format.md): the project-relative label, or nothing.
  const label = slot.label ?? '';
  if (await isPreparedSource(slot.source, chain)) {
    return await storePrepared(slot.source, chain, work, i, label);
  }
  const { stream, done } = encodeSlot(slot.source, chain, {
    level: slot.compressionLevel,
    mtime: options.sourceDateEpoch ?? 0,
    ...(slot.materializeSymlinks ? { materializeSymlinks: true } : {}),
    ...(slot.tarPrefix ? { tarPrefix: slot.tarPrefix } : {}),
    onProgress: (bytes: number) =>
      options.onProgress?.({
        phase: 'slot',
        slotId: slot.id,
        slotIndex: i,
        slotCount: spec.slots.length,
        bytes,
      }),
  });
  const { tap, sha256, size } = hashingTap();
  try {
    await Promise.all([pipeline(stream, tap, createWriteStream(slotFile(work, i))), done]);
  } catch (cause) {
    throw toFlavorError(cause, slot.source);
  }
  const stats = await done;
  return {
    sha256: sha256(),
    size: size(),
    originalSize: stats.originalSize,
    operations: chainName(chain),
    sourceLabel: label,
  };
}

/** A prepared slot (docs/manifest.md): proven to decode (and to extract safely), then copied as-is. */
async function storePrepared(
  source: string,
  chain: number[],
  work: string,
  i: number,
  label: string,
): Promise<StoredSlot> {
  const { tap, sha256, size } = hashingTap();
  await pipeline(createReadStream(source), tap, createWriteStream(slotFile(work, i)));
  // The copy is what gets stored, so the copy is what is proven.
  const { originalSize } = await checkPreparedSource(slotFile(work, i), chain, work, source);
  return { sha256: sha256(), size: size(), originalSize, operations: chainName(chain), sourceLabel: label };
}

/** A pass-through stream that hashes and counts the stored bytes of a slot as they are written. */
function hashingTap(): { tap: Transform; sha256: () => string; size: () => number } {
  const hash = createSha256();
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      size += chunk.length;
      cb(null, chunk);
    },
  });
  return { tap, sha256: () => hash.digest('hex'), size: () => size };
}

interface Assembly {
  launcher: Uint8Array;
  compressed: Uint8Array;
  slotTableOffset: number;
  table: Uint8Array;
  slots: Array<{ offset: number; file: string }>;
  dataEnd: number;
  trailer: Uint8Array;
}

async function writePackage(file: string, a: Assembly): Promise<void> {
  const out = createWriteStream(file, { flags: 'wx', mode: 0o600 });
  let position = 0;
  const write = (chunk: Uint8Array) =>
    new Promise<void>((resolve, reject) => {
      position += chunk.length;
      out.write(chunk, (err) => (err ? reject(err) : resolve()));
    });
  const padTo = (offset: number) =>
    offset > position ? write(new Uint8Array(offset - position)) : Promise.resolve();
  try {
    await write(a.launcher);
    await write(a.compressed);
    if (a.table.length > 0) {
      await padTo(a.slotTableOffset);
      await write(a.table);
    }
    for (const slot of a.slots) {
      await padTo(slot.offset);
      for await (const chunk of createReadStream(slot.file)) await write(chunk as Buffer);
    }
    await padTo(a.dataEnd);
    await write(a.trailer);
    await new Promise<void>((resolve, reject) =>
      out.end((err?: Error | null) => (err ? reject(err) : resolve())),
    );
    const handle = await fs.open(file, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (cause) {
    out.destroy();
    throw cause;
  }
}

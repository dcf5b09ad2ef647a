// In-memory package assembler for test vectors: slots are given as already-stored bytes, so a generator
// controls every byte and can then corrupt exactly one thing. Uses the builder's own layout and metadata
// code, so vectors are laid out exactly like real packages.

import type { BuildSpec } from '../../src/builder/build-spec.js';
import { makeIndexBlock, planLayout } from '../../src/builder/layout.js';
import { assembleMetadata } from '../../src/builder/metadata.js';
import { sha256Hex } from '../../src/crypto/digest.js';
import type { SigningKey } from '../../src/crypto/keys.js';
import { signMessage } from '../../src/crypto/signature.js';
import {
  encodeMetadata,
  encodeSlotTable,
  encodeTrailer,
  type PackageMetadata,
  type SlotDescriptor,
} from '../../src/format/index.js';
import { gzipMetadata } from '../../src/payload/metadata-gzip.js';

export interface VectorSlot {
  id: string;
  /** Stored bytes (already passed through the chain). */
  bytes: Uint8Array;
  originalSize: number;
  operations: string;
  target: string;
  purpose?: string;
  lifecycle?: string;
  permissions?: string;
}

export interface AssembleInput {
  launcher: Uint8Array;
  key: SigningKey;
  name?: string;
  version?: string;
  command?: string;
  slots: VectorSlot[];
  /** Timestamp in seconds (fixed for vectors). */
  timestamp?: number;
  /** Change the metadata document before it is signed. */
  editMetadata?: (m: PackageMetadata) => void;
  /** Replace the signed JSON bytes entirely (for malformed-JSON vectors). */
  metadataJson?: Uint8Array;
  /** Zero bytes between the launcher and the metadata (upstream's Rust builder leaves 8192). */
  metadataGap?: number;
  /** Change the descriptors before the slot table is written (unsigned fields upstream fills differently). */
  editDescriptors?: (descriptors: SlotDescriptor[]) => void;
  /** Edit the signed JSON text (for duplicate keys and other forms an object cannot hold). */
  editJson?: (json: string) => string;
}

export const VECTOR_TIME = 1_767_225_600; // 2026-01-01T00:00:00Z

export function assemble(input: AssembleInput): Uint8Array {
  const timestamp = input.timestamp ?? VECTOR_TIME;
  const spec: BuildSpec = {
    package: { name: input.name ?? 'vector', version: input.version ?? '1.0.0' },
    execution: { command: input.command ?? '/bin/sh {workenv}/run.sh', env: {}, primarySlot: 0 },
    slots: input.slots.map((s) => ({
      id: s.id,
      source: s.id,
      target: s.target,
      operations: s.operations,
      purpose: s.purpose ?? 'data',
      lifecycle: s.lifecycle ?? 'runtime',
      ...(s.permissions === undefined ? {} : { permissions: s.permissions }),
    })),
  };
  const stored = input.slots.map((s) => ({
    sha256: sha256Hex(s.bytes),
    size: s.bytes.length,
    originalSize: s.originalSize,
    operations: s.operations,
    sourceLabel: s.id,
  }));
  const metadata = assembleMetadata(spec, stored, {
    toolVersion: 'vectors',
    timestamp,
    deterministic: true,
    launcher: { size: input.launcher.length, sha256: sha256Hex(input.launcher), version: 'vectors' },
    // The vectors test the format, not the SBOM (docs/supply-chain.md): their metadata stays minimal.
    sbom: false,
  });
  input.editMetadata?.(metadata);
  let json = input.metadataJson ?? encodeMetadata(metadata);
  if (input.editJson) {
    const edited = input.editJson(new TextDecoder().decode(json));
    if (edited === new TextDecoder().decode(json)) throw new Error('editJson changed nothing');
    json = new TextEncoder().encode(edited);
  }
  const compressed = gzipMetadata(json);
  const layout = planLayout(
    input.launcher.length + (input.metadataGap ?? 0),
    compressed.length,
    spec.slots.map((slot, i) => ({ ...slot, ...stored[i]! })),
  );
  input.editDescriptors?.(layout.descriptors);
  const trailer = encodeTrailer(
    makeIndexBlock(layout, {
      launcherSize: input.launcher.length,
      compressed,
      publicKey: input.key.publicKeyRaw,
      signature: signMessage(json, input.key),
      timestamp,
    }),
  );
  const out = new Uint8Array(layout.packageSize);
  out.set(input.launcher, 0);
  out.set(compressed, layout.metadataOffset);
  if (layout.slotCount > 0) out.set(encodeSlotTable(layout.descriptors), layout.slotTableOffset);
  layout.descriptors.forEach((d, i) => {
    out.set(input.slots[i]!.bytes, Number(d.offset));
  });
  out.set(trailer, layout.packageSize - trailer.length);
  return out;
}

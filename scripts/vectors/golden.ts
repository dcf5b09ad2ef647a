// The golden JSON of a decoded package (testdata/vectors/*.decoded.json). The Go launcher's tests build
// the same document from their own decoder, so the two implementations cannot drift. Every u64 is a
// decimal string; u8/u16/u32 are numbers; byte fields are lowercase hex.

import { sha256Hex } from '../../src/crypto/digest.js';
import { operationName, toHex, unpackOperations } from '../../src/format/index.js';
import type { OpenedPackage } from '../../src/reader/open.js';

export function goldenOf(pkg: OpenedPackage): Record<string, unknown> {
  const i = pkg.index;
  return {
    index: {
      format_version: i.formatVersion,
      index_checksum: i.indexChecksum,
      package_size: String(i.packageSize),
      launcher_size: String(i.launcherSize),
      metadata_offset: String(i.metadataOffset),
      metadata_size: String(i.metadataSize),
      slot_table_offset: String(i.slotTableOffset),
      slot_table_size: String(i.slotTableSize),
      slot_count: i.slotCount,
      flags: i.flags,
      public_key: toHex(i.publicKey),
      metadata_checksum: toHex(i.metadataChecksum),
      integrity_signature: toHex(i.signature),
      access_mode: i.accessMode,
      cache_strategy: i.cacheStrategy,
      reserved_hint1: i.reservedHint1,
      reserved_hint2: i.reservedHint2,
      page_size: i.pageSize,
      max_memory: String(i.maxMemory),
      min_memory: String(i.minMemory),
      cpu_features: String(i.cpuFeatures),
      gpu_requirements: String(i.gpuRequirements),
      numa_hints: String(i.numaHints),
      stream_chunk_size: i.streamChunkSize,
      build_timestamp: String(i.buildTimestamp),
      build_machine: toHex(i.buildMachine),
      source_hash: toHex(i.sourceHash),
      dependency_hash: toHex(i.dependencyHash),
      license_id: toHex(i.licenseId),
      provenance_uri: toHex(i.provenanceUri),
      capabilities: String(i.capabilities),
      requirements: String(i.requirements),
      extensions: String(i.extensions),
      compatibility: i.compatibility,
      protocol_version: i.protocolVersion,
      future_crypto_sha256: sha256Hex(i.futureCrypto),
      reserved_sha256: sha256Hex(i.reserved),
    },
    slots: pkg.descriptors.map((d) => ({
      id: String(d.id),
      name_hash: String(d.nameHash),
      offset: String(d.offset),
      size: String(d.size),
      original_size: String(d.originalSize),
      operations: String(d.operations),
      checksum: String(d.checksum),
      purpose: d.purpose,
      lifecycle: d.lifecycle,
      priority: d.priority,
      platform: d.platform,
      reserved1: d.reserved1,
      reserved2: d.reserved2,
      permissions: d.permissions,
      chain: unpackOperations(d.operations).map(operationName),
    })),
    signed_sha256: sha256Hex(pkg.metadataJson),
    identity: pkg.identity,
  };
}

// inspect(): what a package contains, as the stable document `flavor inspect --json` prints. The structure
// and signature are checked; slot hashes are not (that is verify()).

import { promises as fs } from 'node:fs';
import { executablePlatform } from '../builder/launcher-check.js';
import { fingerprint } from '../crypto/keys.js';
import { chainName, unpackOperations } from '../format/index.js';
import { openPackage } from '../reader/open.js';
import { readPinnedKeys } from '../reader/trust.js';
import {
  dependencyTree,
  type RecordedDistribution,
  recordedDistributions,
  type TreeNode,
} from './inspect-deps.js';
import { type RuntimeLicenses, recordedRuntimeLicenses } from './inspect-licenses.js';

export type { RecordedDistribution, TreeNode } from './inspect-deps.js';
export type { RuntimeComponent, RuntimeLicenses } from './inspect-licenses.js';

export interface InspectSlot {
  index: number;
  id: string;
  purpose: string;
  lifecycle: string;
  target: string;
  /** The operation chain, e.g. `tar.zst`. */
  operations: string;
  /** Stored bytes. */
  size: number;
  original_size: number;
  /** size / original_size, 4 decimals; null for an empty slot. */
  ratio: number | null;
  offset: number;
  checksum: string;
  permissions: string | null;
  /** The machines that extract the slot: "linux", "darwin_arm64", …; null: every machine. */
  platform: string | null;
  /** An encrypted slot: its algorithm and where its key is read from (never the key); null: not encrypted. */
  encryption: { algorithm: string; key_source: string } | null;
}

export interface InspectResult {
  package: { name: string; version: string; description: string | null };
  file: { path: string; size: number };
  format: { name: string; version: string; metadata_version: string | null };
  identity: string;
  signature: { status: 'valid'; fingerprint: string };
  /**
   * The launcher's metadata, its size, the platform its executable header names (linux_arm64, …; null
   * when it names none we build for) and the fingerprints of the keys it pins (`--trust-key`).
   */
  launcher: { size: number; platform: string | null; pinned_keys: string[] } & Record<string, unknown>;
  build: Record<string, unknown>;
  execution: Record<string, unknown> & { command: string };
  /** Service mode (metadata runtime.persistent; docs/launcher.md): its port, or null when not a service. */
  service: { port: number | null } | null;
  /** What the target machine needs (metadata compatibility; docs/launcher.md "The glibc check"): glibc, or null. */
  requires: { glibc: string | null };
  /**
   * The Python runtime's components with version, SPDX licence and licence files in the runtime slot, as
   * recorded at pack time (metadata python.runtime_licenses; docs/runtime.md "Licences"); `complete`
   * false: CPython only, the libraries it links are not itemised. Null: none recorded.
   */
  runtime_licenses: RuntimeLicenses | null;
  slots: InspectSlot[];
  /** With `dependencies`: the Python distributions recorded at pack time (null: none recorded). */
  dependencies?: RecordedDistribution[] | null;
  /** With `dependencyTree`: which recorded distribution requires which (null: none recorded). */
  dependency_tree?: TreeNode[] | null;
}

export interface InspectOptions {
  /** Add `dependencies`: the Python distributions packed (name, version, licence). */
  dependencies?: boolean;
  /** Add `dependency_tree`: which packed distribution requires which. */
  dependencyTree?: boolean;
}

/** Reads the package at `pkgPath` and describes it. */
export async function inspect(pkgPath: string, options: InspectOptions = {}): Promise<InspectResult> {
  const pkg = await openPackage(pkgPath);
  const pinned = (await readPinnedKeys(pkg)).map((k) => fingerprint(k));
  const meta = pkg.metadata;
  const size = (await fs.stat(pkgPath)).size;
  const slots = meta.slots.map((s, i): InspectSlot => {
    const d = pkg.descriptors[i]!;
    const stored = Number(d.size);
    const original = Number(d.originalSize);
    return {
      index: i,
      id: s.id,
      purpose: s.purpose,
      lifecycle: s.lifecycle,
      target: s.target,
      operations: chainName(unpackOperations(d.operations)),
      size: stored,
      original_size: original,
      ratio: original > 0 ? Number((stored / original).toFixed(4)) : null,
      offset: Number(d.offset),
      checksum: s.checksum,
      permissions: s.permissions ?? null,
      platform: typeof s.platform === 'string' ? s.platform : null,
      encryption: s.encryption
        ? { algorithm: s.encryption.algorithm, key_source: s.encryption.key_source }
        : null,
    };
  });
  return {
    package: {
      name: meta.package.name,
      version: meta.package.version,
      description: meta.package.description ?? null,
    },
    file: { path: pkgPath, size },
    format: {
      name: meta.format,
      version: `0x${pkg.index.formatVersion.toString(16)}`,
      metadata_version: meta.format_version ?? null,
    },
    identity: pkg.identity,
    signature: { status: pkg.signature, fingerprint: fingerprint(pkg.index.publicKey) },
    launcher: {
      size: pkg.layout.launcherSize,
      platform: (await executablePlatform(pkgPath)) ?? null,
      ...(meta.launcher ?? {}),
      pinned_keys: pinned,
    },
    build: (meta.build ?? {}) as Record<string, unknown>,
    execution: meta.execution as InspectResult['execution'],
    service: meta.runtime?.persistent ? { port: meta.runtime.port ?? null } : null,
    requires: { glibc: meta.compatibility?.glibc ?? null },
    runtime_licenses: recordedRuntimeLicenses(meta as unknown as Record<string, unknown>),
    slots,
    ...dependencyFields(meta as unknown as Record<string, unknown>, options),
  };
}

function dependencyFields(
  metadata: Record<string, unknown>,
  options: InspectOptions,
): Pick<InspectResult, 'dependencies' | 'dependency_tree'> {
  if (!options.dependencies && !options.dependencyTree) return {};
  const dists = recordedDistributions(metadata);
  return {
    ...(options.dependencies ? { dependencies: dists ?? null } : {}),
    ...(options.dependencyTree ? { dependency_tree: dists ? dependencyTree(dists) : null } : {}),
  };
}

// Assembles the metadata document for a build: upstream-compatible keys in upstream's order, no
// absolute build-machine paths, timestamps from SOURCE_DATE_EPOCH when given.

import os from 'node:os';
import {
  FORMAT_NAME,
  METADATA_FORMAT_VERSION,
  type PackageMetadata,
  type SlotMetadata,
} from '../format/index.js';
import { cycloneDx } from '../sbom/cyclonedx.js';
import type { BuildSpec } from './build-spec.js';
import { sbomField } from './sbom-field.js';

export interface StoredSlot {
  sha256: string;
  size: number;
  originalSize: number;
  operations: string;
  sourceLabel: string;
  /** Encrypted slots: what the metadata records (the key's source, never the key). */
  encryption?: { algorithm: string; key_source: string };
}

export interface BuildInfo {
  toolVersion: string;
  /** Build time in seconds since the epoch (SOURCE_DATE_EPOCH, or now). */
  timestamp: number;
  /** True when the timestamp came from SOURCE_DATE_EPOCH (reproducible build). */
  deterministic: boolean;
  /**
   * The embedded launcher. `tool` defaults to "flavor-launcher" (ours), recorded with our capabilities;
   * any other launcher is recorded as detected, with no capabilities (we cannot vouch for them).
   */
  launcher: { size: number; sha256: string; version: string; tool?: string };
  /** Write the SBOM (metadata `sbom`, docs/supply-chain.md); default true. */
  sbom?: boolean;
}

const OUR_CAPABILITIES = ['signed', 'sha256-slots', 'flock'];

const GOARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', ia32: 'x86', arm: 'arm' };
const GOOS: Record<string, string> = { win32: 'windows', darwin: 'darwin', linux: 'linux' };

export function hostPlatform(): { os: string; arch: string } {
  return { os: GOOS[process.platform] ?? process.platform, arch: GOARCH[os.arch()] ?? os.arch() };
}

export function assembleMetadata(spec: BuildSpec, stored: StoredSlot[], info: BuildInfo): PackageMetadata {
  const slots: SlotMetadata[] = spec.slots.map((slot, i) => ({
    slot: i,
    id: slot.id,
    source: stored[i]!.sourceLabel,
    target: slot.target,
    size: stored[i]!.size,
    original_size: stored[i]!.originalSize,
    checksum: `sha256:${stored[i]!.sha256}`,
    operations: stored[i]!.operations,
    purpose: slot.purpose,
    lifecycle: slot.lifecycle,
    permissions: slot.permissions ?? null,
    ...(stored[i]!.encryption ? { encryption: { ...stored[i]!.encryption! } } : {}),
    ...(slot.platform === undefined ? {} : { platform: slot.platform }),
  }));
  const platform = hostPlatform();
  const launcherTool = info.launcher.tool ?? 'flavor-launcher';
  const features = [
    ...(spec.workenv?.directories?.length ? ['workenv_dirs'] : []),
    ...(spec.runtime ? ['runtime_env'] : []),
    ...(spec.setupCommands?.length ? ['setup_commands'] : []),
    ...(spec.cacheValidation ? ['cache_validation'] : []),
    ...(spec.slots.some((s) => s.lifecycle === 'volatile') ? ['volatile_slots'] : []),
    ...(spec.slots.some((s) => s.platform !== undefined) ? ['platform_slots'] : []),
    ...(spec.execution.commands ? ['commands'] : []),
    ...(spec.service ? ['service'] : []),
    ...(spec.slots.some((s) => s.encryption) ? ['encrypted_slots'] : []),
  ];
  const metadata: PackageMetadata = {
    format: FORMAT_NAME,
    format_version: METADATA_FORMAT_VERSION,
    package: {
      name: spec.package.name,
      version: spec.package.version,
      ...(spec.package.description === undefined ? {} : { description: spec.package.description }),
    },
    slots,
    execution: {
      primary_slot: spec.execution.primarySlot,
      command: spec.execution.command,
      env: { ...spec.execution.env },
      // Upstream's Go launcher reads `environment`, the Rust one `env`: emit both, same map.
      environment: { ...spec.execution.env },
      ...(spec.execution.commands ? { commands: { ...spec.execution.commands } } : {}),
    },
    verification: {
      integrity_seal: { required: true, algorithm: 'ed25519' },
      signed: true,
      require_verification: true,
    },
    build: {
      tool: 'flavorpack',
      tool_version: info.toolVersion,
      deterministic: info.deterministic,
      platform: { os: platform.os, arch: platform.arch, host: `${platform.os}/${platform.arch}` },
      timestamp: new Date(info.timestamp * 1000).toISOString().replace('.000Z', 'Z'),
    },
    launcher: {
      tool: launcherTool,
      tool_version: info.launcher.version,
      size: info.launcher.size,
      checksum: `sha256:${info.launcher.sha256}`,
      capabilities: launcherTool === 'flavor-launcher' ? OUR_CAPABILITIES : [],
    },
    compatibility: {
      min_format_version: METADATA_FORMAT_VERSION,
      features,
      // Read by our launcher before it extracts anything (docs/launcher.md "The glibc check"); upstream's readers ignore it.
      ...(spec.requires?.glibc === undefined ? {} : { glibc: spec.requires.glibc }),
    },
  };
  if (spec.cacheValidation) {
    metadata.cache_validation = {
      check_file: spec.cacheValidation.checkFile,
      ...(spec.cacheValidation.expectedContent === undefined
        ? {}
        : { expected_content: spec.cacheValidation.expectedContent }),
    };
  }
  if (spec.setupCommands?.length) metadata.setup_commands = spec.setupCommands;
  if (spec.runtime || spec.service) {
    metadata.runtime = { ...(spec.runtime ? { env: { ...spec.runtime.env } } : {}), ...spec.service };
  }
  if (spec.workenv) metadata.workenv = { ...spec.workenv };
  for (const [key, value] of Object.entries(spec.extraMetadata ?? {})) {
    if (key in metadata) continue;
    metadata[key] = value;
  }
  if (info.sbom !== false) {
    metadata.sbom = { ...sbomField(sbomOf(spec, slots, info, launcherTool)) };
  }
  return metadata;
}

/** The CycloneDX SBOM (docs/supply-chain.md): signed with the rest of the metadata, stored encoded. */
function sbomOf(spec: BuildSpec, slots: SlotMetadata[], info: BuildInfo, launcherTool: string) {
  return cycloneDx({
    package: spec.package,
    toolVersion: info.toolVersion,
    ...(info.deterministic ? { sourceDateEpoch: info.timestamp } : {}),
    launcher: {
      tool: launcherTool,
      version: info.launcher.version,
      sha256: info.launcher.sha256,
      size: info.launcher.size,
    },
    slots: slots.map((s) => ({
      id: s.id,
      purpose: s.purpose,
      lifecycle: s.lifecycle,
      target: s.target,
      operations: s.operations,
      sha256: s.checksum.replace(/^sha256:/, ''),
      size: s.size,
    })),
    ...(spec.sbom ? { input: spec.sbom } : {}),
  });
}

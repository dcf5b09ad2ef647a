// The metadata JSON: a typed model of the upstream PSPF/2025 schema, strict validation, and the
// serializer. The signed message is the exact uncompressed JSON bytes (signedMessage below); a verifier
// never re-serializes. Compression of these bytes lives in payload/.

import { FlavorError } from '../errors.js';
import { Checker, describeValue, type Table } from '../schema/checker.js';
import type { RuntimeEnv } from '../schema/runtime-env.js';
import { parseService } from '../schema/service.js';
import { FORMAT_NAME, LIMITS } from './constants.js';
import {
  ENCRYPTION_ALGORITHM,
  encryptionChainProblem,
  KEY_SOURCE_FORMS,
  parseKeySource,
} from './encryption.js';
import { parseGlibcVersion } from './glibc.js';
import { checkJsonKeys } from './json-keys.js';
import { chainIsEncrypted, parseChain } from './operations.js';
import { PLATFORM_RE } from './platform.js';
import { parsePermissions } from './slot-descriptor.js';

export type StringMap = Record<string, string>;

export interface SlotMetadata {
  slot: number;
  id: string;
  source?: string;
  target: string;
  size: number;
  original_size?: number;
  checksum: string; // "sha256:<64 hex>" of the stored bytes
  operations: string;
  purpose: string;
  lifecycle: string;
  permissions?: string | null;
  /** Present exactly when the chain ends with aes256-gcm: where the key comes from, never the key. */
  encryption?: SlotEncryption;
  /** Only machines of this platform extract the slot (format/platform.ts); absent: every machine. */
  platform?: string | null;
  [key: string]: unknown;
}

export interface SlotEncryption {
  algorithm: string;
  key_source: string;
}

export type { RuntimeEnv };

export interface PackageMetadata {
  format: string;
  format_version?: string;
  package: { name: string; version: string; description?: string; [key: string]: unknown };
  slots: SlotMetadata[];
  execution: {
    primary_slot: number;
    command: string;
    env?: StringMap;
    environment?: StringMap;
    commands?: StringMap;
    [key: string]: unknown;
  };
  verification?: Record<string, unknown>;
  build?: Record<string, unknown>;
  launcher?: { checksum?: string; size?: number; [key: string]: unknown };
  /** DSSE envelope of the SLSA provenance (format/provenance.ts); shape checked by its verifier. */
  provenance?: Record<string, unknown>;
  /** `glibc`: the oldest glibc the package's ELF files run on (format/glibc.ts). */
  compatibility?: { glibc?: string; [key: string]: unknown };
  cache_validation?: { check_file: string; expected_content?: string };
  setup_commands?: unknown[];
  /** `persistent`/`port`: service mode (docs/launcher.md "Service mode"). */
  runtime?: { env?: RuntimeEnv; persistent?: boolean; port?: number };
  /** The package's SBOM: CycloneDX JSON, gzip+base64 in an object (docs/supply-chain.md), signed with the rest. */
  sbom?: Record<string, unknown>;
  workenv?: { directories?: Array<{ path: string; mode?: string }>; env?: StringMap };
  [key: string]: unknown;
}

const SHA256_CHECKSUM = /^sha256:[0-9a-f]{64}$/;

/** The message an Ed25519 signature covers: the uncompressed metadata JSON bytes, verbatim. */
export function signedMessage(metadataJson: Uint8Array): Uint8Array {
  return metadataJson;
}

/** Serializes metadata to the bytes that are signed and then compressed (2-space JSON, UTF-8, no BOM). */
export function encodeMetadata(metadata: PackageMetadata): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(metadata, null, 2));
}

/** Parses and validates metadata JSON bytes. Errors name the offending field. */
export function parseMetadata(json: Uint8Array): PackageMetadata {
  if (json.length > LIMITS.maxMetadataJsonSize) {
    throw new FlavorError('METADATA_TOO_LARGE', `metadata JSON is ${json.length} bytes, the limit is 16 MiB`);
  }
  let text: string;
  try {
    // ignoreBOM keeps a leading U+FEFF in the text, so JSON.parse refuses it as Go's decoder does.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(json);
  } catch (cause) {
    throw new FlavorError('METADATA_JSON', 'metadata is not valid UTF-8', { cause });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new FlavorError('METADATA_JSON', `metadata is not valid JSON: ${(cause as Error).message}`, {
      cause,
    });
  }
  checkJsonKeys(text);
  validateMetadata(value);
  return withDefaults(value);
}

/**
 * Defaults for fields upstream leaves out: `execution.primary_slot` is omitted by the 0.5.4 Go and Rust
 * builders (their FEP-0002 does not require it) and means slot 0. Only the parsed value gets it; the
 * signed bytes are never re-serialized.
 */
function withDefaults(metadata: PackageMetadata): PackageMetadata {
  if (metadata.execution.primary_slot === undefined) metadata.execution.primary_slot = 0;
  return metadata;
}

const check = new Checker(
  (field, expected, value) => {
    const got = value === undefined ? 'it is missing' : `got ${describeValue(value)}`;
    throw new FlavorError('METADATA_SCHEMA', `metadata field ${field}: expected ${expected}, ${got}`, {
      details: { field },
    });
  },
  { table: 'an object', emptiness: 'empty' },
);

function validateMetadata(value: unknown): asserts value is PackageMetadata {
  const root = check.table(value, '(root)');
  const format = check.string(root.format, 'format');
  if (format !== FORMAT_NAME) check.fail('format', `"${FORMAT_NAME}"`, format);
  check.optString(root.format_version, 'format_version', { nonEmpty: false });
  const pkg = check.table(root.package, 'package');
  check.string(pkg.name, 'package.name');
  check.string(pkg.version, 'package.version');
  check.optString(pkg.description, 'package.description', { nonEmpty: false });
  check.array(root.slots, 'slots').forEach(validateSlot);
  validateExecution(check.table(root.execution, 'execution'));
  const launcher = check.optTable(root.launcher, 'launcher');
  if (launcher) validateLauncher(launcher);
  const cache = check.optTable(root.cache_validation, 'cache_validation');
  if (cache) check.string(cache.check_file, 'cache_validation.check_file');
  if (root.setup_commands !== undefined) check.array(root.setup_commands, 'setup_commands');
  validateRuntime(check.optTable(root.runtime, 'runtime'));
  validateWorkenv(check.optTable(root.workenv, 'workenv'));
  for (const key of ['verification', 'build', 'sbom']) check.optTable(root[key], key);
  validateCompatibility(check.optTable(root.compatibility, 'compatibility'));
  // The DSSE envelope of the build provenance: its own checks run in `flavor verify --provenance`.
  check.optTable(root.provenance, 'provenance');
}

/**
 * The fields the launcher reads: tool and size (informational) and checksum, which must be "sha256:"
 * and 64 lower-case hex digits (upstream's doubled "sha256:sha256:" is accepted).
 */
function validateLauncher(launcher: Table): void {
  check.optString(launcher.tool, 'launcher.tool', { nonEmpty: false });
  if (launcher.size !== undefined) check.uint(launcher.size, 'launcher.size');
  const checksum = check.optString(launcher.checksum, 'launcher.checksum');
  if (checksum !== undefined && checksumHex(checksum) === undefined) {
    check.fail('launcher.checksum', '"sha256:" and 64 lowercase hex digits', checksum);
  }
}

function validateExecution(execution: Table): void {
  // Upstream's 0.5.4 builders omit primary_slot (their FEP-0002 does not require it): it defaults to 0.
  if (execution.primary_slot !== undefined) check.uint(execution.primary_slot, 'execution.primary_slot');
  check.string(execution.command, 'execution.command');
  for (const key of ['env', 'environment', 'commands'])
    check.optStringMap(execution[key], `execution.${key}`);
}

/** `compatibility.glibc`, the oldest glibc the package runs on (format/glibc.ts), when present. */
function validateCompatibility(compatibility: Table | undefined): void {
  if (compatibility?.glibc === undefined) return;
  const glibc = compatibility.glibc;
  if (typeof glibc !== 'string' || parseGlibcVersion(glibc) === undefined) {
    check.fail('compatibility.glibc', 'a glibc version such as "2.17"', glibc);
  }
}

/** Shape only, like the Go launcher: the name rules of runtime.env are a build-input rule (schema/). */
function validateRuntime(runtime: Table | undefined): void {
  if (!runtime) return;
  const env = check.optTable(runtime.env, 'runtime.env');
  if (env) {
    check.optStringList(env.unset, 'runtime.env.unset', { nonEmpty: false, what: 'a string' });
    check.optStringList(env.pass, 'runtime.env.pass', { nonEmpty: false, what: 'a string' });
    check.optStringMap(env.set, 'runtime.env.set');
    check.optStringMap(env.map, 'runtime.env.map');
  }
  parseService(check, runtime, 'runtime');
}

function validateWorkenv(workenv: Table | undefined): void {
  if (!workenv) return;
  check.optStringMap(workenv.env, 'workenv.env');
  if (workenv.directories === undefined) return;
  check.array(workenv.directories, 'workenv.directories').forEach((d, i) => {
    const dir = check.table(d, `workenv.directories[${i}]`);
    check.string(dir.path, `workenv.directories[${i}].path`);
    check.optString(dir.mode, `workenv.directories[${i}].mode`);
  });
}

function validateSlot(value: unknown, i: number): void {
  const p = `slots[${i}].`;
  const slot = check.table(value, `slots[${i}]`);
  const index = check.uint(slot.slot, `${p}slot`);
  if (index !== i) check.fail(`${p}slot`, `${i} (its position)`, index);
  check.string(slot.id, `${p}id`);
  check.string(slot.target, `${p}target`, { nonEmpty: false });
  check.uint(slot.size, `${p}size`);
  if (slot.original_size !== undefined) check.uint(slot.original_size, `${p}original_size`);
  check.string(slot.checksum, `${p}checksum`, {
    pattern: SHA256_CHECKSUM,
    what: '"sha256:" and 64 lowercase hex digits',
  });
  const chain = parseChain(check.string(slot.operations, `${p}operations`, { nonEmpty: false }));
  check.string(slot.purpose, `${p}purpose`, { nonEmpty: false });
  check.string(slot.lifecycle, `${p}lifecycle`, { nonEmpty: false });
  const perms = slot.permissions;
  if (perms !== undefined && perms !== null) {
    if (typeof perms !== 'string' || parsePermissions(perms) === undefined) {
      check.fail(`${p}permissions`, 'an octal mode string like "0755" or null', perms);
    }
  }
  check.optString(slot.source, `${p}source`, { nonEmpty: false });
  if (slot.platform !== undefined && slot.platform !== null) {
    check.string(slot.platform, `${p}platform`, {
      pattern: PLATFORM_RE,
      what: '"linux", "darwin", "windows" or "<os>_<arch>" like "linux_amd64", or null',
    });
  }
  validateEncryption(slot, chain, p);
}

/** `encryption` is present exactly when the chain ends with aes256-gcm (same checks in schema.go). */
function validateEncryption(slot: Table, chain: readonly number[], p: string): void {
  const problem = encryptionChainProblem(chain);
  if (problem) check.fail(`${p}operations`, `a chain where ${problem}`, slot.operations);
  const encryption = check.optTable(slot.encryption, `${p}encryption`);
  if (!encryption) {
    if (chainIsEncrypted(chain))
      check.fail(`${p}encryption`, 'an object (the chain is encrypted)', undefined);
    return;
  }
  if (!chainIsEncrypted(chain)) {
    check.fail(`${p}operations`, 'a chain ending with aes256-gcm (the slot has encryption)', slot.operations);
  }
  const algorithm = check.string(encryption.algorithm, `${p}encryption.algorithm`);
  if (algorithm !== ENCRYPTION_ALGORITHM) {
    check.fail(`${p}encryption.algorithm`, `"${ENCRYPTION_ALGORITHM}"`, algorithm);
  }
  const source = check.string(encryption.key_source, `${p}encryption.key_source`);
  if (!parseKeySource(source)) check.fail(`${p}encryption.key_source`, KEY_SOURCE_FORMS, source);
}

/** The hex digest inside a "sha256:<hex>" checksum (upstream's doubled "sha256:sha256:" is accepted). */
export function checksumHex(checksum: string): string | undefined {
  const m = /^(?:sha256:){1,2}([0-9a-f]{64})$/.exec(checksum);
  return m?.[1];
}

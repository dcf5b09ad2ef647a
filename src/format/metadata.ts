// The metadata JSON: a typed model of the upstream PSPF/2025 schema, strict validation, and the
// serializer. The signed message is the exact uncompressed JSON bytes (signedMessage below); a verifier
// never re-serializes. Compression of these bytes lives in payload/.

import { FlavorError } from '../errors.js';
import { FORMAT_NAME, LIMITS } from './constants.js';
import { checkJsonKeys } from './json-keys.js';
import { parseChain } from './operations.js';
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
  [key: string]: unknown;
}

export interface RuntimeEnv {
  unset?: string[];
  pass?: string[];
  set?: StringMap;
  map?: StringMap;
}

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
  compatibility?: Record<string, unknown>;
  cache_validation?: { check_file: string; expected_content?: string };
  setup_commands?: unknown[];
  runtime?: { env?: RuntimeEnv };
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
  return value;
}

function fail(path: string, expected: string, value?: unknown): never {
  const got = value === undefined ? 'it is missing' : `got ${describe(value)}`;
  throw new FlavorError('METADATA_SCHEMA', `metadata field ${path}: expected ${expected}, ${got}`, {
    details: { field: path },
  });
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  return typeof value === 'object' ? 'an object' : String(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function obj(parent: Record<string, unknown>, key: string, path: string): Record<string, unknown> {
  const value = parent[key];
  if (!isObject(value)) fail(`${path}${key}`, 'an object', value);
  return value;
}

function optObj(
  parent: Record<string, unknown>,
  key: string,
  path: string,
): Record<string, unknown> | undefined {
  return parent[key] === undefined ? undefined : obj(parent, key, path);
}

function str(parent: Record<string, unknown>, key: string, path: string, nonEmpty = true): string {
  const value = parent[key];
  if (typeof value !== 'string' || (nonEmpty && value.length === 0)) {
    fail(`${path}${key}`, nonEmpty ? 'a non-empty string' : 'a string', value);
  }
  return value;
}

function uint(parent: Record<string, unknown>, key: string, path: string): number {
  const value = parent[key];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    fail(`${path}${key}`, 'a non-negative integer', value);
  }
  return value;
}

function optStringMap(parent: Record<string, unknown>, key: string, path: string): void {
  const value = parent[key];
  if (value === undefined) return;
  if (!isObject(value)) fail(`${path}${key}`, 'an object of strings', value);
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') fail(`${path}${key}.${k}`, 'a string', v);
  }
}

function optStringList(parent: Record<string, unknown>, key: string, path: string): void {
  const value = parent[key];
  if (value === undefined) return;
  if (!Array.isArray(value)) fail(`${path}${key}`, 'an array of strings', value);
  value.forEach((v, i) => {
    if (typeof v !== 'string') fail(`${path}${key}[${i}]`, 'a string', v);
  });
}

function validateMetadata(value: unknown): asserts value is PackageMetadata {
  if (!isObject(value)) fail('(root)', 'an object', value);
  const format = str(value, 'format', '');
  if (format !== FORMAT_NAME) fail('format', `"${FORMAT_NAME}"`, format);
  if (value.format_version !== undefined) str(value, 'format_version', '', false);
  const pkg = obj(value, 'package', '');
  str(pkg, 'name', 'package.');
  str(pkg, 'version', 'package.');
  if (pkg.description !== undefined) str(pkg, 'description', 'package.', false);
  const slots = value.slots;
  if (!Array.isArray(slots)) fail('slots', 'an array', slots);
  slots.forEach((slot, i) => {
    validateSlot(slot, i);
  });
  const execution = obj(value, 'execution', '');
  uint(execution, 'primary_slot', 'execution.');
  str(execution, 'command', 'execution.');
  optStringMap(execution, 'env', 'execution.');
  optStringMap(execution, 'environment', 'execution.');
  optStringMap(execution, 'commands', 'execution.');
  const launcher = optObj(value, 'launcher', '');
  if (launcher) validateLauncher(launcher);
  const cache = optObj(value, 'cache_validation', '');
  if (cache) str(cache, 'check_file', 'cache_validation.');
  if (value.setup_commands !== undefined && !Array.isArray(value.setup_commands)) {
    fail('setup_commands', 'an array', value.setup_commands);
  }
  const runtime = optObj(value, 'runtime', '');
  const env = runtime && optObj(runtime, 'env', 'runtime.');
  if (env) {
    optStringList(env, 'unset', 'runtime.env.');
    optStringList(env, 'pass', 'runtime.env.');
    optStringMap(env, 'set', 'runtime.env.');
    optStringMap(env, 'map', 'runtime.env.');
  }
  const workenv = optObj(value, 'workenv', '');
  if (workenv) {
    optStringMap(workenv, 'env', 'workenv.');
    const dirs = workenv.directories;
    if (dirs !== undefined) {
      if (!Array.isArray(dirs)) fail('workenv.directories', 'an array', dirs);
      dirs.forEach((d, i) => {
        const p = `workenv.directories[${i}].`;
        if (!isObject(d)) fail(p.slice(0, -1), 'an object', d);
        str(d, 'path', p);
        if (d.mode !== undefined) str(d, 'mode', p);
      });
    }
  }
  for (const key of ['verification', 'build', 'compatibility']) optObj(value, key, '');
}

/**
 * The fields the launcher reads: tool and size (informational) and checksum, which must be "sha256:"
 * and 64 lower-case hex digits (upstream's doubled "sha256:sha256:" is accepted).
 */
function validateLauncher(launcher: Record<string, unknown>): void {
  if (launcher.tool !== undefined) str(launcher, 'tool', 'launcher.', false);
  if (launcher.size !== undefined) uint(launcher, 'size', 'launcher.');
  if (launcher.checksum !== undefined) {
    const checksum = str(launcher, 'checksum', 'launcher.');
    if (checksumHex(checksum) === undefined) {
      fail('launcher.checksum', '"sha256:" and 64 lowercase hex digits', checksum);
    }
  }
}

function validateSlot(slot: unknown, i: number): void {
  const p = `slots[${i}].`;
  if (!isObject(slot)) fail(`slots[${i}]`, 'an object', slot);
  const index = uint(slot, 'slot', p);
  if (index !== i) fail(`${p}slot`, `${i} (its position)`, index);
  str(slot, 'id', p);
  str(slot, 'target', p, false);
  uint(slot, 'size', p);
  if (slot.original_size !== undefined) uint(slot, 'original_size', p);
  const checksum = str(slot, 'checksum', p);
  if (!SHA256_CHECKSUM.test(checksum))
    fail(`${p}checksum`, '"sha256:" and 64 lowercase hex digits', checksum);
  parseChain(str(slot, 'operations', p, false));
  str(slot, 'purpose', p, false);
  str(slot, 'lifecycle', p, false);
  const perms = slot.permissions;
  if (perms !== undefined && perms !== null) {
    if (typeof perms !== 'string' || parsePermissions(perms) === undefined) {
      fail(`${p}permissions`, 'an octal mode string like "0755" or null', perms);
    }
  }
  if (slot.source !== undefined) str(slot, 'source', p, false);
}

/** The hex digest inside a "sha256:<hex>" checksum (upstream's doubled "sha256:sha256:" is accepted). */
export function checksumHex(checksum: string): string | undefined {
  const m = /^(?:sha256:){1,2}([0-9a-f]{64})$/.exec(checksum);
  return m?.[1];
}

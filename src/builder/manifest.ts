// Build manifests (upstream builder schema, JSON or TOML) → BuildSpec. Sources are resolved relative to
// the manifest's folder, never the current directory. Every error names the field.

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { FlavorError } from '../errors.js';
import {
  chainIsEncrypted,
  ENCRYPTION_ALGORITHM,
  KEY_SOURCE_FORMS,
  parseChain,
  parseKeySource,
} from '../format/index.js';
import { Checker, isTable } from '../schema/checker.js';
import { parseRuntimeEnv, RUNTIME_ENV_KEYS } from '../schema/runtime-env.js';
import { parseService, SERVICE_KEYS } from '../schema/service.js';
import type {
  BuildSpec,
  RuntimeEnvSpec,
  SetupCommandSpec,
  SlotEncryptionSpec,
  SlotSpec,
} from './build-spec.js';

export interface LoadedManifest {
  spec: BuildSpec;
}

type Json = Record<string, unknown>;

function invalid(file: string, field: string, message: string, hint?: string): FlavorError {
  return new FlavorError('MANIFEST_INVALID', `${field}: ${message}`, {
    path: file,
    hint,
    details: { field },
  });
}

export async function loadBuildManifest(file: string): Promise<LoadedManifest> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (cause) {
    throw new FlavorError('NOT_FOUND', 'cannot read the build manifest', { path: file, cause });
  }
  let doc: unknown;
  try {
    doc = file.endsWith('.toml') ? parseToml(text) : JSON.parse(text);
  } catch (cause) {
    throw new FlavorError(
      'MANIFEST_INVALID',
      `not valid ${file.endsWith('.toml') ? 'TOML' : 'JSON'}: ${(cause as Error).message}`,
      {
        path: file,
        cause,
      },
    );
  }
  return manifestToSpec(doc, file);
}

/** The checks of one manifest file: failures are MANIFEST_INVALID naming the file and the field. */
function checkerFor(file: string): Checker {
  return new Checker(
    (field, expected) => {
      throw invalid(file, field, `must be ${expected}`);
    },
    { table: 'a table/object' },
  );
}

export function manifestToSpec(doc: unknown, file: string): LoadedManifest {
  const base = path.dirname(path.resolve(file));
  const check = checkerFor(file);
  const root = check.table(doc, '(root)');
  if (root.format !== undefined && root.format !== 'PSPF/2025') {
    throw invalid(
      file,
      'format',
      `"${String(root.format)}" is not supported`,
      'use "PSPF/2025" or leave it out',
    );
  }
  const pkg = check.table(root.package, 'package');
  const execution = check.table(root.execution, 'execution');
  const slots = check.array(root.slots ?? [], 'slots').map((raw, i) => parseSlot(check, file, base, raw, i));
  const spec: BuildSpec = {
    package: {
      name: check.string(pkg.name, 'package.name'),
      version: check.string(pkg.version, 'package.version'),
      ...(typeof pkg.description === 'string' ? { description: pkg.description } : {}),
    },
    execution: parseExecution(check, execution),
    slots,
  };
  if (root.runtime !== undefined) {
    const runtime = check.table(root.runtime, 'runtime');
    checkRuntimeKeys(file, runtime);
    const service = parseService(check, runtime, 'runtime');
    if (service) spec.service = service;
    if (runtime.env !== undefined || !service) {
      spec.runtime = { env: parseManifestRuntimeEnv(check, file, runtime.env ?? {}) };
    }
  }
  if (root.workenv !== undefined) spec.workenv = parseWorkenv(check, root.workenv);
  if (root.cache_validation !== undefined) {
    const cv = check.table(root.cache_validation, 'cache_validation');
    const expected = check.optString(cv.expected_content, 'cache_validation.expected_content', {
      nonEmpty: false,
    });
    spec.cacheValidation = {
      checkFile: check.string(cv.check_file, 'cache_validation.check_file'),
      ...(expected === undefined ? {} : { expectedContent: expected }),
    };
  }
  if (root.setup_commands !== undefined) spec.setupCommands = setupCommands(root.setup_commands, file);
  return { spec };
}

/**
 * The metadata label of a source: its path relative to the manifest's folder with `/` separators
 * (`./data.txt` → `data.txt`), or "" for a source outside that folder (absolute elsewhere, `../x`),
 * so no build-machine path ever reaches the signed metadata.
 */
export function projectLabel(projectDir: string, source: string): string {
  const rel = path.relative(projectDir, source);
  if (rel === '') return '.';
  if (rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) return '';
  return rel.split(path.sep).join('/');
}

const OLD_SLOT_KEYS = ['name', 'path', 'encoding', 'extract_to'];

function parseSlot(check: Checker, file: string, base: string, raw: unknown, i: number): SlotSpec {
  const field = `slots[${i}]`;
  const slot = check.table(raw, field);
  for (const key of OLD_SLOT_KEYS) {
    if (key in slot)
      throw invalid(
        file,
        `${field}.${key}`,
        'is a key of an older schema',
        'use id, source, target, operations',
      );
  }
  if (slot.slot !== undefined && slot.slot !== i) {
    throw invalid(file, `${field}.slot`, `is ${String(slot.slot)}, but the slot is at position ${i}`);
  }
  const source = check.string(slot.source, `${field}.source`);
  if (source.includes('{workenv}') || source === '$SELF') {
    throw invalid(
      file,
      `${field}.source`,
      `"${source}" is not supported`,
      'give a path relative to the manifest',
    );
  }
  const permissions = slot.permissions;
  if (permissions !== undefined && permissions !== null && typeof permissions !== 'string') {
    check.fail(`${field}.permissions`, 'an octal string like "0755"', permissions);
  }
  const level =
    slot.compression_level === undefined
      ? undefined
      : check.int(slot.compression_level, `${field}.compression_level`);
  const platform = check.optString(slot.platform, `${field}.platform`);
  const optional = (key: string, fallback: string) =>
    check.optString(slot[key], `${field}.${key}`, { nonEmpty: false }) ?? fallback;
  const operations = optional('operations', 'raw');
  const encryption = parseSlotEncryption(
    check,
    field,
    {
      encryption: slot.encryption,
      keySource: slot.key_source,
      operations,
      operationsKey: 'operations',
      base,
    },
    (key, message, hint) => invalid(file, key, message, hint),
  );
  return {
    id: check.string(slot.id, `${field}.id`),
    source: path.resolve(base, source),
    label: projectLabel(base, path.resolve(base, source)),
    target: check.string(slot.target, `${field}.target`),
    operations,
    purpose: optional('purpose', 'data'),
    lifecycle: optional('lifecycle', 'runtime'),
    ...(typeof permissions === 'string' ? { permissions } : {}),
    ...(platform === undefined ? {} : { platform }),
    ...(level === undefined ? {} : { compressionLevel: level }),
    ...(encryption ? { encryption } : {}),
  };
}

/** What a slot table holds for encryption, and how its reader reports a problem. */
export interface SlotEncryptionInput {
  encryption: unknown;
  keySource: unknown;
  /** The chain text as written, and the key it was written under ("operations", "compression"). */
  operations: string | undefined;
  operationsKey: string;
  /** The folder relative `file:` key paths are read from at build time. */
  base: string;
}

/**
 * `encryption = "aes256-gcm"` with `key_source = "env:NAME" | "file:PATH" | "prompt"` (both or neither).
 * The chain stays the compression chain: the builder adds the encryption op itself. Shared by build
 * manifests and [[tool.flavor.slots]]; `fail(key, message, hint)` raises the reader's own error.
 */
export function parseSlotEncryption(
  check: Checker,
  field: string,
  input: SlotEncryptionInput,
  fail: (key: string, message: string, hint: string) => FlavorError,
): SlotEncryptionSpec | undefined {
  const algorithm = check.optString(input.encryption, `${field}.encryption`);
  const keySource = check.optString(input.keySource, `${field}.key_source`);
  let chain: number[] = [];
  try {
    chain = input.operations === undefined ? [] : parseChain(input.operations);
  } catch {
    // the chain's own reader reports a bad chain
  }
  if (chainIsEncrypted(chain)) {
    throw fail(
      `${field}.${input.operationsKey}`,
      `"${input.operations}" names the encryption operation`,
      `keep ${input.operationsKey} for compression and set encryption = "${ENCRYPTION_ALGORITHM}" and key_source`,
    );
  }
  if (algorithm === undefined) {
    if (keySource !== undefined) {
      throw fail(
        `${field}.key_source`,
        'is set but the slot has no encryption',
        `add encryption = "${ENCRYPTION_ALGORITHM}"`,
      );
    }
    return undefined;
  }
  if (algorithm !== ENCRYPTION_ALGORITHM) {
    throw fail(`${field}.encryption`, `"${algorithm}" is not supported`, `use "${ENCRYPTION_ALGORITHM}"`);
  }
  if (keySource === undefined)
    throw fail(`${field}.key_source`, 'is required with encryption', `use ${KEY_SOURCE_FORMS}`);
  if (!parseKeySource(keySource)) {
    throw fail(`${field}.key_source`, `"${keySource}" is not a key source`, `use ${KEY_SOURCE_FORMS}`);
  }
  return { algorithm: ENCRYPTION_ALGORITHM, keySource, keyBaseDir: input.base };
}

function parseExecution(check: Checker, execution: Json): BuildSpec['execution'] {
  const env = check.stringMap(execution.env ?? execution.environment ?? {}, 'execution.env');
  const primary = check.uint(execution.primary_slot ?? 0, 'execution.primary_slot');
  return {
    command: check.string(execution.command, 'execution.command'),
    env,
    primarySlot: primary,
    ...(execution.commands === undefined
      ? {}
      : { commands: check.stringMap(execution.commands, 'execution.commands') }),
  };
}

const RUNTIME_KEYS = ['env', ...SERVICE_KEYS];

function checkRuntimeKeys(file: string, runtime: Json): void {
  for (const key of Object.keys(runtime)) {
    if (!RUNTIME_KEYS.includes(key))
      throw invalid(file, `runtime.${key}`, 'unknown key', `use ${RUNTIME_KEYS.join(', ')}`);
  }
}

function parseManifestRuntimeEnv(check: Checker, file: string, value: unknown): RuntimeEnvSpec {
  const table = check.table(value, 'runtime.env');
  for (const key of Object.keys(table)) {
    if (!(RUNTIME_ENV_KEYS as readonly string[]).includes(key))
      throw invalid(file, `runtime.env.${key}`, 'unknown key', `use ${RUNTIME_ENV_KEYS.join(', ')}`);
  }
  return parseRuntimeEnv(check, table, 'runtime.env');
}

function parseWorkenv(check: Checker, value: unknown): NonNullable<BuildSpec['workenv']> {
  const workenv = check.table(value, 'workenv');
  const out: NonNullable<BuildSpec['workenv']> = {};
  if (workenv.directories !== undefined) {
    out.directories = check.array(workenv.directories, 'workenv.directories').map((d, i) => {
      const dir = check.table(d, `workenv.directories[${i}]`);
      const mode = check.optString(dir.mode, `workenv.directories[${i}].mode`, { nonEmpty: false });
      return { path: check.string(dir.path, `workenv.directories[${i}].path`), ...(mode ? { mode } : {}) };
    });
  }
  if (workenv.env !== undefined) out.env = check.stringMap(workenv.env, 'workenv.env');
  return out;
}

const SETUP_TYPES = new Set(['enumerate_and_execute', 'execute', 'write_file', 'chmod']);

function setupCommands(value: unknown, file: string): SetupCommandSpec[] {
  if (!Array.isArray(value)) throw invalid(file, 'setup_commands', 'must be an array');
  return value.map((cmd, i) => {
    const field = `setup_commands[${i}]`;
    if (!isTable(cmd) || typeof cmd.type !== 'string' || !SETUP_TYPES.has(cmd.type)) {
      throw invalid(
        file,
        field,
        'must be an object with type enumerate_and_execute, execute, write_file or chmod',
      );
    }
    return cmd as SetupCommandSpec;
  });
}

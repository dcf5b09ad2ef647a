// Build manifests (upstream builder schema, JSON or TOML) → BuildSpec. Sources are resolved relative to
// the manifest's folder, never the current directory. Every error names the field.

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { FlavorError } from '../errors.js';
import type { BuildSpec, RuntimeEnvSpec, SetupCommandSpec, SlotSpec } from './build-spec.js';

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

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

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

export function manifestToSpec(doc: unknown, file: string): LoadedManifest {
  const base = path.dirname(path.resolve(file));
  const need = (v: unknown, field: string): Json => {
    if (!isObject(v)) throw invalid(file, field, 'must be a table/object');
    return v;
  };
  const str = (obj: Json, key: string, field: string, required = true): string | undefined => {
    const v = obj[key];
    if (v === undefined && !required) return undefined;
    if (typeof v !== 'string' || (required && v.trim() === ''))
      throw invalid(file, field, 'must be a non-empty string');
    return v;
  };
  const root = need(doc, '(root)');
  if (root.format !== undefined && root.format !== 'PSPF/2025') {
    throw invalid(
      file,
      'format',
      `"${String(root.format)}" is not supported`,
      'use "PSPF/2025" or leave it out',
    );
  }
  const pkg = need(root.package, 'package');
  const execution = need(root.execution, 'execution');
  const slotsValue = root.slots ?? [];
  if (!Array.isArray(slotsValue)) throw invalid(file, 'slots', 'must be an array');
  const slots: SlotSpec[] = slotsValue.map((raw, i) => {
    const field = `slots[${i}]`;
    const slot = need(raw, field);
    for (const key of ['name', 'path', 'encoding', 'extract_to']) {
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
    const source = str(slot, 'source', `${field}.source`)!;
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
      throw invalid(file, `${field}.permissions`, 'must be an octal string like "0755"');
    }
    const level = slot.compression_level;
    if (level !== undefined && (typeof level !== 'number' || !Number.isInteger(level))) {
      throw invalid(file, `${field}.compression_level`, 'must be an integer');
    }
    return {
      id: str(slot, 'id', `${field}.id`)!,
      source: path.resolve(base, source),
      label: projectLabel(base, path.resolve(base, source)),
      target: str(slot, 'target', `${field}.target`)!,
      operations: str(slot, 'operations', `${field}.operations`, false) ?? 'raw',
      purpose: str(slot, 'purpose', `${field}.purpose`, false) ?? 'data',
      lifecycle: str(slot, 'lifecycle', `${field}.lifecycle`, false) ?? 'runtime',
      ...(typeof permissions === 'string' ? { permissions } : {}),
      ...(typeof level === 'number' ? { compressionLevel: level } : {}),
    };
  });
  const env = stringMap(execution.env ?? execution.environment ?? {}, 'execution.env', file);
  const primary = execution.primary_slot ?? 0;
  if (typeof primary !== 'number' || !Number.isInteger(primary) || primary < 0) {
    throw invalid(file, 'execution.primary_slot', 'must be a non-negative integer');
  }
  const spec: BuildSpec = {
    package: {
      name: str(pkg, 'name', 'package.name')!,
      version: str(pkg, 'version', 'package.version')!,
      ...(typeof pkg.description === 'string' ? { description: pkg.description } : {}),
    },
    execution: {
      command: str(execution, 'command', 'execution.command')!,
      env,
      primarySlot: primary,
      ...(execution.commands === undefined
        ? {}
        : { commands: stringMap(execution.commands, 'execution.commands', file) }),
    },
    slots,
  };
  if (root.runtime !== undefined) {
    const runtime = need(root.runtime, 'runtime');
    spec.runtime = { env: runtimeEnv(runtime.env ?? {}, file) };
  }
  if (root.workenv !== undefined) {
    const workenv = need(root.workenv, 'workenv');
    spec.workenv = {};
    if (workenv.directories !== undefined) {
      if (!Array.isArray(workenv.directories)) throw invalid(file, 'workenv.directories', 'must be an array');
      spec.workenv.directories = workenv.directories.map((d, i) => {
        const dir = need(d, `workenv.directories[${i}]`);
        const mode = str(dir, 'mode', `workenv.directories[${i}].mode`, false);
        return { path: str(dir, 'path', `workenv.directories[${i}].path`)!, ...(mode ? { mode } : {}) };
      });
    }
    if (workenv.env !== undefined) spec.workenv.env = stringMap(workenv.env, 'workenv.env', file);
  }
  if (root.cache_validation !== undefined) {
    const cv = need(root.cache_validation, 'cache_validation');
    const expected = str(cv, 'expected_content', 'cache_validation.expected_content', false);
    spec.cacheValidation = {
      checkFile: str(cv, 'check_file', 'cache_validation.check_file')!,
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

function stringMap(value: unknown, field: string, file: string): Record<string, string> {
  if (!isObject(value)) throw invalid(file, field, 'must be a table of strings');
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw invalid(file, `${field}.${k}`, 'must be a string');
  }
  return value as Record<string, string>;
}

function stringList(value: unknown, field: string, file: string): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw invalid(file, field, 'must be a list of strings');
  }
  return value as string[];
}

function runtimeEnv(value: unknown, file: string): RuntimeEnvSpec {
  if (!isObject(value)) throw invalid(file, 'runtime.env', 'must be a table');
  const known = new Set(['unset', 'pass', 'set', 'map']);
  for (const key of Object.keys(value)) {
    if (!known.has(key))
      throw invalid(file, `runtime.env.${key}`, 'unknown key', 'use unset, pass, set or map');
  }
  return {
    ...(value.unset === undefined ? {} : { unset: stringList(value.unset, 'runtime.env.unset', file) }),
    ...(value.pass === undefined ? {} : { pass: stringList(value.pass, 'runtime.env.pass', file) }),
    ...(value.set === undefined ? {} : { set: stringMap(value.set, 'runtime.env.set', file) }),
    ...(value.map === undefined ? {} : { map: stringMap(value.map, 'runtime.env.map', file) }),
  };
}

const SETUP_TYPES = new Set(['enumerate_and_execute', 'execute', 'write_file', 'chmod']);

function setupCommands(value: unknown, file: string): SetupCommandSpec[] {
  if (!Array.isArray(value)) throw invalid(file, 'setup_commands', 'must be an array');
  return value.map((cmd, i) => {
    const field = `setup_commands[${i}]`;
    if (!isObject(cmd) || typeof cmd.type !== 'string' || !SETUP_TYPES.has(cmd.type)) {
      throw invalid(
        file,
        field,
        'must be an object with type enumerate_and_execute, execute, write_file or chmod',
      );
    }
    return cmd as SetupCommandSpec;
  });
}

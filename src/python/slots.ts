// [[tool.flavor.slots]]: slots the project adds after the built-in runtime, site-packages and app slots
// (docs/python.md). `parseSlots` checks everything the text alone decides (keys, names, targets, clashes);
// `checkSlotSources` checks the files (exists, inside the project, folder ⇔ tar chain). Both run while
// pyproject.toml is read, before any interpreter, runtime or dependency work.

import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { SlotEncryptionSpec } from '../builder/build-spec.js';
import { SLOT_PLATFORMS } from '../builder/launchers.js';
import { parseSlotEncryption, projectLabel } from '../builder/manifest.js';
import { FlavorError } from '../errors.js';
import { chainHasTar, LIFECYCLE_NAMES, OP, parseChain, parsePermissions } from '../format/index.js';
import { levelRange } from '../payload/index.js';
import type { Checker, Table } from '../schema/checker.js';

/** One [[tool.flavor.slots]] entry, checked; `source` is absolute. */
export interface ProjectSlot {
  id: string;
  source: string;
  /** The source relative to the project (POSIX separators): what the metadata records. */
  label: string;
  /** "{workenv}/…" (never the workenv itself). */
  target: string;
  purpose: string;
  lifecycle: string;
  /** The operation chain as written ("tar.zst", "gzip"); undefined: chosen from --compression and the source's kind. */
  operations: string | undefined;
  compressionLevel: number | undefined;
  permissions: string | undefined;
  platform: string | undefined;
  /** encryption + key_source (docs/supply-chain.md); undefined: stored unencrypted. */
  encryption: SlotEncryptionSpec | undefined;
  /** The key prefix in messages: "tool.flavor.slots[0]". */
  key: string;
}

/** What the slot readers need from the pyproject reader. */
export interface SlotContext {
  check: Checker;
  path: string;
  projectDir: string;
  warnings: string[];
}

const SLOT_KEYS = [
  'id',
  'source',
  'purpose',
  'lifecycle',
  'extract_to',
  'target',
  'permissions',
  'compression',
  'compression_level',
  'platform',
  'encryption',
  'key_source',
];

/** The built-in slots of a Python package and what they own in the workenv. */
export const BUILTIN_SLOT_IDS = ['runtime', 'site-packages', 'app'] as const;
/** Top-level names of the workenv the built-in slots write: the runtime's bin/ and lib/ (site-packages inside), the app's app/. */
const BUILTIN_TOP = { bin: 'runtime', lib: 'runtime (and site-packages)', app: 'app' } as const;

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const PURPOSES = ['data', 'code', 'config', 'media', 'payload', 'tool', 'runtime'];
const SEGMENT_RE = /^[^\0/\\:*?"<>|]+$/;

/** Parse tool.flavor.slots (absent: no slots). */
export function parseSlots(ctx: SlotContext, value: unknown): ProjectSlot[] {
  if (value === undefined) return [];
  const items = ctx.check.array(value, 'tool.flavor.slots', 'an array of tables ([[tool.flavor.slots]])');
  const slots = items.map((item, i) => parseSlot(ctx, item, `tool.flavor.slots[${i}]`));
  checkIds(ctx, slots);
  checkTargets(ctx, slots);
  return slots;
}

function parseSlot(ctx: SlotContext, item: unknown, key: string): ProjectSlot {
  const { check } = ctx;
  const table = check.table(item, key);
  checkSlotKeys(ctx, table, key);
  for (const name of ['id', 'source']) {
    if (table[name] === undefined) {
      throw new FlavorError('PROJECT_INVALID', `${key}.${name} is missing`, {
        path: ctx.path,
        hint: 'every [[tool.flavor.slots]] needs id and source, e.g. id = "data" and source = "data"',
      });
    }
  }
  const id = check.string(table.id, `${key}.id`, {
    pattern: ID_RE,
    what: 'a slot id of letters, digits, ".", "_", "-" (at most 64, starting with a letter or digit)',
  });
  const source = readSource(ctx, table.source, `${key}.source`);
  const lifecycle = check.optString(table.lifecycle, `${key}.lifecycle`) ?? 'runtime';
  if (!LIFECYCLE_NAMES.includes(lifecycle)) {
    check.fail(`${key}.lifecycle`, `one of ${LIFECYCLE_NAMES.join(', ')} (docs/workenv.md)`, lifecycle);
  }
  const operations = check.optString(table.compression, `${key}.compression`);
  return {
    id,
    source,
    label: projectLabel(ctx.projectDir, source),
    target: readTarget(ctx, table, key, id),
    purpose:
      check.optString(table.purpose, `${key}.purpose`, { pattern: oneOf(PURPOSES), what: list(PURPOSES) }) ??
      'data',
    lifecycle,
    operations: operations === undefined ? undefined : readChain(ctx, operations, `${key}.compression`),
    compressionLevel: readLevel(ctx, table.compression_level, operations, key),
    permissions: readPermissions(ctx, table.permissions, `${key}.permissions`),
    platform: check.optString(table.platform, `${key}.platform`, {
      pattern: oneOf(SLOT_PLATFORMS),
      what: list(SLOT_PLATFORMS),
    }),
    encryption: parseSlotEncryption(
      check,
      key,
      {
        encryption: table.encryption,
        keySource: table.key_source,
        operations,
        operationsKey: 'compression',
        base: ctx.projectDir,
      },
      (field, message, hint) =>
        new FlavorError('PROJECT_INVALID', `${field}: ${message}`, { path: ctx.path, hint }),
    ),
    key,
  };
}

function oneOf(names: readonly string[]): RegExp {
  return new RegExp(`^(${names.map((n) => n.replace(/[.]/g, '\\.')).join('|')})$`);
}

function list(names: readonly string[]): string {
  return `one of ${names.map((n) => JSON.stringify(n)).join(', ')}`;
}

/** Unknown keys are warnings (errors with --strict). */
function checkSlotKeys(ctx: SlotContext, table: Table, key: string): void {
  for (const name of Object.keys(table)) {
    if (!SLOT_KEYS.includes(name)) {
      ctx.warnings.push(
        `pyproject.toml: unknown key ${key}.${name} (ignored; known keys: ${SLOT_KEYS.join(', ')})`,
      );
    }
  }
}

/** `source`: a path relative to the project that stays inside it. */
function readSource(ctx: SlotContext, value: unknown, key: string): string {
  const what =
    'a file or folder relative to pyproject.toml, inside the project (like "data" or "config/app.toml")';
  const text = ctx.check.string(value, key, { what });
  const absolute = resolve(ctx.projectDir, text);
  if (isAbsolute(text) || !isInside(ctx.projectDir, absolute)) ctx.check.fail(key, what, value);
  return absolute;
}

function isInside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/** `target` or its alias `extract_to` (default "{workenv}/<id>"): a path below {workenv}, normalised. */
function readTarget(ctx: SlotContext, table: Table, key: string, id: string): string {
  if (table.target !== undefined && table.extract_to !== undefined) {
    throw new FlavorError(
      'PROJECT_INVALID',
      `${key} has both target and extract_to (they are the same key)`,
      {
        path: ctx.path,
        hint: 'keep one of them',
      },
    );
  }
  const name = table.target !== undefined ? 'target' : 'extract_to';
  const what =
    'a path below the workenv like "{workenv}/data" (no absolute path, no "..", not {workenv} itself)';
  const raw = table[name];
  if (raw === undefined) return `{workenv}/${id}`;
  const text = ctx.check.string(raw, `${key}.${name}`, { what });
  const match = /^\{workenv\}\/(.+)$/.exec(text);
  const segments = match ? match[1]!.replace(/\/+$/, '').split('/') : [];
  const ok = segments.length > 0 && segments.every((s) => SEGMENT_RE.test(s) && s !== '.' && s !== '..');
  if (!ok) ctx.check.fail(`${key}.${name}`, what, raw);
  return `{workenv}/${segments.join('/')}`;
}

function readChain(ctx: SlotContext, text: string, key: string): string {
  try {
    parseChain(text);
  } catch {
    ctx.check.fail(
      key,
      'an operation chain like "tar.zst", "tar.gz", "tar.xz" (folders) or "zstd", "gzip", "xz", "raw" (files)',
      text,
    );
  }
  return text;
}

/** compression_level: an integer in the range of the chain's compressor (needs `compression`). */
function readLevel(
  ctx: SlotContext,
  value: unknown,
  operations: string | undefined,
  key: string,
): number | undefined {
  if (value === undefined) return undefined;
  const field = `${key}.compression_level`;
  const level = ctx.check.int(value, field);
  const compressor =
    operations === undefined ? undefined : parseChain(operations).find((op) => op !== OP.TAR);
  const range = compressor === undefined ? undefined : levelRange(compressor);
  if (range === undefined) {
    ctx.check.fail(
      field,
      'no level unless compression names a compressor (like compression = "tar.zst")',
      value,
    );
  }
  if (level < range.min || level > range.max) {
    ctx.check.fail(field, `an integer from ${range.min} to ${range.max} for ${operations}`, value);
  }
  return level;
}

function readPermissions(ctx: SlotContext, value: unknown, key: string): string | undefined {
  const what = 'an octal mode string like "0644" or "0755"';
  const text = ctx.check.optString(value, key, { what });
  if (text !== undefined && parsePermissions(text) === undefined) ctx.check.fail(key, what, value);
  return text;
}

function checkIds(ctx: SlotContext, slots: ProjectSlot[]): void {
  const seen = new Map<string, string>(BUILTIN_SLOT_IDS.map((id) => [id, `the built-in ${id} slot`]));
  for (const slot of slots) {
    const other = seen.get(slot.id);
    if (other !== undefined) {
      throw new FlavorError('PROJECT_INVALID', `${slot.key}.id = "${slot.id}" is already used by ${other}`, {
        path: ctx.path,
        hint: `give every slot its own id (${BUILTIN_SLOT_IDS.join(', ')} are taken by the built-in slots)`,
      });
    }
    seen.set(slot.id, slot.key);
  }
}

/**
 * No two slots write the same place: a target may not equal, contain or lie inside another's, nor a
 * built-in slot's (bin/ and lib/ of the runtime, app/). Compared without case: macOS and Windows
 * workenvs are on case-insensitive file systems. Slots whose platforms exclude each other ("linux" and
 * "darwin", "linux_amd64" and "linux_arm64") never land on the same machine and may share a target.
 */
function checkTargets(ctx: SlotContext, slots: ProjectSlot[]): void {
  const paths = slots.map((s) => s.target.slice('{workenv}/'.length).toLowerCase());
  slots.forEach((slot, i) => {
    const top = paths[i]!.split('/')[0]! as keyof typeof BUILTIN_TOP;
    if (Object.hasOwn(BUILTIN_TOP, top)) {
      clash(ctx, slot, `the built-in ${BUILTIN_TOP[top]} slot's {workenv}/${top}`);
    }
    for (let j = 0; j < i; j++) {
      const a = paths[j]!;
      const b = paths[i]!;
      const overlap = a === b || b.startsWith(`${a}/`) || a.startsWith(`${b}/`);
      if (overlap && platformsMeet(slots[j]!.platform, slot.platform)) {
        clash(ctx, slot, `${slots[j]!.key} (${slots[j]!.target})`);
      }
    }
  });
}

/** Whether one machine can extract slots for both platforms (undefined: every machine). */
function platformsMeet(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return true;
  const [osA, archA] = a.split('_');
  const [osB, archB] = b.split('_');
  return osA === osB && (archA === undefined || archB === undefined || archA === archB);
}

function clash(ctx: SlotContext, slot: ProjectSlot, other: string): never {
  throw new FlavorError(
    'PROJECT_INVALID',
    `${slot.key} target "${slot.target}" overlaps ${other}: two slots would write the same files`,
    {
      path: ctx.path,
      hint: 'give each slot its own folder below {workenv}, e.g. target = "{workenv}/data"',
    },
  );
}

/**
 * The files behind the slots: each source exists, is a file or a folder, really lies inside the project
 * (links followed), and fits its chain (a folder needs a tar chain; permissions are for a file).
 */
export function checkSlotSources(slots: ProjectSlot[], projectDir: string, manifestPath: string): void {
  const projectReal = realpathSync(projectDir);
  for (const slot of slots) {
    const fail = (message: string, hint: string) =>
      new FlavorError('SOURCE_INVALID', `${slot.key}.source = "${slot.label}": ${message}`, {
        path: manifestPath,
        hint,
      });
    const real = realpathOrUndefined(slot.source);
    if (real === undefined) {
      throw fail(
        'no such file or folder',
        `create ${slot.label} in the project, or fix ${slot.key}.source (relative to pyproject.toml)`,
      );
    }
    if (!isInside(projectReal, real)) {
      throw fail('leads outside the project (through a link)', 'copy the data into the project folder');
    }
    const stat = statSync(real);
    if (!stat.isFile() && !stat.isDirectory()) {
      throw fail('is neither a file nor a folder', 'point it at a file or a folder');
    }
    if (stat.isDirectory() && slot.operations !== undefined && !chainHasTar(parseChain(slot.operations))) {
      throw fail(
        `is a folder, so compression must be a tar chain (not "${slot.operations}")`,
        'use compression = "tar.zst", "tar.gz" or "tar.xz" (or leave it out)',
      );
    }
    if (stat.isDirectory() && slot.permissions !== undefined) {
      throw fail(
        'is a folder: permissions apply to a single-file slot',
        'remove permissions (a folder keeps the modes of its files)',
      );
    }
  }
}

function realpathOrUndefined(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

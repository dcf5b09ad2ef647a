// Checks a BuildSpec before anything is written: every mistake is reported with the field it is in.

import { promises as fs } from 'node:fs';
import { FlavorError } from '../errors.js';
import {
  chainHasTar,
  LIFECYCLE_NAMES,
  lifecycleCode,
  parseChain,
  parsePermissions,
} from '../format/index.js';
import type { BuildSpec } from './build-spec.js';
import { SLOT_PLATFORMS } from './launchers.js';

function invalid(field: string, message: string, hint?: string): FlavorError {
  return new FlavorError('MANIFEST_INVALID', `${field}: ${message}`, { hint, details: { field } });
}

const PLACEHOLDER_TARGET = /^\{workenv\}(\/.*)?$/;

export async function validateBuildSpec(spec: BuildSpec): Promise<void> {
  if (!spec.package.name.trim()) throw invalid('package.name', 'must not be empty');
  if (!spec.package.version.trim()) throw invalid('package.version', 'must not be empty');
  if (!spec.execution.command.trim()) throw invalid('execution.command', 'must not be empty');
  if (spec.slots.length > 0 && spec.execution.primarySlot >= spec.slots.length) {
    throw invalid(
      'execution.primary_slot',
      `is ${spec.execution.primarySlot}, but there are ${spec.slots.length} slots`,
    );
  }
  const ids = new Set<string>();
  for (const [i, slot] of spec.slots.entries()) {
    const field = `slots[${i}]`;
    if (!slot.id) throw invalid(`${field}.id`, 'must not be empty');
    if (ids.has(slot.id)) throw invalid(`${field}.id`, `"${slot.id}" is used by two slots`);
    ids.add(slot.id);
    const target = slot.target.replace(/\\/g, '/');
    if (target.startsWith('/') || target.split('/').includes('..') || /^[A-Za-z]:/.test(target)) {
      throw invalid(
        `${field}.target`,
        `"${slot.target}" must stay inside the workenv`,
        'use "{workenv}" or "{workenv}/sub/path"',
      );
    }
    if (target.includes('{') && !PLACEHOLDER_TARGET.test(target)) {
      throw invalid(`${field}.target`, `"${slot.target}": only a leading {workenv} placeholder is allowed`);
    }
    let chain: number[];
    try {
      chain = parseChain(slot.operations);
    } catch (cause) {
      const e = cause as FlavorError;
      throw new FlavorError('MANIFEST_INVALID', `${field}.operations: ${e.message}`, { hint: e.hint, cause });
    }
    if (lifecycleCode(slot.lifecycle) === undefined) {
      throw invalid(
        `${field}.lifecycle`,
        `unknown lifecycle "${slot.lifecycle}"`,
        `use one of: ${LIFECYCLE_NAMES.join(', ')}`,
      );
    }
    if (slot.platform !== undefined && !SLOT_PLATFORMS.includes(slot.platform)) {
      throw invalid(
        `${field}.platform`,
        `unknown platform "${slot.platform}"`,
        `use one of: ${SLOT_PLATFORMS.join(', ')} (or leave it out: every machine)`,
      );
    }
    if (slot.permissions !== undefined && parsePermissions(slot.permissions) === undefined) {
      throw invalid(`${field}.permissions`, `"${slot.permissions}" is not an octal mode`, 'e.g. "0755"');
    }
    let stat: import('node:fs').Stats;
    try {
      stat = await fs.stat(slot.source);
    } catch (cause) {
      throw new FlavorError('SOURCE_INVALID', `${field}.source: cannot read ${slot.source}`, {
        cause,
        path: slot.source,
      });
    }
    if (stat.isDirectory() && !chainHasTar(chain)) {
      throw new FlavorError(
        'SOURCE_INVALID',
        `${field}.source is a directory, so its operations must start with tar`,
        {
          path: slot.source,
          hint: 'use "tar.zst", "tar.gz" or "tar"',
        },
      );
    }
    if (stat.isDirectory() && chain[0] !== 0x01) {
      throw new FlavorError(
        'SOURCE_INVALID',
        `${field}.operations must start with tar for a directory source`,
        {
          path: slot.source,
        },
      );
    }
    // A file with a tar chain is a prepared archive, stored as-is once proven (payload/prepared.ts).
    if (!stat.isDirectory() && !stat.isFile()) {
      throw new FlavorError('SOURCE_INVALID', `${field}.source is neither a file nor a directory`, {
        path: slot.source,
      });
    }
  }
}

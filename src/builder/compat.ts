// `flavor pack --compat upstream`: a BuildSpec that the original FlavorPack's released launchers (0.5.4)
// can run, not only ours (docs/compat.md). Their launchers decode gzip only, refuse symlinks in tar
// slots, extract tar slots into {workenv} whatever the target says (Rust) or into the target's parent
// (Go), and split the command on whitespace without quotes (Rust). So:
//   * chains with zstd, xz or bzip2 are refused (the Python pipeline picks gzip in this mode);
//   * tar slots get target {workenv}, their archive entries carry the sub-folder instead;
//   * symlinks in tar slots are stored as copies of their files;
//   * a quoted first command word without spaces ("{workenv}/bin/python3.13") loses its quotes, and a
//     program inside the workenv is started through /usr/bin/env (so its argv[0] is its own path).
// Our launcher runs the result exactly like the default build.

import { stat } from 'node:fs/promises';
import { FlavorError } from '../errors.js';
import { chainHasTar, chainName, parseChain } from '../format/index.js';
import type { BuildSpec, SlotSpec } from './build-spec.js';

/** The values of pack()'s `compat` option (`--compat`; docs/compat.md). */
export const COMPAT_MODES = ['upstream'] as const;
export type CompatMode = (typeof COMPAT_MODES)[number];

/** Operation codes upstream's 0.5.4 launchers decode: tar and gzip. */
const UPSTREAM_OPS = new Set([0x01, 0x10]);

export interface CompatResult {
  spec: BuildSpec;
  /** What was changed, one line each (printed by `flavor pack`). */
  notes: string[];
}

export async function applyUpstreamCompat(spec: BuildSpec): Promise<CompatResult> {
  const notes: string[] = [];
  const slots: SlotSpec[] = [];
  for (const [i, slot] of spec.slots.entries()) {
    const isFile = (await stat(slot.source).catch(() => undefined))?.isFile() === true;
    slots.push(compatSlot(slot, i, isFile, notes));
    if (slot.platform !== undefined) {
      notes.push(
        `warning: slot ${slot.id} is for ${slot.platform} only, but upstream's launchers extract it on every machine`,
      );
    }
  }
  const command = compatCommand(spec.execution.command);
  if (command !== spec.execution.command) notes.push(`command: ${command}`);
  if (/["'\\]/.test(command)) {
    notes.push(
      "warning: the command has quotes or backslashes, which upstream's Rust launcher keeps literally",
    );
  }
  return { spec: { ...spec, slots, execution: { ...spec.execution, command } }, notes };
}

function compatSlot(slot: SlotSpec, i: number, isFile: boolean, notes: string[]): SlotSpec {
  let chain: number[];
  try {
    chain = parseChain(slot.operations);
  } catch (cause) {
    const e = cause as FlavorError;
    throw new FlavorError('MANIFEST_INVALID', `slots[${i}].operations: ${e.message}`, {
      hint: e.hint,
      cause,
    });
  }
  if (slot.encryption) {
    throw new FlavorError(
      'MANIFEST_INVALID',
      `slots[${i}].encryption: upstream's launchers cannot decrypt an encrypted slot`,
      {
        hint: 'build without --compat upstream (our launcher decrypts it), or drop encryption for this slot',
        details: { field: `slots[${i}].encryption` },
      },
    );
  }
  const unsupported = chain.filter((op) => !UPSTREAM_OPS.has(op));
  if (unsupported.length > 0) {
    throw new FlavorError(
      'MANIFEST_INVALID',
      `slots[${i}].operations: "${slot.operations}" cannot be decoded by upstream's launchers (only tar and gzip)`,
      {
        hint: `use "${chainHasTar(chain) ? 'tar.gz' : 'gzip'}" for this slot, or build without --compat upstream`,
        details: { field: `slots[${i}].operations` },
      },
    );
  }
  if (!chainHasTar(chain)) return slot;
  const sub = slot.target.replace(/^\{workenv\}\/?/, '').replace(/\/+$/, '');
  if (isFile) {
    // A prepared archive is stored as-is: we cannot move its entries or replace its links.
    if (sub === '') return slot;
    throw new FlavorError(
      'MANIFEST_INVALID',
      `slots[${i}].target: upstream's launchers extract an archive into {workenv} (Rust) or the target's parent (Go), not into "${slot.target}"`,
      {
        hint: `put ${sub}/ inside the archive and use target "{workenv}", or give the folder as source`,
        details: { field: `slots[${i}].target` },
      },
    );
  }
  if (sub !== '') notes.push(`slot ${slot.id}: target {workenv}, archive entries under ${sub}/`);
  return {
    ...slot,
    operations: chainName(chain),
    target: '{workenv}',
    materializeSymlinks: true,
    ...(sub === '' ? {} : { tarPrefix: sub }),
  };
}

/**
 * The command upstream's launchers run as intended: the first word unquoted (their Rust launcher splits
 * on spaces and keeps quotes), and a program inside the workenv started through /usr/bin/env, because
 * their launchers set argv[0] to the package's file name — from which CPython computes a wrong
 * sys.prefix — while env passes the program's own path as argv[0].
 */
function compatCommand(command: string): string {
  const unquoted = unquoteFirstWord(command);
  return unquoted.startsWith('{workenv}/') ? `/usr/bin/env ${unquoted}` : unquoted;
}

/** `"{workenv}/bin/x" -a` → `{workenv}/bin/x -a` when the quoted word has no space, quote or backslash. */
function unquoteFirstWord(command: string): string {
  const m = /^"([^"\s\\']+)"(\s|$)/.exec(command);
  return m ? `${m[1]}${command.slice(m[1]!.length + 2)}` : command;
}

// Path rules for archive entries and symlink targets, shared by the tar reader and writer.
//
// An entry name is accepted only if it is relative, uses `/` as its only separator, has no `..`
// component, no backslash, no NUL, no Windows drive prefix, no component longer than 255 bytes and is
// at most 4096 bytes long. `.` components and empty components (`a//b`, trailing `/`) are dropped.
// A symlink target is accepted only if it is relative and, resolved against the link's folder, stays
// inside the root; `symlinkEscapes` additionally follows other symlinks on disk (a target such as
// `c/..` where `c` is itself a link to `.` escapes although it looks harmless).

import { lstat, readlink } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { FlavorError } from '../errors.js';

export const MAX_NAME_BYTES = 4096;
export const MAX_COMPONENT_BYTES = 255;

function unsafe(message: string, name: string): FlavorError {
  return new FlavorError('UNSAFE_PATH', message, {
    details: { entry: printable(name) },
    hint: 'the archive tries to write outside its destination; do not trust this package',
  });
}

/** A name made safe for messages (control characters escaped, length capped). */
export function printable(name: string): string {
  const short = name.length > 300 ? `${name.slice(0, 300)}…` : name;
  return JSON.stringify(short).slice(1, -1);
}

/** Why a path string is not a safe relative name, or undefined if it is fine. */
function badReason(name: string): string | undefined {
  if (name.includes('\0')) return 'contains a NUL byte';
  if (name.includes('\\')) return 'contains a backslash';
  if (name.startsWith('/')) return 'is absolute';
  if (/^[A-Za-z]:/.test(name)) return 'starts with a drive letter';
  return undefined;
}

/**
 * Splits an archive entry name into its components, refusing unsafe names with UNSAFE_PATH.
 * Returns [] for the root itself (`./`, `.`).
 */
export function splitEntryName(name: string): string[] {
  const reason = badReason(name);
  if (reason) throw unsafe(`unsafe entry name: ${reason}`, name);
  if (Buffer.byteLength(name) > MAX_NAME_BYTES)
    throw unsafe('unsafe entry name: longer than 4096 bytes', name);
  const parts: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') throw unsafe('unsafe entry name: contains a ".." component', name);
    if (Buffer.byteLength(part) > MAX_COMPONENT_BYTES) {
      throw unsafe('unsafe entry name: a component is longer than 255 bytes', name);
    }
    parts.push(part);
  }
  return parts;
}

/**
 * Lexical check of a symlink target for a link at `linkParts` (components from the root):
 * returns why it escapes, or undefined when it stays inside the root.
 */
export function linkTargetProblem(linkParts: readonly string[], target: string): string | undefined {
  if (target === '') return 'has an empty target';
  const reason = badReason(target);
  if (reason) return `target ${reason}`;
  const stack = linkParts.slice(0, -1);
  for (const part of target.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (stack.length === 0) return 'target points outside the destination';
      stack.pop();
    } else {
      stack.push(part);
    }
  }
  return undefined;
}

/**
 * Follows the symlink at `linkParts` under `root` the way the kernel would (through other symlinks on
 * disk, at most 40 hops) and returns true if the resolution ever leaves `root` or meets an absolute
 * target. Missing components are resolved lexically.
 */
export async function symlinkEscapes(root: string, linkParts: readonly string[]): Promise<boolean> {
  const stack = linkParts.slice(0, -1);
  let pending = (await readlink(join(root, ...linkParts))).split('/');
  let hops = 0;
  while (pending.length > 0) {
    const part = pending.shift() as string;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (stack.length === 0) return true;
      stack.pop();
      continue;
    }
    stack.push(part);
    const abs = join(root, ...stack);
    let isLink = false;
    try {
      isLink = (await lstat(abs)).isSymbolicLink();
    } catch {
      continue;
    }
    if (isLink) {
      if (++hops > 40) return true;
      const t = await readlink(abs);
      if (t === '' || badReason(t) !== undefined || isAbsolute(t)) return true;
      stack.pop();
      pending = [...t.split('/'), ...pending];
    }
  }
  return false;
}

/** True when `child` is `parent` or below it (both absolute, already resolved). */
export function isInside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

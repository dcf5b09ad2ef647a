// Shared test helpers for payload tests.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { FlavorError } from '../../../src/errors.js';
import {
  type DecodeOptions,
  decodeSlot,
  type EncodeOptions,
  encodeSlot,
} from '../../../src/payload/index.js';

export function tempDir(prefix = 'flavor-payload-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function collect(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

export async function encodeToBuffer(
  source: string,
  chain: readonly number[],
  options: EncodeOptions = {},
): Promise<{ bytes: Buffer; originalSize: number }> {
  const { stream, done } = encodeSlot(source, chain, options);
  const bytes = await collect(stream);
  return { bytes, originalSize: (await done).originalSize };
}

export function decodeBuffer(
  bytes: Buffer,
  chain: readonly number[],
  dest: string,
  options: DecodeOptions = {},
) {
  return decodeSlot(Readable.from([bytes]), chain, dest, options);
}

/** Asserts that `promise` rejects with a FlavorError of `code`. */
export async function rejectsWith(promise: Promise<unknown>, code: string): Promise<FlavorError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof FlavorError, `expected FlavorError ${code}, got ${String(err)}`);
    assert.equal(err.code, code, `expected ${code}, got ${err.code}: ${err.message}`);
    return err;
  }
  assert.fail(`expected rejection with ${code}`);
}

/** Recursive listing `path -> kind:size:mode/target` (for before/after comparisons). */
export function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(root, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(join(root, r));
      if (st.isSymbolicLink()) out[r] = `link:${readlinkSync(join(root, r))}`;
      else if (st.isDirectory()) {
        out[r] = `dir:${(st.mode & 0o777).toString(8)}`;
        walk(r);
      } else out[r] = `file:${st.size}:${(st.mode & 0o777).toString(8)}`;
    }
  };
  walk('');
  return out;
}

export const LONG_DIR = `${'d'.repeat(50)}/${'e'.repeat(50)}`;
export const LONG_FILE = `${LONG_DIR}/${'f'.repeat(18)}`; // 120 characters

/** A sample tree: nested dirs, executable, empty file, symlink, unicode name, 120-char path. */
export function makeTree(root: string, order: 'forward' | 'reverse' = 'forward'): void {
  const steps: Array<() => void> = [
    () => {
      mkdirSync(join(root, 'a/b/c'), { recursive: true });
      writeFileSync(join(root, 'a/b/c/deep.txt'), 'deep\n'.repeat(100));
    },
    () => {
      writeFileSync(join(root, 'run.sh'), '#!/bin/sh\necho hi\n');
      chmodSync(join(root, 'run.sh'), 0o755);
    },
    () => writeFileSync(join(root, 'empty'), ''),
    () => {
      mkdirSync(join(root, 'a'), { recursive: true });
      writeFileSync(
        join(root, 'a/data.bin'),
        Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) % 251)),
      );
    },
    () => symlinkSync('a/data.bin', join(root, 'link-to-data')),
    () => writeFileSync(join(root, 'ünïcødé-名前.txt'), 'unicode\n'),
    () => {
      mkdirSync(join(root, LONG_DIR), { recursive: true });
      writeFileSync(join(root, LONG_FILE), 'long path\n');
    },
    () => {
      writeFileSync(join(root, 'private.txt'), 'secret');
      chmodSync(join(root, 'private.txt'), 0o600);
    },
  ];
  if (order === 'reverse') steps.reverse();
  mkdirSync(root, { recursive: true });
  for (const s of steps) s();
  for (const d of ['a', 'a/b', 'a/b/c', LONG_DIR.split('/')[0] as string, LONG_DIR])
    chmodSync(join(root, d), 0o755);
  for (const f of ['a/b/c/deep.txt', 'empty', 'a/data.bin', 'ünïcødé-名前.txt', LONG_FILE])
    chmodSync(join(root, f), 0o644);
}

export function hasProgram(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function rmrf(path: string): void {
  try {
    chmodSync(path, 0o700);
  } catch {
    // ignore
  }
  rmSync(path, { recursive: true, force: true });
}

export function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

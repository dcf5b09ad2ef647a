// The zig compiler of the recipe: the pinned `ziglang` PyPI wheel (SHA-256 checked before anything is
// read from it), unpacked once into <tools folder>/zig-<version>/ (the whole ziglang/ tree: the binary
// needs its lib/ folder of libc headers and stubs). FLAVOR_ZIG points at another zig binary instead.

import { existsSync } from 'node:fs';
import { chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { FlavorError } from '../../errors.js';
import { downloadPinned } from '../tool-download.js';
import { hostToolKey } from '../tool-pins.js';
import type { Logger } from '../types.js';
import { wheelFiles } from '../wheel.js';
import { ZIG_VERSION, ZIG_WHEELS } from './pins.js';

const MEMBER_PREFIX = 'ziglang/';
const MAX_MEMBER = 256 * 1024 * 1024;

/** Path of the zig binary, downloading and unpacking the pinned wheel on first need. */
export async function ensureZig(
  toolsDir: string,
  log: Logger,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const fromEnv = env['FLAVOR_ZIG'];
  if (fromEnv) return fromEnv;
  const dir = join(toolsDir, `zig-${ZIG_VERSION}`);
  const binary = join(dir, 'zig');
  if (existsSync(binary)) return binary;
  const wheel = ZIG_WHEELS[hostToolKey()];
  if (!wheel) {
    throw new FlavorError('NOT_FOUND', `no pinned zig ${ZIG_VERSION} for ${hostToolKey()}`, {
      hint: 'build the portable runtime on Linux x86-64 or arm64, or set FLAVOR_ZIG to a zig binary',
    });
  }
  const bytes = await downloadPinned(wheel, `zig ${ZIG_VERSION}`, {
    env,
    log: (m) => log({ kind: 'info', message: m }),
  });
  await unpackZig(bytes, dir);
  log({ kind: 'info', message: `zig ${ZIG_VERSION}: SHA-256 verified, installed ${binary}` });
  return binary;
}

/** Writes the ziglang/ members into a staging folder, then renames it into place. */
async function unpackZig(bytes: Buffer, dir: string): Promise<void> {
  const staging = `${dir}.tmp-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  try {
    for (const { name, data } of wheelFiles(bytes, MEMBER_PREFIX, MAX_MEMBER, 'ziglang wheel')) {
      const rel = name.slice(MEMBER_PREFIX.length);
      if (rel.split('/').some((part) => part === '..' || part === '' || part === '.')) {
        throw new FlavorError('TOOL_CHECKSUM', `the ziglang wheel holds an unsafe path: ${name}`, {
          hint: 'the pinned wheel should never contain one: check the download',
        });
      }
      const target = join(staging, rel);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, data);
    }
    await chmod(join(staging, 'zig'), 0o755);
    await rename(staging, dir);
  } catch (cause) {
    await rm(staging, { recursive: true, force: true });
    throw cause;
  }
}

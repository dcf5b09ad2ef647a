// How a launcher for some platform can run on this machine (`flavor helpers test`, docs/platforms.md):
// natively (the host's), under qemu-user (another Linux CPU: a static Go launcher needs no root, no
// binfmt_misc), under wine with the bcryptprimitives shim (Windows x64), or not at all (macOS: no
// emulator) — and why not.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { findWine, prepareWinePrefix } from '../emulation/wine.js';
import { cacheRoot } from '../workenv/paths.js';

export interface LauncherRunner {
  /** "natively", "under qemu-aarch64-static", "under wine64". */
  how: string;
  /** The program and first arguments that run an executable for the platform ([] = run it directly). */
  prefix: string[];
  /** Extra environment for the run (the whole environment when `replaceEnv`). */
  env: NodeJS.ProcessEnv;
  replaceEnv?: boolean;
}

export type RunnerChoice = { ok: true; runner: LauncherRunner } | { ok: false; reason: string };

const QEMU_ARCH: Record<string, string> = { amd64: 'x86_64', arm64: 'aarch64' };

/** Where `helpers test` keeps its wine prefix: FLAVOR_WINE_PREFIX, else <cache root>/wine-prefix. */
export function winePrefixDir(env: NodeJS.ProcessEnv): string {
  return env.FLAVOR_WINE_PREFIX || path.join(cacheRoot(env).path, 'wine-prefix');
}

/** How `platform` ("linux_arm64") runs on `host`, or why it cannot. */
export async function runnerFor(
  platform: string,
  host: string,
  env: NodeJS.ProcessEnv,
): Promise<RunnerChoice> {
  if (platform === host) return { ok: true, runner: { how: 'natively', prefix: [], env: {} } };
  const [os, arch] = platform.split('_') as [string, string];
  const [hostOs] = host.split('_') as [string, string];
  if (os === 'darwin') {
    return {
      ok: false,
      reason: 'macOS executables cannot run on this machine (no emulator): test it on a Mac',
    };
  }
  if (os === 'linux' && hostOs === 'linux') return qemuRunner(arch, env);
  if (os === 'windows' && hostOs === 'linux') {
    if (arch !== 'amd64')
      return { ok: false, reason: `wine runs x86-64 Windows programs, not windows/${arch}` };
    return wineRunner(env);
  }
  return { ok: false, reason: `no way to run ${os}/${arch} programs on ${host}` };
}

function qemuRunner(arch: string, env: NodeJS.ProcessEnv): RunnerChoice {
  const name = `qemu-${QEMU_ARCH[arch] ?? arch}-static`;
  const found = onPath(name, env) ?? onPath(`qemu-${QEMU_ARCH[arch] ?? arch}`, env);
  if (!found) {
    return { ok: false, reason: `${name} is not installed (Debian: apt-get install qemu-user-static)` };
  }
  return { ok: true, runner: { how: `under ${path.basename(found)}`, prefix: [found], env: {} } };
}

/**
 * wine with a prefix of its own that has the bcryptprimitives.dll shim every Go >= 1.22 Windows program
 * needs on wine 8 (src/emulation/wine.ts; made once, reused).
 */
async function wineRunner(env: NodeJS.ProcessEnv): Promise<RunnerChoice> {
  const tools = findWine(env);
  if ('missing' in tools) return { ok: false, reason: `not installed: ${tools.missing.join(', ')}` };
  try {
    const prefix = await prepareWinePrefix(winePrefixDir(env), tools, { env });
    return {
      ok: true,
      runner: {
        how: `under ${path.basename(tools.wine)}`,
        prefix: [tools.wine],
        env: prefix.env,
        replaceEnv: true,
      },
    };
  } catch (error) {
    return {
      ok: false,
      reason: `the wine prefix could not be prepared: ${(error as Error).message.split('\n')[0]}`,
    };
  }
}

/** The first `name` in PATH that exists, or undefined. */
export function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

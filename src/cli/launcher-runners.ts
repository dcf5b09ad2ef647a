// How a launcher for some platform can run on this machine (`flavor helpers test`, docs/platforms.md):
// natively (the host's), under qemu-user (another Linux CPU: a static Go launcher needs no root, no
// binfmt_misc), under wine (Windows), or not at all (macOS: no emulator) — and why not.

import { existsSync } from 'node:fs';
import path from 'node:path';

export interface LauncherRunner {
  /** "natively", "under qemu-aarch64-static", "under wine64". */
  how: string;
  /** The program and first arguments that run an executable for the platform ([] = run it directly). */
  prefix: string[];
  /** Extra environment for the run. */
  env: Record<string, string>;
}

export type RunnerChoice = { ok: true; runner: LauncherRunner } | { ok: false; reason: string };

const QEMU_ARCH: Record<string, string> = { amd64: 'x86_64', arm64: 'aarch64' };

/**
 * Sets up how a Windows program runs under wine (prefix, DLL shims). The default runs `wine64` or
 * `wine` from PATH as is; a harness that prepares the prefix (e.g. the bcryptprimitives.dll shim Go ≥ 1.22
 * programs need on wine 8) replaces it.
 */
export type WineSetup = (env: NodeJS.ProcessEnv) => Promise<RunnerChoice>;

let wineSetup: WineSetup = plainWine;

/** Replace how Windows launchers run under wine (see WineSetup). */
export function useWineSetup(setup: WineSetup): void {
  wineSetup = setup;
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
    return wineSetup(env);
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

async function plainWine(env: NodeJS.ProcessEnv): Promise<RunnerChoice> {
  const found = onPath('wine64', env) ?? onPath('wine', env);
  if (!found) return { ok: false, reason: 'wine is not installed (Debian: apt-get install wine64)' };
  return {
    ok: true,
    runner: { how: `under ${path.basename(found)}`, prefix: [found], env: { WINEDEBUG: '-all' } },
  };
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

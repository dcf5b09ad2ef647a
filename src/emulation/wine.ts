// Running Windows programs (our Windows launchers and the packages built around them) on Linux under
// wine, for the tests and `flavor helpers test`.
//
//   findWine(env)              wine and the MinGW-w64 compiler on PATH, or what is missing
//   prepareWinePrefix(dir)     a wine prefix (wineboot) with the bcryptprimitives shim in system32,
//                              built once into a staging folder and published by one rename; reused
//                              while its marker names the same shim and wine version
//   runUnderWine(prefix, exe)  the program under wine, stdin/stdout/stderr as pipes
//
// Why a shim: every Windows binary built with Go >= 1.22 imports ProcessPrng from bcryptprimitives.dll,
// which wine 8 (Debian 12) lacks ("fatal error: bcryptprimitives.dll not found"). The shim exports
// ProcessPrng, implemented with advapi32's SystemFunction036 (RtlGenRandom); it is compiled here with
// x86_64-w64-mingw32-gcc and loaded instead of wine's missing builtin (WINEDLLOVERRIDES=…=n). It is
// for running under wine only: real Windows has its own bcryptprimitives.dll.
// Why pipes: under wine 8, CPython fails at start (init_sys_streams: WinError 6) when its stdout is a
// Unix regular file; pipes work.

import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';

/** The shim's C source (compiled at set-up time, never shipped). */
export const BCRYPT_SHIM_SOURCE = `/* bcryptprimitives.dll for wine 8: ProcessPrng through RtlGenRandom (FlavorPack test shim). */
#include <windows.h>

typedef BOOLEAN (WINAPI *gen_random_fn)(PVOID, ULONG);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
  static gen_random_fn gen_random;
  if (!gen_random) {
    HMODULE advapi = LoadLibraryA("advapi32.dll");
    if (!advapi) return FALSE;
    gen_random = (gen_random_fn)GetProcAddress(advapi, "SystemFunction036");
    if (!gen_random) return FALSE;
  }
  while (length > 0) {
    ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
    if (!gen_random(data, chunk)) return FALSE;
    data += chunk;
    length -= chunk;
  }
  return TRUE;
}

BOOL WINAPI DllMain(HINSTANCE instance, DWORD reason, LPVOID reserved) {
  (void)instance; (void)reason; (void)reserved;
  return TRUE;
}
`;

export const MINGW_CC = 'x86_64-w64-mingw32-gcc';
const MARKER = '.flavor-wine-prefix';

export interface WineTools {
  wine: string;
  cc: string;
}

/** The programs needed, found on PATH; `missing` names the Debian packages that provide the others. */
export function findWine(env: NodeJS.ProcessEnv = process.env): WineTools | { missing: string[] } {
  const wine = onPath('wine', env) ?? onPath('wine64', env);
  const cc = onPath(MINGW_CC, env);
  if (wine && cc) return { wine, cc };
  return {
    missing: [
      ...(wine ? [] : ['wine (Debian: wine, wine64)']),
      ...(cc ? [] : [`${MINGW_CC} (Debian: gcc-mingw-w64-x86-64)`]),
    ],
  };
}

function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env['PATH'] ?? '').split(path.delimiter)) {
    if (dir && existsSync(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

export interface WinePrefix {
  dir: string;
  tools: WineTools;
  /** The environment every wine program runs with (WINEPREFIX, WINEDEBUG, WINEDLLOVERRIDES; no DISPLAY). */
  env: NodeJS.ProcessEnv;
  /** The Unix path of the wine user's %LOCALAPPDATA%. */
  localAppData: string;
  /** How long wineboot took (0 when the prefix was reused). */
  bootMs: number;
}

/** The environment of programs under wine: quiet, headless, the shim preferred over the builtin. */
export function wineEnv(dir: string, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...base,
    WINEPREFIX: dir,
    WINEDEBUG: '-all',
    WINEDLLOVERRIDES: 'bcryptprimitives=n;mscoree,mshtml=',
  };
  delete env['DISPLAY'];
  delete env['WAYLAND_DISPLAY'];
  return env;
}

/** A ready wine prefix at `dir` (created when missing or made for another shim or wine version). */
export async function prepareWinePrefix(
  dir: string,
  tools: WineTools,
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<WinePrefix> {
  const base = options.env ?? process.env;
  const stamp = prefixStamp(tools, base);
  const ready = (bootMs: number): WinePrefix => ({
    dir,
    tools,
    env: wineEnv(dir, base),
    localAppData: path.join(dir, 'drive_c', 'users', userName(base), 'AppData', 'Local'),
    bootMs,
  });
  if ((await fs.readFile(path.join(dir, MARKER), 'utf8').catch(() => '')) === stamp) return ready(0);
  const started = Date.now();
  const staging = `${dir}.tmp-${process.pid}`;
  await fs.rm(staging, { recursive: true, force: true });
  await fs.mkdir(path.dirname(dir), { recursive: true });
  try {
    const env = wineEnv(staging, base);
    await runOrThrow(tools.wine, ['wineboot', '--init'], env, options.timeoutMs ?? 300_000, 'wineboot');
    await runOrThrow('wineserver', ['-w'], env, 60_000, 'wineserver -w');
    await buildShim(tools.cc, path.join(staging, 'drive_c', 'windows', 'system32'), staging);
    await fs.writeFile(path.join(staging, MARKER), stamp);
    await fs.rm(dir, { recursive: true, force: true });
    await fs.rename(staging, dir);
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
  }
  return ready(Date.now() - started);
}

/** What a prefix was made with: the shim source and the wine version. */
function prefixStamp(tools: WineTools, env: NodeJS.ProcessEnv): string {
  const version = spawnSync(tools.wine, ['--version'], { encoding: 'utf8', env }).stdout.trim();
  return `${createHash('sha256').update(BCRYPT_SHIM_SOURCE).digest('hex')} ${version}\n`;
}

function userName(env: NodeJS.ProcessEnv): string {
  return env['USER'] ?? env['LOGNAME'] ?? (process.getuid?.() === 0 ? 'root' : 'user');
}

async function buildShim(cc: string, system32: string, scratch: string): Promise<void> {
  const source = path.join(scratch, 'bcryptprimitives.c');
  await fs.writeFile(source, BCRYPT_SHIM_SOURCE);
  await runOrThrow(
    cc,
    ['-shared', '-O2', '-s', '-o', path.join(system32, 'bcryptprimitives.dll'), source, '-Wl,--kill-at'],
    process.env,
    120_000,
    MINGW_CC,
  );
  await fs.rm(source);
}

async function runOrThrow(
  program: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const result = await runProgram(program, args, { env, timeoutMs });
  if (result.code !== 0) {
    throw new Error(
      `${what} failed (exit code ${result.code}):\n${(result.stdout + result.stderr).slice(-2000)}`,
    );
  }
}

export interface WineRun {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a Windows program under wine in `prefix`; `env` adds variables (and may override the prefix's). */
export function runUnderWine(
  prefix: WinePrefix,
  exe: string,
  args: readonly string[] = [],
  options: { env?: Record<string, string | undefined>; cwd?: string; timeoutMs?: number } = {},
): Promise<WineRun> {
  return runProgram(prefix.tools.wine, [exe, ...args], {
    env: { ...prefix.env, ...options.env },
    ...(options.cwd ? { cwd: options.cwd } : {}),
    timeoutMs: options.timeoutMs ?? 300_000,
  });
}

function runProgram(
  program: string,
  args: readonly string[],
  options: { env: NodeJS.ProcessEnv; cwd?: string; timeoutMs: number },
): Promise<WineRun> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      env: options.env,
      ...(options.cwd ? { cwd: options.cwd } : {}),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child.stdin.end();
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        ms: Date.now() - started,
      });
    });
  });
}

// Spawns the real built CLI (`node bin/flavor.js`, which loads dist/) and builds small fixtures for it.
// The CLI tests need `npm run build` first; runFlavor fails with a clear message when dist/ is missing.

import { spawn } from 'node:child_process';
import {
  closeSync,
  cpSync,
  existsSync,
  promises as fs,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { hostPlatformName, launcherFileName } from '../../src/builder/launchers.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const FLAVOR_BIN = path.join(REPO_ROOT, 'bin', 'flavor.js');
const DIST_MAIN = path.join(REPO_ROOT, 'dist', 'cli', 'main.js');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  /** Extra variables, merged over a clean copy of process.env (NO_COLOR=1 is always set). */
  env?: Record<string, string | undefined>;
  /** Replace the environment completely (NO_COLOR=1 is still set). */
  cleanEnv?: boolean;
  timeoutMs?: number;
  /** Run under this umask (through /bin/sh). */
  umask?: number;
  /** Close the read end of these pipes before the CLI writes anything (a reader that went away: EPIPE). */
  closed?: Array<'stdout' | 'stderr'>;
  /** Send stdout to this file (e.g. /dev/full) instead of a pipe; the result's stdout is then empty. */
  stdoutFile?: string;
}

export function assertBuilt(): void {
  if (!existsSync(DIST_MAIN)) {
    throw new Error(
      `the CLI is not built: ${DIST_MAIN} is missing. Run \`npm run build\` before the CLI tests.`,
    );
  }
}

let snapshotBin: string | undefined;

/**
 * Other engineers rebuild dist/ in the same checkout while tests run, and tsc rewrites it file by file.
 * So each test process runs a private copy of bin/ + dist/ (+ package.json, node_modules linked), taken
 * once. FLAVOR_TEST_LIVE_DIST=1 runs bin/flavor.js in place instead.
 */
function flavorBin(): string {
  if (process.env.FLAVOR_TEST_LIVE_DIST === '1') return FLAVOR_BIN;
  if (snapshotBin) return snapshotBin;
  const root = mkdtempSync(path.join(os.tmpdir(), 'flavor-dist-'));
  process.on('exit', () => rmSync(root, { recursive: true, force: true }));
  cpSync(path.join(REPO_ROOT, 'dist'), path.join(root, 'dist'), {
    recursive: true,
    filter: (src) => !src.startsWith(path.join(REPO_ROOT, 'dist', 'launchers')),
  });
  mkdirSync(path.join(root, 'bin'));
  cpSync(FLAVOR_BIN, path.join(root, 'bin', 'flavor.js'));
  cpSync(path.join(REPO_ROOT, 'package.json'), path.join(root, 'package.json'));
  symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(root, 'node_modules'));
  if (existsSync(path.join(REPO_ROOT, 'dist', 'launchers'))) {
    symlinkSync(path.join(REPO_ROOT, 'dist', 'launchers'), path.join(root, 'dist', 'launchers'));
  }
  // The build tools (uv, patchelf in .cache/tools), the launcher sources and the portable runtime's recipe
  // are found next to dist/.
  for (const name of ['.cache', 'launcher', 'runtime-recipe']) {
    if (existsSync(path.join(REPO_ROOT, name)))
      symlinkSync(path.join(REPO_ROOT, name), path.join(root, name));
  }
  snapshotBin = path.join(root, 'bin', 'flavor.js');
  return snapshotBin;
}

/**
 * Where the tests' packs find the portable runtimes (FLAVOR_RUNTIME_CACHE, else the folder
 * scripts/setup-portable-runtime.sh builds into): never rebuilt into each test's own build cache.
 */
export const TEST_RUNTIME_CACHE =
  process.env.FLAVOR_RUNTIME_CACHE ?? path.join(REPO_ROOT, '.cache', 'portable-runtimes');

/** Runs `node bin/flavor.js ...args` and resolves with its exit code and output (never rejects on exit ≠ 0). */
export function runFlavor(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  assertBuilt();
  const base: Record<string, string | undefined> = options.cleanEnv
    ? {}
    : { FLAVOR_RUNTIME_CACHE: TEST_RUNTIME_CACHE, ...process.env };
  // Variables of the test runner that would change the CLI's behaviour.
  for (const k of [
    'FLAVOR_TRUSTED_KEYS',
    'SOURCE_DATE_EPOCH',
    'FLAVOR_LAUNCHER_BIN',
    'NODE_OPTIONS',
    'NODE_TEST_CONTEXT',
  ]) {
    delete base[k];
  }
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...base, ...options.env, NO_COLOR: '1' })) {
    if (v !== undefined) env[k] = v;
  }
  return new Promise((resolve, reject) => {
    const argv = [flavorBin(), ...args];
    const [cmd, cmdArgs] =
      options.umask === undefined
        ? [process.execPath, argv]
        : [
            '/bin/sh',
            [
              '-c',
              `umask ${options.umask.toString(8).padStart(3, '0')} && exec "$0" "$@"`,
              process.execPath,
              ...argv,
            ],
          ];
    const stdoutFd = options.stdoutFile === undefined ? undefined : openSync(options.stdoutFile, 'w');
    const child = spawn(cmd, cmdArgs, {
      cwd: options.cwd ?? REPO_ROOT,
      env,
      stdio: ['ignore', stdoutFd ?? 'pipe', 'pipe'],
    });
    if (stdoutFd !== undefined) closeSync(stdoutFd);
    for (const name of options.closed ?? []) child[name]?.destroy();
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (c: Buffer) => out.push(c));
    child.stderr?.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`flavor ${args.join(' ')} did not finish in ${options.timeoutMs ?? 60_000} ms`));
    }, options.timeoutMs ?? 60_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code: code ?? (signal ? 128 : -1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}

export async function tempDir(prefix = 'flavor-cli-'): Promise<string> {
  return fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), prefix)));
}

/** The Go launcher built for this machine by the set-up (`flavor helpers build`). */
export function hostLauncher(): string {
  const file = path.join(REPO_ROOT, 'dist', 'launchers', launcherFileName(hostPlatformName()));
  if (!existsSync(file)) {
    throw new Error(
      `the host launcher is not built: ${file} is missing. Run \`node bin/flavor.js helpers build\`.`,
    );
  }
  return file;
}

/** A copy of the real host launcher in `dir` (pack refuses anything that is not a PSPF launcher). */
export async function writeLauncher(dir: string): Promise<string> {
  const file = path.join(dir, 'launcher');
  await fs.copyFile(hostLauncher(), file);
  await fs.chmod(file, 0o755);
  return file;
}

/** Writes `files` (relative path → content) under `dir`, creating folders. */
export async function writeTree(dir: string, files: Record<string, string>): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(dir, rel);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, content);
  }
}

export async function writeJson(file: string, value: unknown): Promise<string> {
  await fs.writeFile(file, `${JSON.stringify(value, null, 2)}\n`);
  return file;
}

/** Names in `dir` (sorted), for "nothing else was written" checks. */
export async function listDir(dir: string): Promise<string[]> {
  return (await fs.readdir(dir)).sort();
}

/** Strict JSON parse of a command's stdout with a readable failure. */
export function parseJson(text: string): Record<string, unknown> {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new Error(`stdout is not JSON:\n${text}`);
  }
}

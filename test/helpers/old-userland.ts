// Old userlands to run packages in (docs/launcher.md, "Testing on old systems"): the Debian 11 "bullseye"
// roots that scripts/setup-old-userland.sh builds once into .cache/userland/ (glibc 2.31).
//
//   userland(t, arch)          the root folder; fails under CI=true (and skips elsewhere) when it is missing
//                              or this process is not root
//   runInRoot(root, pkg, o)    copies the package into the amd64 root and runs it there with chroot, with
//                              /proc mounted or not
//   runUnderQemu(root, pkg, o) runs an arm64 package with qemu-aarch64-static -L <arm64 root> (no binfmt
//                              needed: the root's glibc and dynamic loader are found through -L)
//
// Each run gets a fresh cache and home inside the root's /tmp, removed afterwards.

import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { REPO_ROOT } from './cli.js';

export type UserlandArch = 'amd64' | 'arm64';

export interface RootRun {
  code: number;
  stdout: string;
  stderr: string;
  /** The run's cache folder, as seen from the host (removed after the run: listed before). */
  cacheEntries: string[];
}

export interface RootRunOptions {
  args?: string[];
  /** Mount /proc in the root for the run (default true). */
  proc?: boolean;
  env?: Record<string, string>;
  timeoutMs?: number;
  /** runInRoot: start the package with this argv[0] (bash `exec -a`) instead of its path. */
  argv0?: string;
  /**
   * runUnderQemu: also run the arm64 programs the app starts (its Python) under qemu, through a
   * binfmt_misc entry registered for the run (withAarch64Binfmt), their libraries from the root.
   */
  binfmt?: boolean;
}

const SETUP = 'bash scripts/setup-old-userland.sh';

/** The bullseye root for `arch`, or a failure (CI) / skip (elsewhere) saying how to get it. */
export function userland(t: TestContext, arch: UserlandArch): string | undefined {
  const root = path.join(REPO_ROOT, '.cache', 'userland', `bullseye-${arch}`);
  const problems: string[] = [];
  if (process.getuid?.() !== 0) problems.push('chroot needs root');
  if (!existsSync(path.join(root, '.complete'))) problems.push(`${root} is missing (${SETUP} builds it)`);
  if (arch === 'arm64' && !onPath('qemu-aarch64-static')) {
    problems.push('qemu-aarch64-static is missing (apt-get install qemu-user-static)');
  }
  if (problems.length === 0) return root;
  const message = `old-userland test: ${problems.join('; ')}`;
  if (process.env.CI === 'true') throw new Error(message);
  t.skip(message);
  return undefined;
}

function onPath(program: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${program}`]).status === 0;
}

/** Runs `pkg` inside the amd64 root with chroot, as root, with a clean environment. */
export async function runInRoot(root: string, pkg: string, options: RootRunOptions = {}): Promise<RootRun> {
  const inside = `/tmp/flavor-old-${randomBytes(6).toString('hex')}`;
  const hostDir = path.join(root, inside);
  mkdirSync(path.join(hostDir, 'home'), { recursive: true });
  copyFileSync(pkg, path.join(hostDir, path.basename(pkg)));
  const proc = options.proc ?? true;
  const procDir = path.join(root, 'proc');
  if (proc) mustRun('mount', ['-t', 'proc', 'proc', procDir]);
  try {
    const env = cleanEnv(inside, options.env);
    const file = path.posix.join(inside, path.basename(pkg));
    const start =
      options.argv0 === undefined ? [file] : ['bash', '-c', 'exec -a "$0" "$@"', options.argv0, file];
    const command = ['env', '-i', ...env, ...start, ...(options.args ?? [])];
    const result = await run('chroot', [root, ...command], options.timeoutMs);
    return { ...result, cacheEntries: listCache(path.join(hostDir, 'cache')) };
  } finally {
    if (proc) mustRun('umount', [procDir]);
    rmSync(hostDir, { recursive: true, force: true });
  }
}

/**
 * Runs the arm64 `pkg` with qemu-aarch64-static, its libraries from the arm64 root. qemu looks up the
 * launcher's absolute paths in the root first (and creates new ones there), while the programs the app
 * starts run natively (no binfmt_misc): the run's folder is bind-mounted at the same path inside the
 * root, so both see the same cache.
 */
export async function runUnderQemu(
  root: string,
  pkg: string,
  options: RootRunOptions = {},
): Promise<RootRun> {
  const scratch = mkdtempSync(path.join(tmpdir(), 'flavor-qemu-'));
  const mirror = path.join(root, scratch);
  mkdirSync(path.join(scratch, 'home'), { recursive: true });
  mkdirSync(mirror, { recursive: true });
  mustRun('mount', ['--bind', scratch, mirror]);
  try {
    const env = cleanEnv(scratch, { ...(options.binfmt ? { QEMU_LD_PREFIX: root } : {}), ...options.env });
    const command = ['-i', ...env, 'qemu-aarch64-static', '-L', root, pkg, ...(options.args ?? [])];
    const go = () => run('env', command, options.timeoutMs);
    const result = options.binfmt ? await withAarch64Binfmt(go) : await go();
    return { ...result, cacheEntries: listCache(path.join(scratch, 'cache')) };
  } finally {
    mustRun('umount', [mirror]);
    rmSync(mirror, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  }
}

const BINFMT = '/proc/sys/fs/binfmt_misc';
// ELF64, little-endian, e_machine 183 (AArch64), e_type 2 or 3 (executables and PIEs).
const AARCH64_MAGIC =
  '\\x7fELF\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\xb7\\x00';
const AARCH64_MASK =
  '\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff';

/**
 * Runs fn with arm64 ELF programs handed to qemu-aarch64-static by the kernel: a binfmt_misc entry of this
 * process's own (flag F: the interpreter is opened now, so it works in a chroot too), removed afterwards,
 * with binfmt_misc mounted for the time if it was not. The interpreter finds the arm64 libraries through
 * QEMU_LD_PREFIX.
 */
export async function withAarch64Binfmt<T>(fn: () => Promise<T>): Promise<T> {
  const mounted = !existsSync(path.join(BINFMT, 'register'));
  if (mounted) mustRun('mount', ['-t', 'binfmt_misc', 'binfmt_misc', BINFMT]);
  const name = `flavor-test-aarch64-${process.pid}`;
  const qemu = spawnSync('sh', ['-c', 'command -v qemu-aarch64-static'], { encoding: 'utf8' }).stdout.trim();
  try {
    writeFileSync(path.join(BINFMT, 'register'), `:${name}:M::${AARCH64_MAGIC}:${AARCH64_MASK}:${qemu}:F`);
    try {
      return await fn();
    } finally {
      writeFileSync(path.join(BINFMT, name), '-1');
    }
  } finally {
    if (mounted) mustRun('umount', [BINFMT]);
  }
}

function cleanEnv(dir: string, extra: Record<string, string> = {}): string[] {
  const env = {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    HOME: `${dir}/home`,
    FLAVOR_CACHE: `${dir}/cache`,
    LANG: 'C.UTF-8',
    ...extra,
  };
  return Object.entries(env).map(([k, v]) => `${k}=${v}`);
}

function listCache(dir: string): string[] {
  const out = spawnSync('find', [dir, '-mindepth', '1'], { encoding: 'utf8' });
  return out.status === 0
    ? out.stdout
        .split('\n')
        .filter(Boolean)
        .map((p) => path.relative(dir, p))
    : [];
}

function mustRun(program: string, args: string[]): void {
  const r = spawnSync(program, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${program} ${args.join(' ')} failed: ${r.stderr}`);
}

function run(program: string, args: string[], timeoutMs = 120_000): Promise<Omit<RootRun, 'cacheEntries'>> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? 128 + (signal ? 9 : 0), stdout, stderr }));
  });
}

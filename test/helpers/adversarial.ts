// Shared fixtures of the adversarial suite (test/adversarial/): tiny /bin/sh apps packed with the REAL Go
// launcher (dist/launchers/, built by `npm run setup` / `flavor helpers build`), a runner for package files
// with a private cache, and small file-system probes. Packages are assembled in memory with the vector
// assembler (scripts/vectors/assemble.ts: the builder's own layout and metadata code), so a test controls
// every stored byte and can put a hostile archive inside a correctly signed package.

import { spawn } from 'node:child_process';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { assemble, type VectorSlot } from '../../scripts/vectors/assemble.js';
import { hostPlatformName, launcherFileName } from '../../src/builder/launchers.js';
import { type SigningKey, signingKeyFromSeedText } from '../../src/crypto/keys.js';
import type { PackageMetadata } from '../../src/format/index.js';
import { buildTar, type RawEntry } from '../payload/helpers/tar-builder.js';
import { REPO_ROOT } from './cli.js';

export { buildTar, type RawEntry };

export const LAUNCHER_BIN = path.join(REPO_ROOT, 'dist', 'launchers', launcherFileName(hostPlatformName()));
export const KEY = signingKeyFromSeedText('adversarial-suite-publisher');
export const ATTACKER = signingKeyFromSeedText('adversarial-suite-attacker');
export const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

let launcherCache: Uint8Array | undefined;

/** The real host launcher; a clear failure when it was not built. */
export function launcherBytes(): Uint8Array {
  if (!launcherCache) {
    if (!existsSync(LAUNCHER_BIN)) {
      throw new Error(
        `${LAUNCHER_BIN} is missing: run \`npm run setup\` or \`node bin/flavor.js helpers build\` first`,
      );
    }
    launcherCache = new Uint8Array(readFileSync(LAUNCHER_BIN));
  }
  return launcherCache;
}

export const TRUST_MAGIC = Buffer.from('\x00FLAVOR-TRUST-V1\x00', 'latin1');

/** Offset of the launcher's trust block (magic, count byte, 8 × 32 key bytes). */
export function trustBlockOffset(launcher: Uint8Array): number {
  const at = Buffer.from(launcher.buffer, launcher.byteOffset, launcher.byteLength).indexOf(TRUST_MAGIC);
  if (at < 0) throw new Error('no trust block in the launcher');
  return at;
}

/**
 * The default app: `run.sh` appends "ran <args>" to $MARKER (when set) and prints data.txt. So "the app
 * never ran" is checked by the marker file's absence, and "it ran the right bytes" by its stdout.
 */
export const APP_SCRIPT = [
  '#!/bin/sh',
  '[ -n "$MARKER" ] && echo "ran $*" >> "$MARKER"',
  'cat "$FLAVOR_WORKENV/data.txt"',
  '',
].join('\n');

export interface AppOptions {
  name?: string;
  version?: string;
  /** Content of run.sh. */
  script?: string;
  /** Content of data.txt (slot 1, gzip'd single file). */
  data?: string;
  /** Extra files in the app tree (slot 0, tar.gz). */
  files?: Record<string, string>;
  /** Replace slot 0's tar entries entirely (hostile archives). */
  entries?: RawEntry[];
  /** Replace slot 0's stored bytes entirely (already through the chain). */
  slot0?: { bytes: Uint8Array; originalSize: number; operations: string; target?: string };
  extraSlots?: VectorSlot[];
  key?: SigningKey;
  launcher?: Uint8Array;
  command?: string;
  editMetadata?: (m: PackageMetadata) => void;
  /** Edit the signed JSON text (duplicate keys and other forms an object cannot hold). */
  editJson?: (json: string) => string;
}

/** Assembles a signed package for the default (or a customised) app with the real launcher. */
export function appPackage(options: AppOptions = {}): Uint8Array {
  const entries: RawEntry[] = options.entries ?? [
    { name: 'run.sh', data: options.script ?? APP_SCRIPT, mode: 0o755 },
    ...Object.entries(options.files ?? {}).map(([name, data]) => ({ name, data, mode: 0o644 })),
  ];
  const tar = buildTar(entries);
  const slot0: VectorSlot = options.slot0
    ? { id: 'app', target: options.slot0.target ?? '{workenv}', ...options.slot0 }
    : {
        id: 'app',
        bytes: gzipSync(tar, { level: 9 }),
        originalSize: tar.length,
        operations: 'tar.gz',
        target: '{workenv}',
      };
  const data = Buffer.from(options.data ?? 'genuine data\n');
  return assemble({
    launcher: options.launcher ?? launcherBytes(),
    key: options.key ?? KEY,
    name: options.name ?? 'adv',
    version: options.version ?? '1.0.0',
    command: options.command ?? '/bin/sh {workenv}/run.sh',
    slots: [
      slot0,
      {
        id: 'data',
        bytes: gzipSync(data, { level: 9 }),
        originalSize: data.length,
        operations: 'gzip',
        target: '{workenv}/data.txt',
        permissions: '0644',
      },
      ...(options.extraSlots ?? []),
    ],
    ...(options.editMetadata ? { editMetadata: options.editMetadata } : {}),
    ...(options.editJson ? { editJson: options.editJson } : {}),
  });
}

export async function writePackage(file: string, bytes: Uint8Array): Promise<string> {
  await fs.writeFile(file, bytes, { mode: 0o755 });
  await fs.chmod(file, 0o755);
  return file;
}

export interface LaunchResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface LaunchOptions {
  args?: string[];
  /** Cache root (FLAVOR_CACHE); null = do not set it. */
  cache?: string | null;
  home?: string;
  /** Extra variables; undefined values remove a variable. */
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
  /** Called once the child is started (for signals and kills). */
  onSpawn?: (child: ReturnType<typeof spawn>) => void;
  /** Run through `setpriv` as this uid/gid (a real second user). */
  asUser?: number;
}

/** Runs a package file with a small, explicit environment. Never rejects on a non-zero exit. */
export function launch(file: string, options: LaunchOptions = {}): Promise<LaunchResult> {
  const env: Record<string, string> = { PATH: '/usr/bin:/bin', LANG: 'C' };
  if (options.home !== undefined) env.HOME = options.home;
  if (options.cache !== null && options.cache !== undefined) env.FLAVOR_CACHE = options.cache;
  for (const [k, v] of Object.entries(options.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const [cmd, argv] =
    options.asUser === undefined
      ? [file, options.args ?? []]
      : [
          'setpriv',
          [
            `--reuid=${options.asUser}`,
            `--regid=${options.asUser}`,
            '--clear-groups',
            '--inh-caps=-all',
            '--bounding-set=-all',
            file,
            ...(options.args ?? []),
          ],
        ];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${file} did not finish in ${options.timeoutMs ?? 30_000} ms`));
    }, options.timeoutMs ?? 30_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    options.onSpawn?.(child);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}

/** Names under <cache>/workenv (sorted); [] when it does not exist. */
export async function cacheEntries(cache: string): Promise<string[]> {
  try {
    return (await fs.readdir(path.join(cache, 'workenv'))).sort();
  } catch {
    return [];
  }
}

/** Every path under `dir` (relative, sorted, folders with a trailing slash); [] when it does not exist. */
export async function tree(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(rel: string): Promise<void> {
    let names: string[];
    try {
      names = await fs.readdir(path.join(dir, rel));
    } catch {
      return;
    }
    for (const name of names.sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const st = await fs.lstat(path.join(dir, r));
      if (st.isDirectory()) {
        out.push(`${r}/`);
        await walk(r);
      } else out.push(r);
    }
  }
  await walk('');
  return out;
}

export async function exists(p: string): Promise<boolean> {
  return fs.lstat(p).then(
    () => true,
    () => false,
  );
}

export { prng } from './prng.js';

/** The launcher's one-line error: "<prog>: error: <message> [<CODE>]". */
export function launcherErrorCode(stderr: string): string | undefined {
  return /: error: .* \[([A-Z_]+)\]$/m.exec(stderr)?.[1];
}

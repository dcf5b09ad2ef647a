// Launcher binaries: where they live, how they are named, how they are built with the Go toolchain.
// Names: flavor-launcher-<os>_<arch>[.exe] in <package root>/dist/launchers/.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256Hex } from '../crypto/digest.js';
import { FlavorError } from '../errors.js';
import { PACKAGE_ROOT, VERSION } from '../version.js';
import { checkAgainstManifest } from './launcher-manifest.js';
import { hostPlatform } from './metadata.js';

export const ALL_PLATFORMS = [
  'linux_amd64',
  'linux_arm64',
  'darwin_amd64',
  'darwin_arm64',
  'windows_amd64',
  'windows_arm64',
] as const;

/** What a slot's `platform` may name at build time: an OS, or an OS_arch we ship a launcher for. */
export const SLOT_PLATFORMS: readonly string[] = ['linux', 'darwin', 'windows', ...ALL_PLATFORMS];

export const LAUNCHER_DIR = path.join(fileURLToPath(PACKAGE_ROOT), 'dist', 'launchers');
export const LAUNCHER_SOURCE = path.join(fileURLToPath(PACKAGE_ROOT), 'launcher');

export function hostPlatformName(): string {
  const { os, arch } = hostPlatform();
  return `${os}_${arch}`;
}

export function launcherFileName(platform: string): string {
  return `flavor-launcher-${platform}${platform.startsWith('windows_') ? '.exe' : ''}`;
}

export function checkPlatform(platform: string): string {
  if (!(ALL_PLATFORMS as readonly string[]).includes(platform)) {
    throw new FlavorError('USAGE', `unknown platform "${platform}"`, {
      hint: `use one of: ${ALL_PLATFORMS.join(', ')}`,
    });
  }
  return platform;
}

/** The launcher to embed: an explicit path, FLAVOR_LAUNCHER_BIN, or the shipped one for the platform. */
export async function resolveLauncher(
  explicit: string | undefined,
  platform: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<string> {
  const chosen = explicit ?? env.FLAVOR_LAUNCHER_BIN;
  const candidate =
    chosen ?? path.join(LAUNCHER_DIR, launcherFileName(checkPlatform(platform ?? hostPlatformName())));
  try {
    const stat = await fs.stat(candidate);
    if (!stat.isFile()) throw new Error('not a file');
  } catch (cause) {
    throw new FlavorError('LAUNCHER_NOT_FOUND', 'launcher binary not found', {
      path: candidate,
      cause,
      hint: chosen ? 'check the --launcher-bin path' : launcherFixHint(),
    });
  }
  // A launcher the user names is their choice; the shipped ones must match the manifest.
  if (chosen === undefined) await checkAgainstManifest(candidate);
  return candidate;
}

/** True in a source checkout (the Go sources are there), false in an installed npm package. */
export function isSourceCheckout(): boolean {
  return existsSync(path.join(LAUNCHER_SOURCE, 'go.mod'));
}

function launcherFixHint(): string {
  return isSourceCheckout()
    ? 'build the launchers with `flavor helpers build` (needs Go), or pass --launcher-bin'
    : 'reinstall flavorpack (npm i -g flavorpack), or pass --launcher-bin';
}

export interface LauncherInfo {
  name: string;
  platform: string;
  path: string;
  size: number;
  sha256: string;
  version: string;
  /**
   * Who made it, as recorded in metadata `launcher.tool`: "flavor-launcher" (ours, from the version stamp),
   * "flavor-go-launcher" / "flavor-rs-launcher" (upstream's, from their own name strings), or "unknown".
   */
  tool: string;
  /** True only for our launcher: the only one whose capabilities we record. */
  ours: boolean;
}

const VERSION_MARKER = Buffer.from('flavor-launcher-version=');

/** Who made a launcher binary (see LauncherInfo.tool) and its version, from its bytes and file name. */
export function identifyLauncher(
  bytes: Buffer,
  fileName: string,
): Pick<LauncherInfo, 'tool' | 'version' | 'ours'> {
  if (bytes.includes(VERSION_MARKER))
    return { tool: 'flavor-launcher', version: embeddedVersion(bytes), ours: true };
  const upstream = ['flavor-go-launcher', 'flavor-rs-launcher'].find((t) => bytes.includes(Buffer.from(t)));
  if (!upstream) return { tool: 'unknown', version: 'unknown', ours: false };
  // Upstream launchers carry no version stamp; their release files are named <tool>-<version>-<platform>.
  const version = new RegExp(`^${upstream}-(\\d+\\.\\d+\\.\\d+)`).exec(fileName)?.[1] ?? 'unknown';
  return { tool: upstream, version, ours: false };
}

export async function describeLauncher(file: string): Promise<LauncherInfo> {
  const bytes = await fs.readFile(file);
  const name = path.basename(file);
  const platform = /^flavor-launcher-([a-z]+_[a-z0-9]+)/.exec(name)?.[1] ?? 'unknown';
  return {
    name,
    platform,
    path: file,
    size: bytes.length,
    sha256: sha256Hex(bytes),
    ...identifyLauncher(bytes, name),
  };
}

/** The version the Go build stamps into the binary as "flavor-launcher-version=<v>;" (see launcher/main.go). */
export function embeddedVersion(bytes: Buffer): string {
  // The source default ("dev") stays in the binary beside the value set with -X; prefer the latter.
  const marker = Buffer.from('flavor-launcher-version=');
  const found: string[] = [];
  for (let at = bytes.indexOf(marker); at >= 0; at = bytes.indexOf(marker, at + 1)) {
    const tail = bytes.subarray(at + marker.length, at + marker.length + 64).toString('latin1');
    const m = /^([0-9A-Za-z.+-]{1,63});/.exec(tail);
    if (m?.[1]) found.push(m[1]);
  }
  return found.find((v) => v !== 'dev') ?? found[0] ?? 'unknown';
}

export async function listLaunchers(dir = LAUNCHER_DIR): Promise<LauncherInfo[]> {
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  const found = names.filter((n) => n.startsWith('flavor-launcher-')).sort();
  return Promise.all(found.map((n) => describeLauncher(path.join(dir, n))));
}

export interface BuildLauncherOptions {
  platform: string;
  outDir?: string;
  version?: string;
  /** The Go module to build (default: the checkout's launcher/). */
  sourceDir?: string;
  log?: (line: string) => void;
}

/**
 * Builds one launcher with `go build`, reproducibly: static (CGO off), stripped, no file paths
 * (-trimpath), no VCS stamp, an empty build id and fixed architecture levels, so the same sources and Go
 * version give the same bytes on any machine.
 */
export async function buildLauncher(options: BuildLauncherOptions): Promise<LauncherInfo> {
  const [goos, goarch] = checkPlatform(options.platform).split('_') as [string, string];
  const outDir = options.outDir ?? LAUNCHER_DIR;
  await fs.mkdir(outDir, { recursive: true });
  const out = path.join(outDir, launcherFileName(options.platform));
  const temp = `${out}.tmp-${process.pid}`;
  const args = [
    'build',
    '-trimpath',
    '-buildvcs=false',
    '-ldflags',
    `-s -w -buildid= -X main.versionStamp=flavor-launcher-version=${options.version ?? VERSION};`,
    '-o',
    temp,
    '.',
  ];
  options.log?.(`go ${args.join(' ')}  (GOOS=${goos} GOARCH=${goarch} CGO_ENABLED=0)`);
  await run('go', args, { cwd: options.sourceDir ?? LAUNCHER_SOURCE, env: reproducibleGoEnv(goos, goarch) });
  await fs.rename(temp, out);
  return describeLauncher(out);
}

/** The Go environment of a launcher build: only what the target needs, nothing from the caller's tuning. */
export function reproducibleGoEnv(goos: string, goarch: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['GOAMD64', 'GOARM64', 'GOEXPERIMENT', 'GOFLAGS', 'CGO_CFLAGS', 'CGO_LDFLAGS']) {
    delete env[name];
  }
  return {
    ...env,
    GOOS: goos,
    GOARCH: goarch,
    CGO_ENABLED: '0',
    GOAMD64: 'v1',
    GOARM64: 'v8.0',
    GOFLAGS: '-mod=readonly',
  };
}

/** `go version` of the toolchain on PATH, e.g. "go1.26.8" ("" when Go cannot run). */
export function goVersion(): string {
  const r = spawnSync('go', ['env', 'GOVERSION'], { encoding: 'utf8', timeout: 30_000 });
  return r.status === 0 ? r.stdout.trim() : '';
}

function run(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', (cause) =>
      reject(
        new FlavorError('LAUNCHER_NOT_FOUND', `cannot run ${cmd}`, {
          cause,
          hint: 'install Go (the version in launcher/go.mod) to build launchers, or pass --launcher-bin',
        }),
      ),
    );
    child.on('close', (code) => {
      if (code === 0) resolve();
      else
        reject(
          new FlavorError(
            'TOOL_FAILED',
            `${cmd} ${args[0]} failed (exit ${code}):\n${output.trim().split('\n').slice(-30).join('\n')}`,
          ),
        );
    });
  });
}

import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildPackage } from '../../builder/build.js';
import {
  manifestPath,
  readLauncherManifest,
  writeLauncherManifest,
} from '../../builder/launcher-manifest.js';
import {
  ALL_PLATFORMS,
  buildLauncher,
  checkPlatform,
  describeLauncher,
  goVersion,
  hostPlatformName,
  LAUNCHER_DIR,
  LAUNCHER_SOURCE,
  launcherFileName,
  listLaunchers,
} from '../../builder/launchers.js';
import { generateSigningKey } from '../../crypto/keys.js';
import { FlavorError } from '../../errors.js';
import { VERSION } from '../../version.js';
import { type CommandDefinition, flag, str } from '../command.js';
import { formatBytes } from '../output.js';

export const helpersList: CommandDefinition = {
  name: 'helpers list',
  summary: 'List the launcher binaries flavor can embed.',
  args: '',
  minArgs: 0,
  maxArgs: 0,
  options: {
    verbose: { type: 'boolean', short: 'v', help: 'show SHA-256 and path' },
    json: { type: 'boolean', help: 'print as JSON' },
  },
  async run(ctx, _a, values) {
    const launchers = await listLaunchers();
    if (flag(values, 'json')) {
      ctx.out.json({ directory: LAUNCHER_DIR, launchers });
      return 0;
    }
    if (launchers.length === 0) {
      ctx.out.print(`no launchers in ${LAUNCHER_DIR}`);
      ctx.out.info(
        'hint: build them with `flavor helpers build` (host) or `flavor helpers build --platform all`',
      );
      return 0;
    }
    for (const l of launchers) {
      ctx.out.print(
        `${l.name.padEnd(36)} ${l.platform.padEnd(14)} ${formatBytes(l.size).padStart(9)}  ${l.version}`,
      );
      if (flag(values, 'verbose')) ctx.out.print(`    sha256:${l.sha256}  ${l.path}`);
    }
    return 0;
  },
};

export const helpersInfo: CommandDefinition = {
  name: 'helpers info',
  summary: 'Show one launcher (by file name or platform, e.g. linux_amd64).',
  args: 'NAME',
  minArgs: 1,
  maxArgs: 1,
  options: { json: { type: 'boolean', help: 'print as JSON' } },
  async run(ctx, [name], values) {
    const found = (await listLaunchers()).find((l) => l.name === name || l.platform === name);
    if (!found)
      throw new FlavorError('NOT_FOUND', `no launcher "${name}"`, { hint: 'see `flavor helpers list`' });
    if (flag(values, 'json')) ctx.out.json(found);
    else for (const [k, v] of Object.entries(found)) ctx.out.print(`${k.padEnd(9)} ${String(v)}`);
    return 0;
  },
};

export const helpersBuild: CommandDefinition = {
  name: 'helpers build',
  summary:
    'Build launcher binaries with Go (static, stripped, reproducible); record their SHA-256 in the manifest.',
  args: '',
  minArgs: 0,
  maxArgs: 0,
  options: {
    platform: { type: 'string', help: `P  host (default), all, or one of ${ALL_PLATFORMS.join(', ')}` },
    force: { type: 'boolean', short: 'f', help: 'rebuild even if the launcher exists' },
    quiet: { type: 'boolean', short: 'q', help: 'print nothing but errors' },
    json: { type: 'boolean', help: 'print as JSON' },
  },
  async run(ctx, _a, values) {
    const requested = str(values, 'platform') ?? 'host';
    const platforms =
      requested === 'all'
        ? [...ALL_PLATFORMS]
        : [requested === 'host' ? hostPlatformName() : checkPlatform(requested)];
    const manifest = (await readLauncherManifest(LAUNCHER_DIR).catch(() => undefined)) ?? {
      format: 1 as const,
      version: VERSION,
      go: '',
      launchers: {},
    };
    const built = [];
    for (const platform of platforms) {
      const existing = path.join(LAUNCHER_DIR, launcherFileName(platform));
      if (!flag(values, 'force') && (await isFresh(existing, manifest.launchers[platform]?.sha256))) {
        built.push({ ...(await describeLauncher(existing)), skipped: true });
        continue;
      }
      ctx.out.progress(`building launcher for ${platform}…`);
      const info = await buildLauncher({ platform });
      manifest.launchers[platform] = { file: info.name, size: info.size, sha256: info.sha256 };
      built.push({ ...info, skipped: false });
    }
    if (built.some((l) => !l.skipped)) {
      manifest.version = VERSION;
      manifest.go = goVersion();
    }
    await writeLauncherManifest(LAUNCHER_DIR, manifest);
    if (flag(values, 'json')) ctx.out.json({ launchers: built, manifest: manifestPath(LAUNCHER_DIR) });
    else
      for (const l of built) {
        ctx.out.info(`${l.skipped ? 'up to date' : 'built'} ${l.path} (${formatBytes(l.size)})`);
      }
    return 0;
  },
};

/**
 * A launcher is fresh when it is newer than every Go source file and its bytes are the ones the manifest
 * lists (a launcher changed or built elsewhere is rebuilt).
 */
async function isFresh(binary: string, listedSha256: string | undefined): Promise<boolean> {
  const stat = await fs.stat(binary).catch(() => undefined);
  if (!stat || listedSha256 === undefined) return false;
  if (stat.mtimeMs < (await newestMtime(LAUNCHER_SOURCE))) return false;
  return (await describeLauncher(binary)).sha256 === listedSha256;
}

async function newestMtime(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, await newestMtime(p));
    else if (/\.(go|mod|sum)$/.test(entry.name)) newest = Math.max(newest, (await fs.stat(p)).mtimeMs);
  }
  return newest;
}

export const helpersClean: CommandDefinition = {
  name: 'helpers clean',
  summary: 'Remove the built launcher binaries.',
  args: '',
  minArgs: 0,
  maxArgs: 0,
  options: { yes: { type: 'boolean', short: 'y', help: 'do not ask for confirmation' } },
  async run(ctx, _a, values) {
    const launchers = await listLaunchers();
    if (launchers.length === 0) {
      ctx.out.print('no launchers to remove');
      return 0;
    }
    if (!flag(values, 'yes')) {
      throw new FlavorError('USAGE', `would remove ${launchers.length} launchers from ${LAUNCHER_DIR}`, {
        hint: 'run again with --yes',
      });
    }
    for (const l of launchers) await fs.rm(l.path, { force: true });
    await fs.rm(manifestPath(LAUNCHER_DIR), { force: true });
    ctx.out.print(`removed ${launchers.length} launchers`);
    return 0;
  },
};

export const helpersTest: CommandDefinition = {
  name: 'helpers test',
  summary: 'Test each launcher: run the host one on a tiny package, check the headers of the others.',
  args: '',
  minArgs: 0,
  maxArgs: 0,
  options: { json: { type: 'boolean', help: 'print as JSON' } },
  async run(ctx, _a, values) {
    const launchers = await listLaunchers();
    if (launchers.length === 0)
      throw new FlavorError('LAUNCHER_NOT_FOUND', 'no launchers to test', {
        hint: 'run `flavor helpers build`',
      });
    const results = [];
    for (const l of launchers) results.push({ name: l.name, ...(await testLauncher(l.path, l.platform)) });
    if (flag(values, 'json')) ctx.out.json({ results });
    else for (const r of results) ctx.out.print(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name}: ${r.detail}`);
    return results.every((r) => r.ok) ? 0 : 1;
  },
};

const EXPECTED_HEADER: Record<string, (b: Buffer) => boolean> = {
  linux: (b) => b.subarray(0, 4).equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46])),
  darwin: (b) => b.readUInt32LE(0) === 0xfeedfacf,
  windows: (b) => b.subarray(0, 2).toString('latin1') === 'MZ',
};
const ELF_MACHINE: Record<string, number> = { amd64: 0x3e, arm64: 0xb7 };
const MACHO_CPU: Record<string, number> = { amd64: 0x01000007, arm64: 0x0100000c };

async function testLauncher(file: string, platform: string): Promise<{ ok: boolean; detail: string }> {
  const [goos, goarch] = platform.split('_') as [string, string];
  const head = Buffer.alloc(64);
  const handle = await fs.open(file, 'r');
  try {
    await handle.read(head, 0, 64, 0);
  } finally {
    await handle.close();
  }
  if (!EXPECTED_HEADER[goos]?.(head)) return { ok: false, detail: `not a ${goos} executable` };
  if (goos === 'linux' && head.readUInt16LE(18) !== ELF_MACHINE[goarch])
    return { ok: false, detail: 'wrong ELF machine' };
  if (goos === 'darwin' && head.readUInt32LE(4) !== MACHO_CPU[goarch])
    return { ok: false, detail: 'wrong Mach-O CPU type' };
  if (platform !== hostPlatformName())
    return { ok: true, detail: `${goos} ${goarch} header valid (not runnable here)` };
  return runTinyPackage(file);
}

async function runTinyPackage(launcher: string): Promise<{ ok: boolean; detail: string }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flavor-helper-test-'));
  try {
    const payload = path.join(dir, 'hello.sh');
    await fs.writeFile(payload, 'echo "helper-test-ok $1"\n');
    const pkg = path.join(dir, 'hello.psp');
    await buildPackage(
      {
        package: { name: 'helper-test', version: '1.0.0' },
        execution: { command: '/bin/sh {workenv}/hello.sh', env: {}, primarySlot: 0 },
        slots: [
          {
            id: 'script',
            source: payload,
            target: '{workenv}/hello.sh',
            operations: 'gzip',
            purpose: 'code',
            lifecycle: 'runtime',
          },
        ],
      },
      { output: pkg, launcherPath: launcher, key: generateSigningKey(), toolVersion: VERSION },
    );
    const run = spawnSync(pkg, ['arg'], {
      env: { ...process.env, FLAVOR_CACHE: path.join(dir, 'cache') },
      encoding: 'utf8',
      timeout: 30_000,
    });
    const ok = run.status === 0 && run.stdout.trim() === 'helper-test-ok arg';
    return {
      ok,
      detail: ok ? 'ran a test package' : `test package failed (exit ${run.status}): ${run.stderr.trim()}`,
    };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

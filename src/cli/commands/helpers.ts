import { promises as fs } from 'node:fs';
import path from 'node:path';
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

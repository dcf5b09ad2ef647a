// packPlatforms(): one command, several targets (`flavor pack --platform linux_amd64,linux_arm64,windows_amd64`,
// issue 19, docs/platforms.md). One package per target, named `<name>-<platform>.psp` (`.exe` for Windows)
// in the output folder. Every target's runtime source is chosen first — a target without one is refused
// before anything is built — then the packages are built one after the other, sharing what does not
// depend on the platform: the project's pure wheel is built once (the app slot is made from it), and
// downloads come from one uv cache.

import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BuildSpec } from '../builder/build-spec.js';
import { checkPlatform, hostPlatformName } from '../builder/launchers.js';
import { FlavorError } from '../errors.js';
import { selectRuntimeSource } from '../python/index.js';
import { parseDistName } from '../python/python-dist.js';
import { checkOutputFolder } from './output-path.js';
import { type PackOptions, type PackResult, pack } from './pack.js';
import { isPyproject, projectManifest } from './pack-input.js';

export interface PlatformsPackOptions extends Omit<PackOptions, 'platform' | 'pythonDist' | 'output'> {
  /** Where the packages go (a folder; default: next to the manifest, in dist/). */
  outputDir?: string;
  /** python-build-standalone archives, each used for the target its name's triple names. */
  pythonDists?: string[];
}

export interface PlatformsPackResult {
  ok: true;
  packages: Array<PackResult & { platform: string }>;
  /** What was built once and reused by the other packages. */
  reused: string[];
  seconds: number;
}

/** Packs `input` once per platform (see the file comment). */
export async function packPlatforms(
  input: string | BuildSpec,
  platforms: readonly string[],
  options: PlatformsPackOptions = {},
): Promise<PlatformsPackResult> {
  const started = Date.now();
  const cwd = options.cwd ?? process.cwd();
  const targets = checkPlatforms(platforms);
  const dists = matchDists(options.pythonDists ?? [], targets, cwd);
  const outputDir = options.outputDir === undefined ? undefined : path.resolve(cwd, options.outputDir);
  if (outputDir !== undefined) await checkOutputFolder(outputDir, '-o/--output');
  if (typeof input === 'string' && (await isPyproject(projectManifest(path.resolve(cwd, input))))) {
    await checkRuntimes(targets, dists, options, cwd);
  }
  const sharedDir = await fs.mkdtemp(path.join(os.tmpdir(), 'flavor-shared-wheels-'));
  const shared = { pure: new Map<string, string>(), reused: [] as string[], dir: sharedDir };
  try {
    const packages: PlatformsPackResult['packages'] = [];
    for (const platform of targets) {
      const dist = dists.get(platform);
      const { python, ...rest } = options;
      const result = await pack(input, {
        ...rest,
        // --python is an interpreter of this machine: the runtime of the host's package only.
        ...(python !== undefined && platform === hostPlatformName() ? { python } : {}),
        platform,
        ...(dist === undefined ? {} : { pythonDist: dist }),
        sharedWheels: shared,
        nameByPlatform: outputDir === undefined ? {} : { outputDir },
      });
      packages.push({ ...result, platform });
    }
    return {
      ok: true,
      packages,
      reused: [...countReuses(shared.reused), ...identicalSlots(packages)],
      seconds: Number(((Date.now() - started) / 1000).toFixed(1)),
    };
  } finally {
    await fs.rm(sharedDir, { recursive: true, force: true });
  }
}

/** "X (for 2 more packages)" per distinct reuse. */
function countReuses(reused: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const r of reused) counts.set(r, (counts.get(r) ?? 0) + 1);
  return [...counts].map(
    ([what, n]) => `${what}, built once, reused for ${n} more package${n === 1 ? '' : 's'}`,
  );
}

/** Slots whose bytes are the same in every package (e.g. the app slot, made from the one pure wheel). */
function identicalSlots(packages: ReadonlyArray<PackResult>): string[] {
  const first = packages[0];
  if (!first || packages.length < 2) return [];
  return first.slots
    .filter((slot) =>
      packages.every((p) => p.slots.some((s) => s.id === slot.id && s.sha256 === slot.sha256)),
    )
    .map(
      (slot) =>
        `slot ${slot.id}: the same bytes in all ${packages.length} packages (sha256 ${slot.sha256.slice(0, 12)}…)`,
    );
}

function checkPlatforms(platforms: readonly string[]): string[] {
  const targets = platforms.map((p) => checkPlatform(p));
  const twice = targets.find((p, i) => targets.indexOf(p) !== i);
  if (twice !== undefined) throw new FlavorError('USAGE', `--platform names ${twice} twice`);
  if (targets.length === 0) throw new FlavorError('USAGE', '--platform names no platform');
  return targets;
}

/** Each --python-dist to the target its name's triple names; one per target, each for a target. */
function matchDists(
  archives: readonly string[],
  targets: readonly string[],
  cwd: string,
): Map<string, string> {
  const out = new Map<string, string>();
  for (const archive of archives) {
    const platform = parseDistName(archive)?.platform;
    if (platform === undefined) {
      throw new FlavorError(
        'USAGE',
        `--python-dist ${archive}: with several platforms each archive is matched by the target triple in its name (cpython-3.X.Y+DATE-<triple>-install_only.tar.gz)`,
        { hint: 'keep the python-build-standalone file name, or pack that platform on its own' },
      );
    }
    if (!targets.includes(platform)) {
      throw new FlavorError(
        'USAGE',
        `--python-dist ${archive} is for ${platform}, which --platform does not name`,
      );
    }
    if (out.has(platform)) throw new FlavorError('USAGE', `two --python-dist archives for ${platform}`);
    out.set(platform, path.resolve(cwd, archive));
  }
  return out;
}

/** Every target's runtime source, before anything is built (the first refusal stops the command). */
async function checkRuntimes(
  targets: readonly string[],
  dists: Map<string, string>,
  options: PlatformsPackOptions,
  cwd: string,
): Promise<void> {
  for (const platform of targets) {
    const dist = dists.get(platform);
    await selectRuntimeSource({
      platform,
      host: hostPlatformName(),
      ...(options.python === undefined || platform !== hostPlatformName()
        ? {}
        : { python: path.resolve(cwd, options.python) }),
      ...(dist === undefined ? {} : { pythonDist: dist }),
      env: options.env ?? process.env,
    });
  }
}

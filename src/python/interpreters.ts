// Finding the CPython interpreter a package is built for: discovery (pyenv versions, uv's list of
// installed interpreters, python3.X on PATH), probing (one small script per candidate), and selection
// (newest version satisfying every constraint; ties go to pyenv, then uv, then PATH).

import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, delimiter, dirname, join } from 'node:path';
import { FlavorError } from '../errors.js';
import { run } from './exec.js';
import type { PythonConstraint } from './manifest.js';
import { findTool } from './tools.js';
import { comparePyVersions, matchesSpecifiers, parsePyVersion } from './version-spec.js';

export type InterpreterSource = 'pyenv' | 'uv' | 'PATH' | '--python' | '--python-dist' | 'portable';

export interface InterpreterInfo {
  /** The real executable (symlinks resolved). */
  path: string;
  version: string;
  implementation: string;
  /** sys.base_prefix: the installation folder. */
  prefix: string;
  stdlib: string;
  platstdlib: string;
  /** The interpreter's own site-packages (first of site.getsitepackages()). */
  sitePackages: string;
  shared: boolean;
  libdir: string;
  soabi: string;
  platform: string;
  libc: string;
  freeThreaded: boolean;
  isVenv: boolean;
  source: InterpreterSource;
}

/** What selection works on: a found interpreter, or one that was seen but cannot be used. */
export interface Candidate {
  path: string;
  version: string;
  source: InterpreterSource;
  /** Set when the interpreter cannot be packaged at all (too old, not CPython, a venv, …). */
  unusable?: string;
  info?: InterpreterInfo;
}

export const MIN_PYTHON = '3.8';

const PROBE = `
import json, os, platform, site, sys, sysconfig
v = sys.version_info
sp = site.getsitepackages() if hasattr(site, "getsitepackages") else []
print(json.dumps({
  "version": "%d.%d.%d%s" % (v[0], v[1], v[2], "" if v[3] == "final" else {"alpha": "a", "beta": "b", "candidate": "rc"}.get(v[3], "") + str(v[4])),
  "implementation": sys.implementation.name,
  "executable": os.path.realpath(sys.executable) if sys.executable else "",
  "prefix": sys.prefix,
  "base_prefix": getattr(sys, "base_prefix", sys.prefix),
  "stdlib": sysconfig.get_path("stdlib"),
  "platstdlib": sysconfig.get_path("platstdlib"),
  "site": sp[0] if sp else "",
  "shared": bool(sysconfig.get_config_var("Py_ENABLE_SHARED")),
  "libdir": sysconfig.get_config_var("LIBDIR") or "",
  "soabi": sysconfig.get_config_var("SOABI") or "",
  "platform": sysconfig.get_platform(),
  "libc": " ".join(platform.libc_ver()),
  "free_threaded": bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
}))
`;

import { isExecutableFile } from './fsutil.js';

interface ProbeJson {
  version: string;
  implementation: string;
  executable: string;
  prefix: string;
  base_prefix: string;
  stdlib: string;
  platstdlib: string;
  site: string;
  shared: boolean;
  libdir: string;
  soabi: string;
  platform: string;
  libc: string;
  free_threaded: boolean;
}

/** Run the probe script with an interpreter; undefined when it does not run or is not Python 3. */
export async function probeInterpreter(
  path: string,
  source: InterpreterSource,
): Promise<InterpreterInfo | undefined> {
  let result: Awaited<ReturnType<typeof run>>;
  try {
    result = await run(path, ['-I', '-B', '-c', PROBE], {
      timeoutMs: 20_000,
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/' },
    });
  } catch {
    return undefined;
  }
  if (result.code !== 0) return undefined;
  let json: ProbeJson;
  try {
    json = JSON.parse(result.stdout.trim().split('\n').pop() ?? '') as ProbeJson;
  } catch {
    return undefined;
  }
  return {
    path: json.executable || realpathSafe(path),
    version: json.version,
    implementation: json.implementation,
    prefix: json.base_prefix,
    stdlib: json.stdlib,
    platstdlib: json.platstdlib,
    sitePackages: json.site,
    shared: json.shared,
    libdir: json.libdir,
    soabi: json.soabi,
    platform: json.platform,
    libc: json.libc,
    freeThreaded: json.free_threaded,
    isVenv: json.prefix !== json.base_prefix,
    source,
  };
}

function realpathSafe(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** Why an interpreter cannot be packaged, or undefined when it can. */
export function unusableReason(info: InterpreterInfo): string | undefined {
  if (info.implementation !== 'cpython') return `${info.implementation} is not supported (CPython only)`;
  const v = parsePyVersion(info.version);
  const min = parsePyVersion(MIN_PYTHON);
  if (!v || !min || comparePyVersions(v, min) < 0) return `older than ${MIN_PYTHON}`;
  if (info.isVenv) return 'a virtual environment (its base interpreter is listed separately)';
  if (info.freeThreaded) return 'a free-threaded build (not supported yet)';
  if (!info.platform.startsWith('linux')) return `platform ${info.platform} is not supported (Linux only)`;
  if (!info.stdlib.startsWith(`${info.prefix}/`))
    return `its standard library (${info.stdlib}) is outside its prefix`;
  if (!info.sitePackages.startsWith(`${info.prefix}/`))
    return `its site-packages (${info.sitePackages}) is outside its prefix`;
  return undefined;
}

function toCandidate(info: InterpreterInfo): Candidate {
  const reason = unusableReason(info);
  return reason === undefined
    ? { path: info.path, version: info.version, source: info.source, info }
    : { path: info.path, version: info.version, source: info.source, unusable: reason, info };
}

export interface DiscoverOptions {
  env?: NodeJS.ProcessEnv;
  /** Skip asking uv (tests). */
  noUv?: boolean;
}

/** Candidate executables (not yet probed), with the source that found them. */
export async function listInterpreterPaths(
  options: DiscoverOptions = {},
): Promise<Array<{ path: string; source: InterpreterSource }>> {
  const env = options.env ?? process.env;
  const out: Array<{ path: string; source: InterpreterSource }> = [];
  // pyenv
  const pyenvRoot = env['PYENV_ROOT'] || join(env['HOME'] || homedir(), '.pyenv');
  const versionsDir = join(pyenvRoot, 'versions');
  if (existsSync(versionsDir)) {
    for (const version of readdirSync(versionsDir).sort()) {
      const bin = join(versionsDir, version, 'bin');
      if (!existsSync(bin)) continue;
      for (const name of readdirSync(bin).sort()) {
        if (/^python3\.\d+$/.test(name) && isExecutableFile(join(bin, name)))
          out.push({ path: join(bin, name), source: 'pyenv' });
      }
    }
  }
  // uv (never downloads: UV_PYTHON_DOWNLOADS=never)
  const uv = options.noUv ? undefined : findTool('uv', { env });
  if (uv) {
    try {
      const result = await run(uv.path, ['python', 'list', '--only-installed', '--output-format', 'json'], {
        env: { ...env, UV_PYTHON_DOWNLOADS: 'never', NO_COLOR: '1' },
        timeoutMs: 30_000,
      });
      if (result.code === 0) {
        const list = JSON.parse(result.stdout) as Array<{ path?: string; implementation?: string }>;
        for (const entry of list) {
          if (
            typeof entry.path === 'string' &&
            !entry.path.includes('/shims/') &&
            entry.implementation === 'cpython'
          ) {
            out.push({ path: entry.path, source: 'uv' });
          }
        }
      }
    } catch {
      // uv is optional for discovery
    }
  }
  // PATH (pyenv shims are skipped: they only forward to the versions listed above)
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    if (dir === '' || basename(dir) === 'shims' || !existsSync(dir)) continue;
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names.sort()) {
      if (/^python3(\.\d+)?$/.test(name) && isExecutableFile(join(dir, name)))
        out.push({ path: join(dir, name), source: 'PATH' });
    }
  }
  return out;
}

/** Discover and probe every interpreter; duplicates (same real executable) are merged, first source wins. */
export async function discoverInterpreters(options: DiscoverOptions = {}): Promise<Candidate[]> {
  const paths = await listInterpreterPaths(options);
  const seenPaths = new Set<string>();
  const unique: Array<{ path: string; source: InterpreterSource }> = [];
  for (const item of paths) {
    const real = realpathSafe(item.path);
    if (seenPaths.has(real)) continue;
    seenPaths.add(real);
    unique.push(item);
  }
  const infos = await mapLimit(unique, 4, (item) => probeInterpreter(item.path, item.source));
  const byExe = new Map<string, Candidate>();
  for (const info of infos) {
    if (!info || byExe.has(info.path)) continue;
    byExe.set(info.path, toCandidate(info));
  }
  return [...byExe.values()];
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  });
  await Promise.all(workers);
  return results;
}

const SOURCE_RANK: Record<InterpreterSource, number> = {
  '--python': 0,
  '--python-dist': 0,
  portable: 0,
  pyenv: 1,
  uv: 2,
  PATH: 3,
};

export function describeConstraints(constraints: readonly PythonConstraint[]): string {
  if (constraints.length === 0) return 'no version constraint';
  return constraints.map((c) => `${c.text} (${c.key})`).join(' and ');
}

function failedConstraint(
  version: string,
  constraints: readonly PythonConstraint[],
): PythonConstraint | undefined {
  const v = parsePyVersion(version);
  if (!v) return constraints[0];
  return constraints.find((c) => !matchesSpecifiers(v, c.clauses));
}

export interface Selection {
  candidate: Candidate & { info: InterpreterInfo };
  reason: string;
}

/**
 * Pick the newest usable candidate that satisfies every constraint (ties: pyenv, uv, PATH).
 * Throws PYTHON_NOT_FOUND listing everything that was found and why it did not fit.
 */
export function selectInterpreter(
  candidates: readonly Candidate[],
  constraints: readonly PythonConstraint[],
): Selection {
  const matching = candidates.filter(
    (c) => c.unusable === undefined && c.info && !failedConstraint(c.version, constraints),
  );
  matching.sort((a, b) => {
    const va = parsePyVersion(a.version);
    const vb = parsePyVersion(b.version);
    const byVersion = va && vb ? comparePyVersions(vb, va) : 0;
    return byVersion !== 0 ? byVersion : SOURCE_RANK[a.source] - SOURCE_RANK[b.source];
  });
  const best = matching[0];
  if (best?.info) {
    const others = matching.length - 1;
    const reason =
      `newest interpreter matching ${describeConstraints(constraints)} (found by ${best.source}` +
      (others > 0 ? `; ${others} other match${others === 1 ? '' : 'es'}` : '') +
      ')';
    return { candidate: best as Selection['candidate'], reason };
  }
  const lines = candidates.map((c) => {
    const failed =
      c.unusable ??
      (failedConstraint(c.version, constraints)
        ? `does not satisfy ${failedConstraint(c.version, constraints)?.text}`
        : '');
    return `  ${c.version.padEnd(8)} ${c.path} (${c.source})${failed ? `: ${failed}` : ''}`;
  });
  throw new FlavorError(
    'PYTHON_NOT_FOUND',
    `no Python interpreter satisfies ${describeConstraints(constraints)}; found ${candidates.length === 0 ? 'none' : `${candidates.length}:\n${lines.join('\n')}`}`,
    {
      hint: 'install a matching CPython (e.g. pyenv install 3.12), pass --python /path/to/python3.X or --python-dist <python-build-standalone archive>, or relax requires-python',
      details: {
        found: candidates.map((c) => ({
          path: c.path,
          version: c.version,
          source: c.source,
          unusable: c.unusable,
        })),
      },
    },
  );
}

/** Check an explicitly given interpreter (--python / --python-dist) against the constraints. */
export function checkExplicit(
  info: InterpreterInfo,
  constraints: readonly PythonConstraint[],
  given: string,
): Selection {
  const reason = unusableReason(info);
  if (reason !== undefined) {
    throw new FlavorError(
      'PYTHON_NOT_FOUND',
      `${given} (${info.path}, Python ${info.version}) cannot be packaged: ${reason}`,
      {
        path: info.path,
      },
    );
  }
  return checkConstraints(info, constraints, given);
}

/** The version of an interpreter given explicitly (also one for another platform) against the constraints. */
export function checkConstraints(
  info: InterpreterInfo,
  constraints: readonly PythonConstraint[],
  given: string,
): Selection {
  const failed = failedConstraint(info.version, constraints);
  if (failed) {
    throw new FlavorError(
      'PYTHON_NOT_FOUND',
      `${given} is Python ${info.version}, which does not satisfy ${failed.text} (${failed.key})`,
      { path: info.path, hint: `pass an interpreter matching ${describeConstraints(constraints)}` },
    );
  }
  return {
    candidate: { path: info.path, version: info.version, source: info.source, info },
    reason: `given with ${given}`,
  };
}

/** The folder an executable lives in, two levels up (bin/python3.X → prefix). */
export function prefixOf(exe: string): string {
  return dirname(dirname(exe));
}

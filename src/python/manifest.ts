// Reading and validating pyproject.toml: [project] plus [tool.flavor]. Pure parsing (`parseProject`) is
// separate from the file-system checks (`readProject`) so the rules are testable without files.

import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import type { RuntimeEnvSpec } from '../builder/build-spec.js';
import { ALL_PLATFORMS } from '../builder/launchers.js';
import { FlavorError } from '../errors.js';
import { Checker, isTable, type Table } from '../schema/checker.js';
import { ENV_NAME_RE, parseRuntimeEnv } from '../schema/runtime-env.js';
import { parseService, SERVICE_KEYS, type ServiceSpec } from '../schema/service.js';
import { type ProjectFields, readPoetryTable, readSetupCfg } from './other-projects.js';
import { checkSlotSources, type ProjectSlot, parseSlots } from './slots.js';
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
  /** Requirement strings from [tool.flavor.build].dependencies ("cython>=3"): the wheel build gets them. */
  buildRequirements: string[];
  /** Where the build venv lives (absolute); undefined: a fresh one in the work folder when one is needed. */
  venvPath: string | undefined;
  /** The build venv sees the interpreter's own site-packages. */
  systemSitePackages: boolean;
  /** [build-system].requires (installed into the build venv; default setuptools + wheel). */
  buildSystemRequires: string[];
  /** Variables added to the environment of the build tools and the pre-commands. */
  env: Record<string, string>;
  /**
   * [tool.flavor.build.platform.<os_arch>].env: variables added to the dependency install when the
   * package is built for that platform (on top of `env`).
   */
  platformEnv: Record<string, Record<string, string>>;
  /** Shell commands run in the project folder first, before anything is built or installed. */
  preInstallCommands: string[];
  /** Shell commands run in the project folder right before the project's wheel is built. */
  preBuildCommands: string[];
  /** Globs of files/folders removed from the dependencies slot, like "*.pyi" or "tests". */
  excludeFromDeps: string[];
  /** false: the test packages of the dependencies (tests/, test/ folders, conftest.py) are left out. */
  includeTests: boolean;
  /** With a uv.lock: leave out the dev dependency group (default true). */
  noDevDeps: boolean;
  /** The interpreter runs with -O (1) / -OO (2); the matching .opt-N.pyc are precompiled. */
  optimizationLevel: 0 | 1 | 2;
  /** false: no .pyc are precompiled for the dependencies and the app. */
  compileBytecode: boolean;
  /** false: the dependencies and the app ship only .pyc (sources removed after compiling). */
  includeSources: boolean;
  /** false: the standard library ships as loose files instead of lib/python3X.zip. */
  zipStdlib: boolean;
  /** false: the prune list (test suites, idlelib, lib2to3, pydoc_data, ensurepip…) stays in the runtime. */
  pruneStdlib: boolean;
  /** true: the stdlib's .py sources go into the runtime too (source lines in tracebacks). */
  includeStdlibSources: boolean;
  /** false: every dependency ships as files (no _flavor_deps.zip). */
  zipDependencies: boolean;
  /** Distributions whose packages stay files even when zip-safe. */
  unzippedDependencies: string[];
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
  /** [tool.flavor.runtime] persistent / port: the app runs as a background service. */
  service: ServiceSpec | undefined;
  /** All interpreter constraints (requires-python and [tool.flavor.python]); every one must hold. */
  pythonConstraints: PythonConstraint[];
  /** [[tool.flavor.slots]]: extra slots after the built-in runtime, site-packages and app slots. */
  slots: ProjectSlot[];
  warnings: string[];
}

const KNOWN: Record<string, readonly string[]> = {
  'tool.flavor': [
    'entry_point',
    'package_name',
    'metadata',
    'build',
    'execution',
    'python',
    'runtime',
    'slots',
  ],
  'tool.flavor.runtime': SERVICE_KEYS,
  'tool.flavor.metadata': ['package_name'],
  'tool.flavor.build': [
    'dependencies',
    'venv_path',
    'system_site_packages',
    'use_pip',
    'index_url',
    'extra_index_urls',
    'trusted_hosts',
    'requirements_file',
    'extra_packages',
    'env',
    'pre_install_commands',
    'pre_build_commands',
    'exclude_from_deps',
    'include_tests',
    'no_dev_deps',
    'optimization_level',
    'strip_docstrings',
    'compile_bytecode',
    'include_sources',
    'zip_stdlib',
    'prune_stdlib',
    'include_stdlib_sources',
    'zip_dependencies',
    'unzipped_dependencies',
    'platform',
  ],
  ...Object.fromEntries(ALL_PLATFORMS.map((p) => [`tool.flavor.build.platform.${p}`, ['env']])),
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
const PY_VERSION_KEY_RE = /^3\.\d+(\.\d+)?$/;
const URL_RULE = { pattern: /^(https?|file):\/\/\S+$/, what: 'an http(s) or file URL' };
const HOST_RULE = { pattern: /^[A-Za-z0-9.-]+(:\d+)?$/, what: 'host names like "pypi.internal:8080"' };
const GLOB_RULE = {
  pattern: /^[^\0]+$/,
  what: 'globs relative to site-packages like "*.pyi", "*/tests" or "numpy/doc/**"',
};
const PACKAGE_NAME_RULE = {
  pattern: PACKAGE_NAME_RE,
  what: 'a file name made of letters, digits, ".", "_", "+", "-" (at most 128 characters)',
};

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

/** What every table reader gets: the checks bound to PROJECT_INVALID, the paths, the warnings list. */
interface ParseContext {
  check: Checker;
  path: string;
  projectDir: string;
  warnings: string[];
}

/** Python constraint from [tool.flavor.python] `version`: "3.11" → ==3.11.*, "3.11.7" → ==3.11.7. */
function versionConstraint(
  ctx: ParseContext,
  key: string,
  value: unknown,
  kind: 'version' | 'min' | 'max',
): PythonConstraint {
  const allowed =
    kind === 'version'
      ? 'a Python version like "3.11" or "3.11.7", or a specifier like ">=3.10,<3.13"'
      : 'a Python version like "3.10" or "3.10.4"';
  const text = ctx.check.string(value, key, { what: allowed }).trim();
  if (kind === 'version' && /^[<>=!~]/.test(text)) return specifierConstraint(ctx, key, text, allowed);
  if (!PY_VERSION_KEY_RE.test(text)) ctx.check.fail(key, allowed, value);
  const parts = text.split('.');
  let spec: string;
  if (kind === 'version') spec = parts.length === 2 ? `==${text}.*` : `==${text}`;
  else if (kind === 'min') spec = `>=${text}`;
  else spec = parts.length === 2 ? `<${parts[0]}.${Number(parts[1]) + 1}` : `<=${text}`;
  return specifierConstraint(ctx, key, spec, allowed);
}

function specifierConstraint(
  ctx: ParseContext,
  key: string,
  text: string,
  allowed: string,
): PythonConstraint {
  const clauses = parseSpecifierSet(text);
  if (typeof clauses === 'string') ctx.check.fail(key, `${allowed} (${clauses})`, text);
  return { key, text, clauses };
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

/** The table at `parent[key]` (empty when absent); its unknown keys become warnings. */
function subTable(ctx: ParseContext, parent: Table, key: string, prefix: string): Table {
  const full = `${prefix}.${key}`;
  const table = ctx.check.optTable(parent[key], full) ?? {};
  checkUnknown(table, full, ctx.warnings);
  return table;
}

function parseTomlText(text: string, path: string): Table {
  try {
    return parseToml(text) as Table;
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
}

/** Parse pyproject.toml text. `manifestPath` is used to resolve relative paths and in messages. */
export function parseProject(
  text: string,
  manifestPath: string,
  setupPyFields?: ProjectFields,
): ProjectConfig {
  const path = manifestPath;
  const check = new Checker(
    (key, expected, value) => {
      throw invalid(key, value, expected, path);
    },
    { table: 'a table' },
  );
  const ctx: ParseContext = { check, path, projectDir: dirname(manifestPath), warnings: [] };
  const setupCfg = basename(path) === 'setup.cfg';
  const doc = setupCfg || setupPyFields ? {} : parseTomlText(text, path);
  const project = setupPyFields
    ? fromFields(ctx, setupPyFields)
    : setupCfg
      ? fromFields(ctx, readSetupCfg(text, path))
      : isTable(doc.project) || !isTable(doc.tool) || !isTable(doc.tool.poetry)
        ? readProjectTable(ctx, doc.project)
        : fromFields(ctx, readPoetryTable(doc.tool.poetry, path));
  const flavor = readFlavorTable(ctx, doc.tool);
  const entryPoint = readEntryPoint(ctx, flavor.entry_point);
  requireSomethingToRun(ctx, entryPoint, project.scripts);
  const execution = readExecutionTable(ctx, subTable(ctx, flavor, 'execution', 'tool.flavor'));
  return {
    manifestPath,
    projectDir: ctx.projectDir,
    ...project,
    entryPoint,
    packageName: readPackageName(ctx, flavor, project.name),
    build: {
      ...readBuildTable(ctx, subTable(ctx, flavor, 'build', 'tool.flavor')),
      buildSystemRequires: readBuildSystem(ctx, doc),
    },
    ...execution,
    service: parseService(check, subTable(ctx, flavor, 'runtime', 'tool.flavor'), 'tool.flavor.runtime'),
    pythonConstraints: [
      ...project.pythonConstraints,
      ...readPythonTable(ctx, subTable(ctx, flavor, 'python', 'tool.flavor')),
    ],
    slots: parseSlots(ctx, flavor.slots),
    warnings: ctx.warnings,
  };
}

type ProjectTable = Pick<
  ProjectConfig,
  'name' | 'version' | 'description' | 'dependencies' | 'requiresPython' | 'scripts' | 'pythonConstraints'
>;

/** The fields of a Poetry or setup.cfg project, checked like [project]'s. */
function fromFields(ctx: ParseContext, fields: ProjectFields): ProjectTable {
  const { requiresPython } = fields;
  const nameKey = fields.scriptsKey.startsWith('tool.poetry')
    ? 'tool.poetry.name'
    : 'setup.cfg [metadata] name';
  ctx.check.string(fields.name, nameKey, {
    pattern: NAME_RE,
    what: 'a distribution name (letters, digits, ".", "-", "_")',
  });
  return {
    name: fields.name,
    version: fields.version,
    description: fields.description,
    dependencies: fields.dependencies,
    requiresPython,
    scripts: readScripts(ctx, fields.scripts, fields.scriptsKey),
    pythonConstraints:
      requiresPython === undefined
        ? []
        : [specifierConstraint(ctx, fields.requiresPythonKey, requiresPython, 'a PEP 440 specifier set')],
  };
}

/** [project] (PEP 621): name, version (or dynamic), description, dependencies, requires-python, scripts. */
function readProjectTable(ctx: ParseContext, value: unknown): ProjectTable {
  if (!isTable(value)) {
    throw new FlavorError(
      'PROJECT_INVALID',
      'pyproject.toml has no [project] table and no [tool.poetry] table',
      {
        path: ctx.path,
        hint: 'add [project] with name, version and (optionally) dependencies and [project.scripts] (or, for a Poetry project, [tool.poetry] with name, version and [tool.poetry.scripts])',
      },
    );
  }
  const { check } = ctx;
  const name = check.string(value.name, 'project.name', {
    pattern: NAME_RE,
    what: 'a distribution name (letters, digits, ".", "-", "_")',
  });
  const requiresPython = check.optString(value['requires-python'], 'project.requires-python', {
    what: 'a version specifier like ">=3.9"',
  });
  return {
    name,
    version: readProjectVersion(ctx, value),
    description: check.optString(value.description, 'project.description'),
    dependencies: check.optStringList(value.dependencies, 'project.dependencies') ?? [],
    requiresPython,
    scripts: readScripts(ctx, value.scripts),
    pythonConstraints:
      requiresPython === undefined
        ? []
        : [specifierConstraint(ctx, 'project.requires-python', requiresPython, 'a PEP 440 specifier set')],
  };
}

/** [project].version, or undefined when "version" is listed in project.dynamic (taken from the wheel). */
function readProjectVersion(ctx: ParseContext, project: Table): string | undefined {
  const dynamic = ctx.check.optStringList(project.dynamic, 'project.dynamic') ?? [];
  if (project.version === undefined) {
    if (dynamic.includes('version')) return undefined;
    throw new FlavorError('PROJECT_INVALID', 'project.version is missing', {
      path: ctx.path,
      hint: 'set [project].version = "1.0.0", or list "version" in project.dynamic to take it from the built wheel',
    });
  }
  const version = ctx.check.string(project.version, 'project.version', {
    pattern: /^\S+$/,
    what: 'a version string like "1.0.0"',
  });
  if (dynamic.includes('version')) {
    ctx.check.fail('project.dynamic', 'no "version" entry when project.version is set', dynamic);
  }
  return version;
}

/** [project.scripts]: name = "module:function". */
function readScripts(ctx: ParseContext, value: unknown, tableKey = 'project.scripts'): ScriptEntry[] {
  if (value === undefined) return [];
  const table = ctx.check.table(value, tableKey);
  return Object.entries(table).map(([name, target]) => {
    const key = `${tableKey}.${name}`;
    if (!COMMAND_NAME_RE.test(name)) {
      ctx.check.fail(key, 'a script name made of letters, digits, ".", "-", "_"', target);
    }
    const normalized = typeof target === 'string' ? normalizeEntryPoint(target) : undefined;
    if (!normalized) ctx.check.fail(key, '"module:function" (e.g. "hello.cli:main")', target);
    return { name, target: normalized };
  });
}

/** [tool.flavor] itself (empty when absent). */
function readFlavorTable(ctx: ParseContext, tool: unknown): Table {
  const flavor = isTable(tool) ? ctx.check.optTable(tool.flavor, 'tool.flavor') : undefined;
  checkUnknown(flavor ?? {}, 'tool.flavor', ctx.warnings);
  return flavor ?? {};
}

/** tool.flavor.entry_point: "module:function" or "module". */
function readEntryPoint(ctx: ParseContext, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const entryPoint = typeof value === 'string' ? normalizeEntryPoint(value) : undefined;
  if (!entryPoint) {
    ctx.check.fail('tool.flavor.entry_point', '"module:function" or "module" (e.g. "hello.cli:main")', value);
  }
  return entryPoint;
}

function requireSomethingToRun(
  ctx: ParseContext,
  entryPoint: string | undefined,
  scripts: ScriptEntry[],
): void {
  if (entryPoint !== undefined || scripts.length > 0) return;
  throw new FlavorError(
    'PROJECT_INVALID',
    'nothing to run: the project has no scripts ([project.scripts], [tool.poetry.scripts] or setup.cfg console_scripts) and no tool.flavor.entry_point',
    {
      path: ctx.path,
      hint: 'add [project.scripts] my-app = "my_app.cli:main", or [tool.flavor] entry_point = "my_app.cli:main"',
    },
  );
}

/** tool.flavor.package_name or [tool.flavor.metadata].package_name (the first wins), else the project name. */
function readPackageName(ctx: ParseContext, flavor: Table, projectName: string): string {
  const metadata = subTable(ctx, flavor, 'metadata', 'tool.flavor');
  const top = ctx.check.optString(flavor.package_name, 'tool.flavor.package_name', PACKAGE_NAME_RULE);
  const meta = ctx.check.optString(
    metadata.package_name,
    'tool.flavor.metadata.package_name',
    PACKAGE_NAME_RULE,
  );
  if (top !== undefined && meta !== undefined && top !== meta) {
    ctx.warnings.push(
      `pyproject.toml: tool.flavor.package_name (${top}) and tool.flavor.metadata.package_name (${meta}) differ; using ${top}`,
    );
  }
  return top ?? meta ?? projectName;
}

/** [tool.flavor.build]: local dependencies, installer, index settings, requirements file, extra packages. */
function readBuildTable(ctx: ParseContext, build: Table): BuildSettings {
  const { check, projectDir } = ctx;
  const key = (name: string) => `tool.flavor.build.${name}`;
  const requirements = check.optString(build.requirements_file, key('requirements_file'));
  return {
    ...splitBuildDependencies(check.optStringList(build.dependencies, key('dependencies')) ?? [], projectDir),
    venvPath: optPath(check.optString(build.venv_path, key('venv_path')), projectDir),
    systemSitePackages: check.optBool(build.system_site_packages, key('system_site_packages')) ?? false,
    buildSystemRequires: [],
    usePip: check.optBool(build.use_pip, key('use_pip')),
    indexUrl: check.optString(build.index_url, key('index_url'), URL_RULE),
    extraIndexUrls: check.optStringList(build.extra_index_urls, key('extra_index_urls'), URL_RULE) ?? [],
    trustedHosts: check.optStringList(build.trusted_hosts, key('trusted_hosts'), HOST_RULE) ?? [],
    requirementsFile:
      requirements === undefined || isAbsolute(requirements)
        ? requirements
        : resolve(projectDir, requirements),
    extraPackages: check.optStringList(build.extra_packages, key('extra_packages')) ?? [],
    env: check.optStringMap(build.env, key('env'), BUILD_ENV_RULE) ?? {},
    preInstallCommands: check.optStringList(build.pre_install_commands, key('pre_install_commands')) ?? [],
    preBuildCommands: check.optStringList(build.pre_build_commands, key('pre_build_commands')) ?? [],
    excludeFromDeps: check.optStringList(build.exclude_from_deps, key('exclude_from_deps'), GLOB_RULE) ?? [],
    includeTests: check.optBool(build.include_tests, key('include_tests')) ?? true,
    noDevDeps: check.optBool(build.no_dev_deps, key('no_dev_deps')) ?? true,
    platformEnv: readPlatformTables(ctx, build),
    ...readBytecodeSettings(ctx, build),
    zipStdlib: check.optBool(build.zip_stdlib, key('zip_stdlib')) ?? true,
    pruneStdlib: check.optBool(build.prune_stdlib, key('prune_stdlib')) ?? true,
    includeStdlibSources: check.optBool(build.include_stdlib_sources, key('include_stdlib_sources')) ?? false,
    zipDependencies: check.optBool(build.zip_dependencies, key('zip_dependencies')) ?? true,
    unzippedDependencies:
      check.optStringList(build.unzipped_dependencies, key('unzipped_dependencies')) ?? [],
  };
}

const BUILD_ENV_RULE = {
  names: ENV_NAME_RE,
  what: 'a table of NAME = "string" with names made of letters, digits and _',
};

/** [tool.flavor.build.platform.<os_arch>]: per-target settings (env only), for platforms we build for. */
function readPlatformTables(ctx: ParseContext, build: Table): Record<string, Record<string, string>> {
  const tables = ctx.check.optTable(build.platform, 'tool.flavor.build.platform') ?? {};
  const out: Record<string, Record<string, string>> = {};
  for (const platform of Object.keys(tables)) {
    const full = `tool.flavor.build.platform.${platform}`;
    if (!(ALL_PLATFORMS as readonly string[]).includes(platform)) {
      throw new FlavorError(
        'PROJECT_INVALID',
        `unknown platform in [${full}]: expected one of ${ALL_PLATFORMS.join(', ')}`,
        {
          path: ctx.path,
          hint: `rename the table to [tool.flavor.build.platform.<os_arch>], e.g. linux_arm64`,
        },
      );
    }
    const table = subTable(ctx, tables, platform, 'tool.flavor.build.platform');
    const env = ctx.check.optStringMap(table.env, `${full}.env`, BUILD_ENV_RULE);
    if (env !== undefined) out[platform] = env;
  }
  return out;
}

/**
 * [tool.flavor.build].dependencies holds local project folders ("../shared-lib") and build-time
 * requirements ("cython>=3"). A path-like entry (".", "/", or a "/" inside) is a folder; a bare name is a
 * folder when a Python project exists there, else a requirement.
 */
function splitBuildDependencies(
  entries: string[],
  projectDir: string,
): Pick<BuildSettings, 'localDependencies' | 'buildRequirements'> {
  const localDependencies: string[] = [];
  const buildRequirements: string[] = [];
  for (const entry of entries) {
    const pathLike =
      /^[.~/]/.test(entry) || (entry.includes('/') && !entry.includes('@') && !entry.includes('://'));
    const folder = resolve(projectDir, entry);
    if (pathLike || isProjectFolder(folder)) localDependencies.push(folder);
    else buildRequirements.push(entry);
  }
  return { localDependencies, buildRequirements };
}

function isProjectFolder(dir: string): boolean {
  return (
    existsSync(dir) &&
    statSync(dir).isDirectory() &&
    (existsSync(resolve(dir, 'pyproject.toml')) || existsSync(resolve(dir, 'setup.py')))
  );
}

function optPath(value: string | undefined, projectDir: string): string | undefined {
  return value === undefined ? undefined : resolve(projectDir, value);
}

/** [build-system].requires, or what pip assumes without one (setuptools, wheel). */
function readBuildSystem(ctx: ParseContext, doc: Table): string[] {
  const table = isTable(doc['build-system']) ? doc['build-system'] : {};
  return (
    ctx.check.optStringList(table.requires, 'build-system.requires', { nonEmpty: false }) ?? [
      'setuptools>=40.8.0',
      'wheel',
    ]
  );
}

/** optimization_level, strip_docstrings (= level 2), compile_bytecode, include_sources. */
function readBytecodeSettings(
  ctx: ParseContext,
  build: Table,
): Pick<BuildSettings, 'optimizationLevel' | 'compileBytecode' | 'includeSources'> {
  const key = (name: string) => `tool.flavor.build.${name}`;
  const level = build.optimization_level;
  if (level !== undefined && level !== 0 && level !== 1 && level !== 2) {
    ctx.check.fail(key('optimization_level'), '0, 1 (python -O) or 2 (python -OO, no docstrings)', level);
  }
  const strip = ctx.check.optBool(build.strip_docstrings, key('strip_docstrings'));
  if (strip === true && level !== undefined && level !== 2) {
    ctx.check.fail(
      key('strip_docstrings'),
      'no optimization_level, or optimization_level = 2 (docstrings are stripped at level 2 only)',
      strip,
    );
  }
  const compileBytecode = ctx.check.optBool(build.compile_bytecode, key('compile_bytecode')) ?? true;
  const includeSources = ctx.check.optBool(build.include_sources, key('include_sources')) ?? true;
  if (!includeSources && !compileBytecode) {
    ctx.check.fail(
      key('include_sources'),
      'true when compile_bytecode = false (without sources the .pyc are the code)',
      false,
    );
  }
  return {
    optimizationLevel: strip ? 2 : ((level as 0 | 1 | 2 | undefined) ?? 0),
    compileBytecode,
    includeSources,
  };
}

/** [tool.flavor.execution]: env, and runtime.env (the shared rule) with `isolated` (default true). */
function readExecutionTable(
  ctx: ParseContext,
  execution: Table,
): Pick<ProjectConfig, 'executionEnv' | 'runtimeEnv'> {
  const executionEnv =
    ctx.check.optStringMap(execution.env, 'tool.flavor.execution.env', {
      names: ENV_NAME_RE,
      what: 'a table of NAME = "string" with names made of letters, digits and _',
    }) ?? {};
  const runtime = subTable(ctx, execution, 'runtime', 'tool.flavor.execution');
  const envTable = subTable(ctx, runtime, 'env', 'tool.flavor.execution.runtime');
  const field = 'tool.flavor.execution.runtime.env';
  const runtimeEnv: RuntimeEnvSpec = parseRuntimeEnv(ctx.check, envTable, field);
  const isolated = ctx.check.optBool(envTable.isolated, `${field}.isolated`) ?? true;
  const unset = [...new Set([...(isolated ? DEFAULT_UNSET : []), ...(runtimeEnv.unset ?? [])])];
  if (unset.length > 0) runtimeEnv.unset = unset;
  return { executionEnv, runtimeEnv: orderedRuntimeEnv(runtimeEnv) };
}

/** unset, pass, set, map: the order the launcher applies them in (and the order in the metadata). */
function orderedRuntimeEnv(env: RuntimeEnvSpec): RuntimeEnvSpec {
  return {
    ...(env.unset ? { unset: env.unset } : {}),
    ...(env.pass ? { pass: env.pass } : {}),
    ...(env.set ? { set: env.set } : {}),
    ...(env.map ? { map: env.map } : {}),
  };
}

/** [tool.flavor.python]: version, min_version, max_version (each one more constraint). */
function readPythonTable(ctx: ParseContext, python: Table): PythonConstraint[] {
  const constraints: PythonConstraint[] = [];
  const kinds = [
    ['version', 'version'],
    ['min_version', 'min'],
    ['max_version', 'max'],
  ] as const;
  for (const [key, kind] of kinds) {
    if (python[key] !== undefined) {
      constraints.push(versionConstraint(ctx, `tool.flavor.python.${key}`, python[key], kind));
    }
  }
  return constraints;
}

/** Read and validate a pyproject.toml, including the paths it names. */
/** A setup.py-only project needs `setupPyFields` (read from its built wheel: setup-py.ts). */
export async function readProject(
  manifestPath: string,
  setupPyFields?: ProjectFields,
): Promise<ProjectConfig> {
  let text: string;
  try {
    text = await readFile(manifestPath, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new FlavorError('NOT_FOUND', 'manifest not found', {
        path: manifestPath,
        hint: 'run flavor pack inside a Python project folder (with a pyproject.toml, setup.cfg or setup.py), or pass --manifest path/to/pyproject.toml',
        cause: error,
      });
    }
    throw new FlavorError('IO_ERROR', `cannot read the manifest: ${code ?? (error as Error).message}`, {
      path: manifestPath,
      cause: error,
    });
  }
  if (basename(manifestPath) === 'setup.py' && setupPyFields === undefined) {
    throw new FlavorError('PROJECT_INVALID', 'a setup.py-only project is read from its built wheel', {
      path: manifestPath,
      hint: 'pack it with `flavor pack --manifest setup.py` (planPythonBuild builds the wheel first)',
    });
  }
  const config = parseProject(text, manifestPath, setupPyFields);
  for (const dir of config.build.localDependencies) {
    if (!isProjectFolder(dir)) {
      throw invalid(
        'tool.flavor.build.dependencies',
        dir,
        'folders (relative to pyproject.toml) that contain a Python project (pyproject.toml or setup.py), or build-time requirements like "cython>=3"',
        manifestPath,
      );
    }
  }
  checkSlotSources(config.slots, config.projectDir, manifestPath);
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

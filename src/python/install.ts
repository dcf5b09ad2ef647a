// Build-time installation: the project wheel (and local dependency wheels) are built, then installed with
// all dependencies into one folder for the target interpreter (uv pip install --target, or pip), then split
// into two slot sources by the RECORD files of the local wheels:
//   <workDir>/slots/site-packages   third-party dependencies (+ _flavor_run.py, flavor_runtime.py, _flavor_app.pth)
//   <workDir>/slots/app             the project itself and its local dependencies
// Nothing is installed on the target machine.

import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, normalize, relative, sep } from 'node:path';
import { FlavorError } from '../errors.js';
import type { DistributionOrigin } from '../sbom/types.js';
import { prepareBuildVenv } from './build-env.js';
import { RUNNER_MODULE, RUNNER_SOURCE } from './commands.js';
import { runChecked } from './exec.js';
import { checkRuntimeNameFree, FLAVOR_RUNTIME_MODULE, FLAVOR_RUNTIME_SOURCE } from './flavor-runtime.js';
import { type ForeignTarget, noWheelError, uvTargetArgs } from './foreign-target.js';
import { copyTree, pruneEmptyDirs } from './fsutil.js';
import type { InterpreterInfo } from './interpreters.js';
import { exportUvLock, poetryLockConstraints } from './lockfile.js';
import type { ProjectConfig } from './manifest.js';
import { runPreCommands } from './pre-commands.js';
import { parseRecord } from './record.js';
import { scrubDistInfos } from './reproducible.js';
import { type SlimResult, slimDependencies } from './slim.js';
import { resolveOrigins } from './wheel-origin.js';

export { parseRecord };

import { type FoundTool, findTool } from './tools.js';
import type { Logger, SharedWheels } from './types.js';

export interface InstallOptions {
  project: ProjectConfig;
  /** The interpreter the packages are installed for (wheels must match its tags). */
  interpreter: InterpreterInfo;
  /**
   * Set when the interpreter is for another platform (it cannot run here): wheels are chosen for it by
   * uv, and the project is built by `target.buildInterpreter` (foreign-target.ts).
   */
  target?: ForeignTarget;
  /** Extra environment for the dependency install ([tool.flavor.build.platform.<os_arch>].env). */
  installEnv?: Record<string, string>;
  /** Wheels shared by the packages of one multi-platform pack (a pure wheel is built once). */
  shared?: SharedWheels;
  workDir: string;
  usePip: boolean;
  log: Logger;
  verbose?: boolean;
  env?: NodeJS.ProcessEnv;
}

export interface InstallResult {
  sitePackagesDir: string;
  appDir: string;
  /** The project version (from the wheel when [project].version is dynamic). */
  version: string;
  /** name==version of every third-party distribution installed. */
  dependencies: string[];
  /** Distribution names that went into the app slot. */
  appDistributions: string[];
  installer: 'uv' | 'pip';
  /** Normalised name → the index file each third-party distribution was installed from (for the SBOM). */
  origins: Map<string, DistributionOrigin>;
}

/** Hints for the usual install failures, matched on the tool output. */
export function installHint(
  output: string,
  info: Pick<InterpreterInfo, 'version' | 'soabi' | 'platform'>,
): string | undefined {
  const tags = `Python ${info.version} (${info.soabi}), ${info.platform}`;
  if (/No module named pip\b/.test(output)) {
    return `this Python ${info.version} has no pip (distributions ship it apart: apt-get install python3-pip, dnf install python3-pip), or build with uv (leave out use_pip / --use-pip)`;
  }
  if (
    /no (matching distribution|wheels? with a matching)|only has wheels|Could not find a version that satisfies|not available for|has no (wheels|usable)/i.test(
      output,
    )
  ) {
    return `a dependency has no release for ${tags}: pin a version that publishes a wheel for it, choose another interpreter (--python), or check the index settings`;
  }
  if (/requires-python|Requires-Python|requires a different Python/i.test(output)) {
    return `a package does not support Python ${info.version}: choose another interpreter with --python or [tool.flavor.python]`;
  }
  if (
    /Failed to fetch|Connection|timed out|Name or service not known|Could not connect|Network is unreachable/i.test(
      output,
    )
  ) {
    return 'the package index could not be reached: check the network and tool.flavor.build.index_url / extra_index_urls';
  }
  if (/error: (command|subprocess)|Failed to build|build backend|gcc|Python\.h/i.test(output)) {
    return 'a package had to be compiled from source and that failed: install its build requirements or pin a version with a wheel';
  }
  return undefined;
}

export function toolEnv(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...base,
    UV_PYTHON_DOWNLOADS: 'never',
    NO_COLOR: '1',
    PIP_DISABLE_PIP_VERSION_CHECK: '1',
  };
  for (const name of [
    'PYTHONPATH',
    'PYTHONHOME',
    'VIRTUAL_ENV',
    'CONDA_PREFIX',
    'UV_PROJECT_ENVIRONMENT',
    'PYTHONSTARTUP',
  ]) {
    delete env[name];
  }
  return env;
}

export function indexArgs(project: ProjectConfig, installer: 'uv' | 'pip'): string[] {
  const args: string[] = [];
  const b = project.build;
  if (b.indexUrl) args.push('--index-url', b.indexUrl);
  for (const url of b.extraIndexUrls) args.push('--extra-index-url', url);
  for (const host of b.trustedHosts)
    args.push(installer === 'uv' ? '--allow-insecure-host' : '--trusted-host', host);
  return args;
}

/** The dist-info folder name of a wheel file ("pkg-1.0-py3-none-any.whl" → "pkg-1.0.dist-info"). */
export function wheelDistInfo(wheel: string): { name: string; version: string; distInfo: string } {
  const parts = basename(wheel, '.whl').split('-');
  const name = parts[0] ?? '';
  const version = parts[1] ?? '';
  return { name, version, distInfo: `${name}-${version}.dist-info` };
}

/** Top-level folders of a project that are never part of its source: outputs, caches, environments. */
const NOT_SOURCE = new Set([
  'build',
  'dist',
  '.venv',
  'venv',
  'node_modules',
  '.tox',
  '.nox',
  '.mypy_cache',
  '.pytest_cache',
  '.ruff_cache',
]);

/**
 * A copy of a project to build from, so build backends (setuptools writes build/ and *.egg-info) leave
 * nothing in the user's folder. Outputs, caches and virtual environments are not copied. `.git` is linked, not copied, for backends that read the version from
 * git (setuptools-scm, hatch-vcs); GIT_OPTIONAL_LOCKS=0 keeps git from rewriting its index.
 */
export async function copyProjectSource(dir: string, dest: string): Promise<string> {
  await rm(dest, { recursive: true, force: true });
  await copyTree(dir, dest, (rel, isDir) => {
    const name = rel.split('/').pop() ?? rel;
    if (rel === '.git') return false;
    if (isDir && !rel.includes('/') && NOT_SOURCE.has(rel)) return false;
    if (isDir && existsSync(join(dir, rel, 'pyvenv.cfg'))) return false; // any venv, e.g. venv_path
    return !(name === '__pycache__' || name.endsWith('.egg-info'));
  });
  if (existsSync(join(dir, '.git'))) await symlink(join(dir, '.git'), join(dest, '.git'));
  return dest;
}

async function sharedWheel(
  sourceDir: string,
  outDir: string,
  options: InstallOptions,
  uv: FoundTool | undefined,
  env: NodeJS.ProcessEnv,
  buildPython: string | undefined,
): Promise<string> {
  const known = options.shared?.pure.get(sourceDir);
  if (known && existsSync(known)) {
    await mkdir(outDir, { recursive: true });
    const copy = join(outDir, basename(known));
    await copyFile(known, copy);
    options.shared?.reused.push(`the wheel of ${sourceDir} (${basename(known)})`);
    options.log({ kind: 'info', message: `reusing the wheel of ${sourceDir}: ${basename(known)}` });
    return copy;
  }
  const wheel = await buildWheel(sourceDir, outDir, options, uv, env, buildPython);
  if (options.shared && basename(wheel).endsWith('-none-any.whl')) {
    const kept = join(options.shared.dir, String(options.shared.pure.size), basename(wheel));
    await mkdir(dirname(kept), { recursive: true });
    await copyFile(wheel, kept);
    options.shared.pure.set(sourceDir, kept);
  }
  return wheel;
}

async function buildWheel(
  sourceDir: string,
  outDir: string,
  options: InstallOptions,
  uv: FoundTool | undefined,
  env: NodeJS.ProcessEnv,
  buildPython: string | undefined,
): Promise<string> {
  await mkdir(outDir, { recursive: true });
  const noIsolation = buildPython ? ['--no-build-isolation'] : [];
  const dir = await copyProjectSource(sourceDir, join(outDir, '..', `${basename(outDir)}-source`));
  const onCommand = options.verbose
    ? (line: string) => options.log({ kind: 'command', message: line })
    : undefined;
  const builder = options.target?.buildInterpreter ?? options.interpreter;
  const hintFor = (output: string) =>
    installHint(output, options.interpreter) ??
    `building the wheel of ${sourceDir} failed; try \`uv build --wheel\` or \`pip wheel --no-deps .\` there`;
  if (uv) {
    await runChecked(
      uv.path,
      [
        'build',
        '--wheel',
        '--out-dir',
        outDir,
        '--python',
        buildPython ?? builder.path,
        '--no-progress',
        ...noIsolation,
        ...indexArgs(options.project, 'uv'),
        dir,
      ],
      { env, onCommand, step: `building the wheel of ${sourceDir}`, hintFor, cwd: dir },
    );
  } else {
    await runChecked(
      buildPython ?? builder.path,
      [
        '-m',
        'pip',
        'wheel',
        '--no-deps',
        ...noIsolation,
        '--wheel-dir',
        outDir,
        ...indexArgs(options.project, 'pip'),
        dir,
      ],
      { env, onCommand, step: `building the wheel of ${sourceDir}`, hintFor, cwd: dir },
    );
  }
  const wheels = (await readdir(outDir)).filter((n) => n.endsWith('.whl'));
  const wheel = wheels[0];
  if (wheels.length !== 1 || wheel === undefined) {
    throw new FlavorError(
      'TOOL_FAILED',
      `building the wheel of ${sourceDir} produced ${wheels.length} wheels (expected 1)`,
      { path: sourceDir },
    );
  }
  if (options.target) checkWheelPortable(wheel, sourceDir, options.target);
  return join(outDir, wheel);
}

/** For another platform, the project's own wheel (built by this machine) must not be for this machine. */
function checkWheelPortable(wheel: string, sourceDir: string, target: ForeignTarget): void {
  const tag = basename(wheel, '.whl').split('-').slice(-1)[0];
  if (tag === 'any') return;
  throw new FlavorError(
    'WHEEL_UNAVAILABLE',
    `${sourceDir} builds a platform-specific wheel (${basename(wheel)}) on this machine; it cannot be built for ${target.platform} here`,
    {
      path: sourceDir,
      hint: `build the package on a ${target.platform} machine, or ship the native part as a dependency that publishes ${target.pythonPlatform} wheels`,
    },
  );
}

export async function installProject(options: InstallOptions): Promise<InstallResult> {
  const { project, workDir, log } = options;
  const env = { ...toolEnv(options.env ?? process.env), GIT_OPTIONAL_LOCKS: '0', ...project.build.env };
  const uv = options.usePip ? undefined : findTool('uv', { env });
  if (options.target && !uv) {
    throw new FlavorError(
      'USAGE',
      `installing the dependencies for another platform (${options.target.platform}) needs uv, not pip`,
      { hint: 'leave out --use-pip / use_pip, or set FLAVOR_UV to a uv binary (see `flavor doctor`)' },
    );
  }
  if (!options.usePip && !uv) {
    log({
      kind: 'warning',
      message:
        'uv not found: building and installing with pip (slower); set FLAVOR_UV to a uv binary (see `flavor doctor`)',
    });
  }
  const installer: 'uv' | 'pip' = uv ? 'uv' : 'pip';
  // 1. the project's own preparation, then the wheels of the project and its local dependencies
  const pre = { cwd: project.projectDir, env, log };
  await runPreCommands({ ...pre, key: 'pre_install_commands', commands: project.build.preInstallCommands });
  await runPreCommands({ ...pre, key: 'pre_build_commands', commands: project.build.preBuildCommands });
  const buildPython = await prepareBuildVenv({
    project,
    interpreter: options.target?.buildInterpreter ?? options.interpreter,
    workDir,
    uv,
    env,
    log,
    ...(options.verbose ? { onCommand: (line: string) => log({ kind: 'command', message: line }) } : {}),
  });
  const wheels: string[] = [];
  for (const [index, dir] of [project.projectDir, ...project.build.localDependencies].entries()) {
    wheels.push(
      await sharedWheel(dir, join(workDir, 'wheels', String(index)), options, uv, env, buildPython),
    );
  }
  const version = project.version ?? wheelDistInfo(wheels[0] as string).version;
  // 2. everything into one folder; 3. minus what describes the build machine, not the app
  const all = join(workDir, 'install');
  await installAll(options, all, wheels, uv, env);
  await rm(join(all, 'bin'), { recursive: true, force: true }); // console scripts with build #! lines
  await rm(join(all, '.lock'), { force: true });
  await scrubDistInfos(all);
  // 4. the local distributions move to the app slot; 5. the glue that finds them
  const appDir = join(workDir, 'slots', 'app');
  const siteDir = join(workDir, 'slots', 'site-packages');
  await rm(join(workDir, 'slots'), { recursive: true, force: true });
  await mkdir(appDir, { recursive: true });
  const appDistributions = await moveLocalDistributions(all, appDir, wheels);
  await pruneEmptyDirs(all);
  await rename(all, siteDir);
  await checkRuntimeNameFree({ 'the dependencies': siteDir, 'the app and its local dependencies': appDir });
  await writeGlue(siteDir, options.interpreter);
  // 6. dependency optimisation: include_tests = false, exclude_from_deps
  reportSlimming(await slimDependencies(siteDir, project.build), log);
  const dependencies = await listDistributions(siteDir);
  log({
    kind: 'info',
    message: `installed ${dependencies.length} dependenc${dependencies.length === 1 ? 'y' : 'ies'} with ${installer}${dependencies.length > 0 ? `: ${dependencies.join(', ')}` : ''}`,
  });
  const origins = await resolveOrigins({
    uv: uv ?? findTool('uv', { env }),
    interpreter: options.target?.buildInterpreter ?? options.interpreter,
    ...(options.target ? { targetArgs: uvTargetArgs(options.target) } : {}),
    project,
    siteDir,
    pins: dependencies,
    workDir,
    indexArgs: indexArgs(project, 'uv'),
    env,
    log,
    ...(options.verbose ? { onCommand: (line: string) => log({ kind: 'command', message: line }) } : {}),
  });
  return { sitePackagesDir: siteDir, appDir, version, dependencies, appDistributions, installer, origins };
}

/** `uv pip install --target` (or pip) of the wheels, extra packages and requirements file into `all`. */
async function installAll(
  options: InstallOptions,
  all: string,
  wheels: string[],
  uv: FoundTool | undefined,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  const { project, interpreter } = options;
  await rm(all, { recursive: true, force: true });
  await mkdir(all, { recursive: true });
  const requirements: string[] = [...wheels, ...project.build.extraPackages];
  const onCommand = options.verbose
    ? (line: string) => options.log({ kind: 'command', message: line })
    : undefined;
  const pinned =
    project.build.requirementsFile ??
    (await exportUvLock({
      projectDir: project.projectDir,
      noDevDeps: project.build.noDevDeps,
      uv: uv ?? findTool('uv', { env }),
      outFile: join(dirname(all), 'uv-lock-requirements.txt'),
      env,
      log: options.log,
      ...(onCommand ? { onCommand } : {}),
    }));
  const constraints = pinned
    ? undefined
    : await poetryLockConstraints(
        project.projectDir,
        join(dirname(all), 'poetry-lock-constraints.txt'),
        options.log,
      );
  const reqFileArgs = pinned ? ['--no-deps', '-r', pinned] : constraints ? ['-c', constraints] : [];
  const hintFor = (output: string) => installHint(output, interpreter);
  const installEnv = { ...env, ...options.installEnv };
  if (uv) {
    const { target } = options;
    const python = target ? target.buildInterpreter.path : interpreter.path;
    const args = ['pip', 'install', '--python', python, '--target', all, '--link-mode', 'copy'];
    try {
      await runChecked(
        uv.path,
        [
          ...args,
          ...(target ? uvTargetArgs(target) : []),
          '--no-progress',
          ...indexArgs(project, 'uv'),
          ...reqFileArgs,
          ...requirements,
        ],
        { env: installEnv, onCommand, step: 'installing the dependencies (uv pip install)', hintFor },
      );
    } catch (error) {
      const output = error instanceof FlavorError ? error.message : '';
      throw (target && noWheelError(output, target)) ?? error;
    }
    return;
  }
  await runChecked(
    interpreter.path,
    [
      '-m',
      'pip',
      'install',
      '--target',
      all,
      '--no-compile',
      '--no-input',
      '--no-warn-script-location',
      ...indexArgs(project, 'pip'),
      ...reqFileArgs,
      ...requirements,
    ],
    { env: installEnv, onCommand, step: 'installing the dependencies (pip install --target)', hintFor },
  );
}

/** Moves every file a local wheel installed (by its RECORD) from `all` to `appDir`; returns their names. */
async function moveLocalDistributions(all: string, appDir: string, wheels: string[]): Promise<string[]> {
  const names: string[] = [];
  const distInfos = (await readdir(all)).filter((n) => n.endsWith('.dist-info'));
  for (const wheel of wheels) {
    const { distInfo, name } = wheelDistInfo(wheel);
    const installed = distInfos.find((d) => d.toLowerCase() === distInfo.toLowerCase());
    if (!installed) {
      throw new FlavorError(
        'TOOL_FAILED',
        `${basename(wheel)} was not installed (no ${distInfo} in the target folder)`,
      );
    }
    names.push(name);
    const recordPath = join(all, installed, 'RECORD');
    const record = existsSync(recordPath) ? parseRecord(await readFile(recordPath, 'utf8')) : [];
    for (const rel of record) {
      const clean = normalize(rel);
      if (clean.startsWith('..') || clean.startsWith(sep) || clean.startsWith(`bin${sep}`)) continue;
      const from = join(all, clean);
      if (!existsSync(from)) continue;
      await mkdir(dirname(join(appDir, clean)), { recursive: true });
      await rename(from, join(appDir, clean));
    }
    if (existsSync(join(all, installed))) {
      await mkdir(join(appDir, installed), { recursive: true });
      for (const leftover of await readdir(join(all, installed))) {
        await rename(join(all, installed, leftover), join(appDir, installed, leftover));
      }
      await rm(join(all, installed), { recursive: true, force: true });
    }
  }
  return names;
}

function reportSlimming(result: SlimResult, log: Logger): void {
  for (const [glob, paths] of Object.entries(result.removed)) {
    const shown = paths.slice(0, 5).join(', ') + (paths.length > 5 ? `, … (${paths.length - 5} more)` : '');
    log({ kind: 'info', message: `left out of the dependencies by "${glob}": ${shown}` });
  }
  const count = Object.values(result.removed).reduce((n, p) => n + p.length, 0);
  if (count > 0) {
    log({
      kind: 'info',
      message: `dependency optimisation removed ${count} file${count === 1 ? '' : 's'}/folder${count === 1 ? '' : 's'}, ${(result.bytes / 1024).toFixed(1)} KiB`,
    });
  }
}

/** The runner module, the runtime helper and the .pth that puts {workenv}/app on sys.path. */
async function writeGlue(siteDir: string, interpreter: InterpreterInfo): Promise<void> {
  await writeFile(join(siteDir, `${RUNNER_MODULE}.py`), RUNNER_SOURCE);
  await writeFile(join(siteDir, `${FLAVOR_RUNTIME_MODULE}.py`), FLAVOR_RUNTIME_SOURCE);
  const siteRel = relative(interpreter.prefix, interpreter.sitePackages);
  const up = siteRel
    .split('/')
    .map(() => '..')
    .join('/');
  await writeFile(join(siteDir, '_flavor_app.pth'), `${up}/app\n`);
}

/** name==version of every distribution in a site-packages folder, sorted. */
async function listDistributions(siteDir: string): Promise<string[]> {
  const out: string[] = [];
  for (const d of (await readdir(siteDir)).filter((n) => n.endsWith('.dist-info')).sort()) {
    const m = /^(.+)-([^-]+)\.dist-info$/.exec(d);
    if (m) out.push(`${m[1]}==${m[2]}`);
  }
  return out;
}

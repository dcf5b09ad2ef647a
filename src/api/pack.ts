// pack(): build a signed package from a build manifest, a pyproject.toml or a BuildSpec, then verify it.
// The result is the document `flavor pack --json` prints.

import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { type BuildProgress, buildPackage } from '../builder/build.js';
import type { BuildSpec } from '../builder/build-spec.js';
import type { CompatMode } from '../builder/compat.js';
import { checkPlatform, hostPlatformName } from '../builder/launchers.js';
import { fingerprint } from '../crypto/keys.js';
import { keySigner } from '../crypto/signature.js';
import { FlavorError } from '../errors.js';
import {
  type PythonBuildEvent,
  type RuntimeChoice,
  type SharedWheels,
  selectRuntimeSource,
} from '../python/index.js';
import { verifyPackage } from '../reader/verify.js';
import { VERSION } from '../version.js';
import { checkOutputFile } from './output-path.js';
import { checkCompatMode, compatSpec, type Report, warnForeignLauncher } from './pack-compat.js';
import { isPyproject, type PackPlan, planFromManifest, planFromSpec, projectManifest } from './pack-input.js';
import { packOptionsRecord } from './pack-provenance.js';
import { checkTargets, type Targets } from './pack-targets.js';
import { testStaged, validateStaged } from './pack-validate.js';
import { packageFileEnvelope, writeEnvelope } from './provenance-out.js';
import { type PythonPackOptions, planFromPyproject } from './python-plan.js';
import { type KeySource, resolveSigningKey } from './signing-key.js';

/** Something pack() reports while it works: Python pipeline steps, warnings, and build progress. */
export type PackEvent = (PythonBuildEvent & { hint?: string }) | { kind: 'build'; progress: BuildProgress };

export type { CompatMode } from '../builder/compat.js';

export interface PackOptions extends PythonPackOptions {
  /** Package to write (default: dist/<name>.psp next to the manifest, or under `cwd` for a BuildSpec). */
  output?: string;
  /** The signing key; without one an ephemeral key is used (integrity only) and a warning is reported. */
  key?: KeySource;
  /** Launcher binary to embed (default: the built one for `platform`). */
  launcherBin?: string;
  /** Target platform, e.g. `linux_arm64` (default: this machine). */
  platform?: string;
  /**
   * `upstream`: also runnable by the original FlavorPack 0.5.4 launchers — gzip, no symlinks, the
   * key fingerprint field (docs/compat.md).
   */
  compat?: CompatMode;
  /** Public keys (PEM file or 64 hex digits) to embed in the launcher: it then refuses any other signer. */
  trustKeys?: string[];
  /** Timestamp for a byte-reproducible package (default: SOURCE_DATE_EPOCH from `env`, else now). */
  sourceDateEpoch?: number;
  /** Verify the written package (default true). */
  verify?: boolean;
  /**
   * Also write the provenance as a DSSE envelope whose subject is the package file (name and SHA-256),
   * for an attestation store (docs/supply-chain.md).
   */
  provenanceOut?: string;
  /**
   * Before the package is written: verify it, and let its launcher verify and extract every slot
   * (when the target platform is this machine's).
   */
  validateBeforeSign?: boolean;
  /** Before the package is written: run it with these arguments from a throwaway cache; it must exit 0. */
  testCommand?: string;
  /** Relative paths are resolved against this (default process.cwd()). */
  cwd?: string;
  /**
   * Environment for the build tools and defaults (default process.env). FLAVOR_ALLOW_UNPROTECTED_KEY=1
   * uses a private key file others can access (with a warning) instead of refusing it.
   */
  env?: NodeJS.ProcessEnv;
  onEvent?: (event: PackEvent) => void;
  /** Wheels shared by the packages of one multi-platform pack (packPlatforms() sets it). */
  sharedWheels?: SharedWheels;
  /**
   * Name the package after its platform: `<name>-<platform>.psp` (`.exe` for Windows), in `outputDir`
   * or next to the default output (packPlatforms() sets it; `output` is then ignored).
   */
  nameByPlatform?: { outputDir?: string };
}

export interface PackResult {
  ok: true;
  /** Absolute path of the written package. */
  output: string;
  name: string;
  version: string;
  /** Bytes of the package file. */
  size: number;
  slots: Array<{ id: string; size: number; original_size: number; sha256: string }>;
  /** `sha256:…` of the signing key. */
  fingerprint: string;
  seconds: number;
}

/**
 * Packs `input` — a path to a build manifest (JSON/TOML) or a pyproject.toml, or a BuildSpec — into one
 * signed package. Every bad input is a FlavorError, reported before the build where it can be; nothing is
 * left half-written.
 */
/** Where the package goes: `-o`, the plan's default, or `<name>-<platform>` for a multi-platform pack. */
function outputOf(
  options: PackOptions,
  target: { output?: string; platform: string },
  defaultOutput: string,
): string {
  if (options.nameByPlatform)
    return platformOutput(defaultOutput, target.platform, options.nameByPlatform.outputDir);
  return target.output ?? defaultOutput;
}

function packResult(
  output: string,
  spec: BuildSpec,
  result: Awaited<ReturnType<typeof buildPackage>>,
  keyFingerprint: string,
  started: number,
): PackResult {
  return {
    ok: true,
    output,
    name: spec.package.name,
    version: spec.package.version,
    size: result.size,
    slots: result.slots.map((s) => ({
      id: s.id,
      size: s.size,
      original_size: s.originalSize,
      sha256: s.sha256,
    })),
    fingerprint: keyFingerprint,
    seconds: Number(((Date.now() - started) / 1000).toFixed(1)),
  };
}

export async function pack(input: string | BuildSpec, options: PackOptions = {}): Promise<PackResult> {
  const started = Date.now();
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const emit = options.onEvent ?? (() => {});
  const report: Report = (kind, message, hint) =>
    emit({ kind, message, ...(hint === undefined ? {} : { hint }) });
  const compat = checkCompatMode(options.compat);
  const key = await resolveSigningKey(options.key, cwd, {
    allowUnprotected: env.FLAVOR_ALLOW_UNPROTECTED_KEY === '1',
    warn: (message, hint) => report('warning', message, hint),
  });
  const early = await earlyPlan(input, cwd);
  // A Python project: the runtime source for the target, or a refusal before any work (docs/platforms.md).
  const platform = checkPlatform(options.platform ?? hostPlatformName());
  const runtime = early.plan ? undefined : await chooseRuntime(options, platform, cwd, env);
  const target = await checkTargets(
    {
      output: options.output,
      defaultOutput: early.plan?.defaultOutput ?? path.join(early.folder, 'dist', 'x.psp'),
      launcherBin: options.launcherBin,
      platform,
      trustKeys: options.trustKeys ?? [],
      keyGiven: options.key !== undefined,
      cwd,
      env,
    },
    key,
  );
  // One read (or prompt) per key source for the whole pack: the Python plan reads them first, the builder reuses them.
  const slotKeys = { env, cache: new Map<string, Uint8Array>() };
  const provenanceOut = options.provenanceOut && path.resolve(cwd, options.provenanceOut);
  if (provenanceOut) await checkOutputFile(provenanceOut, '--provenance-out');
  const plan =
    early.plan ??
    (await planFromPyproject(
      early.manifestPath,
      options,
      {
        cwd,
        env,
        log: emit,
        slotKeys,
        ...(runtime === undefined ? {} : { runtime }),
        ...(options.sharedWheels === undefined ? {} : { sharedWheels: options.sharedWheels }),
      },
      compat,
    ));
  try {
    const output = outputOf(options, target, path.resolve(cwd, plan.defaultOutput));
    const spec = packOptionsRecord(compat ? await compatSpec(plan.spec, report) : plan.spec, {
      options,
      compat,
      target,
    });
    if (!target.launcher.ours) warnForeignLauncher(target.launcher, spec, compat !== undefined, report);
    const checked = options.validateBeforeSign === true || options.testCommand !== undefined;
    const staged = checked ? stagingPath(output) : output;
    const result = await buildPackage(spec, {
      output: staged,
      launcherPath: target.launcherPath,
      launcherVersion: target.launcherVersion,
      ...(target.launcher.ours ? {} : { launcherTool: target.launcher.tool }),
      keyFingerprintField: compat !== undefined,
      key,
      toolVersion: VERSION,
      sourceDateEpoch: options.sourceDateEpoch ?? sourceDateEpoch(env),
      trustKeys: target.trustKeys,
      slotKeys,
      onProgress: (progress) => emit({ kind: 'build', progress }),
    });
    if (checked) await checkAndPublish(options, target, spec, staged, output, report);
    if ((options.verify ?? true) || provenanceOut) {
      const verified = await verifyPackage(output);
      if (provenanceOut)
        await writeEnvelope(provenanceOut, await packageFileEnvelope(verified.package, keySigner(key)));
    }
    return packResult(output, spec, result, fingerprint(key.publicKeyRaw), started);
  } finally {
    await plan.cleanup?.();
  }
}

/**
 * The plan when it needs no build (a build manifest or a BuildSpec); for a pyproject.toml the plan is made
 * after the checks (it installs the project), so only its folder is known here.
 */
async function earlyPlan(
  input: string | BuildSpec,
  cwd: string,
): Promise<{ plan?: PackPlan; manifestPath: string; folder: string }> {
  if (typeof input !== 'string') return { plan: planFromSpec(input, cwd), manifestPath: '', folder: cwd };
  const manifestPath = projectManifest(path.resolve(cwd, input));
  const folder = path.dirname(manifestPath);
  if (await isPyproject(manifestPath)) return { manifestPath, folder };
  return { plan: await planFromManifest(manifestPath), manifestPath, folder };
}

/** `<dir>/<name>-<platform>.psp` (or `.exe` for Windows) from the default output `<dir>/<name>.<ext>`. */
export function platformOutput(defaultOutput: string, platform: string, outputDir?: string): string {
  const stem = path.basename(defaultOutput).replace(/\.(psp|exe)$/, '');
  const ext = platform.startsWith('windows_') ? '.exe' : '.psp';
  return path.join(outputDir ?? path.dirname(defaultOutput), `${stem}-${platform}${ext}`);
}

/** selectRuntimeSource() with pack()'s options: paths resolved against `cwd`. */
function chooseRuntime(
  options: PackOptions,
  platform: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<RuntimeChoice> {
  const { python, pythonDist } = options;
  return selectRuntimeSource({
    platform,
    host: hostPlatformName(),
    ...(python === undefined ? {} : { python: path.resolve(cwd, python) }),
    ...(pythonDist === undefined ? {} : { pythonDist: path.resolve(cwd, pythonDist) }),
    env,
  });
}

function stagingPath(output: string): string {
  return path.join(
    path.dirname(output),
    `.${path.basename(output)}.checking-${randomBytes(6).toString('hex')}`,
  );
}

/** validateBeforeSign and testCommand on the staged package; it becomes `output` only if they pass. */
async function checkAndPublish(
  options: PackOptions,
  target: Targets,
  spec: BuildSpec,
  staged: string,
  output: string,
  report: Report,
): Promise<void> {
  try {
    const log = (line: string) => report('info', line);
    if (options.validateBeforeSign) {
      await validateStaged({
        staged,
        runnable: target.platform === hostPlatformName(),
        commands: [spec.execution.command, ...Object.values(spec.execution.commands ?? {})],
        slotCount: spec.slots.length,
        log,
      });
    }
    if (options.testCommand !== undefined) {
      await testStaged(staged, options.testCommand, log, spec.service !== undefined);
    }
    await fs.rename(staged, output);
  } finally {
    await fs.rm(staged, { force: true });
  }
}

function sourceDateEpoch(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env.SOURCE_DATE_EPOCH;
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d+$/.test(raw))
    throw new FlavorError('USAGE', `SOURCE_DATE_EPOCH must be whole seconds, got "${raw}"`);
  return Number(raw);
}

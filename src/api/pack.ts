// pack(): build a signed package from a build manifest, a pyproject.toml or a BuildSpec, then verify it.
// The result is the document `flavor pack --json` prints.

import path from 'node:path';
import { type BuildProgress, buildPackage } from '../builder/build.js';
import type { BuildSpec } from '../builder/build-spec.js';
import { describeLauncher, resolveLauncher } from '../builder/launchers.js';
import { fingerprint, loadPublicKeySpec } from '../crypto/keys.js';
import { FlavorError } from '../errors.js';
import type { PythonBuildEvent } from '../python/index.js';
import { verifyPackage } from '../reader/verify.js';
import { VERSION } from '../version.js';
import { isPyproject, type PackPlan, planFromManifest, planFromSpec } from './pack-input.js';
import { type PythonPackOptions, planFromPyproject } from './python-plan.js';
import { type KeySource, resolveSigningKey } from './signing-key.js';

/** Something pack() reports while it works: Python pipeline steps, warnings, and build progress. */
export type PackEvent = (PythonBuildEvent & { hint?: string }) | { kind: 'build'; progress: BuildProgress };

export interface PackOptions extends PythonPackOptions {
  /** Package to write (default: dist/<name>.psp next to the manifest, or under `cwd` for a BuildSpec). */
  output?: string;
  /** The signing key; without one an ephemeral key is used (integrity only) and a warning is reported. */
  key?: KeySource;
  /** Launcher binary to embed (default: the built one for `platform`). */
  launcherBin?: string;
  /** Target platform, e.g. `linux_arm64` (default: this machine). */
  platform?: string;
  /** Public keys (PEM file or 64 hex digits) to embed in the launcher: it then refuses any other signer. */
  trustKeys?: string[];
  /** Timestamp for a byte-reproducible package (default: SOURCE_DATE_EPOCH from `env`, else now). */
  sourceDateEpoch?: number;
  /** Verify the written package (default true). */
  verify?: boolean;
  /** Relative paths are resolved against this (default process.cwd()). */
  cwd?: string;
  /**
   * Environment for the build tools and defaults (default process.env). FLAVOR_ALLOW_UNPROTECTED_KEY=1
   * uses a private key file others can access (with a warning) instead of refusing it.
   */
  env?: NodeJS.ProcessEnv;
  onEvent?: (event: PackEvent) => void;
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
 * signed package. Every bad input is a FlavorError; nothing is left half-written.
 */
export async function pack(input: string | BuildSpec, options: PackOptions = {}): Promise<PackResult> {
  const started = Date.now();
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const emit = options.onEvent ?? (() => {});
  const key = await resolveSigningKey(options.key, cwd, {
    allowUnprotected: env.FLAVOR_ALLOW_UNPROTECTED_KEY === '1',
    warn: (message, hint) => emit({ kind: 'warning', message, ...(hint === undefined ? {} : { hint }) }),
  });
  const plan = await planInput(input, options, { cwd, env, log: emit });
  try {
    const output = path.resolve(cwd, options.output ?? plan.defaultOutput);
    const launcherPath = await resolveLauncher(options.launcherBin, options.platform, env);
    const launcher = await describeLauncher(launcherPath);
    const result = await buildPackage(plan.spec, {
      output,
      launcherPath,
      launcherVersion: launcher.version,
      key,
      toolVersion: VERSION,
      sourceDateEpoch: options.sourceDateEpoch ?? sourceDateEpoch(env),
      trustKeys: await loadTrustKeys(options.trustKeys ?? []),
      onProgress: (progress) => emit({ kind: 'build', progress }),
    });
    if (options.verify ?? true) await verifyPackage(output);
    return {
      ok: true,
      output,
      name: plan.spec.package.name,
      version: plan.spec.package.version,
      size: result.size,
      slots: result.slots.map((s) => ({
        id: s.id,
        size: s.size,
        original_size: s.originalSize,
        sha256: s.sha256,
      })),
      fingerprint: fingerprint(key.publicKeyRaw),
      seconds: Number(((Date.now() - started) / 1000).toFixed(1)),
    };
  } finally {
    await plan.cleanup?.();
  }
}

async function planInput(
  input: string | BuildSpec,
  options: PythonPackOptions,
  context: { cwd: string; env: NodeJS.ProcessEnv; log: (event: PythonBuildEvent) => void },
): Promise<PackPlan> {
  if (typeof input !== 'string') return planFromSpec(input, context.cwd);
  const manifestPath = path.resolve(context.cwd, input);
  return (await isPyproject(manifestPath))
    ? planFromPyproject(manifestPath, options, context)
    : planFromManifest(manifestPath);
}

async function loadTrustKeys(specs: string[]): Promise<Uint8Array[]> {
  const keys = await Promise.all(specs.map((k) => loadPublicKeySpec(k)));
  return keys.map((k) => {
    if (!k.raw)
      throw new FlavorError(
        'USAGE',
        '--trust-key needs a full public key (PEM or 64 hex digits), not a fingerprint',
      );
    return k.raw;
  });
}

function sourceDateEpoch(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env.SOURCE_DATE_EPOCH;
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d+$/.test(raw))
    throw new FlavorError('USAGE', `SOURCE_DATE_EPOCH must be whole seconds, got "${raw}"`);
  return Number(raw);
}

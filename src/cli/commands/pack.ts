import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import type { BuildProgress } from '../../builder/build.js';
import { buildPackage } from '../../builder/build.js';
import type { BuildSpec } from '../../builder/build-spec.js';
import { applyUpstreamCompat, COMPAT_MODES, type CompatMode } from '../../builder/compat.js';
import { checkLauncher } from '../../builder/launcher-check.js';
import {
  checkPlatform,
  describeLauncher,
  embeddedVersion,
  hostPlatformName,
  type LauncherInfo,
  resolveLauncher,
} from '../../builder/launchers.js';
import { loadBuildManifest } from '../../builder/manifest.js';
import { patchTrustBlock } from '../../builder/trust-block.js';
import {
  fingerprint,
  generateSigningKey,
  loadPrivateKey,
  loadPublicKeyFile,
  loadPublicKeySpec,
  type SigningKey,
  signingKeyFromSeedText,
} from '../../crypto/keys.js';
import { FlavorError } from '../../errors.js';
import { parseChain } from '../../format/index.js';
import { verifyPackage } from '../../reader/verify.js';
import { VERSION } from '../../version.js';
import { type CommandDefinition, type Context, flag, type ParsedValues, str, strs } from '../command.js';
import { keyProtection } from '../keys.js';
import { formatBytes } from '../output.js';
import { checkOutputFile, checkOutputFolder } from '../output-path.js';
import type { PackPlan } from '../pack-plan.js';
import { testStaged, validateStaged } from '../pack-validate.js';
import { planFromPyproject } from '../python-plan.js';

export const pack: CommandDefinition = {
  name: 'pack',
  summary: 'Build a signed package from a build manifest (JSON/TOML) or a Python project (pyproject.toml).',
  args: '',
  minArgs: 0,
  maxArgs: 0,
  options: {
    manifest: {
      type: 'string',
      short: 'm',
      help: 'PATH  build manifest, pyproject.toml, setup.cfg or setup.py (default: pyproject.toml, else setup.cfg, else setup.py)',
    },
    output: {
      type: 'string',
      short: 'o',
      help: 'PATH  package to write (default: dist/<name>.psp next to the manifest)',
    },
    'launcher-bin': {
      type: 'string',
      help: 'PATH  launcher binary to embed (default: the built one for --platform)',
    },
    platform: { type: 'string', help: 'OS_ARCH  target platform, e.g. linux_arm64 (default: this machine)' },
    compat: {
      type: 'string',
      help: 'upstream  also runnable by the original FlavorPack 0.5.4 launchers: gzip, no symlinks (docs/compat.md)',
    },
    'private-key': { type: 'string', help: 'PEM  signing key (PKCS#8)' },
    'public-key': { type: 'string', help: 'PEM  public key; must match --private-key' },
    'key-seed': { type: 'string', help: 'TEXT  derive the signing key from TEXT (secret = SHA-256(TEXT))' },
    'trust-key': {
      type: 'string',
      multiple: true,
      help: 'KEY  embed a trusted key in the launcher: it then refuses packages signed by any other key',
    },
    python: { type: 'string', help: 'PATH  Python interpreter to package (pyproject only)' },
    'python-dist': {
      type: 'string',
      help: 'FILE  python-build-standalone archive to package (pyproject only)',
    },
    compression: { type: 'string', help: 'NAME  gzip, zstd or xz for Python slots (default: zstd)' },
    'compression-level': { type: 'string', help: 'N  compression level for Python slots' },
    'no-strip': { type: 'boolean', help: 'keep debug symbols in the Python runtime' },
    'use-pip': { type: 'boolean', help: 'install dependencies with pip instead of uv (pyproject only)' },
    'no-verify': { type: 'boolean', help: 'skip verifying the written package' },
    strict: { type: 'boolean', help: 'warnings about pyproject.toml (unknown keys…) are errors' },
    'validate-before-sign': {
      type: 'boolean',
      help: 'before the package is written: verify it, and let its launcher verify and extract every slot',
    },
    'test-command': {
      type: 'string',
      help: 'ARGS  before the package is written: run it with ARGS from a throwaway cache; it must exit 0',
    },
    quiet: { type: 'boolean', short: 'q', help: 'print nothing but errors' },
    verbose: { type: 'boolean', short: 'v', help: 'show the tool commands that run' },
    json: { type: 'boolean', help: 'print the result as JSON' },
  },
  details:
    'Reproducible: with the same inputs, key and SOURCE_DATE_EPOCH the output is byte-identical.\nWithout a key an ephemeral one is used: the package can then be checked for integrity, not authenticity.\nA --private-key file that group or others can access, or in a folder everyone can write to, is refused\n(chmod 600 it); FLAVOR_ALLOW_UNPROTECTED_KEY=1 uses it anyway, with a warning.',
  async run(ctx, _args, values) {
    const manifestPath = projectManifest(
      path.resolve(ctx.cwd, str(values, 'manifest') ?? defaultManifest(ctx.cwd)),
    );
    const started = Date.now();
    const compat = compatMode(values);
    const key = await resolveSigningKey(ctx, values);
    const pyproject = await isPyproject(manifestPath);
    const manifestPlan = pyproject ? undefined : await planFromManifest(manifestPath);
    // Everything that can be checked without building is checked before the (long) build.
    const target = await checkTargets(
      ctx,
      values,
      key,
      manifestPlan?.defaultOutput ?? path.join(path.dirname(manifestPath), 'dist', 'x.psp'),
    );
    const plan = manifestPlan ?? (await planFromPyproject(ctx, manifestPath, values, compat));
    try {
      const output = target.output ?? path.resolve(plan.defaultOutput);
      const spec = compat ? await compatSpec(ctx, plan.spec) : plan.spec;
      const { launcher } = target;
      if (!launcher.ours) warnForeignLauncher(ctx, launcher, spec, compat !== undefined);
      const checked = flag(values, 'validate-before-sign') || str(values, 'test-command') !== undefined;
      const staged = checked ? stagingPath(output) : output;
      const result = await buildPackage(spec, {
        output: staged,
        launcherPath: target.launcherPath,
        launcherVersion: target.launcherVersion,
        ...(launcher.ours ? {} : { launcherTool: launcher.tool }),
        keyFingerprintField: compat !== undefined,
        key,
        toolVersion: VERSION,
        sourceDateEpoch: sourceDateEpoch(ctx.env),
        trustKeys: target.trustKeys,
        onProgress: progressPrinter(ctx),
      });
      if (checked) await checkAndPublish(ctx, values, plan, staged, output);
      if (!flag(values, 'no-verify')) await verifyPackage(output);
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      if (flag(values, 'json')) {
        ctx.out.json({
          ok: true,
          output,
          size: result.size,
          slots: result.slots,
          fingerprint: fingerprint(key.publicKeyRaw),
          seconds: Number(seconds),
        });
      } else {
        ctx.out.info(
          `packed ${spec.package.name} ${spec.package.version} → ${output} (${formatBytes(result.size)}, ${result.slots.length} slots, ${seconds}s)`,
        );
        ctx.out.info(`signed by ${fingerprint(key.publicKeyRaw)}`);
      }
      return 0;
    } finally {
      await plan.cleanup?.();
    }
  },
};

function compatMode(values: ParsedValues): CompatMode | undefined {
  const value = str(values, 'compat');
  if (value === undefined) return undefined;
  if (!(COMPAT_MODES as readonly string[]).includes(value)) {
    throw new FlavorError('USAGE', `--compat must be one of: ${COMPAT_MODES.join(', ')}; got "${value}"`);
  }
  return value as CompatMode;
}

async function compatSpec(ctx: Context, spec: BuildSpec): Promise<BuildSpec> {
  const result = await applyUpstreamCompat(spec);
  for (const note of result.notes) ctx.out.info(`compat upstream: ${note}`);
  return result.spec;
}

const UPSTREAM_DECODES = new Set([0x01, 0x10]);

/** Says what a launcher that is not ours cannot do with this package (docs/compat.md). */
function warnForeignLauncher(ctx: Context, launcher: LauncherInfo, spec: BuildSpec, compat: boolean): void {
  const who = launcher.tool === 'unknown' ? 'an unknown launcher' : `${launcher.tool} ${launcher.version}`;
  ctx.out.warn(
    `--launcher-bin ${launcher.name} is not FlavorPack's launcher (detected: ${who}); it is recorded as such, without capabilities. It may not check slot SHA-256s, trusted keys or safe paths`,
  );
  const undecodable = spec.slots.filter((slot) => {
    try {
      return parseChain(slot.operations).some((op) => !UPSTREAM_DECODES.has(op));
    } catch {
      return false; // an unknown name is reported, with its field, when the spec is validated
    }
  });

  if (undecodable.length > 0) {
    ctx.out.warn(
      `upstream's launchers decode only tar and gzip: slot${undecodable.length > 1 ? 's' : ''} ${undecodable.map((s) => `${s.id} (${s.operations})`).join(', ')} will not extract`,
    );
  }
  if (!compat)
    ctx.out.info('hint: build with --compat upstream for a package the original FlavorPack launchers run');
}

function stagingPath(output: string): string {
  return path.join(
    path.dirname(output),
    `.${path.basename(output)}.checking-${randomBytes(6).toString('hex')}`,
  );
}

/** --validate-before-sign and --test-command on the staged package; it becomes `output` only if they pass. */
async function checkAndPublish(
  ctx: Context,
  values: ParsedValues,
  plan: PackPlan,
  staged: string,
  output: string,
): Promise<void> {
  try {
    const log = (line: string) => ctx.out.info(line);
    if (flag(values, 'validate-before-sign')) {
      await validateStaged({
        staged,
        runnable: (str(values, 'platform') ?? hostPlatformName()) === hostPlatformName(),
        commands: [plan.spec.execution.command, ...Object.values(plan.spec.execution.commands ?? {})],
        slotCount: plan.spec.slots.length,
        log,
      });
    }
    const testCommand = str(values, 'test-command');
    if (testCommand !== undefined) await testStaged(staged, testCommand, log);
    await fs.rename(staged, output);
  } finally {
    await fs.rm(staged, { force: true });
  }
}

interface Targets {
  /** The -o path, resolved; undefined: the plan's default (checked here when it is known already). */
  output: string | undefined;
  launcherPath: string;
  launcherVersion: string;
  /** Ours or upstream's (docs/compat.md): a launcher that is not ours is recorded as what it is. */
  launcher: LauncherInfo;
  trustKeys: Uint8Array[];
}

/**
 * The checks that need no build: the output can be written (for a pyproject, whose file name is known
 * only after the build, its dist/ folder), the launcher is a PSPF launcher for the
 * target platform, and the trust keys (if any) include the signing key — a launcher that trusts only
 * other keys would refuse the package it is part of on every run (exit 107).
 */
async function checkTargets(
  ctx: Context,
  values: ParsedValues,
  key: SigningKey,
  defaultOutput: string,
): Promise<Targets> {
  const explicit = str(values, 'output');
  const output = explicit === undefined ? undefined : path.resolve(ctx.cwd, explicit);
  if (output === undefined) await checkOutputFolder(path.dirname(defaultOutput));
  else await checkOutputFile(output);
  const platform = str(values, 'platform') ?? hostPlatformName();
  const launcherPath = await resolveLauncher(str(values, 'launcher-bin'), platform, ctx.env);
  const launcherBytes = await fs.readFile(launcherPath);
  checkLauncher(launcherBytes, checkPlatform(platform), launcherPath);
  const launcher = await describeLauncher(launcherPath);
  if (strs(values, 'trust-key').length > 0 && !launcher.ours) {
    throw new FlavorError(
      'USAGE',
      "--trust-key needs FlavorPack's own launcher (it patches its trust block)",
      {
        hint: 'leave out --launcher-bin, or --trust-key',
      },
    );
  }
  const trustKeys = await loadTrustKeys(values, key);
  patchTrustBlock(launcherBytes, trustKeys);
  const launcherVersion = launcher.ours ? embeddedVersion(launcherBytes) : launcher.version;
  return { output, launcherPath, launcherVersion, launcher, trustKeys };
}

async function loadTrustKeys(values: ParsedValues, key: SigningKey): Promise<Uint8Array[]> {
  const specs = await Promise.all(strs(values, 'trust-key').map((k) => loadPublicKeySpec(k)));
  const raws = specs.map((k) => {
    if (!k.raw)
      throw new FlavorError(
        'USAGE',
        '--trust-key needs a full public key (PEM or 64 hex digits), not a fingerprint',
      );
    return k.raw;
  });
  if (raws.length > 0 && !raws.some((raw) => Buffer.from(raw).equals(Buffer.from(key.publicKeyRaw)))) {
    const signing = fingerprint(key.publicKeyRaw);
    throw new FlavorError(
      'KEY_INVALID',
      `--trust-key does not include the signing key (${signing}): the launcher would refuse this package on every run`,
      {
        hint:
          str(values, 'private-key') === undefined && str(values, 'key-seed') === undefined
            ? 'sign with the key you trust: add --private-key (or --key-seed) for it'
            : 'add --trust-key with the signing public key (e.g. keys/flavor-public.key), or leave --trust-key out',
      },
    );
  }
  return raws;
}

/** pyproject.toml, else setup.cfg, else setup.py (a setuptools project without pyproject.toml). */
function defaultManifest(cwd: string): string {
  const found = ['pyproject.toml', 'setup.cfg', 'setup.py'].find((n) => existsSync(path.join(cwd, n)));
  return found ?? 'pyproject.toml';
}

/** setup.py: the project is described by its pyproject.toml or setup.cfg when it has one. */
function projectManifest(file: string): string {
  if (path.basename(file) !== 'setup.py') return file;
  const dir = path.dirname(file);
  const sibling = ['pyproject.toml', 'setup.cfg'].find((n) => existsSync(path.join(dir, n)));
  return sibling ? path.join(dir, sibling) : file;
}

async function isPyproject(file: string): Promise<boolean> {
  if (['pyproject.toml', 'setup.cfg', 'setup.py'].includes(path.basename(file))) return true;
  if (!file.endsWith('.toml')) return false;
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  try {
    const doc = parseToml(text) as Record<string, unknown>;
    return typeof doc.project === 'object' && !('package' in doc);
  } catch {
    return false;
  }
}

async function planFromManifest(manifestPath: string): Promise<PackPlan> {
  const { spec } = await loadBuildManifest(manifestPath);
  const name = spec.package.name.replace(/[^A-Za-z0-9._-]/g, '_');
  return { spec, defaultOutput: path.join(path.dirname(manifestPath), 'dist', `${name}.psp`) };
}

async function resolveSigningKey(ctx: Context, values: ParsedValues): Promise<SigningKey> {
  const seed = str(values, 'key-seed');
  const privatePath = str(values, 'private-key');
  const publicPath = str(values, 'public-key');
  if (seed !== undefined && privatePath !== undefined) {
    throw new FlavorError('USAGE', 'give either --key-seed or --private-key, not both');
  }
  if (seed !== undefined) return signingKeyFromSeedText(seed);
  if (privatePath !== undefined) {
    const key = await loadPrivateKey(path.resolve(ctx.cwd, privatePath), keyProtection(ctx.env, ctx.out));
    if (publicPath !== undefined) {
      const pub = await loadPublicKeyFile(path.resolve(ctx.cwd, publicPath));
      if (Buffer.compare(Buffer.from(pub), Buffer.from(key.publicKeyRaw)) !== 0) {
        throw new FlavorError('KEY_INVALID', '--public-key does not belong to --private-key', {
          path: publicPath,
        });
      }
    }
    return key;
  }
  if (publicPath !== undefined) throw new FlavorError('USAGE', '--public-key needs --private-key');
  ctx.out.warn(
    'no signing key given: using an ephemeral key; the package can be checked for integrity, not authenticity',
  );
  ctx.out.info('hint: create a key with `flavor keygen` and pass --private-key keys/flavor-private.key');
  return generateSigningKey();
}

function sourceDateEpoch(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env.SOURCE_DATE_EPOCH;
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d+$/.test(raw))
    throw new FlavorError('USAGE', `SOURCE_DATE_EPOCH must be whole seconds, got "${raw}"`);
  return Number(raw);
}

function progressPrinter(ctx: Context): (p: BuildProgress) => void {
  let slotStarted = Date.now();
  let current = -1;
  return (p) => {
    if (p.phase === 'slot') {
      if (p.slotIndex !== current) {
        current = p.slotIndex ?? -1;
        slotStarted = Date.now();
      }
      const secs = Math.max((Date.now() - slotStarted) / 1000, 0.001);
      const rate = formatBytes(Math.round((p.bytes ?? 0) / secs));
      ctx.out.progress(
        `packing slot ${(p.slotIndex ?? 0) + 1}/${p.slotCount} ${p.slotId}: ${formatBytes(p.bytes ?? 0)} (${rate}/s)`,
      );
    } else if (p.phase === 'assemble') {
      ctx.out.progress('writing package…');
    } else {
      ctx.out.clearProgress();
    }
  };
}

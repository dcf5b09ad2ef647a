import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import type { BuildProgress } from '../../builder/build.js';
import { buildPackage } from '../../builder/build.js';
import type { BuildSpec } from '../../builder/build-spec.js';
import { describeLauncher, resolveLauncher } from '../../builder/launchers.js';
import { loadBuildManifest } from '../../builder/manifest.js';
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
import { verifyPackage } from '../../reader/verify.js';
import { VERSION } from '../../version.js';
import { type CommandDefinition, type Context, flag, type ParsedValues, str, strs } from '../command.js';
import { keyProtection } from '../keys.js';
import { formatBytes } from '../output.js';
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
      help: 'PATH  build manifest or pyproject.toml (default: pyproject.toml)',
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
    quiet: { type: 'boolean', short: 'q', help: 'print nothing but errors' },
    verbose: { type: 'boolean', short: 'v', help: 'show the tool commands that run' },
    json: { type: 'boolean', help: 'print the result as JSON' },
  },
  details:
    'Reproducible: with the same inputs, key and SOURCE_DATE_EPOCH the output is byte-identical.\nWithout a key an ephemeral one is used: the package can then be checked for integrity, not authenticity.\nA --private-key file that group or others can access, or in a folder everyone can write to, is refused\n(chmod 600 it); FLAVOR_ALLOW_UNPROTECTED_KEY=1 uses it anyway, with a warning.',
  async run(ctx, _args, values) {
    const manifestPath = path.resolve(ctx.cwd, str(values, 'manifest') ?? 'pyproject.toml');
    const started = Date.now();
    const key = await resolveSigningKey(ctx, values);
    // The launcher first: a missing or modified one is refused before the (slow) Python build.
    const launcherPath = await resolveLauncher(str(values, 'launcher-bin'), str(values, 'platform'), ctx.env);
    const plan = (await isPyproject(manifestPath))
      ? await planFromPyproject(ctx, manifestPath, values)
      : await planFromManifest(manifestPath);
    try {
      const output = path.resolve(ctx.cwd, str(values, 'output') ?? plan.defaultOutput);
      const launcher = await describeLauncher(launcherPath);
      const trustKeys = await Promise.all(strs(values, 'trust-key').map((k) => loadPublicKeySpec(k)));
      const result = await buildPackage(plan.spec, {
        output,
        launcherPath,
        launcherVersion: launcher.version,
        key,
        toolVersion: VERSION,
        sourceDateEpoch: sourceDateEpoch(ctx.env),
        trustKeys: trustKeys.map((k) => {
          if (!k.raw)
            throw new FlavorError(
              'USAGE',
              '--trust-key needs a full public key (PEM or 64 hex digits), not a fingerprint',
            );
          return k.raw;
        }),
        onProgress: progressPrinter(ctx),
      });
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
          `packed ${plan.spec.package.name} ${plan.spec.package.version} → ${output} (${formatBytes(result.size)}, ${result.slots.length} slots, ${seconds}s)`,
        );
        ctx.out.info(`signed by ${fingerprint(key.publicKeyRaw)}`);
      }
      return 0;
    } finally {
      await plan.cleanup?.();
    }
  },
};

export interface PackPlan {
  spec: BuildSpec;
  defaultOutput: string;
  cleanup?: () => Promise<void>;
}

async function isPyproject(file: string): Promise<boolean> {
  if (path.basename(file) === 'pyproject.toml') return true;
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

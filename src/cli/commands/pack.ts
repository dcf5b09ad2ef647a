import { type CompatMode, type PackEvent, type PackOptions, pack as packApi } from '../../api/pack.js';
import { defaultManifest } from '../../api/pack-input.js';
import { packPlatforms } from '../../api/pack-platforms.js';
import type { KeySource } from '../../api/signing-key.js';
import { FlavorError } from '../../errors.js';
import type { Compression } from '../../python/index.js';
import { type CommandDefinition, type Context, flag, type ParsedValues, str, strs } from '../command.js';
import { formatBytes } from '../output.js';
import { buildProgressPrinter } from '../progress.js';

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
    platform: {
      type: 'string',
      help: 'OS_ARCH[,…]  target platform(s), e.g. linux_arm64 or linux_amd64,windows_amd64: one package each, <name>-<platform>.psp/.exe (default: this machine)',
    },
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
      multiple: true,
      help: 'FILE  python-build-standalone archive to package, for any target (pyproject only); with several platforms, one per target, matched by the triple in its name',
    },
    compression: { type: 'string', help: 'NAME  gzip, zstd or xz for Python slots (default: zstd)' },
    'compression-level': { type: 'string', help: 'N  compression level for Python slots' },
    'no-strip': { type: 'boolean', help: 'keep debug symbols in the Python runtime' },
    'use-pip': { type: 'boolean', help: 'install dependencies with pip instead of uv (pyproject only)' },
    'no-verify': { type: 'boolean', help: 'skip verifying the written package' },
    'provenance-out': {
      type: 'string',
      help: 'FILE  also write the provenance as a DSSE envelope about the package file (for attestation stores)',
    },
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
    const platforms = (str(values, 'platform') ?? '').split(',').map((p) => p.trim());
    if (platforms.length > 1) return packMany(ctx, values, platforms);
    const result = await packApi(str(values, 'manifest') ?? defaultManifest(ctx.cwd), {
      ...packOptions(values),
      cwd: ctx.cwd,
      env: ctx.env,
      onEvent: eventPrinter(ctx, flag(values, 'verbose')),
    });
    if (flag(values, 'json')) {
      ctx.out.json(result);
    } else {
      ctx.out.info(
        `packed ${result.name} ${result.version} → ${result.output} (${formatBytes(result.size)}, ${result.slots.length} slots, ${result.seconds.toFixed(1)}s)`,
      );
      ctx.out.info(`signed by ${result.fingerprint}`);
    }
    return 0;
  },
};

/** --platform a,b,…: one package per platform (packPlatforms). */
async function packMany(ctx: Context, values: ParsedValues, platforms: string[]): Promise<number> {
  const { output, pythonDist, platform: _platform, ...options } = packOptions(values, true);
  const result = await packPlatforms(str(values, 'manifest') ?? defaultManifest(ctx.cwd), platforms, {
    ...options,
    ...(output === undefined ? {} : { outputDir: output }),
    pythonDists: strs(values, 'python-dist'),
    cwd: ctx.cwd,
    env: ctx.env,
    onEvent: eventPrinter(ctx, flag(values, 'verbose')),
  });
  if (flag(values, 'json')) {
    ctx.out.json(result);
    return 0;
  }
  for (const p of result.packages) {
    ctx.out.info(`packed ${p.name} ${p.version} for ${p.platform} → ${p.output} (${formatBytes(p.size)})`);
  }
  ctx.out.info(
    result.reused.length > 0
      ? `shared between the packages:\n${result.reused.map((r) => `  ${r}`).join('\n')}`
      : 'nothing platform-independent was reused (no pure wheel)',
  );
  ctx.out.info(`${result.packages.length} packages in ${result.seconds.toFixed(1)}s`);
  return 0;
}

/** The command line → pack() options (pack() checks their values). */
function packOptions(values: ParsedValues, several = false): PackOptions {
  const dists = strs(values, 'python-dist');
  if (!several && dists.length > 1) {
    throw new FlavorError('USAGE', '--python-dist is given more than once for one platform', {
      hint: 'give one archive, or several with --platform a,b (one per target)',
    });
  }
  const levelText = str(values, 'compression-level');
  const level = levelText === undefined ? undefined : Number(levelText);
  if (level !== undefined && !Number.isInteger(level)) {
    throw new FlavorError('USAGE', `--compression-level must be a whole number, got "${levelText}"`);
  }
  const optional = {
    output: str(values, 'output'),
    key: keySource(values),
    launcherBin: str(values, 'launcher-bin'),
    platform: str(values, 'platform'),
    compat: str(values, 'compat') as CompatMode | undefined,
    testCommand: str(values, 'test-command'),
    provenanceOut: str(values, 'provenance-out'),
    python: str(values, 'python'),
    pythonDist: dists[0],
    compression: str(values, 'compression') as Compression | undefined,
    compressionLevel: level,
  };
  return {
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
    trustKeys: strs(values, 'trust-key'),
    strip: !flag(values, 'no-strip'),
    usePip: flag(values, 'use-pip'),
    strict: flag(values, 'strict'),
    validateBeforeSign: flag(values, 'validate-before-sign'),
    verify: !flag(values, 'no-verify'),
    verbose: flag(values, 'verbose'),
  };
}

function keySource(values: ParsedValues): KeySource | undefined {
  const seed = str(values, 'key-seed');
  const privateKey = str(values, 'private-key');
  const publicKey = str(values, 'public-key');
  if (seed !== undefined && privateKey !== undefined) {
    throw new FlavorError('USAGE', 'give either --key-seed or --private-key, not both');
  }
  if (seed !== undefined) return { seed };
  if (privateKey !== undefined) return publicKey === undefined ? { privateKey } : { privateKey, publicKey };
  if (publicKey !== undefined) throw new FlavorError('USAGE', '--public-key needs --private-key');
  return undefined;
}

/** pack()'s events on the terminal: warnings, Python steps, and the build progress line. */
export function eventPrinter(ctx: Context, verbose: boolean): (event: PackEvent) => void {
  const showBuild = buildProgressPrinter(ctx.out);
  return (event) => {
    if (event.kind === 'build') showBuild(event.progress);
    else if (event.kind === 'warning') {
      ctx.out.warn(event.message);
      if (event.hint) ctx.out.info(`hint: ${event.hint}`);
    } else if (event.kind === 'step-start') ctx.out.progress(`${event.message}…`);
    else if (event.kind === 'step-done')
      ctx.out.info(`${event.message} (${((event.elapsedMs ?? 0) / 1000).toFixed(1)}s)`);
    else if (event.kind === 'command') {
      if (verbose) ctx.out.info(`$ ${event.message}`);
    } else ctx.out.info(event.message);
  };
}

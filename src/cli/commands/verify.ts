import { rebuild } from '../../api/rebuild.js';
import type { ProvenanceSummary } from '../../api/verify.js';
import { verify as verifyApi } from '../../api/verify.js';
import { FlavorError } from '../../errors.js';
import { type CommandDefinition, type Context, flag, type ParsedValues, str, strs } from '../command.js';
import { trustedKeysFromEnv } from '../keys.js';
import { eventPrinter } from './pack.js';

export const verify: CommandDefinition = {
  name: 'verify',
  summary: 'Check a package completely: structure, checksums, signature, every slot and the launcher.',
  args: 'PKG',
  minArgs: 1,
  maxArgs: 1,
  options: {
    key: {
      type: 'string',
      multiple: true,
      help: 'KEY  trusted public key: PEM file, 64 hex digits or sha256:<fingerprint> (repeatable)',
    },
    provenance: {
      type: 'boolean',
      help: 'also check the signed provenance and print its subjects and inputs',
    },
    rebuild: {
      type: 'string',
      help: 'PROJECT  rebuild from this pyproject.toml (or build manifest) with the recorded inputs and compare byte for byte',
    },
    python: { type: 'string', help: 'PATH  --rebuild: the Python interpreter to rebuild with' },
    'python-dist': {
      type: 'string',
      help: 'FILE  --rebuild: the python-build-standalone archive the package was packed from',
    },
    'launcher-bin': {
      type: 'string',
      help: 'PATH  --rebuild: the launcher to embed (default: the built one)',
    },
    quiet: { type: 'boolean', short: 'q', help: '--rebuild: no build progress, only the result' },
    json: { type: 'boolean', help: 'print the report as JSON' },
  },
  details:
    'Without --key (or FLAVOR_TRUSTED_KEYS) a valid package is reported as "self-signed: integrity only":\nthe bytes are intact, but anyone could have signed them. With --key the signer must match.\nKeys pinned by the package\'s launcher (flavor pack --trust-key) are honoured as the launcher does:\na package signed by another key is refused.\n--provenance checks the DSSE envelope in the metadata: signed by the package key, an in-toto\nStatement v1 with a SLSA provenance v1 predicate, subjects equal to the launcher and slots\n(docs/supply-chain.md).\n--rebuild packs the project again with the recorded SOURCE_DATE_EPOCH and options into a temporary\nfolder and compares: exit 0 when byte-identical, 11 (REBUILD_DIFFERS) naming the slots and metadata\nfields that differ. No private key is needed: the original signatures are reused for identical bytes.',
  async run(ctx, [pkgPath], values) {
    const project = str(values, 'rebuild');
    if (project !== undefined) return runRebuild(ctx, pkgPath!, project, values);
    for (const option of ['python', 'python-dist', 'launcher-bin']) {
      if (str(values, option) !== undefined) throw new FlavorError('USAGE', `--${option} needs --rebuild`);
    }
    const json = flag(values, 'json');
    const result = await verifyApi(pkgPath!, {
      keys: strs(values, 'key'),
      launcherKeys: trustedKeysFromEnv(ctx.env),
      provenance: flag(values, 'provenance'),
      ...(json ? {} : { onCheck: (c) => ctx.out.print(`ok  ${c.name.padEnd(18)} ${c.detail}`) }),
    });
    if (json) {
      ctx.out.json(result);
      return 0;
    }
    if (result.provenance) printProvenance(ctx, result.provenance);
    const verdict =
      result.trust === 'trusted'
        ? `signed by trusted key ${result.fingerprint}`
        : result.trust === 'pinned'
          ? `signed by ${result.fingerprint}, which its launcher pins`
          : 'self-signed: integrity only';
    ctx.out.print(`${result.name} ${result.version}: verified, ${verdict}`);
    return 0;
  },
};

function printProvenance(ctx: Context, p: ProvenanceSummary): void {
  const epoch = p.source_date_epoch === null ? 'not set' : String(p.source_date_epoch);
  ctx.out.print(`provenance: ${p.predicate_type}, built by ${p.builder_id}`);
  ctx.out.print(`  build type         ${p.build_type}`);
  ctx.out.print(`  SOURCE_DATE_EPOCH  ${epoch}${p.started_on ? ` (${p.started_on})` : ''}`);
  for (const s of p.subjects) ctx.out.print(`  subject  ${s.name.padEnd(24)} sha256:${s.sha256}`);
  for (const i of p.inputs) {
    const what = [i.uri, i.sha256 === null ? null : `sha256:${i.sha256}`].filter((x) => x !== null);
    ctx.out.print(`  input    ${i.name.padEnd(24)} ${what.join(' ')}`);
  }
  for (const [key, value] of Object.entries(p.parameters)) {
    ctx.out.print(`  param    ${key.padEnd(24)} ${JSON.stringify(value)}`);
  }
}

async function runRebuild(
  ctx: Context,
  pkgPath: string,
  project: string,
  values: ParsedValues,
): Promise<number> {
  const json = flag(values, 'json');
  const optional = {
    python: str(values, 'python'),
    pythonDist: str(values, 'python-dist'),
    launcherBin: str(values, 'launcher-bin'),
  };
  const result = await rebuild(pkgPath, project, {
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
    keys: strs(values, 'key'),
    launcherKeys: trustedKeysFromEnv(ctx.env),
    cwd: ctx.cwd,
    env: ctx.env,
    onEvent: eventPrinter(ctx, false),
  });
  if (json) ctx.out.json(result);
  else {
    printProvenance(ctx, result.provenance);
    ctx.out.print(`${pkgPath}: the rebuild from ${project} is byte-identical (sha256:${result.sha256})`);
  }
  return 0;
}

import { inspect as inspectApi } from '../../api/inspect.js';
import { depsLines, treeLines } from '../../api/inspect-deps.js';
import { runtimeLicensesLine } from '../../api/inspect-licenses.js';
import { inspectSbom, SBOM_FORMATS, type SbomFormat } from '../../api/inspect-sbom.js';
import { hostPlatformName } from '../../builder/launchers.js';
import { FlavorError } from '../../errors.js';
import { glibcVerdict, thisMachineLibc } from '../../format/glibc.js';
import { type CommandDefinition, flag, str } from '../command.js';
import { formatBytes } from '../output.js';

export const inspect: CommandDefinition = {
  name: 'inspect',
  summary: 'Show what a package contains (structure is checked; slot hashes are not — use verify).',
  args: 'PKG',
  minArgs: 1,
  maxArgs: 1,
  options: {
    json: { type: 'boolean', help: 'print a stable JSON document' },
    'slot-details': { type: 'boolean', help: 'show offsets, checksums and descriptor codes of each slot' },
    'compression-stats': { type: 'boolean', help: 'show stored vs original size and ratio per slot' },
    'show-deps': {
      type: 'boolean',
      help: 'list the Python distributions packed (name, version, licence), as recorded at pack time',
    },
    'dependency-tree': { type: 'boolean', help: 'show which packed distribution requires which' },
    sbom: {
      type: 'boolean',
      help: 'print the signed SBOM the package carries (JSON; docs/supply-chain.md)',
    },
    format: { type: 'string', help: `F  with --sbom: ${SBOM_FORMATS.join(' (default) or ')}` },
  },
  async run(ctx, [pkgPath], values) {
    const format = str(values, 'format');
    if (flag(values, 'sbom') || format !== undefined) {
      ctx.out.json(await inspectSbom(pkgPath!, { format: sbomFormat(format, flag(values, 'sbom')) }));
      return 0;
    }
    const showDeps = flag(values, 'show-deps');
    const showTree = flag(values, 'dependency-tree');
    const doc = await inspectApi(pkgPath!, { dependencies: showDeps, dependencyTree: showTree });
    if (flag(values, 'json')) {
      ctx.out.json(doc);
      return 0;
    }
    if (showDeps || showTree) {
      if (!doc.dependencies && !doc.dependency_tree) {
        ctx.out.print(
          'no dependency information in this package (it was not packed from a pyproject.toml by this flavor)',
        );
        return 0;
      }
      if (doc.dependencies) for (const line of depsLines(doc.dependencies)) ctx.out.print(line);
      if (doc.dependency_tree) for (const line of treeLines(doc.dependency_tree)) ctx.out.print(line);
      return 0;
    }
    const { slots, build, launcher } = doc;
    const p = (s: string) => ctx.out.print(s);
    p(`${pkgPath} (${formatBytes(doc.file.size)})`);
    p(
      `├── package: ${doc.package.name} ${doc.package.version}${doc.package.description ? ` — ${doc.package.description}` : ''}`,
    );
    p(`├── format: ${doc.format.name} (${doc.format.version}), workenv id ${doc.identity}`);
    p(`├── signature: valid Ed25519, key ${doc.signature.fingerprint}`);
    const pinned = launcher.pinned_keys;
    p(
      `├── trust: ${pinned.length > 0 ? `the launcher pins ${pinned.join(', ')}` : 'the launcher pins no key'}`,
    );
    p(
      `├── launcher: ${String(launcher.tool ?? 'unknown')} ${String(launcher.tool_version ?? '')}${launcher.platform ? ` for ${launcher.platform}` : ''} (${formatBytes(launcher.size)})`,
    );
    p(
      `├── build: ${String(build.tool ?? 'unknown')} ${String(build.tool_version ?? '')} at ${String(build.timestamp ?? '?')}`,
    );
    p(`├── command: ${doc.execution.command}`);
    if (doc.service) {
      const port = doc.service.port === null ? '' : `, port ${doc.service.port}`;
      p(`├── service: persistent${port} (the first run starts it in the background)`);
    }
    if (doc.requires.glibc !== null) p(`├── requires: ${glibcLine(doc.requires.glibc, launcher.platform)}`);
    if (doc.runtime_licenses) p(`├── runtime licences: ${runtimeLicensesLine(doc.runtime_licenses)}`);
    p(`└── slots: ${slots.length}`);
    slots.forEach((s, i) => {
      const last = i === slots.length - 1;
      const lead = last ? '    └──' : '    ├──';
      const pad = last ? '       ' : '    │  ';
      p(
        `${lead} [${s.index}] ${s.id}: ${formatBytes(s.size)} ${s.operations} → ${s.target} (${s.purpose}, ${s.lifecycle}${s.platform === null ? '' : `, ${s.platform} only`}${s.encryption === null ? '' : `, encrypted, key from ${s.encryption.key_source}`})`,
      );
      if (flag(values, 'compression-stats')) {
        p(
          `${pad}  original ${formatBytes(s.original_size)}, ratio ${s.ratio === null ? 'n/a' : `${(s.ratio * 100).toFixed(1)}%`}`,
        );
      }
      if (flag(values, 'slot-details')) {
        p(`${pad}  offset ${s.offset}, ${s.checksum}, permissions ${s.permissions ?? 'default'}`);
      }
    });
    return 0;
  },
};

/** "glibc ≥ 2.36 (this machine: glibc 2.31, the launcher refuses to start)". */
function glibcLine(required: string, platform: string | null): string {
  // A package for another platform does not run here whatever its glibc: say for which it is.
  const here = hostPlatformName();
  if (platform !== null && platform !== here)
    return `glibc ≥ ${required} (a ${platform} package; this machine is ${here})`;
  const host = thisMachineLibc();
  const machine =
    host.kind === 'glibc'
      ? `glibc ${host.version}`
      : host.kind === 'musl'
        ? 'musl libc'
        : 'C library unknown';
  const verdict = glibcVerdict(required, host) === 'run' ? 'runs here' : 'the launcher refuses to start here';
  return `glibc ≥ ${required} (this machine: ${machine}, ${verdict})`;
}

function sbomFormat(format: string | undefined, sbom: boolean): SbomFormat {
  if (!sbom) {
    throw new FlavorError('USAGE', '--format goes with --sbom', {
      hint: 'flavor inspect --sbom --format spdx PKG',
    });
  }
  if (format !== undefined && !(SBOM_FORMATS as readonly string[]).includes(format)) {
    throw new FlavorError('USAGE', `unknown SBOM format "${format}"`, {
      hint: `use --format ${SBOM_FORMATS.join(' or --format ')}`,
    });
  }
  return (format ?? 'cyclonedx') as SbomFormat;
}

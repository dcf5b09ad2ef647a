import { promises as fs } from 'node:fs';
import { fingerprint } from '../../crypto/keys.js';
import { chainName, unpackOperations } from '../../format/index.js';
import { openPackage } from '../../reader/open.js';
import { readPinnedKeys } from '../../reader/trust.js';
import { type CommandDefinition, flag } from '../command.js';
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
  },
  async run(ctx, [pkgPath], values) {
    const pkg = await openPackage(pkgPath!);
    const pinned = (await readPinnedKeys(pkg)).map((k) => fingerprint(k));
    const meta = pkg.metadata;
    const size = (await fs.stat(pkgPath!)).size;
    const build = (meta.build ?? {}) as Record<string, unknown>;
    const slots = meta.slots.map((s, i) => {
      const d = pkg.descriptors[i]!;
      const stored = Number(d.size);
      const original = Number(d.originalSize);
      return {
        index: i,
        id: s.id,
        purpose: s.purpose,
        lifecycle: s.lifecycle,
        target: s.target,
        operations: chainName(unpackOperations(d.operations)),
        size: stored,
        original_size: original,
        ratio: original > 0 ? Number((stored / original).toFixed(4)) : null,
        offset: Number(d.offset),
        checksum: s.checksum,
        permissions: s.permissions ?? null,
      };
    });
    const doc = {
      package: {
        name: meta.package.name,
        version: meta.package.version,
        description: meta.package.description ?? null,
      },
      file: { path: pkgPath, size },
      format: {
        name: meta.format,
        version: `0x${pkg.index.formatVersion.toString(16)}`,
        metadata_version: meta.format_version ?? null,
      },
      identity: pkg.identity,
      signature: { status: pkg.signature, fingerprint: fingerprint(pkg.index.publicKey) },
      launcher: { size: pkg.layout.launcherSize, ...(meta.launcher ?? {}), pinned_keys: pinned },
      build,
      execution: meta.execution,
      slots,
    };
    if (flag(values, 'json')) {
      ctx.out.json(doc);
      return 0;
    }
    const p = (s: string) => ctx.out.print(s);
    p(`${pkgPath} (${formatBytes(size)})`);
    p(
      `├── package: ${meta.package.name} ${meta.package.version}${meta.package.description ? ` — ${meta.package.description}` : ''}`,
    );
    p(`├── format: ${meta.format} (0x${pkg.index.formatVersion.toString(16)}), workenv id ${pkg.identity}`);
    p(`├── signature: valid Ed25519, key ${doc.signature.fingerprint}`);
    p(
      `├── trust: ${pinned.length > 0 ? `the launcher pins ${pinned.join(', ')}` : 'the launcher pins no key'}`,
    );
    p(
      `├── launcher: ${String(meta.launcher?.tool ?? 'unknown')} ${String(meta.launcher?.tool_version ?? '')} (${formatBytes(pkg.layout.launcherSize)})`,
    );
    p(
      `├── build: ${String(build.tool ?? 'unknown')} ${String(build.tool_version ?? '')} at ${String(build.timestamp ?? '?')}`,
    );
    p(`├── command: ${meta.execution.command}`);
    p(`└── slots: ${slots.length}`);
    slots.forEach((s, i) => {
      const last = i === slots.length - 1;
      const lead = last ? '    └──' : '    ├──';
      const pad = last ? '       ' : '    │  ';
      p(
        `${lead} [${s.index}] ${s.id}: ${formatBytes(s.size)} ${s.operations} → ${s.target} (${s.purpose}, ${s.lifecycle})`,
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

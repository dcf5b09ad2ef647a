import { loadPublicKeySpec } from '../../crypto/keys.js';
import { extractPackage, extractSlot, findSlot } from '../../reader/extract.js';
import { verifyPackage } from '../../reader/verify.js';
import { type CommandDefinition, flag } from '../command.js';
import { trustedKeysFromEnv } from '../keys.js';
import { formatBytes } from '../output.js';

async function verified(pkgPath: string, env: NodeJS.ProcessEnv) {
  const trustedKeys = await Promise.all(trustedKeysFromEnv(env).map((s) => loadPublicKeySpec(s)));
  return (await verifyPackage(pkgPath, { trustedKeys })).package;
}

export const extract: CommandDefinition = {
  name: 'extract',
  summary: 'Verify a package, then decode one slot (by index or id) to OUTPUT.',
  args: 'PKG SLOT OUTPUT',
  minArgs: 3,
  maxArgs: 3,
  options: {
    force: { type: 'boolean', short: 'f', help: 'overwrite an existing OUTPUT' },
    json: { type: 'boolean', help: 'print the result as JSON' },
  },
  details: 'A tar slot is unpacked into the folder OUTPUT; any other slot is written as the file OUTPUT.',
  async run(ctx, [pkgPath, selector, output], values) {
    const pkg = await verified(pkgPath!, ctx.env);
    const result = await extractSlot(pkg, findSlot(pkg, selector!), output!, flag(values, 'force'));
    if (flag(values, 'json')) ctx.out.json({ ok: true, slots: [result] });
    else
      ctx.out.print(
        `extracted slot ${result.index} (${result.id}) to ${result.path} (${result.kind}, ${formatBytes(result.bytes)})`,
      );
    return 0;
  },
};

export const extractAll: CommandDefinition = {
  name: 'extract-all',
  summary: 'Verify a package, then decode every slot into DIR/<NN>-<id> plus DIR/metadata.json.',
  args: 'PKG DIR',
  minArgs: 2,
  maxArgs: 2,
  options: {
    force: { type: 'boolean', short: 'f', help: 'overwrite existing outputs' },
    json: { type: 'boolean', help: 'print the result as JSON' },
  },
  async run(ctx, [pkgPath, dir], values) {
    const pkg = await verified(pkgPath!, ctx.env);
    const { slots, metadata } = await extractPackage(pkg, dir!, flag(values, 'force'));
    if (flag(values, 'json')) ctx.out.json({ ok: true, slots, metadata });
    else {
      for (const r of slots)
        ctx.out.print(`[${r.index}] ${r.id} → ${r.path} (${r.kind}, ${formatBytes(r.bytes)})`);
      ctx.out.print(`metadata → ${metadata}`);
    }
    return 0;
  },
};

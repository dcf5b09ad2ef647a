import { extractAll as extractAllApi, extract as extractApi, type SkippedSlot } from '../../api/extract.js';
import { hostPlatformName } from '../../builder/launchers.js';
import { type CommandDefinition, type Context, flag, type ParsedValues } from '../command.js';
import { trustedKeysFromEnv } from '../keys.js';
import { formatBytes } from '../output.js';

const ALL_PLATFORMS = {
  type: 'boolean',
  help: 'also decode slots whose platform names another machine (skipped by default, as the launcher does)',
} as const;

/** A note (stderr) for each slot left out because it is for another machine. */
function noteSkipped(ctx: Context, skipped: SkippedSlot[]): void {
  for (const s of skipped) {
    ctx.out.info(
      `skipped slot ${s.index} (${s.id}): it is for ${s.platform}, this machine is ${hostPlatformName()} (--all-platforms decodes it)`,
    );
  }
}

const SLOT_KEY_OPTION = {
  type: 'string',
  help: 'SOURCE  key source of encrypted slots (env:NAME, file:PATH or prompt); default: the one each slot names',
} as const;

function extractOptions(ctx: Context, values: ParsedValues) {
  const override = values['slot-key'];
  return {
    force: flag(values, 'force'),
    keys: trustedKeysFromEnv(ctx.env),
    allPlatforms: flag(values, 'all-platforms'),
    slotKeys: { env: ctx.env, cwd: ctx.cwd, ...(typeof override === 'string' ? { override } : {}) },
  };
}

export const extract: CommandDefinition = {
  name: 'extract',
  summary: 'Verify a package, then decode one slot (by index or id) to OUTPUT.',
  args: 'PKG SLOT OUTPUT',
  minArgs: 3,
  maxArgs: 3,
  options: {
    force: { type: 'boolean', short: 'f', help: 'overwrite an existing OUTPUT' },
    'all-platforms': ALL_PLATFORMS,
    'slot-key': SLOT_KEY_OPTION,
    json: { type: 'boolean', help: 'print the result as JSON' },
  },
  details:
    'A tar slot is unpacked into the folder OUTPUT; any other slot is written as the file OUTPUT. A slot for another platform is skipped with a note unless --all-platforms is given.',
  async run(ctx, [pkgPath, selector, output], values) {
    const options = extractOptions(ctx, values);
    const done = await extractApi(pkgPath!, selector!, output!, options);
    if (flag(values, 'json')) {
      ctx.out.json(done);
      return 0;
    }
    noteSkipped(ctx, done.skipped);
    for (const result of done.slots)
      ctx.out.print(
        `extracted slot ${result.index} (${result.id}) to ${result.path} (${result.kind}, ${formatBytes(result.bytes)}; lifecycle ${result.lifecycle}: ${result.place})`,
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
    'all-platforms': ALL_PLATFORMS,
    'slot-key': SLOT_KEY_OPTION,
    json: { type: 'boolean', help: 'print the result as JSON' },
  },
  details:
    'Every slot is decoded whatever its lifecycle, lazy slots included: DIR is a copy of what the package holds, not a workenv. Slots for another platform are skipped with a note unless --all-platforms is given.',
  async run(ctx, [pkgPath, dir], values) {
    const options = extractOptions(ctx, values);
    const done = await extractAllApi(pkgPath!, dir!, options);
    if (flag(values, 'json')) ctx.out.json(done);
    else {
      noteSkipped(ctx, done.skipped);
      for (const r of done.slots)
        ctx.out.print(
          `[${r.index}] ${r.id} → ${r.path} (${r.kind}, ${formatBytes(r.bytes)}; lifecycle ${r.lifecycle}: ${r.place})`,
        );
      ctx.out.print(`metadata → ${done.metadata}`);
    }
    return 0;
  },
};

import { promises as fs } from 'node:fs';
import { LAUNCHER_DIR, listLaunchers } from '../../builder/launchers.js';
import { buildCacheDir } from '../../workenv/paths.js';
import { type CommandDefinition, flag } from '../command.js';
import { confirm } from '../confirm.js';
import { formatBytes } from '../output.js';
import { CLEAN_OPTIONS, cleanWorkenvs } from './workenv.js';

async function dirSize(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = `${dir}/${entry.name}`;
    if (entry.isDirectory()) total += await dirSize(p);
    else total += (await fs.lstat(p)).size;
  }
  return total;
}

export const clean: CommandDefinition = {
  name: 'clean',
  summary:
    'Free disk space: cached workenvs (default), built launchers (--helpers), the pack build cache (--build-cache).',
  args: '',
  minArgs: 0,
  maxArgs: 0,
  options: {
    all: { type: 'boolean', help: 'workenvs, launchers and the build cache' },
    helpers: { type: 'boolean', help: 'remove the built launcher binaries' },
    'build-cache': { type: 'boolean', help: 'remove cached build products (Python runtime slots)' },
    ...CLEAN_OPTIONS,
  },
  async run(ctx, _a, values) {
    const all = flag(values, 'all');
    const helpers = all || flag(values, 'helpers');
    const build = all || flag(values, 'build-cache');
    const workenvs = all || (!helpers && !build);
    const dry = flag(values, 'dry-run');
    let code = 0;
    if (workenvs) code = await cleanWorkenvs(ctx, values);
    if (build) {
      const dir = buildCacheDir(ctx.env);
      const size = await dirSize(dir);
      if (dry) ctx.out.print(`would remove the build cache ${dir} (${formatBytes(size)})`);
      else if (
        await confirm(ctx, `remove the build cache ${dir} (${formatBytes(size)})?`, flag(values, 'yes'))
      ) {
        await fs.rm(dir, { recursive: true, force: true });
        ctx.out.print(`removed the build cache (${formatBytes(size)})`);
      }
    }
    if (helpers) {
      const launchers = await listLaunchers();
      const size = launchers.reduce((s, l) => s + l.size, 0);
      if (dry)
        ctx.out.print(
          `would remove ${launchers.length} launchers from ${LAUNCHER_DIR} (${formatBytes(size)})`,
        );
      else if (
        launchers.length &&
        (await confirm(
          ctx,
          `remove ${launchers.length} launchers (${formatBytes(size)})?`,
          flag(values, 'yes'),
        ))
      ) {
        for (const l of launchers) await fs.rm(l.path, { force: true });
        ctx.out.print(`removed ${launchers.length} launchers (${formatBytes(size)})`);
      }
    }
    return code;
  },
};

// Python packaging benchmarks (examples/hello and examples/cli): pack time with a cold and a warm build
// cache, package size, first run with an empty workenv cache, and warm run against the same packaged
// interpreter run directly (same command line, no launcher) in the same run.

import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from './payload.bench.js';
import { alternate, timeRun } from './timing.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FLAVOR = join(ROOT, 'bin', 'flavor.js');
const round = (n: number) => Math.round(n * 1000) / 1000;

function flavor(args: string[], env: NodeJS.ProcessEnv): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [FLAVOR, ...args], { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`flavor ${args.join(' ')} failed: ${r.stderr}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

async function benchApp(app: string, runs: number, dir: string): Promise<BenchResult[]> {
  const project = join(dir, app);
  cpSync(join(ROOT, 'examples', app), project, {
    recursive: true,
    filter: (p) => !/\/(dist|build)$/.test(p),
  });
  const buildCache = join(dir, `build-cache-${app}`);
  const env = { ...process.env, FLAVOR_BUILD_CACHE: buildCache, SOURCE_DATE_EPOCH: '1767225600' };
  const manifest = join(project, 'pyproject.toml');
  const out = join(dir, `${app}.psp`);
  const args = ['pack', '--manifest', manifest, '--output', out, '--key-seed', 'bench', '--quiet'];
  const coldPack = flavor(args, env);
  const warmPack = flavor(args, env);
  const size = statSync(out).size;
  const cacheEnv = (name: string) => ({ ...process.env, FLAVOR_CACHE: join(dir, name) });
  const firstRuns: number[] = [];
  for (let i = 0; i < Math.max(3, Math.floor(runs / 5)); i++) {
    const env1 = cacheEnv(`first-${app}-${i}`);
    firstRuns.push(timeRun(out, ['--help'], env1));
    rmSync(env1.FLAVOR_CACHE!, { recursive: true, force: true });
  }
  const warmEnv = cacheEnv(`warm-${app}`);
  timeRun(out, ['--help'], warmEnv);
  const workenvs = join(warmEnv.FLAVOR_CACHE!, 'workenv');
  const id = readdirSync(workenvs)
    .find((n) => n.endsWith('.ready'))!
    .replace(/\.ready$/, '');
  const meta = JSON.parse(
    spawnSync(process.execPath, [FLAVOR, 'inspect', out, '--json'], { encoding: 'utf8' }).stdout,
  ) as {
    execution: { command: string };
  };
  const workenv = join(workenvs, id);
  const words = meta.execution.command.replaceAll('{workenv}', workenv).split(' ');
  const s = alternate(
    {
      direct: { cmd: words[0]!, args: [...words.slice(1), '--help'], env: warmEnv },
      packaged: { cmd: out, args: ['--help'], env: warmEnv },
    },
    runs,
  );
  const first = [...firstRuns].sort((a, b) => a - b)[Math.floor((firstRuns.length - 1) / 2)]!;
  return [
    { name: `python.${app}.pack_cold`, unit: 'ms', value: round(coldPack) },
    {
      name: `python.${app}.pack_warm`,
      unit: 'ms',
      value: round(warmPack),
      baseline: { name: 'pack cold', value: round(coldPack) },
      ratio: round(warmPack / coldPack),
    },
    { name: `python.${app}.size`, unit: 'MiB', value: round(size / 1024 / 1024), extra: { bytes: size } },
    { name: `python.${app}.first_run`, unit: 'ms', value: round(first), extra: { runs: firstRuns.length } },
    {
      name: `python.${app}.warm_overhead`,
      unit: 'ms',
      value: round(s.packaged!.median - s.direct!.median),
      baseline: { name: 'same interpreter and command run directly', value: round(s.direct!.median) },
      ratio: round(s.packaged!.median / s.direct!.median),
      extra: {
        packaged_median_ms: round(s.packaged!.median),
        p10: round(s.packaged!.p10),
        p90: round(s.packaged!.p90),
        runs: s.packaged!.runs,
      },
    },
  ];
}

export async function benchPython(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'flavor-bench-python-'));
  try {
    const runs = Number(process.env.FLAVOR_BENCH_RUNS ?? 30);
    const apps = (process.env.FLAVOR_BENCH_APPS ?? 'hello,cli').split(',').filter(Boolean);
    const results: BenchResult[] = [];
    for (const app of apps) results.push(...(await benchApp(app, runs, dir)));
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

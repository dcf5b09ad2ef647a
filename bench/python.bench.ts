// Python packaging benchmarks (examples/hello and examples/cli): pack time with a cold and a warm build
// cache, package size, first run with an empty workenv cache, and warm run against the same packaged
// interpreter run directly (same command line, no launcher) in the same run.

import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from './payload.bench.js';
import { alternate, type Sample, timeRun } from './timing.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FLAVOR = join(ROOT, 'bin', 'flavor.js');
const round = (n: number) => Math.round(n * 1000) / 1000;

function flavor(args: string[], env: NodeJS.ProcessEnv): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [FLAVOR, ...args], { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`flavor ${args.join(' ')} failed: ${r.stderr}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** The launcher's overhead: packaged run minus the same command run directly, from one alternating sample. */
function overhead(name: string, baseline: string, s: Record<string, Sample>): BenchResult {
  const packaged = s.packaged!;
  const direct = s.direct!;
  return {
    name,
    unit: 'ms',
    value: round(packaged.median - direct.median),
    baseline: { name: baseline, value: round(direct.median) },
    ratio: round(packaged.median / direct.median),
    extra: {
      packaged_median_ms: round(packaged.median),
      p10: round(packaged.p10),
      p90: round(packaged.p90),
      runs: packaged.runs,
    },
  };
}

/** The workenv folder in a cache that holds exactly one installed package. */
function onlyWorkenv(cache: string): string {
  const workenvs = join(cache, 'workenv');
  const marker = readdirSync(workenvs).find((n) => n.endsWith('.ready'));
  if (!marker) throw new Error(`no installed workenv in ${workenvs}`);
  return join(workenvs, marker.replace(/\.ready$/, ''));
}

/** Splits a command line on spaces, honouring double quotes (enough for the commands flavor writes). */
function splitCommand(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

/** The interpreter to package: FLAVOR_BENCH_PYTHON, else pyenv's 3.11.7 when present, else discovery. */
function pythonArgs(): string[] {
  const root = spawnSync('pyenv', ['root'], { encoding: 'utf8' }).stdout?.trim();
  const candidate =
    process.env.FLAVOR_BENCH_PYTHON ?? (root ? join(root, 'versions', '3.11.7', 'bin', 'python3.11') : '');
  return candidate && existsSync(candidate) ? ['--python', candidate] : [];
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
  const args = [
    'pack',
    '--manifest',
    manifest,
    '--output',
    out,
    '--key-seed',
    'bench',
    '--quiet',
    ...pythonArgs(),
  ];
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
  const workenv = onlyWorkenv(warmEnv.FLAVOR_CACHE!);
  const meta = JSON.parse(
    spawnSync(process.execPath, [FLAVOR, 'inspect', out, '--json'], { encoding: 'utf8' }).stdout,
  ) as {
    execution: { command: string };
  };
  const words = splitCommand(meta.execution.command.replaceAll('{workenv}', workenv));
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
    overhead(`python.${app}.warm_overhead`, 'same interpreter and command run directly', s),
  ];
}

/**
 * Warm start of a package whose command is the packaged interpreter printing nothing
 * (`python3 -I -c pass`), against that same extracted interpreter run directly. The slots are taken
 * from the hello package with `flavor extract-all`, so the runtime is the real one.
 */
async function benchInterpreter(hello: string, runs: number, dir: string): Promise<BenchResult[]> {
  const slots = join(dir, 'interp-slots');
  flavor(['extract-all', hello, slots], process.env);
  const manifest = join(dir, 'interp.json');
  writeFileSync(
    manifest,
    JSON.stringify({
      package: { name: 'interp', version: '1.0.0' },
      execution: { command: '{workenv}/bin/python3 -I -c pass' },
      slots: [
        { id: 'runtime', source: 'interp-slots/00-runtime', target: '{workenv}', operations: 'tar.zst' },
      ],
    }),
  );
  const pkg = join(dir, 'interp.psp');
  flavor(['pack', '--manifest', manifest, '--output', pkg, '--key-seed', 'bench', '--quiet'], process.env);
  const env = { ...process.env, FLAVOR_CACHE: join(dir, 'interp-cache') };
  timeRun(pkg, [], env);
  const python = join(onlyWorkenv(env.FLAVOR_CACHE), 'bin', 'python3');
  const s = alternate(
    {
      direct: { cmd: python, args: ['-I', '-c', 'pass'], env },
      packaged: { cmd: pkg, args: [], env },
    },
    runs,
  );
  return [
    overhead('python.interpreter.warm_overhead', 'packaged interpreter run directly (python3 -I -c pass)', s),
  ];
}

export async function benchPython(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'flavor-bench-python-'));
  try {
    const runs = Number(process.env.FLAVOR_BENCH_RUNS ?? 30);
    const apps = (process.env.FLAVOR_BENCH_APPS ?? 'hello,cli').split(',').filter(Boolean);
    const results: BenchResult[] = [];
    for (const app of apps) results.push(...(await benchApp(app, runs, dir)));
    if (apps.includes('hello')) results.push(...(await benchInterpreter(join(dir, 'hello.psp'), runs, dir)));
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

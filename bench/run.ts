// `npm run bench`: runs every benchmark group and writes one result file
// (bench/results/<date>-<host>.json) in one format; `npm run bench:compare A B` prints the ratios.
// Groups: FLAVOR_BENCH=payload,launcher,lazy,python,runtime (default all; runtime builds the portable
// CPython from scratch, about 10 minutes per target on 2 cores). Sizes: FLAVOR_BENCH_MB, FLAVOR_BENCH_BIG_MB,
// FLAVOR_BENCH_COLD_MB; repetitions: FLAVOR_BENCH_RUNS.

import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VERSION } from '../src/version.js';
import { benchLauncher } from './launcher.bench.js';
import { benchLazy } from './lazy.bench.js';
import { type BenchResult, benchPayload } from './payload.bench.js';
import { benchPython } from './python.bench.js';
import { benchRuntime } from './runtime.bench.js';

const GROUPS: Record<string, () => Promise<BenchResult[]>> = {
  payload: benchPayload,
  launcher: benchLauncher,
  lazy: benchLazy,
  python: benchPython,
  runtime: benchRuntime,
};

function tool(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8' }).split('\n')[0]!.trim();
  } catch {
    return 'not found';
  }
}

export function formatResult(r: BenchResult): string {
  const base = r.baseline ? `  vs ${r.baseline.name}: ${r.baseline.value} ${r.unit}` : '';
  const ratio = r.ratio === undefined ? '' : `  (ratio ${r.ratio})`;
  return `${r.name.padEnd(40)} ${String(r.value).padStart(10)} ${r.unit}${base}${ratio}`;
}

async function main(): Promise<void> {
  const wanted = (process.env.FLAVOR_BENCH ?? Object.keys(GROUPS).join(',')).split(',');
  const results: BenchResult[] = [];
  for (const name of wanted) {
    const group = GROUPS[name];
    if (!group) throw new Error(`unknown benchmark group ${name}`);
    console.error(`== ${name}`);
    for (const r of await group()) {
      results.push(r);
      console.log(formatResult(r));
    }
  }
  const machine = {
    host: os.hostname(),
    cpus: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown'}`,
    memory_gb: Math.round(os.totalmem() / 1024 ** 3),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    go: tool('go', ['version']),
    zstd: tool('zstd', ['--version']),
    tar: tool('tar', ['--version']),
  };
  const doc = { flavorpack: VERSION, date: new Date().toISOString(), machine, groups: wanted, results };
  const dir = fileURLToPath(new URL('results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${doc.date.slice(0, 10)}-${os.hostname().replace(/[^A-Za-z0-9-]/g, '_')}.json`);
  writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  console.error(`results: ${file}`);
}

await main();

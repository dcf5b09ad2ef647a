// Launcher benchmarks: warm-start overhead against running the same command directly, independence of
// package size, cold-start extraction against `zstd -dc | tar -x` / `tar -xzf` of the same slot bytes, the
// share of a cold start spent hashing the stored slot bytes before decoding (the launcher's debug log
// times it), and launcher binary sizes. Packages are built with the real builder and the built host launcher.

import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPackage } from '../src/builder/build.js';
import type { BuildSpec } from '../src/builder/build-spec.js';
import { hostPlatformName, listLaunchers, resolveLauncher } from '../src/builder/launchers.js';
import { signingKeyFromSeedText } from '../src/crypto/keys.js';
import { openPackage } from '../src/reader/open.js';
import type { BenchResult } from './payload.bench.js';
import { alternate, timeRun, timeRunWithStderr } from './timing.js';

const MB = 1024 * 1024;
const key = signingKeyFromSeedText('flavorpack-bench');

async function pack(dir: string, name: string, spec: BuildSpec): Promise<string> {
  const launcherPath = await resolveLauncher(undefined, hostPlatformName(), process.env);
  const output = join(dir, `${name}.psp`);
  await buildPackage(spec, { output, launcherPath, key, toolVersion: 'bench' });
  return output;
}

function fileSpec(name: string, source: string, command: string): BuildSpec {
  return {
    package: { name, version: '1.0.0' },
    execution: { command, env: {}, primarySlot: 0 },
    slots: [
      {
        id: 'data',
        source,
        target: '{workenv}/data.bin',
        operations: 'raw',
        purpose: 'data',
        lifecycle: 'runtime',
      },
    ],
  };
}

/** Warm start of a 1 MB and a big package whose command is /bin/true, against /bin/true itself. */
async function warmStart(dir: string, runs: number): Promise<BenchResult[]> {
  const bigMb = Number(process.env.FLAVOR_BENCH_BIG_MB ?? 500);
  const small = join(dir, 'small.bin');
  writeFileSync(small, randomBytes(1 * MB));
  const big = join(dir, 'big.bin');
  const chunk = randomBytes(8 * MB);
  const fd = openSync(big, 'w');
  for (let i = 0; i < bigMb / 8; i++) writeFileSync(fd, chunk);
  closeSync(fd);
  const smallPkg = await pack(dir, 'warm-small', fileSpec('warm-small', small, '/bin/true'));
  const bigPkg = await pack(dir, 'warm-big', fileSpec('warm-big', big, '/bin/true'));
  rmSync(big);
  const env = { ...process.env, FLAVOR_CACHE: join(dir, 'cache') };
  timeRun(smallPkg, [], env); // first run: install
  timeRun(bigPkg, [], env);
  const s = alternate(
    {
      direct: { cmd: '/bin/true', args: [], env },
      small: { cmd: smallPkg, args: [], env },
      big: { cmd: bigPkg, args: [], env },
    },
    runs,
  );
  const overhead = s.small!.median - s.direct!.median;
  return [
    {
      name: 'launcher.warm_overhead_1MB',
      unit: 'ms',
      value: round(overhead),
      baseline: { name: '/bin/true direct', value: round(s.direct!.median) },
      ratio: round(s.small!.median / s.direct!.median),
      extra: { p10: round(s.small!.p10), p90: round(s.small!.p90), runs: s.small!.runs },
    },
    {
      name: `launcher.warm_overhead_${bigMb}MB`,
      unit: 'ms',
      value: round(s.big!.median - s.direct!.median),
      baseline: { name: 'warm overhead 1 MB', value: round(overhead) },
      extra: {
        difference_ms: round(s.big!.median - s.small!.median),
        p10: round(s.big!.p10),
        p90: round(s.big!.p90),
      },
    },
  ];
}

/** Cold start (empty cache) of a package with one big folder slot, against the CLI extracting the same bytes. */
async function coldStart(dir: string, runs: number): Promise<BenchResult[]> {
  const mb = Number(process.env.FLAVOR_BENCH_COLD_MB ?? 100);
  const tree = join(dir, 'tree');
  mkdirSync(tree);
  const text = Buffer.from(
    'flavorpack benchmark line of text with some repetition 0123456789\n'.repeat(16384),
  );
  for (let i = 0; i * MB < mb * MB; i++) {
    mkdirSync(join(tree, `d${i % 16}`), { recursive: true });
    writeFileSync(
      join(tree, `d${i % 16}`, `f${i}.bin`),
      i % 3 === 0 ? randomBytes(MB) : text.subarray(0, MB),
    );
  }
  const results: BenchResult[] = [];
  const cliCommands: Array<[string, (f: string, out: string) => string]> = [
    ['tar.zst', (f, out) => `zstd -dc < '${f}' | tar -x -C '${out}'`],
    ['tar.gz', (f, out) => `tar -xzf '${f}' -C '${out}'`],
  ];
  for (const [ops, cli] of cliCommands) {
    const pkg = await pack(dir, `cold-${ops}`, {
      package: { name: `cold-${ops.replace('.', '-')}`, version: '1.0.0' },
      execution: { command: '/bin/true', env: {}, primarySlot: 0 },
      slots: [
        {
          id: 'tree',
          source: tree,
          target: '{workenv}',
          operations: ops,
          purpose: 'data',
          lifecycle: 'runtime',
        },
      ],
    });
    const opened = await openPackage(pkg);
    const range = opened.slotRanges[0]!;
    const slotFile = join(dir, `slot.${ops}`);
    const buf = Buffer.alloc(range.size);
    const fd = openSync(pkg, 'r');
    readSync(fd, buf, 0, range.size, range.offset);
    closeSync(fd);
    writeFileSync(slotFile, buf);
    const ours: number[] = [];
    const prehash: number[] = [];
    const theirs: number[] = [];
    for (let i = 0; i < runs; i++) {
      const cache = join(dir, `cold-cache-${i}`);
      const run = timeRunWithStderr(pkg, [], {
        ...process.env,
        FLAVOR_CACHE: cache,
        FLAVOR_LOG_LEVEL: 'debug',
      });
      ours.push(run.ms);
      prehash.push(prehashMs(run.stderr));
      rmSync(cache, { recursive: true, force: true });
      const out = join(dir, `cli-out-${i}`);
      mkdirSync(out);
      theirs.push(timeRun('sh', ['-c', cli(slotFile, out)], process.env));
      rmSync(out, { recursive: true, force: true });
    }
    const o = median(ours);
    const t = median(theirs);
    results.push({
      name: `launcher.cold_start_${ops}`,
      unit: 'ms',
      value: round(o),
      baseline: { name: ops === 'tar.zst' ? 'zstd -dc | tar -x' : 'tar -xzf', value: round(t) },
      ratio: round(o / t),
      extra: { tree_mb: mb, stored_mb: round(range.size / MB), throughput_mb_s: round(mb / (o / 1000)) },
    });
    const h = median(prehash);
    results.push({
      name: `launcher.cold_prehash_${ops}`,
      unit: 'ms',
      value: round(h),
      baseline: { name: `cold start ${ops}`, value: round(o) },
      ratio: round(h / o),
      extra: { stored_mb: round(range.size / MB), hash_mb_s: round(range.size / MB / (h / 1000)) },
    });
  }
  return results;
}

/** Total time the launcher spent hashing stored slot bytes before decoding, from its debug log. */
function prehashMs(stderr: string): number {
  const times = [...stderr.matchAll(/stored bytes hashed before decoding \(\d+ bytes, ([\d.]+) ms\)/g)];
  if (times.length === 0) throw new Error(`the launcher logged no pre-hash time:\n${stderr}`);
  return times.reduce((sum, m) => sum + Number(m[1]), 0);
}

async function binarySizes(): Promise<BenchResult[]> {
  return (await listLaunchers()).map((l) => ({
    name: `launcher.size_${l.platform}`,
    unit: 'MiB',
    value: round(l.size / MB),
    extra: { bytes: l.size },
  }));
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor((v.length - 1) / 2)]!;
const round = (n: number) => Math.round(n * 1000) / 1000;

export async function benchLauncher(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'flavor-bench-launcher-'));
  try {
    const runs = Number(process.env.FLAVOR_BENCH_RUNS ?? 30);
    return [
      ...(await warmStart(dir, runs)),
      ...(await coldStart(dir, Math.max(3, Math.floor(runs / 6)))),
      ...(await binarySizes()),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

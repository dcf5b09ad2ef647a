// Lazy slots (docs/workenv.md "Lazy slots"): the first run (empty cache: verify, install, exec /bin/true) of a
// package with a 200 MB lazy slot that is never requested, against the same package without that slot, run
// alternately in the same process; the ratio should be ~1. As a control, the same 200 MB as an ordinary
// runtime slot (hashed and extracted at install), and one `slot ensure` of the lazy slot. Size:
// FLAVOR_BENCH_LAZY_MB (default 200).

import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPackage } from '../src/builder/build.js';
import type { BuildSpec, SlotSpec } from '../src/builder/build-spec.js';
import { hostPlatformName, resolveLauncher } from '../src/builder/launchers.js';
import { signingKeyFromSeedText } from '../src/crypto/keys.js';
import type { BenchResult } from './payload.bench.js';
import { summarize } from './timing.js';

const MB = 1024 * 1024;
const key = signingKeyFromSeedText('flavorpack-bench');

function spec(name: string, app: string, extra: SlotSpec[]): BuildSpec {
  return {
    package: { name, version: '1.0.0' },
    execution: { command: '/bin/true', env: {}, primarySlot: 0 },
    slots: [
      {
        id: 'app',
        source: app,
        target: '{workenv}/app.bin',
        operations: 'raw',
        purpose: 'code',
        lifecycle: 'runtime',
      },
      ...extra,
    ],
  };
}

async function pack(dir: string, s: BuildSpec): Promise<string> {
  const launcherPath = await resolveLauncher(undefined, hostPlatformName(), process.env);
  const output = join(dir, `${s.package.name}.psp`);
  await buildPackage(s, { output, launcherPath, key, toolVersion: 'bench' });
  return output;
}

/** Wall time of one command with a fresh cache (removed afterwards). */
function coldRun(dir: string, cmd: string, args: string[], env: Record<string, string> = {}): number {
  const cache = join(dir, 'cache');
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, {
    env: { ...process.env, FLAVOR_CACHE: cache, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  rmSync(cache, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return ms;
}

export async function benchLazy(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'flavor-bench-lazy-'));
  try {
    const mb = Number(process.env.FLAVOR_BENCH_LAZY_MB ?? 200);
    const runs = Math.max(3, Math.floor(Number(process.env.FLAVOR_BENCH_RUNS ?? 30) / 3));
    const app = join(dir, 'app.bin');
    writeFileSync(app, randomBytes(1 * MB));
    const data = join(dir, 'data.bin');
    const fd = openSync(data, 'w');
    for (let i = 0; i < mb; i += 8) writeFileSync(fd, randomBytes(8 * MB));
    closeSync(fd);
    const dataSlot = (lifecycle: string): SlotSpec => ({
      id: 'models',
      source: data,
      target: '{workenv}/models.bin',
      operations: 'raw',
      purpose: 'data',
      lifecycle,
    });
    const without = await pack(dir, spec('no-lazy', app, []));
    const lazy = await pack(dir, spec('with-lazy', app, [dataSlot('lazy')]));
    const eager = await pack(dir, spec('with-eager', app, [dataSlot('runtime')]));
    rmSync(data);
    const times: Record<string, number[]> = { without: [], lazy: [], eager: [], ensure: [] };
    for (let i = 0; i < runs + 1; i++) {
      const round = {
        without: coldRun(dir, without, []),
        lazy: coldRun(dir, lazy, []),
        eager: i % 3 === 0 ? coldRun(dir, eager, []) : undefined,
        ensure:
          i % 3 === 0
            ? coldRun(dir, lazy, ['slot', 'ensure', 'models'], { FLAVOR_LAUNCHER_CLI: '1' })
            : undefined,
      };
      if (i === 0) continue; // warm-up round: page cache, binaries
      for (const [k, v] of Object.entries(round)) if (v !== undefined) times[k]!.push(v);
    }
    const s = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, summarize(v)]));
    const r3 = (n: number) => Math.round(n * 1000) / 1000;
    return [
      {
        name: `lazy.first_run_unrequested_${mb}MB`,
        unit: 'ms',
        value: r3(s.lazy!.median),
        baseline: { name: 'first run without the lazy slot', value: r3(s.without!.median) },
        ratio: r3(s.lazy!.median / s.without!.median),
        extra: { p10: r3(s.lazy!.p10), p90: r3(s.lazy!.p90), runs: s.lazy!.runs },
      },
      {
        name: `lazy.first_run_same_${mb}MB_as_runtime_slot`,
        unit: 'ms',
        value: r3(s.eager!.median),
        baseline: { name: 'first run without the slot', value: r3(s.without!.median) },
        ratio: r3(s.eager!.median / s.without!.median),
        extra: { runs: s.eager!.runs },
      },
      {
        name: `lazy.first_slot_ensure_${mb}MB`,
        unit: 'ms',
        value: r3(s.ensure!.median),
        baseline: { name: 'first run without the lazy slot', value: r3(s.without!.median) },
        extra: { runs: s.ensure!.runs, note: 'install + hash + extract of the lazy slot' },
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

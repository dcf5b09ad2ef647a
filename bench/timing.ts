// Small timing helpers shared by the benchmarks: run commands alternately, report median and spread.

import { spawnSync } from 'node:child_process';

export interface Sample {
  median: number;
  p10: number;
  p90: number;
  runs: number;
}

export function summarize(values: number[]): Sample {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1)))]!;
  return { median: at(0.5), p10: at(0.1), p90: at(0.9), runs: sorted.length };
}

/** Wall time of one run in milliseconds; throws if the command fails. */
export function timeRun(cmd: string, args: string[], env: NodeJS.ProcessEnv): number {
  return timeRunWithStderr(cmd, args, env).ms;
}

/** Wall time of one run in milliseconds and what it wrote to stderr; throws if the command fails. */
export function timeRunWithStderr(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): { ms: number; stderr: string } {
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return { ms, stderr: r.stderr };
}

/** Runs every command `runs` times, alternating between them run by run, after `warmup` rounds. */
export function alternate(
  commands: Record<string, { cmd: string; args: string[]; env: NodeJS.ProcessEnv }>,
  runs: number,
  warmup = 3,
): Record<string, Sample> {
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
  for (let i = 0; i < warmup + runs; i++) {
    for (const [name, c] of Object.entries(commands)) {
      const ms = timeRun(c.cmd, c.args, c.env);
      if (i >= warmup) times[name]!.push(ms);
    }
  }
  return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, summarize(v)]));
}

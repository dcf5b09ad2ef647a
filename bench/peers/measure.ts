// Measurement helpers for the peer benchmarks: wall time, peak memory and concurrent first runs.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export { summarize, timeRun } from '../timing.js';

export const GNU_TIME = '/usr/bin/time';

/** How peak memory is measured on this machine (for the doc). */
export function memoryMethod(): string {
  return existsSync(GNU_TIME)
    ? '`/usr/bin/time -f %M`: the largest resident set of any single process of the run (launcher, ' +
        'extractor or Python; `wait4` rusage covers waited-for children), not the sum of the tree'
    : '/proc polling every 5 ms: the largest VmHWM of any single process of the run';
}

/** Peak resident set size in KiB of one run (largest single process of the tree); throws if it fails. */
export async function peakRssKiB(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  if (existsSync(GNU_TIME)) {
    const dir = mkdtempSync(join(tmpdir(), 'flavor-peers-rss-'));
    try {
      const out = join(dir, 'rss');
      const r = spawnSync(GNU_TIME, ['-f', '%M', '-o', out, cmd, ...args], {
        env,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}): ${r.stderr}`);
      return Number(readFileSync(out, 'utf8').trim().split('\n').pop());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return pollRss(cmd, args, env);
}

function children(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(name));
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

async function pollRss(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const child = spawn(cmd, args, { env, stdio: 'ignore' });
  let peak = 0;
  const timer = setInterval(() => {
    const todo = [child.pid!];
    while (todo.length) {
      const pid = todo.pop()!;
      try {
        const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
        if (m) peak = Math.max(peak, Number(m[1]));
        todo.push(...children(pid));
      } catch {
        // gone
      }
    }
  }, 5);
  const code = await new Promise<number | null>((res) => child.on('close', res));
  clearInterval(timer);
  if (code !== 0) throw new Error(`${cmd} failed (${code})`);
  return peak;
}

export interface ConcurrentResult {
  ms: number;
  ok: number;
  failed: number;
  error?: string;
}

/** Starts `n` runs at once (each with env(i)) and waits until all are done. */
export async function concurrentRuns(
  cmd: string,
  args: string[],
  env: (i: number) => NodeJS.ProcessEnv,
  n: number,
): Promise<ConcurrentResult> {
  const start = process.hrtime.bigint();
  const codes = await Promise.all(
    Array.from(
      { length: n },
      (_, i) =>
        new Promise<{ code: number | null; err: string }>((res) => {
          const c = spawn(cmd, args, { env: env(i), stdio: ['ignore', 'ignore', 'pipe'] });
          let err = '';
          c.stderr.on('data', (d: Buffer) => {
            if (err.length < 2000) err += d.toString();
          });
          c.on('error', (e) => res({ code: -1, err: String(e) }));
          c.on('close', (code) => res({ code, err }));
        }),
    ),
  );
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const bad = codes.filter((c) => c.code !== 0);
  return {
    ms,
    ok: n - bad.length,
    failed: bad.length,
    ...(bad.length ? { error: `exit ${bad[0]!.code}: ${bad[0]!.err.trim().slice(0, 300)}` } : {}),
  };
}

/** Total bytes and file count of a file or a directory tree (symlinks not followed). */
export function diskSize(path: string): { bytes: number; files: number } {
  const st = statSync(path);
  if (!st.isDirectory()) return { bytes: st.size, files: 1 };
  let bytes = 0;
  let files = 0;
  for (const e of readdirSync(path, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    bytes += statSync(join(e.parentPath, e.name)).size;
    files++;
  }
  return { bytes, files };
}

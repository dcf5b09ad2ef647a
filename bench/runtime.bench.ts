// The portable runtime's build time (docs/runtime.md): `flavor runtime build` for each target on a
// machine that has the verified sources and zig but has built nothing (a fresh runtime cache, so zig's
// own cache is cold too: what a user's first Linux pack, or a CI run from a fresh clone, pays once).
// Baseline, measured in the same run: a warm `flavor pack` of examples/hello around the runtime just
// built, so the ratio reads "one runtime build costs N packs". Also the runtime tree's size and files.
//
//   FLAVOR_BENCH_RUNTIME_TARGETS  comma-separated (default linux_amd64; linux_arm64 adds the cross build,
//                                 timed after linux_amd64, whose runtime it reuses)
//   FLAVOR_BENCH_RUNTIME_PYTHON   X.Y (default 3.13)

import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listFiles, treeSize } from '../src/python/fsutil.js';
import { isPortableTarget, portableRuntimesDir } from '../src/python/portable/build.js';
import { ensureZig } from '../src/python/portable/zig.js';
import { buildCacheDir, cacheRoot } from '../src/workenv/paths.js';
import type { BenchResult } from './payload.bench.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FLAVOR = join(ROOT, 'bin', 'flavor.js');
const round = (n: number) => Math.round(n * 10) / 10;

function flavorTimed(args: string[], env: NodeJS.ProcessEnv): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [FLAVOR, ...args], { env, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`flavor ${args.join(' ')} failed:\n${r.stderr.slice(-3000)}`);
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** The verified sources of the usual runtime cache, copied so that the timed build downloads nothing. */
function seedSources(into: string): void {
  const usual = portableRuntimesDir(buildCacheDir(process.env), process.env);
  const sources = join(usual, 'sources');
  mkdirSync(join(into, 'sources'), { recursive: true });
  if (!existsSync(sources)) return; // the build downloads and verifies them (network time included)
  for (const name of readdirSync(sources)) {
    if (!name.startsWith('.')) cpSync(join(sources, name), join(into, 'sources', name));
  }
}

/** The published runtime tree of `target` in a runtime cache. */
function runtimeTree(runtimes: string, target: string): string {
  const entry = readdirSync(runtimes).find((n) => n.startsWith('cpython-') && n.includes(`-${target}-`));
  if (!entry) throw new Error(`no ${target} runtime in ${runtimes} after the build`);
  return join(runtimes, entry, 'runtime');
}

/** Median of three warm packs of examples/hello around the runtime just built (one warm-up first). */
function helloPack(dir: string, env: NodeJS.ProcessEnv, python: string): number {
  const project = join(dir, 'hello');
  cpSync(join(ROOT, 'examples', 'hello'), project, {
    recursive: true,
    filter: (p) => !/\/(dist|build)$/.test(p),
  });
  // the version just built, not the newest the recipe knows (which this runtime cache does not hold)
  appendFileSync(join(project, 'pyproject.toml'), `\n[tool.flavor.python]\nversion = "${python}"\n`);
  const args = ['pack', '--manifest', join(project, 'pyproject.toml'), '--output', join(dir, 'hello.psp')];
  const packEnv = { ...env, FLAVOR_BUILD_CACHE: join(dir, 'build-cache') };
  const all = [...args, '--key-seed', 'bench', '--quiet'];
  flavorTimed(all, packEnv);
  const times = [0, 1, 2].map(() => flavorTimed(all, packEnv)).sort((a, b) => a - b);
  return times[1]!;
}

function crossNote(targets: string[]): string {
  return targets.indexOf('linux_amd64') >= 0 &&
    targets.indexOf('linux_amd64') < targets.indexOf('linux_arm64')
    ? 'cross build; reuses the linux_amd64 runtime built before it'
    : 'cross build, including the linux_amd64 runtime it needs (CPython cross builds run a host Python)';
}

export async function benchRuntime(): Promise<BenchResult[]> {
  const python = process.env.FLAVOR_BENCH_RUNTIME_PYTHON ?? '3.13';
  const targets = (process.env.FLAVOR_BENCH_RUNTIME_TARGETS ?? 'linux_amd64').split(',').filter(Boolean);
  for (const t of targets) if (!isPortableTarget(t)) throw new Error(`not a portable runtime target: ${t}`);
  const dir = mkdtempSync(join(tmpdir(), 'flavor-bench-runtime-'));
  try {
    // 1. a runtime cache with only the sources; zig downloaded beforehand (not timed)
    const runtimes = join(dir, 'runtimes');
    seedSources(runtimes);
    await ensureZig(join(cacheRoot(process.env).path, 'tools'), () => {}, process.env);
    const env = { ...process.env, FLAVOR_RUNTIME_CACHE: runtimes };
    // 2. each target built once, timed; then its tree measured (regular files, as `flavor runtime build` reports)
    const builds = targets.map((target) => {
      const load = loadavg()[0]!;
      const seconds = flavorTimed(['runtime', 'build', '--python', python, '--platform', target], env);
      return { target, seconds, load, dir: runtimeTree(runtimes, target) };
    });
    // 3. the baseline: packing hello around the runtime just built
    const pack = helloPack(dir, env, python);
    const trees = await Promise.all(
      builds.map(async (b) => ({ bytes: await treeSize(b.dir), files: (await listFiles(b.dir)).length })),
    );
    return builds.map((b, i) => ({
      name: `runtime.build.${b.target}`,
      unit: 's',
      value: round(b.seconds),
      baseline: { name: 'flavor pack examples/hello (warm, median of 3)', value: round(pack) },
      ratio: round(b.seconds / pack),
      extra: {
        python,
        tree_mib: round(trees[i]!.bytes / 1024 / 1024),
        files: trees[i]!.files,
        zig_cache: 'cold',
        load_average_at_start: round(b.load),
        ...(b.target === 'linux_arm64' ? { note: crossNote(targets) } : {}),
      },
    }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

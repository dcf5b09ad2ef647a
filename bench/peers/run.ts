// `npm run bench:peers`: FlavorPack against the tools users compare it with (PyInstaller onefile and
// onedir, PEX --venv --sh-boot, PEX --scie eager, shiv), on the same apps, the same machine and the same
// Python (pyenv CPython 3.11.7). Writes bench/results/<date>-<machine>-peers.json (BenchResult format, so
// `npm run bench:compare` works on it) and regenerates docs/benchmarks.md and its SVG chart from it.
//
// Environment:
//   FLAVOR_PEERS_RUNS        timed runs per measurement (default 10; each after one warm-up round)
//   FLAVOR_PEERS_BUILD_RUNS  timed builds per tool and app (default 3, after one warm-up build)
//   FLAVOR_PEERS_CONCURRENCY concurrent first runs (default 32)
//   FLAVOR_PEERS_APPS        comma-separated subset of hello,cli,native,poetry
//   FLAVOR_PEERS_QUICK=1     smoke test: 3 runs, 1 build, hello only; writes $TMPDIR/<date>-<machine>-peers.json
//                            and leaves the repository (results, docs) alone
//   FLAVOR_PEERS_TOOLS       comma-separated subset of the tool ids (e.g. flavor,flavor-host,pyinstaller-onefile):
//                            a partial run: its result file goes where quick mode's does
//   FLAVOR_PEERS_PYTHON      the interpreter every tool uses (default $(pyenv root)/versions/3.11.7/bin/python3.11)
//   FLAVOR_PEERS_KEEP=1      keep the work dir (venvs, builds) for inspection

import { execFileSync, spawnSync } from 'node:child_process';
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PYTHON_SOURCES } from '../../src/python/portable/pins.js';
import { VERSION } from '../../src/version.js';
import { PYINSTALLER_OPTIONS } from './apps.js';
import { concurrentRuns, diskSize, memoryMethod, peakRssKiB, summarize, timeRun } from './measure.js';
import { latestPeersResult, writeReport } from './report.js';
import type { AppInfo, BenchResult, NotMeasurable, PeersDoc, ToolInfo } from './types.js';

/** Peer versions, pinned (picked with `pip index versions` on the day the harness was written). */
export const PINS = {
  pyinstaller: '6.22.3',
  'pyinstaller-hooks-contrib': '2026.9',
  pex: '2.105.2',
  shiv: '1.0.8',
} as const;

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FLAVOR = join(ROOT, 'bin', 'flavor.js');
const round = (n: number) => Math.round(n * 10) / 10;
const MiB = 1024 * 1024;

interface AppSpec extends AppInfo {
  dir: string;
  /** Extra PyInstaller options the app needs to run at all (documented options, not tuning). */
  pyinstaller: string[];
}

const APPS: AppSpec[] = [
  {
    id: 'hello',
    description: 'examples/hello: stdlib only (argparse)',
    dir: join(ROOT, 'examples', 'hello'),
    entry: 'hello.cli:main',
    args: ['world'],
    pyinstaller: [],
  },
  {
    id: 'cli',
    description: 'examples/cli: click + rich (pure Python, 5 distributions)',
    dir: join(ROOT, 'examples', 'cli'),
    entry: 'flavor_cli_demo.main:cli',
    args: ['--count', '1'],
    pyinstaller: [],
  },
  {
    id: 'native',
    description: "examples/native: PyYAML's libyaml C extension",
    dir: join(ROOT, 'examples', 'native'),
    entry: 'native_demo.app:main',
    args: [],
    pyinstaller: [],
  },
  {
    id: 'poetry',
    description:
      'bench/peers/apps/poetry: Poetry 2.5.1 from PyPI (~55 distributions, ~2,000 .py files, ' +
      'native extensions in cryptography, rapidfuzz, msgpack, dulwich, charset-normalizer)',
    dir: join(ROOT, 'bench', 'peers', 'apps', 'poetry'),
    entry: 'poetry.console.application:main',
    args: ['--version'],
    pyinstaller: PYINSTALLER_OPTIONS.poetry!,
  },
];

interface Tool extends ToolInfo {
  /** Builds the app into `out` (a fresh dir); returns the path to run. */
  buildApp(app: AppSpec, project: string, entryScript: string, out: string, log: string): string;
  /** Environment pointing the tool's extraction cache at `cache`. */
  env(cache: string): NodeJS.ProcessEnv;
  /** Where the output's size is measured (file or dir). */
  sizePath(exe: string): string;
}

function sh(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; log?: string } = {}) {
  const r = spawnSync(cmd, args, {
    env: opts.env ?? process.env,
    cwd: opts.cwd,
    encoding: 'utf8',
    maxBuffer: 256 * MiB,
  });
  if (opts.log) writeFileSync(opts.log, `$ ${cmd} ${args.join(' ')}\n${r.stdout}\n${r.stderr}\n`);
  if (r.status !== 0) {
    const tail = `${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-8).join('\n');
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}):\n${tail}`);
  }
  return r.stdout;
}

/** Adds `[tool.flavor.python] version = "X.Y"` to a copied project (unless it already names its Python). */
function askForPython(pyproject: string, minor: string): void {
  const text = readFileSync(pyproject, 'utf8');
  if (/^\[tool\.flavor\.python\]/m.test(text)) return;
  appendFileSync(pyproject, `\n[tool.flavor.python]\nversion = "${minor}"\n`);
}

function copyProject(src: string, dst: string): string {
  cpSync(src, dst, { recursive: true, filter: (p) => !/\/(dist|build|[^/]*\.egg-info)$/.test(p) });
  return dst;
}

async function main(): Promise<void> {
  const quick = process.env.FLAVOR_PEERS_QUICK === '1';
  // A subset of the tools is a partial run: like quick mode, it never replaces the committed results.
  const partial = quick || process.env.FLAVOR_PEERS_TOOLS !== undefined;
  const runs = Number(process.env.FLAVOR_PEERS_RUNS ?? (quick ? 3 : 10));
  const buildRuns = Number(process.env.FLAVOR_PEERS_BUILD_RUNS ?? (quick ? 1 : 3));
  const concurrency = Number(process.env.FLAVOR_PEERS_CONCURRENCY ?? 32);
  const wanted = (process.env.FLAVOR_PEERS_APPS ?? (quick ? 'hello' : APPS.map((a) => a.id).join(',')))
    .split(',')
    .filter(Boolean);
  const apps = wanted.map((id) => {
    const a = APPS.find((x) => x.id === id);
    if (!a) throw new Error(`unknown app ${id} (known: ${APPS.map((x) => x.id).join(', ')})`);
    return a;
  });
  const pyenvRoot = process.env.PYENV_ROOT ?? join(os.homedir(), '.pyenv');
  const PY = process.env.FLAVOR_PEERS_PYTHON ?? join(pyenvRoot, 'versions', '3.11.7', 'bin', 'python3.11');
  if (!existsSync(PY)) throw new Error(`no interpreter at ${PY} (set FLAVOR_PEERS_PYTHON)`);
  const pyBin = dirname(PY);
  const pyVersion = sh(PY, ['-c', 'import sys; print(sys.version.split()[0])']).trim();
  const work = mkdtempSync(join(os.tmpdir(), 'flavor-peers-'));
  const log = (msg: string) => console.error(`[peers ${new Date().toISOString().slice(11, 19)}] ${msg}`);
  log(`work dir ${work}; python ${PY} (${pyVersion}); runs ${runs}, builds ${buildRuns}`);
  const loadStart = os.loadavg().map((x) => Math.round(x * 100) / 100);

  // Every run: the same environment, with the benchmark interpreter first on PATH (pex --sh-boot looks
  // for python3.11 on PATH on its first run; pyenv shims would add ~50 ms of bash to it).
  const baseEnv: NodeJS.ProcessEnv = { ...process.env, PATH: `${pyBin}:${process.env.PATH ?? ''}` };
  // A user's normal environment: none of this machine's PYTHON* settings (PYTHONDONTWRITEBYTECODE would
  // stop shiv's extracted site-packages from ever getting a bytecode cache) and no tool caches.
  for (const k of Object.keys(baseEnv))
    if (/^PYTHON/.test(k) || ['VIRTUAL_ENV', 'PEX_ROOT', 'SHIV_ROOT', 'FLAVOR_CACHE'].includes(k))
      delete baseEnv[k];

  // 0. FlavorPack as this checkout is: `bin/flavor.js` runs dist/ and embeds dist/launchers, so both are
  //    rebuilt first (a stale dist/ would measure older code under today's commit).
  log('building this checkout (tsc, host launcher)');
  sh('npx', ['tsc', '-p', join(ROOT, 'tsconfig.json')], { cwd: ROOT });
  sh(process.execPath, [FLAVOR, 'helpers', 'build', '--force'], { cwd: ROOT });

  // 1. the peers, pinned, in a throw-away venv
  const tools = join(work, 'tools');
  log('installing pex and shiv');
  sh(PY, ['-m', 'venv', tools]);
  sh(join(tools, 'bin', 'pip'), ['install', '-q', `pex==${PINS.pex}`, `shiv==${PINS.shiv}`]);
  const pipVersion = sh(join(tools, 'bin', 'pip'), ['--version']).split(' ')[1]!;
  const pexBuildRoot = join(work, 'pex-build-root');
  // A clean host interpreter: an empty venv of PY. This machine's base site-packages has a sandbox .pth
  // file that adds ~40 ms to every start of the base interpreter; a venv does not read it. shiv's shebang
  // and the `python -c pass` floor use it (the baseline venv and PEX's venv are venvs anyway).
  const pyMinor = pyVersion.split('.').slice(0, 2).join('.');
  const hostPy = join(work, 'host-python', 'bin', `python${pyMinor}`);
  sh(PY, ['-m', 'venv', '--without-pip', join(work, 'host-python')]);
  const notMeasurable: NotMeasurable[] = [];
  const results: BenchResult[] = [];

  // FlavorPack's default runtime on Linux is its portable CPython; when the recipe builds the benchmark
  // Python's X.Y, the default row asks for that version ([tool.flavor.python]), so that every row runs
  // the same Python version and `flavor` vs `flavor-host` compares only the runtime's build.
  const samePortable = pyMinor in PYTHON_SOURCES ? pyMinor : undefined;
  log(
    samePortable
      ? `flavor: the portable CPython ${PYTHON_SOURCES[samePortable]!.version} (same X.Y as ${pyVersion})`
      : `flavor: the portable runtime's default version (no recipe for ${pyMinor})`,
  );

  /** FlavorPack with its default runtime source, or with extra `pack` options (e.g. the host interpreter). */
  const flavorTool = (id: string, label: string, build: string, extra: string[], minor?: string): Tool => ({
    id,
    label,
    version: `${VERSION} (${gitCommit()})`,
    build,
    cache: 'FLAVOR_CACHE (default ~/.cache/flavor): extracted once, then reused',
    needsPython: false,
    buildApp: (_app, project, _entry, out, logFile) => {
      if (minor) askForPython(join(project, 'pyproject.toml'), minor);
      const exe = join(out, 'app.psp');
      const args = ['pack', '--manifest', join(project, 'pyproject.toml'), '--output', exe, ...extra];
      sh(process.execPath, [FLAVOR, ...args, '--key-seed', 'bench', '--quiet'], { log: logFile });
      return exe;
    },
    env: (cache) => ({ ...baseEnv, FLAVOR_CACHE: cache }),
    sizePath: (exe) => exe,
  });

  const ALL_TOOLS: Tool[] = [
    flavorTool(
      'flavor',
      'FlavorPack',
      `flavor pack --manifest <app>/pyproject.toml --key-seed bench --quiet${samePortable ? ` ([tool.flavor.python] version = "${samePortable}")` : ''}`,
      [],
      samePortable,
    ),
    flavorTool(
      'flavor-host',
      'FlavorPack --python (host interpreter)',
      'flavor pack --manifest <app>/pyproject.toml --python <python3.11> --key-seed bench --quiet',
      ['--python', PY],
    ),
    {
      id: 'pyinstaller-onefile',
      label: 'PyInstaller --onefile',
      version: `${PINS.pyinstaller} (hooks-contrib ${PINS['pyinstaller-hooks-contrib']})`,
      build: 'pyinstaller --onefile --noconfirm entry.py (in a venv with the app installed)',
      cache: 'none: extracts to a new _MEIxxxxxx under TMPDIR on every run (TMPDIR pointed at the fresh dir)',
      needsPython: false,
      buildApp: (app, _project, entry, out, logFile) => pyinstaller(app, entry, out, logFile, '--onefile'),
      env: (cache) => ({ ...baseEnv, TMPDIR: cache }),
      sizePath: (exe) => exe,
    },
    {
      id: 'pyinstaller-onedir',
      label: 'PyInstaller --onedir',
      version: `${PINS.pyinstaller} (hooks-contrib ${PINS['pyinstaller-hooks-contrib']})`,
      build: 'pyinstaller --onedir --noconfirm entry.py (in a venv with the app installed)',
      cache: 'none: runs in place from its folder (not a single file)',
      needsPython: false,
      buildApp: (app, _project, entry, out, logFile) => pyinstaller(app, entry, out, logFile, '--onedir'),
      env: (cache) => ({ ...baseEnv, TMPDIR: cache }),
      sizePath: (exe) => dirname(exe),
    },
    {
      id: 'pex',
      label: 'PEX --venv --sh-boot',
      version: PINS.pex,
      build: 'pex <app> -e <module:function> --venv --sh-boot --python <python3.11> -o app.pex',
      cache: 'PEX_ROOT (default ~/.cache/pex): a venv built on first run, then exec’d directly',
      needsPython: true,
      buildApp: (app, project, _entry, out, logFile) => {
        const exe = join(out, 'app.pex');
        sh(
          join(tools, 'bin', 'pex'),
          [project, '-e', app.entry, '--venv', '--sh-boot', '--python', PY, '-o', exe],
          { env: { ...baseEnv, PEX_ROOT: pexBuildRoot }, log: logFile },
        );
        return exe;
      },
      env: (cache) => ({ ...baseEnv, PEX_ROOT: cache }),
      sizePath: (exe) => exe,
    },
    {
      id: 'shiv',
      label: 'shiv',
      version: PINS.shiv,
      build: 'shiv -e <module:function> -p <clean python3.11> -o app.pyz <app>',
      cache: 'SHIV_ROOT (default ~/.shiv): site-packages extracted on first run, then reused',
      needsPython: true,
      buildApp: (app, project, _entry, out, logFile) => {
        const exe = join(out, 'app.pyz');
        sh(join(tools, 'bin', 'shiv'), ['-e', app.entry, '-p', hostPy, '-o', exe, project], {
          env: baseEnv,
          log: logFile,
        });
        return exe;
      },
      env: (cache) => ({ ...baseEnv, SHIV_ROOT: cache }),
      sizePath: (exe) => exe,
    },
  ];
  const onlyTools = process.env.FLAVOR_PEERS_TOOLS?.split(',').filter(Boolean);
  for (const id of onlyTools ?? [])
    if (!ALL_TOOLS.some((t) => t.id === id))
      throw new Error(`unknown tool ${id} (known: ${ALL_TOOLS.map((t) => t.id).join(', ')})`);
  const TOOLS = onlyTools ? ALL_TOOLS.filter((t) => onlyTools.includes(t.id)) : ALL_TOOLS;

  function pyinstaller(app: AppSpec, entry: string, out: string, logFile: string, mode: string): string {
    const venv = join(work, `venv-pyi-${app.id}`);
    sh(
      join(venv, 'bin', 'pyinstaller'),
      [
        mode,
        '--noconfirm',
        '--name',
        'app',
        '--distpath',
        join(out, 'dist'),
        '--workpath',
        join(out, 'work'),
      ].concat(['--specpath', out, ...app.pyinstaller, entry]),
      { env: baseEnv, cwd: out, log: logFile },
    );
    return mode === '--onefile' ? join(out, 'dist', 'app') : join(out, 'dist', 'app', 'app');
  }

  // 2. pex --scie eager: needs a python-build-standalone interpreter and the scie-jump binary from GitHub.
  {
    const project = copyProject(join(ROOT, 'examples', 'hello'), join(work, 'scie-project'));
    const out = join(work, 'scie');
    mkdirSync(out);
    try {
      sh(
        join(tools, 'bin', 'pex'),
        [project, '-e', 'hello.cli:main', '--venv', '--sh-boot', '--scie', 'eager', '--python', PY].concat([
          '-o',
          join(out, 'hello.pex'),
        ]),
        { env: { ...baseEnv, PEX_ROOT: pexBuildRoot }, log: join(work, 'scie.log') },
      );
      // It worked after all (a pre-filled cache, or network): say so instead of silently skipping it.
      notMeasurable.push({
        tool: `pex ${PINS.pex} --scie eager`,
        reason: 'the scie built, but this harness version does not measure it yet',
      });
    } catch (e) {
      const msg = String((e as Error).message);
      const why = /urlopen|Name or service|resolve|download|github|connect/i.test(msg)
        ? 'the build downloads a python-build-standalone CPython and the scie-jump binary from GitHub, ' +
          'which this machine cannot reach'
        : 'the build failed';
      const detail = msg.split('\n').filter(Boolean).slice(-1)[0]?.slice(0, 200) ?? '';
      notMeasurable.push({ tool: `pex ${PINS.pex} --scie eager`, reason: `${why} (pex said: “${detail}”)` });
      log(`pex --scie eager: not measurable: ${detail}`);
    }
  }
  notMeasurable.push(
    {
      tool: 'pyapp, PyOxidizer, scie-jump/science',
      reason:
        'need a Rust build that downloads crates and/or a python-build-standalone interpreter from GitHub ' +
        '(PyOxidizer is also unmaintained since 2023); not measurable offline here',
    },
    {
      tool: 'Nuitka --onefile',
      reason:
        'not in the issue’s list; its onefile build needs a C compiler run per app (minutes for Poetry) — ' +
        'left for a later round',
    },
  );

  // 3. per app: venvs, builds, sizes, runs
  for (const app of apps) {
    log(`== ${app.id}`);
    const appDir = join(work, app.id);
    mkdirSync(appDir, { recursive: true });
    const [mod, fn] = app.entry.split(':');
    const entryScript = join(appDir, 'entry.py');
    writeFileSync(entryScript, `import sys\nfrom ${mod} import ${fn}\nsys.exit(${fn}())\n`);
    // the baseline venv (the app with the host interpreter) and PyInstaller's build venv
    const baseVenv = join(work, `venv-${app.id}`);
    const pyiVenv = join(work, `venv-pyi-${app.id}`);
    // The baseline venv holds only the app and its dependencies (no pip/setuptools and their .pth files),
    // installed by the tools venv's pip.
    sh(PY, ['-m', 'venv', '--without-pip', baseVenv]);
    const basePy = join(baseVenv, 'bin', 'python');
    const baseSrc = copyProject(app.dir, join(appDir, 'src-base'));
    sh(join(tools, 'bin', 'pip'), ['--python', basePy, 'install', '-q', baseSrc], { env: baseEnv });
    sh(PY, ['-m', 'venv', pyiVenv]);
    const pyiSrc = copyProject(app.dir, join(appDir, 'src-pyi'));
    const pyiPins = [
      `pyinstaller==${PINS.pyinstaller}`,
      `pyinstaller-hooks-contrib==${PINS['pyinstaller-hooks-contrib']}`,
    ];
    sh(join(pyiVenv, 'bin', 'pip'), ['install', '-q', pyiSrc, ...pyiPins], { env: baseEnv });

    // builds: one warm-up round, then buildRuns rounds, alternating tools
    const buildTimes: Record<string, number[]> = {};
    const exes: Record<string, string> = {};
    const outs: Record<string, string> = {};
    let live = [...TOOLS];
    for (let round_ = 0; round_ <= buildRuns; round_++) {
      for (const tool of live) {
        const out = join(appDir, `build-${tool.id}-${round_}`);
        mkdirSync(out, { recursive: true });
        const project = copyProject(app.dir, join(out, 'project'));
        const start = process.hrtime.bigint();
        try {
          const exe = tool.buildApp(app, project, entryScript, out, join(out, 'build.log'));
          const ms = Number(process.hrtime.bigint() - start) / 1e6;
          if (round_ > 0 || buildRuns === 0) add(buildTimes, tool.id, ms);
          // keep only the newest build
          if (outs[tool.id]) rmSync(outs[tool.id]!, { recursive: true, force: true });
          exes[tool.id] = exe;
          outs[tool.id] = out;
          mkdirSync(join(appDir, `check-${tool.id}-${round_}`));
          timeRun(exe, app.args, tool.env(join(appDir, `check-${tool.id}-${round_}`)));
          log(`built ${tool.id} in ${(ms / 1000).toFixed(1)} s`);
        } catch (e) {
          notMeasurable.push({ tool: tool.label, app: app.id, reason: firstLines((e as Error).message) });
          log(`${tool.id} failed on ${app.id}: ${firstLines((e as Error).message)}`);
          delete exes[tool.id];
        }
        rmSync(join(appDir, `check-${tool.id}-${round_}`), { recursive: true, force: true });
      }
      live = live.filter((t) => exes[t.id]);
    }
    const flavorValue = (metric: string) =>
      results.find((r) => r.name === `peers.${app.id}.flavor.${metric}`);
    const push = (
      tool: Tool,
      metric: string,
      unit: string,
      value: number,
      extra: BenchResult['extra'] = {},
    ) => {
      const r: BenchResult = {
        name: `peers.${app.id}.${tool.id}.${metric}`,
        unit,
        value: unit === 'MiB' ? Math.round(value * 1000) / 1000 : round(value),
        extra,
      };
      const f = flavorValue(metric);
      if (tool.id !== 'flavor' && f && f.value > 0)
        Object.assign(r, {
          baseline: { name: 'flavor', value: f.value },
          ratio: round((value / f.value) * 1000) / 1000,
        });
      results.push(r);
    };
    const spread = (v: number[]) => {
      const s = summarize(v);
      return { p10: round(s.p10), p90: round(s.p90), runs: s.runs };
    };

    for (const tool of live) {
      const b = buildTimes[tool.id] ?? [];
      push(tool, 'build', 'ms', summarize(b).median, spread(b));
      const size = diskSize(tool.sizePath(exes[tool.id]!));
      push(tool, 'size', 'MiB', size.bytes / MiB, { bytes: size.bytes, files: size.files });
    }

    // first runs with an empty cache: one warm-up round, then `runs` rounds, alternating tools
    const first: Record<string, number[]> = {};
    for (let i = 0; i <= runs; i++) {
      for (const tool of live) {
        const cache = join(appDir, `first-${tool.id}-${i}`);
        mkdirSync(cache);
        const ms = timeRun(exes[tool.id]!, app.args, tool.env(cache));
        if (i > 0) add(first, tool.id, ms);
        rmSync(cache, { recursive: true, force: true });
      }
    }
    // warm runs against a filled cache, with the baselines in the same alternation
    const warmCache = (t: Tool) => join(appDir, `warm-${t.id}`);
    for (const tool of live) {
      mkdirSync(warmCache(tool));
      timeRun(exes[tool.id]!, app.args, tool.env(warmCache(tool)));
    }
    const cmds: Record<string, { cmd: string; args: string[]; env: NodeJS.ProcessEnv }> = {
      venv: { cmd: join(baseVenv, 'bin', 'python'), args: [entryScript, ...app.args], env: baseEnv },
      python_pass: { cmd: hostPy, args: ['-c', 'pass'], env: baseEnv },
    };
    for (const tool of live)
      cmds[tool.id] = { cmd: exes[tool.id]!, args: app.args, env: tool.env(warmCache(tool)) };
    const warm: Record<string, number[]> = Object.fromEntries(Object.keys(cmds).map((k) => [k, []]));
    for (let i = 0; i <= runs; i++) {
      for (const [id, c] of Object.entries(cmds)) {
        const ms = timeRun(c.cmd, c.args, c.env);
        if (i > 0) warm[id]!.push(ms);
      }
    }
    const venvMedian = summarize(warm.venv!).median;
    results.push(
      {
        name: `peers.${app.id}.baseline.venv_run`,
        unit: 'ms',
        value: round(venvMedian),
        extra: {
          what: 'venv/bin/python entry.py (host python3.11, the app pip-installed)',
          ...spread(warm.venv!),
        },
      },
      {
        name: `peers.${app.id}.baseline.python_pass`,
        unit: 'ms',
        value: round(summarize(warm.python_pass!).median),
        extra: {
          what: 'python3.11 -c pass (an empty venv of the same interpreter)',
          ...spread(warm.python_pass!),
        },
      },
    );
    for (const tool of live) {
      push(tool, 'first_run', 'ms', summarize(first[tool.id]!).median, spread(first[tool.id]!));
      const w = summarize(warm[tool.id]!);
      push(tool, 'warm_run', 'ms', w.median, spread(warm[tool.id]!));
      const over: BenchResult = {
        name: `peers.${app.id}.${tool.id}.warm_overhead`,
        unit: 'ms',
        value: round(w.median - venvMedian),
        baseline: {
          name: `the same app in a venv with the host python${pyVersion}`,
          value: round(venvMedian),
        },
        ratio: round((w.median / venvMedian) * 1000) / 1000,
      };
      results.push(over);
    }

    // concurrent first runs against one empty cache
    for (const tool of live) {
      const cache = join(appDir, `conc-${tool.id}`);
      mkdirSync(cache);
      const c = await concurrentRuns(exes[tool.id]!, app.args, () => tool.env(cache), concurrency);
      push(tool, 'concurrent_first_runs', 'ms', c.ms, {
        n: concurrency,
        ok: c.ok,
        failed: c.failed,
        ...(c.error ? { error: c.error } : {}),
      });
      rmSync(cache, { recursive: true, force: true });
      log(`${tool.id}: ${concurrency} concurrent first runs: ${c.ok} ok in ${(c.ms / 1000).toFixed(2)} s`);
    }

    // peak memory: 3 first runs (fresh cache) and 3 warm runs each, alternating
    const rssFirst: Record<string, number[]> = {};
    const rssWarm: Record<string, number[]> = {};
    for (let i = 0; i < 3; i++) {
      for (const tool of live) {
        const cache = join(appDir, `rss-${tool.id}-${i}`);
        mkdirSync(cache);
        add(rssFirst, tool.id, await peakRssKiB(exes[tool.id]!, app.args, tool.env(cache)));
        rmSync(cache, { recursive: true, force: true });
        add(rssWarm, tool.id, await peakRssKiB(exes[tool.id]!, app.args, tool.env(warmCache(tool))));
      }
    }
    for (const tool of live) {
      push(tool, 'peak_rss_first', 'MiB', summarize(rssFirst[tool.id]!).median / 1024, { runs: 3 });
      push(tool, 'peak_rss_warm', 'MiB', summarize(rssWarm[tool.id]!).median / 1024, { runs: 3 });
    }
    for (const r of results.filter((x) => x.name.startsWith(`peers.${app.id}.`)))
      console.log(`${r.name.padEnd(52)} ${String(r.value).padStart(10)} ${r.unit}`);
  }

  // 4. the result file and the doc (compared with the newest earlier result file: the "before" of the report)
  const date = new Date().toISOString();
  const before = latestPeersResult();
  const host = os.hostname().replace(/[^A-Za-z0-9-]/g, '_');
  const doc: PeersDoc = {
    kind: 'peers',
    flavorpack: VERSION,
    commit: gitCommit(),
    date,
    machine: {
      host,
      cpus: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown'}`,
      memory_gb: Math.round(os.totalmem() / 1024 ** 3),
      os: `${os.type()} ${os.release()} ${os.arch()}`,
      libc: firstLine(() => execFileSync('ldd', ['--version'], { encoding: 'utf8' })),
      node: process.version,
      pip: pipVersion,
    },
    python: `CPython ${pyVersion} (${PY})`,
    settings: { runs, build_runs: buildRuns, concurrency, quick, memory: memoryMethod() },
    load: { start: loadStart, end: os.loadavg().map((x) => Math.round(x * 100) / 100) },
    tools: TOOLS.map(({ id, label, version, build, cache, needsPython }) => ({
      id,
      label,
      version,
      build,
      cache,
      needsPython,
    })),
    apps: apps.map(({ id, description, args, entry, pyinstaller }) => ({
      id,
      description,
      args,
      entry,
      pyinstaller,
    })),
    not_measurable: notMeasurable,
    results,
    ...(before ? { compared_with: basename(before) } : {}),
  };
  // quick mode or a subset of the tools: next to the work dir (which is removed), never in the repository
  const outDir = partial ? os.tmpdir() : join(ROOT, 'bench', 'results');
  mkdirSync(outDir, { recursive: true });
  const file = process.env.FLAVOR_PEERS_OUT ?? join(outDir, `${date.slice(0, 10)}-${host}-peers.json`);
  writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  log(`results: ${file}`);
  if (!partial && !process.env.FLAVOR_PEERS_OUT) {
    const written = writeReport(file);
    log(`wrote ${written.join(', ')}`);
  }
  if (process.env.FLAVOR_PEERS_KEEP !== '1') rmSync(work, { recursive: true, force: true });
}

function add(map: Record<string, number[]>, key: string, value: number): void {
  map[key] = [...(map[key] ?? []), value];
}

function firstLines(msg: string): string {
  return msg
    .split('\n')
    .filter(Boolean)
    .slice(0, 1)
    .concat(msg.split('\n').filter(Boolean).slice(-2))
    .join(' … ')
    .slice(0, 400);
}

function firstLine(f: () => string): string {
  try {
    return f().split('\n')[0]!.trim();
  } catch {
    return 'unknown';
  }
}

function gitCommit(): string {
  const head = firstLine(() =>
    execFileSync('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }),
  );
  const dirty = firstLine(() =>
    execFileSync('git', ['-C', ROOT, 'status', '--porcelain', '--untracked-files=no', 'src', 'launcher'], {
      encoding: 'utf8',
    }),
  );
  return dirty ? `${head}+dirty` : head;
}

await main();

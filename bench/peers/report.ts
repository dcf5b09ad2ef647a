// Turns a peer result file (bench/results/*-peers.json) into docs/benchmarks.md and an SVG chart.
// Pure functions (renderMarkdown, renderSvg) plus writeReport(); `tsx bench/peers/report.ts [file]`
// regenerates the doc from the newest (or the given) result file. Nobody edits the doc by hand.

import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PYINSTALLER_OPTIONS } from './apps.js';
import type { BenchResult, Metric, PeersDoc } from './types.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Columns of the per-app table, in order; every metric is "lower is better". */
const COLUMNS: { metric: Metric; title: string }[] = [
  { metric: 'size', title: 'size' },
  { metric: 'build', title: 'build' },
  { metric: 'first_run', title: 'first run (empty cache)' },
  { metric: 'warm_run', title: 'warm run' },
  { metric: 'warm_overhead', title: 'warm − venv' },
  { metric: 'concurrent_first_runs', title: 'N concurrent first runs' },
  { metric: 'peak_rss_first', title: 'peak RSS (first run)' },
  { metric: 'peak_rss_warm', title: 'peak RSS (warm)' },
];

const METRIC_WORDS: Record<string, string> = {
  size: 'is smaller',
  build: 'builds faster',
  first_run: 'is faster on the first run',
  warm_run: 'is faster on a warm run',
  concurrent_first_runs: 'is faster with concurrent first runs',
  peak_rss_first: 'uses less memory on the first run',
  peak_rss_warm: 'uses less memory on a warm run',
};

/** Why a peer can beat FlavorPack on a metric: `<tool>.<metric>`, then `*.<metric>`. */
const WHY: Record<string, string> = {
  'pex.size':
    'PEX does not carry an interpreter: the target needs a Python 3.11 installed. FlavorPack carries a ' +
    'relocatable CPython (about 9 MiB compressed) so the target needs nothing.',
  'shiv.size':
    'shiv does not carry an interpreter: the target needs a Python 3.11 installed. FlavorPack carries a ' +
    'relocatable CPython (about 9 MiB compressed) so the target needs nothing.',
  '*.size':
    'PyInstaller ships only the modules its import analysis found (a trimmed standard library in one ' +
    'compressed PYZ archive); FlavorPack ships the whole standard library (pruned of tests, IDLE and the ' +
    'like: docs/python.md), precompiled, so any import works.',
  'pyinstaller-onedir.first_run':
    'nothing to extract: an onedir build is a folder that is already unpacked (it is not one file).',
  'pyinstaller-onedir.concurrent_first_runs':
    'nothing to extract: an onedir build is a folder that is already unpacked (it is not one file).',
  'pyinstaller-onefile.first_run':
    'it writes a few dozen files: the shared libraries plus two archives (base_library.zip and the PYZ) that ' +
    'Python imports from without unpacking them, holding only the modules its analysis found. FlavorPack’s ' +
    'first run verifies every slot before writing, then writes its whole runtime (the standard library as one ' +
    'zip, the extension modules as files) plus the dependencies (zip-safe ones in one zip, the others as ' +
    'files). PyInstaller pays its cost on every run; FlavorPack once.',
  'pyinstaller-onefile.concurrent_first_runs':
    'each process extracts into its own temp dir, so there is no lock to wait for; FlavorPack’s processes ' +
    'wait for the one that installs the shared cache.',
  'shiv.first_run':
    'the interpreter is the host’s: shiv extracts only site-packages; the standard library is already on disk.',
  'shiv.concurrent_first_runs':
    'the interpreter is the host’s: shiv extracts only site-packages; the standard library is already on disk.',
  'pex.first_run':
    'the interpreter is the host’s: PEX only installs the wheels into a venv; the standard library is ' +
    'already on disk.',
  'pex.concurrent_first_runs':
    'the interpreter is the host’s: PEX only installs the wheels into a venv; the standard library is ' +
    'already on disk.',
  'pyinstaller-onedir.warm_run':
    'its bootloader starts the embedded interpreter in place, with no signature check and no cache lookup, ' +
    'and imports the pure-Python modules from one PYZ archive instead of many files.',
  'pex.warm_run':
    'with --sh-boot a /bin/sh preamble execs the cached venv’s python right away: no signature check, ' +
    'and the interpreter’s standard library comes from the host.',
  'shiv.warm_run':
    'a short Python bootstrap adds the extracted site-packages and calls the entry point; no signature check.',
  '*.warm_run':
    'the packed app starts no launcher process of its own beyond the interpreter, and there is no signature check.',
  '*.build':
    'PyInstaller analyses a venv where the app is already installed: resolving and installing the ' +
    'dependencies is not part of its timed build (it is part of FlavorPack’s, PEX’s and shiv’s).',
  'pex.build':
    'PEX zips the resolved wheels as they are (no interpreter to prepare, no .pyc precompiling, no zstd).',
  'shiv.build':
    'shiv zips the installed site-packages as they are (no interpreter to prepare, no .pyc precompiling, no zstd).',
  '*.peak_rss_first':
    'FlavorPack’s Go launcher decompresses and hashes the slots in its own process before exec’ing Python; ' +
    'its peak (buffers of the zstd decoder) counts when it is larger than Python’s.',
  '*.peak_rss_warm':
    'the peak is the largest single process; a smaller interpreter footprint (fewer modules loaded at ' +
    'start) gives a smaller number.',
};

/** FlavorPack's own rows (the default and its variants, e.g. `flavor-host`): never "a peer". */
export const isOurs = (toolId: string): boolean => toolId === 'flavor' || toolId.startsWith('flavor-');

function why(tool: string, metric: string): string {
  return WHY[`${tool}.${metric}`] ?? WHY[`*.${metric}`] ?? '';
}

const find = (doc: PeersDoc, name: string): BenchResult | undefined =>
  doc.results.find((r) => r.name === name);

function num(v: number, unit: string): string {
  if (unit === 'ms')
    return v >= 10000
      ? `${(v / 1000).toFixed(1)} s`
      : v >= 1000
        ? `${(v / 1000).toFixed(2)} s`
        : `${Math.round(v)} ms`;
  if (unit === 'MiB')
    return v >= 100 ? `${Math.round(v)} MiB` : v >= 1 ? `${v.toFixed(1)} MiB` : `${Math.round(v * 1024)} KiB`;
  return `${v} ${unit}`;
}

/** A value for a sentence: one decimal below 100 ms, so close numbers do not print the same. */
function fine(r: BenchResult): string {
  if (typeof r.extra?.bytes === 'number') return num(r.extra.bytes / 1024 / 1024, 'MiB');
  return r.unit === 'ms' && r.value < 100 ? `${r.value.toFixed(1)} ms` : num(r.value, r.unit);
}

/** One table cell: median, then the p10–p90 spread and extras where they matter. */
export function cell(r: BenchResult | undefined): string {
  if (!r) return '—';
  // sizes: from the exact byte count (the rounded value can print as 0 for a tiny file)
  let s = typeof r.extra?.bytes === 'number' ? num(r.extra.bytes / 1024 / 1024, 'MiB') : num(r.value, r.unit);
  const x = r.extra ?? {};
  if (r.name.endsWith('.warm_overhead')) s = `${r.value >= 0 ? '+' : ''}${Math.round(r.value)} ms`;
  if (typeof x.p10 === 'number' && typeof x.p90 === 'number' && r.unit === 'ms')
    s +=
      r.value >= 1000
        ? ` <sub>${(x.p10 / 1000).toFixed(2)}–${(x.p90 / 1000).toFixed(2)} s</sub>`
        : ` <sub>${Math.round(x.p10)}–${Math.round(x.p90)}</sub>`;
  if (r.name.endsWith('.size') && typeof x.files === 'number' && x.files > 1)
    s += ` <sub>${x.files} files</sub>`;
  if (r.name.endsWith('.concurrent_first_runs')) {
    s += ` <sub>${x.ok}/${x.n} ok</sub>`;
    if (typeof x.failed === 'number' && x.failed > 0) s += ' ⚠';
  }
  return s;
}

const esc = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
const mdEsc = (s: string) => s.replaceAll('|', '\\|');

interface Win {
  tool: string;
  app: string;
  metric: string;
  peer: BenchResult;
  ours: BenchResult;
  clear: boolean;
}

/** Every (app, tool, metric) where a peer's median beats FlavorPack's. */
export function peerWins(doc: PeersDoc): Win[] {
  const wins: Win[] = [];
  for (const app of doc.apps)
    for (const tool of doc.tools) {
      if (isOurs(tool.id)) continue;
      for (const { metric } of COLUMNS) {
        if (metric === 'warm_overhead') continue;
        const ours = find(doc, `peers.${app.id}.flavor.${metric}`);
        const peer = find(doc, `peers.${app.id}.${tool.id}.${metric}`);
        if (!ours || !peer || !(peer.value < ours.value)) continue;
        if (metric === 'concurrent_first_runs' && Number(peer.extra?.failed ?? 0) > 0) continue;
        const p90 = peer.extra?.p90;
        const p10 = ours.extra?.p10;
        const clear =
          typeof p90 === 'number' && typeof p10 === 'number' ? p90 < p10 : peer.value < ours.value * 0.95;
        wins.push({ tool: tool.id, app: app.id, metric, peer, ours, clear });
      }
    }
  return wins;
}

/** Per app, the metrics on which FlavorPack's median is the lowest of all tools. */
export function bestOf(doc: PeersDoc): string[] {
  const out: string[] = [];
  for (const app of doc.apps) {
    const metrics = COLUMNS.filter(({ metric }) => {
      if (metric === 'warm_overhead') return false;
      const ours = find(doc, `peers.${app.id}.flavor.${metric}`);
      if (!ours) return false;
      return doc.tools.every((t) => {
        const r = find(doc, `peers.${app.id}.${t.id}.${metric}`);
        return isOurs(t.id) || !r || r.value > ours.value;
      });
    });
    if (metrics.length)
      out.push(
        `${app.id}: ${metrics.map((m) => (m.metric === 'concurrent_first_runs' ? 'concurrent first runs' : m.title)).join(', ')}`,
      );
  }
  return out;
}

export function svgName(jsonFile: string): string {
  return basename(jsonFile).replace(/\.json$/, '.svg');
}

/** Markdown for docs/benchmarks.md; `jsonPath` and `svgPath` are relative to docs/. */
export function renderMarkdown(doc: PeersDoc, jsonPath: string, svgPath: string, before?: PeersDoc): string {
  const L: string[] = [];
  const label = (id: string) => doc.tools.find((t) => t.id === id)?.label ?? id;
  L.push(
    `<!-- Generated by bench/peers/report.ts from ${basename(jsonPath)} (npm run bench:peers). Do not edit by hand: rerun the harness, or \`npx tsx bench/peers/report.ts\`. -->`,
    '',
    '# Benchmarks: FlavorPack and the tools users compare it with',
    '',
    `Every number on this page comes from one run of the checked-in harness (\`npm run bench:peers\`,`,
    `[bench/peers/](../bench/peers/)) and is copied from [${basename(jsonPath)}](${jsonPath}) by a generator;`,
    'nobody edits the tables. Each peer uses its documented defaults for a fast single-file/folder app; the',
    'only non-default options are those a tool needs for an app to run at all:',
    '',
    ...doc.apps.flatMap((a) => {
      const opts = a.pyinstaller ?? PYINSTALLER_OPTIONS[a.id] ?? [];
      return opts.length ? [`* PyInstaller on ${a.id}: \`${opts.join(' ')}\`.`] : [];
    }),
    '',
    ...(before ? renderBeforeAfter(doc, before) : []),
    '## Machine and versions',
    '',
    `* Date: ${doc.date.slice(0, 16).replace('T', ' ')} UTC, FlavorPack ${doc.flavorpack} (commit ${doc.commit} at the end of the run;`,
    '  the FlavorPack row below shows the commit at its start; `+dirty`: uncommitted changes in src/ or launcher/',
    '  by others working in the same checkout).',
    `* Machine: ${doc.machine.cpus}, ${doc.machine.memory_gb} GB RAM, ${doc.machine.os}, ${doc.machine.libc}, Node ${doc.machine.node}.`,
    `* Interpreter for every tool: ${doc.python}; the same interpreter runs the baselines. pip ${doc.machine.pip}.`,
    `* Load average (1/5/15 min) at the start: ${doc.load.start.join(' / ')}; at the end: ${doc.load.end.join(' / ')}.`,
    '  This is a shared 2-core VM where other work (builds, tests of other engineers) may have been running:',
    '  absolute numbers are noisy, which is why tools alternate run by run and every time has its p10–p90.',
    '* Disk: this VM’s disk writes are slow and its page cache is kept small, so a *first run*, which mostly',
    '  writes the extracted files, is dominated by disk writes and varies a lot (see its p10–p90). The tools that',
    '  write the most pay the most: FlavorPack writes its whole runtime uncompressed (the full standard library,',
    '  precompiled), plus the dependencies. Rerun the harness on your own hardware before quoting first-run times.',
    `* Runs: ${doc.settings.runs} timed runs per time (after one warm-up round), ${doc.settings.build_runs} timed builds per tool (after one warm-up build), ${doc.settings.concurrency} concurrent first runs, peak memory over 3 runs.${doc.settings.quick ? ' **Quick mode (smoke test) — not a real measurement.**' : ''}`,
    '',
    '| tool | version | build command | extraction cache (first run) | needs Python on the target |',
    '| --- | --- | --- | --- | --- |',
  );
  for (const t of doc.tools)
    L.push(
      `| ${t.label} | ${mdEsc(t.version)} | \`${mdEsc(t.build)}\` | ${mdEsc(t.cache)} | ${t.needsPython ? '**yes** (3.11)' : 'no'} |`,
    );
  L.push(
    '',
    '## What is measured',
    '',
    '* **size**: the output file (for PyInstaller --onedir: the whole folder, with its file count).',
    '* **build**: wall time of the build command, median over the timed builds, with warm tool caches (the',
    '  second and later builds: FlavorPack’s runtime cache, pip/uv/PEX caches and PyInstaller’s bincache are',
    '  filled). PEX, shiv and FlavorPack resolve and install the dependencies from PyPI as part of the build;',
    '  PyInstaller runs in a venv where the app and its dependencies were already pip-installed (not timed).',
    '* **first run**: wall time of one run with the tool’s cache pointed at a new, empty directory',
    '  (`FLAVOR_CACHE`, `PEX_ROOT`, `SHIV_ROOT`; PyInstaller --onefile extracts into a new `_MEI…` dir under',
    '  `TMPDIR` on *every* run, so its first and warm runs are the same thing). The package file is in the page',
    '  cache, so this measures extraction work, not disk reads.',
    '* **warm run**: wall time with the cache already filled.',
    '* **warm − venv**: warm run minus the baseline, which is *the same app run by the host interpreter from a',
    '  plain venv where it was pip-installed* (`venv/bin/python entry.py <args>`, the entry script PyInstaller',
    '  freezes). This is what the packaging costs over a normal install. The floor, `python3.11 -c pass`, is given',
    '  under each table.',
    `* **N concurrent first runs**: ${doc.settings.concurrency} runs started at once against one empty cache; time until`,
    '  the last one exits, and how many exited 0.',
    `* **peak RSS**: ${doc.settings.memory}; median of 3 runs.`,
    '* Environment: the harness’s own, minus every `PYTHON*` variable (this machine sets',
    '  `PYTHONDONTWRITEBYTECODE`, which would stop shiv’s extracted files from ever getting a bytecode cache).',
    '  This machine’s base interpreter also reads a sandbox `.pth` file at every start (about 40 ms), so shiv’s',
    '  shebang and the `python -c pass` floor use an empty venv of the same interpreter, which skips it; the',
    '  baseline venv and PEX’s venv skip it too. Only PEX’s *first* run starts the base `python3.11` from `PATH`.',
    '* Cells show the median and, in small print, p10–p90. All tools alternate run by run (tool A, B, C, …, then',
    '  A again), so background load hits them alike.',
    '',
  );

  for (const app of doc.apps) {
    const command = app.args.length ? `\`<app> ${app.args.join(' ')}\`` : '`<app>` (no arguments)';
    L.push(`## ${app.id}`, '', `${app.description}. Command: ${command}.`, '');
    L.push(
      `| tool | ${COLUMNS.map((c) => (c.metric === 'concurrent_first_runs' ? `${doc.settings.concurrency} concurrent first runs` : c.title)).join(' | ')} |`,
      `| --- | ${COLUMNS.map(() => '---:').join(' | ')} |`,
    );
    for (const t of doc.tools) {
      const cells = COLUMNS.map((c) => cell(find(doc, `peers.${app.id}.${t.id}.${c.metric}`)));
      if (cells.every((c) => c === '—')) continue;
      L.push(`| ${isOurs(t.id) ? `**${t.label}**` : t.label} | ${cells.join(' | ')} |`);
    }
    const venv = find(doc, `peers.${app.id}.baseline.venv_run`);
    const pass = find(doc, `peers.${app.id}.baseline.python_pass`);
    L.push('');
    if (venv && pass)
      L.push(
        `Baselines in the same alternation: the app in a venv ${cell(venv)}; \`python3.11 -c pass\` ${cell(pass)}.`,
        '',
      );
    const missing = doc.not_measurable.filter((n) => n.app === app.id);
    for (const n of missing) L.push(`* ${n.tool} could not be measured on ${app.id}: ${n.reason}`);
    if (missing.length) L.push('');
  }

  L.push(
    '## Chart',
    '',
    `![first-run and warm-run times per tool and app](${svgPath})`,
    '',
    'Dark bars: first run with an empty cache; light bars: warm run; whiskers: p10–p90. Each app has its own scale.',
    '',
    '## Where the peers win, and why',
    '',
  );
  const wins = peerWins(doc);
  if (!wins.length) L.push('No peer beats FlavorPack on any median in this run.', '');
  const groups = new Map<string, Win[]>();
  for (const w of wins)
    groups.set(`${w.tool}.${w.metric}`, [...(groups.get(`${w.tool}.${w.metric}`) ?? []), w]);
  for (const [key, ws] of groups) {
    const [tool, metric] = key.split('.') as [string, string];
    const where = ws
      .map((w) => `${w.app} (${fine(w.peer)} vs ${fine(w.ours)}${w.clear ? '' : ', within the noise'})`)
      .join(', ');
    L.push(`* **${label(tool)}** ${METRIC_WORDS[metric] ?? metric}: ${where}. Why: ${why(tool, metric)}`);
  }
  const best = bestOf(doc);
  if (best.length)
    L.push('', 'Where FlavorPack has the lowest median of all tools:', '', ...best.map((b) => `* ${b}`));
  L.push(
    '',
    'What FlavorPack buys with those costs: one file that needs no Python on the target (unlike PEX and shiv),',
    'is extracted once and then reused (unlike PyInstaller --onefile, which extracts on every run), and is',
    'signed: every slot is checked against an Ed25519-signed index before it is used.',
    '',
    '## Not measurable here',
    '',
  );
  const general = doc.not_measurable.filter((n) => !n.app);
  if (!general.length) L.push('Everything in the issue’s list was measured.');
  for (const n of general) L.push(`* **${n.tool}**: ${n.reason}.`);
  L.push(
    '',
    '## Our own micro-benchmarks',
    '',
    '`npm run bench` runs FlavorPack’s own benchmarks (payload, launcher, lazy slots, Python packing, the portable runtime’s build) in one runner and writes',
    '`bench/results/<date>-<host>.json`; `npm run bench:compare -- A.json B.json` prints B/A for every result both',
    'files contain. The peer results above use the same result format (`peers.<app>.<tool>.<metric>`), so',
    '`npm run bench:compare` works on two peer result files too. The peer harness is not part of CI (it takes',
    'about half an hour); its report generator is tested in `test/bench/peers-report.test.ts`.',
    '',
  );
  return L.join('\n');
}

/** Metrics of the before/after table, in order. */
const BEFORE_AFTER: Metric[] = ['first_run', 'warm_run', 'warm_overhead', 'size', 'concurrent_first_runs'];

/**
 * "This run against the earlier one": per app and metric, FlavorPack's median in the earlier result file and
 * in this one (with every FlavorPack variant of this run), PyInstaller --onefile's median in this run, and
 * FlavorPack ÷ PyInstaller --onefile in each run (below 1: FlavorPack is faster or smaller).
 */
export function renderBeforeAfter(doc: PeersDoc, before: PeersDoc): string[] {
  const ours = doc.tools.filter((t) => isOurs(t.id));
  const peer = 'pyinstaller-onefile';
  const ratio = (d: PeersDoc, app: string, m: Metric): string => {
    const f = find(d, `peers.${app}.flavor.${m}`);
    const p = find(d, `peers.${app}.${peer}.${m}`);
    return f && p && p.value > 0 && m !== 'warm_overhead' ? `${(f.value / p.value).toFixed(2)}×` : '—';
  };
  const L = [
    `## This run against the previous one (${before.date.slice(0, 10)}, commit ${before.commit})`,
    '',
    `Earlier result file: [${doc.compared_with}](../bench/results/${doc.compared_with}).`,
    'Ratios are FlavorPack ÷ PyInstaller --onefile within the same run (below 1.00×: FlavorPack is faster or smaller).',
    '',
    `| app | metric | before: FlavorPack | ${ours.map((t) => `now: ${t.label}`).join(' | ')} | now: PyInstaller --onefile | ratio before | ratio now |`,
    `| --- | --- | ---: | ${ours.map(() => '---:').join(' | ')} | ---: | ---: | ---: |`,
  ];
  for (const app of doc.apps)
    for (const m of BEFORE_AFTER) {
      const title = COLUMNS.find((c) => c.metric === m)?.title ?? m;
      const cells = [
        cell(find(before, `peers.${app.id}.flavor.${m}`)),
        ...ours.map((t) => cell(find(doc, `peers.${app.id}.${t.id}.${m}`))),
        cell(find(doc, `peers.${app.id}.${peer}.${m}`)),
        ratio(before, app.id, m),
        ratio(doc, app.id, m),
      ];
      L.push(
        `| ${app.id} | ${m === 'concurrent_first_runs' ? `${doc.settings.concurrency} concurrent first runs` : title} | ${cells.join(' | ')} |`,
      );
    }
  L.push('');
  return L;
}

/**
 * A horizontal bar chart on one log time scale (10 ms … the largest p90): one panel per app, two bars per tool
 * (first run dark, warm run light) with p10–p90 whiskers and the median printed.
 */
export function renderSvg(doc: PeersDoc): string {
  const W = 760;
  const labelW = 170;
  const valueW = 60;
  const barH = 11;
  const rowH = 2 * barH + 8;
  const plotW = W - labelW - valueW - 10;
  const series = ['first_run', 'warm_run'];
  const all = doc.apps.flatMap((a) =>
    doc.tools.flatMap((t) => series.map((m) => find(doc, `peers.${a.id}.${t.id}.${m}`))),
  );
  const top = Math.max(100, ...all.map((r) => Math.max(r?.value ?? 0, Number(r?.extra?.p90 ?? 0))));
  const lo = 1; // log10(10 ms)
  const hi = Math.max(2, Math.ceil(Math.log10(top)));
  const x = (v: number) => labelW + ((Math.log10(Math.max(v, 10)) - lo) / (hi - lo)) * plotW;
  const body: string[] = [];
  let y = 34;
  for (const app of doc.apps) {
    const rows = doc.tools.filter((t) => series.some((m) => find(doc, `peers.${app.id}.${t.id}.${m}`)));
    if (!rows.length) continue;
    body.push(`<text x="10" y="${y + 14}" class="h">${esc(app.id)}</text>`);
    y += 22;
    const y0 = y;
    for (const t of rows) {
      body.push(
        `<text x="${labelW - 8}" y="${y + barH + 4}" class="l" text-anchor="end">${esc(t.label)}</text>`,
      );
      series.forEach((m, i) => {
        const r = find(doc, `peers.${app.id}.${t.id}.${m}`);
        if (!r) return;
        const by = y + i * barH;
        const w = Math.max(1, x(r.value) - labelW);
        const outline = isOurs(t.id) ? ' stroke="#000" stroke-width="0.8"' : '';
        body.push(
          `<rect x="${labelW}" y="${by}" width="${w.toFixed(1)}" height="${barH - 1}" class="${i === 0 ? 'first' : 'warm'}"${outline}/>`,
        );
        const p10 = r.extra?.p10;
        const p90 = r.extra?.p90;
        if (typeof p10 === 'number' && typeof p90 === 'number')
          body.push(
            `<line x1="${x(p10).toFixed(1)}" x2="${x(p90).toFixed(1)}" y1="${by + barH / 2 - 0.5}" y2="${by + barH / 2 - 0.5}" class="w"/>`,
          );
        const tx = x(Math.max(r.value, Number(p90 ?? 0))) + 4;
        body.push(
          `<text x="${tx.toFixed(1)}" y="${by + barH - 2}" class="v">${esc(num(r.value, r.unit))}</text>`,
        );
      });
      y += rowH;
    }
    for (let e = lo; e <= hi; e++) {
      const gx = x(10 ** e).toFixed(1);
      body.push(`<line x1="${gx}" x2="${gx}" y1="${y0 - 2}" y2="${y}" class="g"/>`);
      body.push(
        `<text x="${gx}" y="${y + 10}" class="t" text-anchor="middle">${e < 3 ? `${10 ** e} ms` : `${10 ** (e - 3)} s`}</text>`,
      );
    }
    y += 22;
  }
  const H = y + 6;
  return `${[
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" role="img" aria-labelledby="chart-title">`,
    '<title id="chart-title">First-run and warm-run times per tool and app (FlavorPack peer benchmark)</title>',
    '<style>.h{font-size:14px;font-weight:bold}.l{font-size:11px}.v{font-size:10px;fill:#333}.t{font-size:9px;fill:#666}' +
      '.first{fill:#2b5c8a}.warm{fill:#9cc3e4}.w{stroke:#000;stroke-width:1}.g{stroke:#ccc;stroke-width:0.5}</style>',
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    '<text x="10" y="18" class="h">First run, empty cache (dark) and warm run (light): median, p10–p90 whiskers</text>',
    '<text x="10" y="30" class="t">log time scale; FlavorPack outlined; generated by bench/peers/report.ts</text>',
    ...body,
    '</svg>',
  ].join('\n')}\n`;
}

/** The earlier result file a run names in `compared_with`, when it is in bench/results/. */
export function comparedWith(doc: PeersDoc): PeersDoc | undefined {
  if (!doc.compared_with) return undefined;
  const file = join(ROOT, 'bench', 'results', basename(doc.compared_with));
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as PeersDoc) : undefined;
}

/** Writes docs/benchmarks.md and the SVG next to the JSON; returns the written paths. */
export function writeReport(jsonFile: string): string[] {
  const doc = JSON.parse(readFileSync(jsonFile, 'utf8')) as PeersDoc;
  const before = comparedWith(doc);
  const svg = join(ROOT, 'bench', 'results', svgName(jsonFile));
  const md = join(ROOT, 'docs', 'benchmarks.md');
  writeFileSync(svg, renderSvg(doc));
  writeFileSync(
    md,
    renderMarkdown(doc, relative(join(ROOT, 'docs'), jsonFile), relative(join(ROOT, 'docs'), svg), before),
  );
  return [md, svg];
}

/** The newest bench/results/*-peers.json (names start with the date). */
export function latestPeersResult(): string | undefined {
  const dir = join(ROOT, 'bench', 'results');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('-peers.json'))
    .sort();
  return files.length ? join(dir, files[files.length - 1]!) : undefined;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const file = process.argv[2] ?? latestPeersResult();
  if (!file) throw new Error('no bench/results/*-peers.json yet: run `npm run bench:peers`');
  console.log(`wrote ${writeReport(file).join(', ')}`);
}

// The peer benchmark's result file (bench/results/<date>-<machine>-peers.json). `results` uses the same
// BenchResult format as `npm run bench`, so `npm run bench:compare A B` works on two peer result files.

import type { BenchResult } from '../payload.bench.js';

export type { BenchResult };

/** Metrics measured for every (app, tool) pair; the result name is `peers.<app>.<tool>.<metric>`. */
export const METRICS = [
  'build',
  'size',
  'first_run',
  'warm_run',
  'warm_overhead',
  'concurrent_first_runs',
  'peak_rss_first',
  'peak_rss_warm',
] as const;
export type Metric = (typeof METRICS)[number];

export interface ToolInfo {
  /** Result-name id, e.g. `pyinstaller-onefile`. */
  id: string;
  /** Display name with the options used, e.g. `PyInstaller --onefile`. */
  label: string;
  version: string;
  /** The exact build command (with placeholders), for the doc. */
  build: string;
  /** Where its first run writes, and how the harness points it at a fresh dir. */
  cache: string;
  /** Does the target machine need a Python installed? */
  needsPython: boolean;
}

export interface AppInfo {
  id: string;
  description: string;
  /** The command line each tool's output is run with (after the executable). */
  args: string[];
  entry: string;
  /** Extra PyInstaller options this app needs to run at all. */
  pyinstaller?: string[];
}

export interface NotMeasurable {
  tool: string;
  app?: string;
  reason: string;
}

export interface PeersDoc {
  kind: 'peers';
  flavorpack: string;
  commit: string;
  date: string;
  machine: Record<string, string | number>;
  python: string;
  settings: { runs: number; build_runs: number; concurrency: number; quick: boolean; memory: string };
  load: { start: number[]; end: number[] };
  tools: ToolInfo[];
  apps: AppInfo[];
  not_measurable: NotMeasurable[];
  results: BenchResult[];
  /** The earlier result file (in bench/results/) this run is compared with in the report's before/after table. */
  compared_with?: string;
}

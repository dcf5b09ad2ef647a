// Options an app needs for a tool to produce a working program at all (documented options, not tuning).
// Shared by the harness (run.ts) and the report (report.ts), which lists them in docs/benchmarks.md.

export const PYINSTALLER_OPTIONS: Record<string, string[]> = {
  // Without it the frozen Poetry fails: pbs_installer/versions.json is package data no hook collects.
  poetry: ['--collect-data', 'pbs_installer'],
};

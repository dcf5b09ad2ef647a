// Precompiling Python sources to .pyc for a slot: deterministic bytes, no build paths inside.
// [tool.flavor.build] chooses how: optimization_level (the .opt-N.pyc the interpreter run with -O/-OO
// looks for), and include_sources = false (legacy .pyc next to each module, sources removed: the
// package ships only bytecode).

import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from './exec.js';
import type { Logger } from './types.js';

export interface CompileOptions {
  /** 0 (default), 1 (-O) or 2 (-OO): which .pyc the interpreter will look for. */
  optimizationLevel?: 0 | 1 | 2;
  /** Also write the level-0 .pyc when optimizationLevel > 0 (the runtime: any level may be used). */
  alsoLevel0?: boolean;
  /** Write `mod.pyc` next to `mod.py` and remove the sources that compiled (sources-free slot). */
  sourceless?: boolean;
  onCommand?: (line: string) => void;
}

const INTERPRETER_FLAG = ['', '-O', '-OO'] as const;

/**
 * `python -m compileall` with unchecked-hash .pyc files (valid without mtime checks, reproducible);
 * `ddir` replaces the build path in the code objects (the import system fixes co_filename at run time).
 * The level comes from the interpreter flag (-O/-OO), which compileall of every Python ≥ 3.8 follows.
 * PYTHONHASHSEED is fixed: before Python 3.11 marshal writes frozenset constants in hash order. That is
 * why this runs with -s and an explicit environment rather than -I (whose -E would ignore the seed).
 * Errors (e.g. files with Python-2 syntax in a dependency) become a warning: pip behaves the same way.
 */
export async function compileTree(
  python: string,
  dir: string,
  ddir: string,
  log: Logger,
  options: CompileOptions = {},
): Promise<void> {
  const level = options.optimizationLevel ?? 0;
  const levels = options.alsoLevel0 && level > 0 ? [0, level] : [level];
  for (const l of levels) {
    const flag = INTERPRETER_FLAG[l] ?? '';
    const result = await run(
      python,
      [
        '-s',
        // compileall writes the tree's bytecode whatever -B says; -B only stops the interpreter caching
        // compileall's own imports beside them (in a portable runtime's cache, which is never modified)
        '-B',
        ...(flag ? [flag] : []),
        '-m',
        'compileall',
        '-q',
        '-f',
        '-j0',
        ...(options.sourceless ? ['-b'] : []),
        '--invalidation-mode',
        'unchecked-hash',
        '-d',
        ddir,
        dir,
      ],
      { env: { SOURCE_DATE_EPOCH: '0', PYTHONHASHSEED: '0' }, cwd: '/', onCommand: options.onCommand },
    );
    if (result.code !== 0) {
      const lines = result.output.split('\n').filter((l) => l.trim() !== '');
      log({
        kind: 'warning',
        message: `some files under ${ddir} did not compile to .pyc (they are kept as source):\n${lines.slice(-10).join('\n')}`,
      });
    }
  }
  if (options.sourceless) await removeCompiledSources(dir);
}

/** Removes every `x.py` that has its `x.pyc` beside it (a file that did not compile keeps its source). */
async function removeCompiledSources(dir: string): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = new Set(entries.map((e) => e.name));
  for (const entry of entries) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) await removeCompiledSources(full);
    else if (entry.isFile() && entry.name.endsWith('.py') && names.has(`${entry.name}c`)) await rm(full);
  }
}
